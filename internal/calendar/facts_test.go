package calendar

import (
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, text string) []Arrangement {
	t.Helper()
	arrs, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return arrs
}

// A 2027 arrangement as a deployment would add it before a release carries the State Council's.
const year2027 = `
# 2027, as published
year 2027 https://www.gov.cn/example
off  2027-01-01             元旦
off  2027-02-06..2027-02-12 春节
work 2027-02-20             春节
off  2027-10-01..2027-10-07 国庆节
work 2027-10-09             国庆节
`

func TestParse(t *testing.T) {
	arrs := parse(t, year2027)
	if len(arrs) != 1 || arrs[0].Year != 2027 || len(arrs[0].Sources) != 1 || len(arrs[0].Entries) != 5 {
		t.Fatalf("got %+v", arrs)
	}
	want := Entry{Date{2027, 2, 6}, Date{2027, 2, 12}, DayOff, "春节"}
	if got := arrs[0].Entries[1]; got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := arrs[0].Entries[2].String(); got != "work 2027-02-20 春节" {
		t.Errorf("String: %q", got)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	cases := map[string]string{
		"off 2027-01-01 元旦":                         `line 1: "off" comes before the first year line`,
		"year 2027\nholiday 2027-01-01 元旦":          `line 2: "holiday": want year, off or work`,
		"year 2027\noff 2027-01-01":                 "line 2: want 'off DATE[..DATE] NAME'",
		"year 2027\noff 2027-02-30 春节":              `line 2: "2027-02-30": want a date`,
		"year 2027\noff 2027-10-07..2027-10-01 国庆节": "line 2: 2027-10-07..2027-10-01: ends before it starts",
		"year 2027\n\nwork 2028-05-01 劳动节":          "line 3: 2028-05-01: not in 2027 nor in the month either side of it",
		"year 27\noff 2027-01-01 元旦":                `line 1: year "27": want four digits`,
		"year 2027\noff 2027-01-01 元旦\nyear 2027":   "line 3: year 2027 already began on line 1",
		"year\n": "line 1: want 'year YYYY [SOURCE…]'",
		"year 2027\noff 2027-01-01..2027-01-0x 元旦":            `line 2: "2027-01-0x": want a date`,
		"year 2027\noff 2027-01-01 元旦\nwork 2027-01-0 元旦 # x": `line 3: "2027-01-0": want a date`,
	}
	for text, want := range cases {
		if _, err := Parse(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}

func TestExtraYear(t *testing.T) {
	c := newCalendar(t, Config{Extra: parse(t, year2027)})
	// Without 2027 this limit runs out of the calendar; with it, New Year's Day is skipped.
	due, err := c.AddWorkingDays(sh(t, "2026-12-31 10:00"), 1)
	if err != nil || !due.Equal(sh(t, "2027-01-04 18:00")) {
		t.Errorf("got %s, %v", due.In(Shanghai), err)
	}
	if w, err := c.IsWorkingDay(Date{2027, 2, 20}); err != nil || !w {
		t.Errorf("make-up Saturday 2027-02-20: %v, %v", w, err)
	}
	a, err := c.Year(2027)
	if err != nil || len(a.Entries) != 5 || a.Sources[0] != "https://www.gov.cn/example" {
		t.Errorf("Year(2027): %+v, %v", a, err)
	}
}

func TestExtraOverridesTheEmbeddedDays(t *testing.T) {
	// A local decision: the make-up Saturday after golden week 2025 is a day off here, and a local
	// holiday on Monday 2025-11-17.
	extra := parse(t, "year 2025\noff 2025-10-11 国庆节、中秋节\noff 2025-11-17 地方节日\n")
	c := newCalendar(t, Config{Extra: extra})
	for _, d := range []Date{{2025, 10, 11}, {2025, 11, 17}} {
		if w, err := c.IsWorkingDay(d); err != nil || w {
			t.Errorf("%s: working %v, %v", d, w, err)
		}
	}
	due, err := c.AddWorkingDays(sh(t, "2025-09-30 10:00"), 3)
	if err != nil || !due.Equal(sh(t, "2025-10-13 18:00")) {
		t.Errorf("got %s, %v", due.In(Shanghai), err)
	}
	a, err := c.Year(2025)
	if err != nil {
		t.Fatal(err)
	}
	last := a.Entries[len(a.Entries)-1]
	if last != (Entry{Date{2025, 11, 17}, Date{2025, 11, 17}, DayOff, "地方节日"}) {
		t.Errorf("last entry of 2025: %+v", last)
	}
	if len(a.Sources) != 1 {
		t.Errorf("sources of 2025: %v", a.Sources)
	}
}

func TestContradictoryEntriesAreRefused(t *testing.T) {
	cases := []struct {
		name  string
		extra []Arrangement
		want  string
	}{
		{"a day off and a working day", []Arrangement{{Year: 2027, Entries: []Entry{
			{Date{2027, 10, 1}, Date{2027, 10, 7}, DayOff, "国庆节"},
			{Date{2027, 10, 5}, Date{2027, 10, 5}, WorkDay, "国庆节"},
		}}}, "2027-10-05: off (国庆节) in one entry and work (国庆节) in another"},
		{"the same day under two names", []Arrangement{{Year: 2027, Entries: []Entry{
			{Date{2027, 9, 15}, Date{2027, 9, 15}, DayOff, "中秋节"},
			{Date{2027, 9, 15}, Date{2027, 9, 15}, DayOff, "国庆节"},
		}}}, "2027-09-15: off (中秋节) in one entry and off (国庆节) in another"},
		{"two arrangements naming one day differently", []Arrangement{
			{Year: 2027, Entries: []Entry{{Date{2027, 12, 31}, Date{2027, 12, 31}, DayOff, "元旦"}}},
			{Year: 2028, Entries: []Entry{{Date{2027, 12, 31}, Date{2027, 12, 31}, WorkDay, "元旦"}}},
		}, "2027-12-31: off (元旦) in one entry and work (元旦) in another"},
		{"a range that ends before it starts", []Arrangement{{Year: 2027, Entries: []Entry{
			{Date{2027, 10, 7}, Date{2027, 10, 1}, DayOff, "国庆节"},
		}}}, "year 2027: 2027-10-07..2027-10-01: ends before it starts"},
		{"a date that does not exist", []Arrangement{{Year: 2027, Entries: []Entry{
			{Date{2027, 2, 29}, Date{2027, 2, 29}, DayOff, "春节"},
		}}}, "year 2027: 2027-02-29: no such date"},
		{"no kind", []Arrangement{{Year: 2027, Entries: []Entry{{First: Date{2027, 1, 1}, Last: Date{2027, 1, 1}, Name: "元旦"}}}},
			"year 2027: 2027-01-01: kind must be off or work"},
		{"no name", []Arrangement{{Year: 2027, Entries: []Entry{{Date{2027, 1, 1}, Date{2027, 1, 1}, DayOff, " "}}}},
			"year 2027: 2027-01-01: name is empty"},
		{"a year with no entries", []Arrangement{{Year: 2027}}, "year 2027: no entries"},
		{"a gap", parse(t, "year 2028\noff 2028-01-01 元旦\n"), "year 2027: no arrangement, yet 2026 and 2028 have one"},
		{"a year of five digits", []Arrangement{{Year: 20270}}, "year 20270: want four digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Extra: tc.extra})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRepeatedDaysWithTheSameMeaningAreAccepted(t *testing.T) {
	extra := parse(t, "year 2027\noff 2027-10-01..2027-10-07 国庆节\noff 2027-10-05..2027-10-07 国庆节\n")
	c := newCalendar(t, Config{Extra: extra})
	a, err := c.Year(2027)
	if err != nil || len(a.Entries) != 1 || a.Entries[0].Last != (Date{2027, 10, 7}) {
		t.Errorf("got %+v, %v", a, err)
	}
}

func TestYear(t *testing.T) {
	c := newCalendar(t, Config{})
	a, err := c.Year(2026)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range a.Entries {
		lines = append(lines, e.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"off 2026-01-01..2026-01-03 元旦\nwork 2026-01-04 元旦\nwork 2026-02-14 春节\noff 2026-02-15..2026-02-23 春节",
		"off 2026-10-01..2026-10-07 国庆节\nwork 2026-10-10 国庆节",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("2026:\n%s\nlacks\n%s", got, want)
		}
	}
	if len(a.Entries) != 13 || len(a.Sources) != 1 {
		t.Errorf("%d entries, sources %v", len(a.Entries), a.Sources)
	}
	// The 2023 arrangement's New Year began on 2022-12-31: it is listed under the year it falls in.
	a, err = c.Year(2022)
	if err != nil || a.Entries[len(a.Entries)-1] != (Entry{Date{2022, 12, 31}, Date{2022, 12, 31}, DayOff, "元旦"}) {
		t.Errorf("2022 ends with %+v, %v", a.Entries[len(a.Entries)-1], err)
	}
	if d := (Date{2025, 12, 31}); d.AddDays(1) != (Date{2026, 1, 1}) || d.Weekday() != time.Wednesday {
		t.Errorf("date arithmetic around %s", d)
	}
}
