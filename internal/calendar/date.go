package calendar

import (
	"fmt"
	"time"
)

// Date is a day on the wall calendar of Asia/Shanghai, with no time of day: the unit holiday
// arrangements are written in, which an instant only maps onto once the zone is known.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written 2006-01-02, refusing days that do not exist (2025-02-29).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q: want a date such as 2025-10-01", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Weekday is the day of the week the date falls on.
func (d Date) Weekday() time.Weekday { return d.midnightUTC().Weekday() }

// AddDays is the date n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return dateOfDay(d.day() + int64(n)) }

// valid reports whether the date exists: Date{2025, 2, 29} does not.
func (d Date) valid() bool { return dateOfDay(d.day()) == d }

func (d Date) before(e Date) bool { return d.day() < e.day() }

func (d Date) midnightUTC() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// day numbers dates consecutively (days since 1970-01-01), so that ranges and tables are arithmetic.
func (d Date) day() int64 { return d.midnightUTC().Unix() / secondsPerDay }

func dateOfDay(n int64) Date {
	y, m, d := time.Unix(n*secondsPerDay, 0).UTC().Date()
	return Date{y, m, d}
}

const secondsPerDay = 24 * 60 * 60
