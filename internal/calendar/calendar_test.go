package calendar

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// sh is a wall-clock time in Shanghai, written "2006-01-02 15:04" or with seconds.
func sh(t *testing.T, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = "2006-01-02 15:04:05.999999999"
	}
	v, err := time.ParseInLocation(layout, s, Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newCalendar(t testing.TB, cfg Config) *Calendar {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddWorkingDays(t *testing.T) {
	c := newCalendar(t, Config{})
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		from time.Time
		n    int
		want string
	}{
		{"golden week: the next working day is after it", sh(t, "2025-09-30 10:00"), 1, "2025-10-09 18:00"},
		{"golden week: make-up Saturday counts", sh(t, "2025-09-30 10:00"), 3, "2025-10-11 18:00"},
		{"golden week: Sunday after the make-up Saturday does not", sh(t, "2025-09-30 10:00"), 4, "2025-10-13 18:00"},
		{"15 working days across golden week", sh(t, "2025-09-30 10:00"), 15, "2025-10-28 18:00"},
		{"one second before closing is the same day", sh(t, "2025-09-30 17:59:59"), 1, "2025-10-09 18:00"},
		{"at closing counts from the next working day", sh(t, "2025-09-30 18:00"), 1, "2025-10-10 18:00"},
		{"at lunch is the same day", sh(t, "2025-09-30 12:30"), 1, "2025-10-09 18:00"},
		{"before opening is the same day", sh(t, "2025-09-30 06:00"), 1, "2025-10-09 18:00"},
		{"in a holiday counts from the first working day after it", sh(t, "2025-10-03 10:00"), 1, "2025-10-10 18:00"},
		{"Saturday before a make-up Sunday counts from the Sunday", sh(t, "2025-09-27 10:00"), 1, "2025-09-29 18:00"},
		{"Spring Festival 2026: make-up Saturday before it", sh(t, "2026-02-13 10:00"), 1, "2026-02-14 18:00"},
		{"Spring Festival 2026: across it", sh(t, "2026-02-13 10:00"), 2, "2026-02-24 18:00"},
		{"Spring Festival 2026: after hours on the make-up Saturday", sh(t, "2026-02-14 19:00"), 1, "2026-02-25 18:00"},
		{"Spring Festival 2025", sh(t, "2025-01-27 10:00"), 1, "2025-02-05 18:00"},
		{"year end into a make-up Sunday", sh(t, "2025-12-31 10:00"), 1, "2026-01-04 18:00"},
		{"year end, two days", sh(t, "2025-12-31 10:00"), 2, "2026-01-05 18:00"},
		{"midnight starts the day", sh(t, "2025-12-31 00:00"), 1, "2026-01-04 18:00"},
		{"last nanosecond of the day before", sh(t, "2025-12-30 23:59:59.999999999"), 1, "2026-01-04 18:00"},
		{"an ordinary week: Friday to Monday", sh(t, "2025-11-14 09:00"), 1, "2025-11-17 18:00"},
		{"the 2020 extension of Spring Festival", sh(t, "2020-01-23 10:00"), 1, "2020-02-03 18:00"},
		{"input in UTC", time.Date(2025, 9, 30, 2, 0, 0, 0, time.UTC), 1, "2025-10-09 18:00"},
		{"input in New York", time.Date(2025, 9, 29, 22, 0, 0, 0, newYork), 1, "2025-10-09 18:00"},
		{"first day of the calendar", sh(t, "2019-01-01 00:00"), 1, "2019-01-03 18:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(tc.from, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if want := sh(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("got %s, want %s in UTC", got, want.UTC())
			}
		})
	}
}

