// Package measure defines the numbers leaders manage the hotline by — volume, the three rates (三率),
// on-time closure, send-backs, re-handling, first-line closure, handling time and overdue work — and
// the arithmetic that turns the steps of work orders into counters and counters into measures. Every
// screen, report and export reads its numbers from here, so that a measure means the same thing
// everywhere; docs/measures.md is the written definition and this package is its only implementation.
// It knows nothing of SQL or HTTP: the store keeps the counters (rollups) and the edges show them.
package measure

import (
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/workorder"
)

// Field is one counter kept for every (day, unit, place, category, line, channel, request type).
// Counters only ever grow by whole steps of orders, so any set of rows adds up to the counters of
// their union: a month is the sum of its days, a district the sum of its grids.
type Field int

// The counters. The comment of each says which step adds one to it and on which day.
const (
	Taken              Field = iota // an order taken in (受理), on its intake day
	Answered                        // answered directly by the centre (一线办结), on the day of the answer
	Dispatched                      // sent to a lead unit to sign for: dispatch, re-dispatch, overruled send-back, re-handling, reopening
	Signed                          // signed for (签收) by the lead unit, on the day it signed
	SignedOnTime                    // of Signed, those signed no later than the sign-for deadline (or with none)
	Returned                        // sent back (退单) by the lead unit, on the day it sent it back
	Visited                         // return visits (回访), including a citizen's rating of a direct answer
	Resolved                        // of Visited, the matter resolved by the citizen's word
	Satisfied                       // of Visited, 满意
	Basically                       // of Visited, 基本满意
	Unsatisfied                     // of Visited, 不满意
	Rehandled                       // re-handlings (重办): a visit that sent the order back, or a reopening
	Closed                          // orders closed (办结) after the return visit, on the closure day
	ClosedWithDeadline              // of Closed, those with a closure deadline
	ClosedOnTime                    // of ClosedWithDeadline, closed no later than the deadline
	Overdue                         // closed after their closure deadline, counted on the deadline's day
	HandleMillis                    // sum over Closed of the wall time from first dispatch to closure, in ms
	firstBucket                     // HandleBuckets follow: a histogram of the same handling times
)

// HandleBounds are the upper bounds of the handling-time histogram's buckets, roughly doubling (the
// last bucket, beyond 30 days, has none). p90 is read from the histogram: exact to the bucket and
// interpolated inside it, which is as precise as a statement about days of handling needs to be.
var HandleBounds = []time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 72 * time.Hour, 120 * time.Hour, 168 * time.Hour, 240 * time.Hour,
	360 * time.Hour, 480 * time.Hour, 720 * time.Hour}

// HandleBuckets is the number of buckets in the handling-time histogram.
const HandleBuckets = 15

// NumFields is the number of counters a rollup row holds.
const NumFields = int(firstBucket) + HandleBuckets

// Bucket is the counter of the i-th handling-time bucket.
func Bucket(i int) Field { return firstBucket + Field(i) }

var fieldNames = [...]string{"taken", "answered", "dispatched", "signed", "signed_on_time", "returned", "visited",
	"resolved", "satisfied", "basically", "unsatisfied", "rehandled", "closed", "closed_with_deadline",
	"closed_on_time", "overdue", "handle_ms"}

// Column is the counter's column name in the rollup table.
func (f Field) Column() string {
	if f < firstBucket {
		return fieldNames[f]
	}
	return fmt.Sprintf("h%02d", int(f-firstBucket))
}

// Fields lists every counter in column order.
func Fields() []Field {
	out := make([]Field, NumFields)
	for i := range out {
		out[i] = Field(i)
	}
	return out
}

// Counts is one value for every counter.
type Counts [NumFields]int64

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	for i, v := range o {
		c[i] += v
	}
}

// IsZero tells whether every counter is zero: a step that counts nothing needs no write.
func (c Counts) IsZero() bool { return c == Counts{} }

// Mask has bit f set for every counter that is not zero; the store writes only those columns.
func (c Counts) Mask() uint64 {
	var m uint64
	for i, v := range c {
		if v != 0 {
			m |= 1 << i
		}
	}
	return m
}

// bucketOf is the histogram bucket of a handling time.
func bucketOf(d time.Duration) int {
	for i, b := range HandleBounds {
		if d <= b {
			return i
		}
	}
	return len(HandleBounds)
}

// Day is a calendar day in Shanghai written as the number yyyymmdd (20261128): the rollups' time key.
// Days sort as numbers, and a month is a range of them.
type Day int32

// DayOf is the Shanghai day an instant falls on.
func DayOf(t time.Time) Day {
	y, m, d := t.In(workorder.Shanghai).Date()
	return MakeDay(y, m, d)
}

// MakeDay makes a Day from its parts.
func MakeDay(y int, m time.Month, d int) Day { return Day(y*10000 + int(m)*100 + d) }

// ParseDay reads a date written 2026-11-28.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a date such as 2026-11-28", s)
	}
	return MakeDay(t.Date()), nil
}

// Parts splits the day into year, month and day.
func (d Day) Parts() (int, time.Month, int) {
	return int(d) / 10000, time.Month(int(d) / 100 % 100), int(d) % 100
}

// Start is the instant the day begins in Shanghai.
func (d Day) Start() time.Time {
	y, m, dd := d.Parts()
	return time.Date(y, m, dd, 0, 0, 0, 0, workorder.Shanghai)
}

// AddDays moves the day by n days.
func (d Day) AddDays(n int) Day {
	y, m, dd := d.Parts()
	return MakeDay(time.Date(y, m, dd+n, 12, 0, 0, 0, time.UTC).Date())
}

// Weekday is the day of the week.
func (d Day) Weekday() time.Weekday {
	y, m, dd := d.Parts()
	return time.Date(y, m, dd, 12, 0, 0, 0, time.UTC).Weekday()
}

// Monday is the first day of the day's week; weeks run Monday to Sunday.
func (d Day) Monday() Day { return d.AddDays(-((int(d.Weekday()) + 6) % 7)) }

// FirstOfMonth is the first day of the day's month.
func (d Day) FirstOfMonth() Day { return d - d%100 + 1 }

// LastOfMonth is the last day of the day's month.
func (d Day) LastOfMonth() Day {
	y, m, _ := d.Parts()
	return MakeDay(time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Date())
}

// String writes the day as 2026-11-28.
func (d Day) String() string {
	y, m, dd := d.Parts()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

// Valid tells whether the number is a real date.
func (d Day) Valid() bool {
	y, m, dd := d.Parts()
	return d > 0 && MakeDay(time.Date(y, m, dd, 12, 0, 0, 0, time.UTC).Date()) == d
}

// ParseMonth reads a month written 2026-11 and returns its first and last days.
func ParseMonth(s string) (first, last Day, err error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q: want a month such as 2026-11", s)
	}
	first = MakeDay(t.Date())
	return first, first.LastOfMonth(), nil
}

// MonthLabel writes the day's month as 2026-11.
func (d Day) MonthLabel() string {
	y, m, _ := d.Parts()
	return fmt.Sprintf("%04d-%02d", y, int(m))
}
