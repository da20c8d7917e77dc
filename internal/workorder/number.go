package workorder

import (
	"crypto/rand"
	"fmt"
	"time"
	_ "time/tzdata" // the zone database travels with the binary: numbers and deadlines never depend on the host
)

// Shanghai is the zone the working calendar and order numbers reason in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The binary embeds the zone database (time/tzdata in main), so this only fails in a broken build.
		panic(fmt.Sprintf("time zone %s: %v", name, err))
	}
	return loc
}

// NumberDay is the day an order number counts in: the date in Shanghai.
func NumberDay(at time.Time) string { return at.In(Shanghai).Format("20060102") }

// FormatNumber renders an order number: city prefix, Shanghai date and a six-digit daily sequence,
// e.g. WH20261128000123 — short enough to read out on the phone.
func FormatNumber(prefix, day string, seq int64) string {
	return fmt.Sprintf("%s%s%06d", prefix, day, seq)
}

// queryAlphabet leaves out letters and digits that are misread over the phone (0/O, 1/I/L).
const queryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewQueryCode makes the 8-character code that, with the number, lets a citizen follow the order.
func NewQueryCode() string {
	out := make([]byte, 0, 8)
	buf := make([]byte, 16)
	limit := byte(256 - 256%len(queryAlphabet)) // reject bytes above the last whole multiple: no bias
	for len(out) < 8 {
		rand.Read(buf)
		for _, c := range buf {
			if c < limit && len(out) < 8 {
				out = append(out, queryAlphabet[int(c)%len(queryAlphabet)])
			}
		}
	}
	return string(out)
}