func TestAddWorkingHours(t *testing.T) {
	c := newCalendar(t, Config{})
	cases := []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"within the morning, ending at lunch", "2025-09-30 10:00", 2 * time.Hour, "2025-09-30 12:00"},
		{"across lunch", "2025-09-30 11:00", 2 * time.Hour, "2025-09-30 15:30"},
		{"a whole working day ends at closing, not next morning", "2025-09-30 08:30", 7 * time.Hour, "2025-09-30 18:00"},
		{"half a day ends at noon", "2025-09-30 08:30", 3*time.Hour + 30*time.Minute, "2025-09-30 12:00"},
		{"from lunch", "2025-09-30 13:00", time.Hour, "2025-09-30 15:30"},
		{"across golden week", "2025-09-30 17:00", 2 * time.Hour, "2025-10-09 09:30"},
		{"into a make-up Saturday", "2025-10-10 17:00", 2 * time.Hour, "2025-10-11 09:30"},
		{"over the Sunday after it", "2025-10-11 17:00", 2 * time.Hour, "2025-10-13 09:30"},
		{"from the night", "2025-09-30 20:00", 30 * time.Minute, "2025-10-09 09:00"},
		{"minutes, into the next year's make-up Sunday", "2025-12-31 17:45", 30 * time.Minute, "2026-01-04 08:45"},
		{"24 hours of an outage", "2025-09-30 08:30", 24 * time.Hour, "2025-10-11 11:30"},
		{"Spring Festival 2026", "2026-02-14 16:00", 4 * time.Hour, "2026-02-24 10:30"},
		{"sub-second", "2025-09-30 10:00:00.5", time.Second, "2025-09-30 10:00:01.5"},
		{"from midnight", "2025-11-17 00:00", time.Minute, "2025-11-17 08:31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.AddWorkingHours(sh(t, tc.from), tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if want := sh(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("got %s, want %s in UTC", got.In(Shanghai), want)
			}
		})
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	c := newCalendar(t, Config{})
	cases := []struct {
		a, b string
		want time.Duration
	}{
		{"2025-09-30 11:00", "2025-10-09 09:30", 5*time.Hour + 30*time.Minute},
		{"2025-09-30 11:30", "2025-09-30 15:00", time.Hour},
		{"2025-09-30 11:30", "2025-09-30 11:30", 0},
		{"2025-10-04 10:00", "2025-10-05 10:00", 0},
		{"2025-10-09 09:30", "2025-09-30 11:00", -(5*time.Hour + 30*time.Minute)},
		{"2025-12-31 00:00", "2026-01-05 00:00", 14 * time.Hour},
	}
	for _, tc := range cases {
		got, err := c.WorkingTimeBetween(sh(t, tc.a), sh(t, tc.b))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s to %s: got %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNextWorkingInstant(t *testing.T) {
	c := newCalendar(t, Config{})
	cases := []struct{ at, want string }{
		{"2025-09-30 10:00", "2025-09-30 10:00"},
		{"2025-09-30 08:30", "2025-09-30 08:30"},
		{"2025-09-30 07:00", "2025-09-30 08:30"},
		{"2025-09-30 12:00", "2025-09-30 14:30"},
		{"2025-09-30 18:00", "2025-10-09 08:30"},
		{"2025-10-03 10:00", "2025-10-09 08:30"},
		{"2025-10-10 19:00", "2025-10-11 08:30"},
		{"2025-12-31 18:30", "2026-01-04 08:30"},
	}
	for _, tc := range cases {
		got, err := c.NextWorkingInstant(sh(t, tc.at))
		if err != nil {
			t.Fatal(err)
		}
		if want := sh(t, tc.want); !got.Equal(want) {
			t.Errorf("%s: got %s, want %s", tc.at, got.In(Shanghai), want)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := newCalendar(t, Config{})
	cases := []struct {
		date string
		want bool
	}{
		{"2025-10-01", false}, // National Day
		{"2025-10-08", false}, // a Wednesday inside golden week
		{"2025-10-09", true},
		{"2025-10-11", true},  // make-up Saturday
		{"2025-10-12", false}, // the Sunday after it
		{"2025-11-15", false}, // an ordinary Saturday
		{"2025-11-17", true},  // an ordinary Monday
		{"2026-01-04", true},  // make-up Sunday
		{"2026-01-02", false}, // a Friday in the New Year holiday
		{"2024-02-29", true},
		{"2020-02-03", true}, // named a working day on a Monday: changes nothing
		{"2022-12-31", false},
		{"2019-01-01", false},
		{"2026-12-31", true},
	}
	for _, tc := range cases {
		d, err := ParseDate(tc.date)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.IsWorkingDay(d)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v", tc.date, got, err, tc.want)
		}
	}
}

func TestOutsideTheCalendar(t *testing.T) {
	c := newCalendar(t, Config{})
	checks := []struct {
		name string
		err  func() error
		want string
	}{
		{"before 2019", func() error { _, err := c.AddWorkingDays(sh(t, "2018-12-31 10:00"), 1); return err }, "2018-12-31T10:00:00+08:00"},
		{"after 2026", func() error { _, err := c.AddWorkingHours(sh(t, "2027-01-04 10:00"), time.Hour); return err }, "2027-01-04T10:00:00+08:00"},
		{"a limit running into 2027", func() error { _, err := c.AddWorkingDays(sh(t, "2026-12-29 10:00"), 5); return err }, "5 working days from 2026-12-29"},
		{"hours running into 2027", func() error { _, err := c.AddWorkingHours(sh(t, "2026-12-31 17:00"), 2*time.Hour); return err }, "2h0m0s of working time"},
		{"a huge limit", func() error { _, err := c.AddWorkingHours(sh(t, "2025-01-02 10:00"), 1<<62); return err }, "of working time"},
		{"next working day in 2027", func() error { _, err := c.NextWorkingInstant(sh(t, "2026-12-31 18:00")); return err }, "after 2026-12-31T18:00:00+08:00"},
		{"between, one end outside", func() error {
			_, err := c.WorkingTimeBetween(sh(t, "2025-01-02 10:00"), sh(t, "2027-01-02 10:00"))
			return err
		}, "2027-01-02"},
		{"a date outside", func() error { _, err := c.IsWorkingDay(Date{2027, 1, 4}); return err }, "2027-01-04"},
		{"a year outside", func() error { _, err := c.Year(2030); return err }, "2030"},
	}
	for _, ck := range checks {
		err := ck.err()
		if !errors.Is(err, ErrOutside) || !strings.Contains(err.Error(), ck.want) || !strings.Contains(err.Error(), "2019 to 2026") {
			t.Errorf("%s: got %v, want ErrOutside naming %q", ck.name, err, ck.want)
		}
	}
	if _, err := c.IsWorkingDay(Date{2025, 2, 29}); err == nil || err.Error() != "2025-02-29: no such date" {
		t.Errorf("a date that does not exist: %v", err)
	}
	if _, err := c.AddWorkingDays(sh(t, "2026-12-29 10:00"), 2); err != nil {
		t.Errorf("a limit ending on the last working day of 2026: %v", err)
	}
}

func TestNonPositiveLimitsAreRefused(t *testing.T) {
	c := newCalendar(t, Config{})
	from := sh(t, "2025-09-30 10:00")
	for _, n := range []int{0, -1} {
		if _, err := c.AddWorkingDays(from, n); err == nil || !strings.HasPrefix(err.Error(), "n: ") {
			t.Errorf("n = %d: got %v, want an error naming n", n, err)
		}
	}
	for _, d := range []time.Duration{0, -time.Minute} {
		if _, err := c.AddWorkingHours(from, d); err == nil || !strings.HasPrefix(err.Error(), "d: ") {
			t.Errorf("d = %s: got %v, want an error naming d", d, err)
		}
	}
}

// Shanghai has kept UTC+8 without daylight saving since 1991: the arithmetic relies on it, and New
// checks it day by day. This test says so on its own, so that a zone change shows up by name.
func TestShanghaiHasNoDaylightSaving(t *testing.T) {
	for y := 2019; y <= 2026; y++ {
		for _, m := range []time.Month{time.January, time.April, time.July, time.October} {
			at := time.Date(y, m, 15, 12, 0, 0, 0, Shanghai)
			if _, off := at.Zone(); off != chinaOffset {
				t.Errorf("%s: offset %d", at, off)
			}
			if start, end := at.ZoneBounds(); !end.IsZero() || start.Year() >= 2019 {
				t.Errorf("%s: zone in force from %s until %s", at, start, end)
			}
		}
	}
}

func TestCustomHours(t *testing.T) {
	h, err := ParseHours("09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	c := newCalendar(t, Config{Hours: h})
	due, err := c.AddWorkingDays(sh(t, "2025-09-30 16:59"), 1)
	if err != nil || !due.Equal(sh(t, "2025-10-09 17:00")) {
		t.Errorf("working days: got %s, %v", due.In(Shanghai), err)
	}
	due, err = c.AddWorkingHours(sh(t, "2025-09-30 16:00"), 2*time.Hour)
	if err != nil || !due.Equal(sh(t, "2025-10-09 10:00")) {
		t.Errorf("working hours: got %s, %v", due.In(Shanghai), err)
	}
	if got := c.Hours().String(); got != "09:00-17:00" {
		t.Errorf("hours: %s", got)
	}
	if _, err := New(Config{Hours: Hours{{10 * time.Hour, 9 * time.Hour}}}); err == nil || !strings.HasPrefix(err.Error(), "hours: 10:00-09:00") {
		t.Errorf("backwards hours: %v", err)
	}
}

func TestParseHours(t *testing.T) {
	h, err := ParseHours("08:30-12:00, 14:30-18:00")
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != DefaultHours().String() || h.String() != "08:30-12:00,14:30-18:00" || h.total() != 7*time.Hour {
		t.Errorf("got %s (%s)", h, h.total())
	}
	if h, err := ParseHours("00:00-24:00"); err != nil || h.total() != 24*time.Hour {
		t.Errorf("the whole day: %v, %v", h, err)
	}
	bad := map[string]string{
		"":                        `"": want periods`,
		"8:30":                    `"8:30": want periods`,
		"08:30-12:00,11:00-18:00": "11:00-18:00: starts before 08:30-12:00 ends",
		"14:30-18:00,08:30-12:00": "08:30-12:00: starts before 14:30-18:00 ends",
		"12:00-12:00":             "12:00-12:00: ends before it starts",
		"25:00-26:00":             `"25:00-26:00": want periods`,
	}
	for in, want := range bad {
		if _, err := ParseHours(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

// The properties the time limits rely on, over random instants anywhere in the calendar (most of
// them outside working hours), random limits, down to the nanosecond.
func TestProperties(t *testing.T) {
	c := newCalendar(t, Config{})
	rng := rand.New(rand.NewPCG(4, 12345))
	lo, hi := sh(t, "2019-01-01 00:00").UnixNano(), sh(t, "2026-06-30 00:00").UnixNano()
	limit := func() time.Duration { return time.Duration(rng.Int64N(int64(200*time.Hour))) + 1 }
	inside := 0
	for range 20000 {
		from := time.Unix(0, lo+rng.Int64N(hi-lo))
		a, b := limit(), limit()
		ab, err := c.AddWorkingHours(from, a+b)
		if err != nil {
			t.Fatal(err)
		}
		mid, err := c.AddWorkingHours(from, a)
		if err != nil {
			t.Fatal(err)
		}
		then, err := c.AddWorkingHours(mid, b)
		if err != nil {
			t.Fatal(err)
		}
		if !ab.Equal(then) {
			t.Fatalf("from %s: adding %s then %s gives %s, adding %s gives %s", from.In(Shanghai), a, b, then, a+b, ab)
		}
		got, err := c.WorkingTimeBetween(from, ab)
		if err != nil {
			t.Fatal(err)
		}
		if got != a+b {
			t.Fatalf("from %s: %s later, working time between is %s", from.In(Shanghai), a+b, got)
		}
		if next, _ := c.NextWorkingInstant(from); next.Equal(from) {
			inside++
		}
	}
	if inside < 2000 {
		t.Errorf("only %d of the instants were inside working hours", inside)
	}
}

// AddWorkingDays agrees with the definition applied the slow way, a day at a time.
func TestAddWorkingDaysAgreesWithDayByDay(t *testing.T) {
	c := newCalendar(t, Config{})
	rng := rand.New(rand.NewPCG(12, 345))
	lo, hi := sh(t, "2019-01-01 00:00").Unix(), sh(t, "2026-06-30 00:00").Unix()
	for range 3000 {
		from := time.Unix(lo+rng.Int64N(hi-lo), 0)
		n := 1 + rng.IntN(30)
		got, err := c.AddWorkingDays(from, n)
		if err != nil {
			t.Fatal(err)
		}
		start, err := c.NextWorkingInstant(from)
		if err != nil {
			t.Fatal(err)
		}
		y, m, day := start.In(Shanghai).Date()
		d := Date{y, m, day}
		for left := n; left > 0; {
			d = d.AddDays(1)
			if working, err := c.IsWorkingDay(d); err != nil {
				t.Fatal(err)
			} else if working {
				left--
			}
		}
		want := time.Date(d.Year, d.Month, d.Day, 18, 0, 0, 0, Shanghai)
		if !got.Equal(want) {
			t.Fatalf("%s + %d working days: got %s, want %s", from.In(Shanghai), n, got.In(Shanghai), want)
		}
	}
}
