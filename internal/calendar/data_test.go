package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite data/holidays.txt from ../shared/data/holiday-cn")

// holidayCN is one year's file of github.com/NateScarlet/holiday-cn.
type holidayCN struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	} `json:"days"`
}

// readHolidayCN reads ../shared/data/holiday-cn/YYYY.json beside the repository (this package is two
// levels below its root), or skips the test when the folder is absent.
func readHolidayCN(t *testing.T) []holidayCN {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", "holiday-cn")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent: cannot compare the embedded holidays with their source", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9].json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YYYY.json in %s (%v)", dir, err)
	}
	var out []holidayCN
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var y holidayCN
		if err := json.Unmarshal(raw, &y); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, y)
	}
	return out
}

// convert turns holiday-cn's one-object-per-day files into arrangements: a year's papers become its
// sources, and consecutive days of the same kind and holiday become one entry.
func convert(t *testing.T, src []holidayCN) []Arrangement {
	t.Helper()
	var out []Arrangement
	for _, y := range src {
		a := Arrangement{Year: y.Year, Sources: y.Papers}
		for _, d := range y.Days {
			date, err := ParseDate(d.Date)
			if err != nil {
				t.Fatalf("%d.json: %v", y.Year, err)
			}
			f := dayFact{WorkDay, d.Name}
			if d.IsOffDay {
				f.kind = DayOff
			}
			a.Entries = appendDay(a.Entries, date, f)
		}
		out = append(out, a)
	}
	return out
}

const holidaysHeader = `# China's statutory days off and make-up working days (调休), one State Council notice a year.
# Converted from holiday-cn (MIT License, Copyright (c) 2019 NateScarlet); see README.md beside this file.
# "year YYYY SOURCE…" begins a year's arrangement; each line after it is a run of days: off (a day off)
# or work (a day worked), the first..last date (inclusive), and the holiday's name. Written by
#   go test ./internal/calendar -run TestEmbeddedHolidaysMatchSource -update
`

func format(arrs []Arrangement) []byte {
	var b bytes.Buffer
	b.WriteString(holidaysHeader)
	for _, a := range arrs {
		fmt.Fprintf(&b, "\nyear %d", a.Year)
		for _, s := range a.Sources {
			b.WriteString(" " + s)
		}
		b.WriteString("\n")
		for _, e := range a.Entries {
			fmt.Fprintf(&b, "%-4s %-22s %s\n", e.Kind, e.dates(), e.Name)
		}
	}
	return b.Bytes()
}

// yearDay is one day as one year's arrangement names it.
type yearDay struct {
	year int
	date Date
}

func expand(arrs []Arrangement) map[yearDay]dayFact {
	days := map[yearDay]dayFact{}
	for _, a := range arrs {
		for _, e := range a.Entries {
			for d := e.First; !e.Last.before(d); d = d.AddDays(1) {
				days[yearDay{a.Year, d}] = dayFact{e.Kind, e.Name}
			}
		}
	}
	return days
}

func TestEmbeddedHolidaysMatchSource(t *testing.T) {
	src := readHolidayCN(t)
	want := format(convert(t, src))
	if *update {
		if err := os.WriteFile(filepath.Join("data", "holidays.txt"), want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(holidaysFile, want) {
		t.Errorf("data/holidays.txt differs from what its source converts to; run go test ./internal/calendar -run TestEmbeddedHolidaysMatchSource -update")
	}

	// Independently of the conversion: every day of the source, read straight from its JSON, means the
	// same in the embedded file and in the calendar built from it.
	sourceDays := map[yearDay]dayFact{}
	for _, y := range src {
		for _, d := range y.Days {
			date, err := ParseDate(d.Date)
			if err != nil {
				t.Fatal(err)
			}
			f := dayFact{WorkDay, d.Name}
			if d.IsOffDay {
				f.kind = DayOff
			}
			sourceDays[yearDay{y.Year, date}] = f
		}
	}
	embedded, err := base()
	if err != nil {
		t.Fatal(err)
	}
	if got := expand(embedded); !maps.Equal(got, sourceDays) {
		t.Errorf("embedded days: %d, source days: %d, or their meanings differ", len(got), len(sourceDays))
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for yd, f := range sourceDays {
		if yd.date.Year < c.first {
			continue // 2019's New Year holiday began in 2018, a year the calendar does not cover
		}
		working, err := c.IsWorkingDay(yd.date)
		if err != nil {
			t.Fatal(err)
		}
		if working != (f.kind == WorkDay) {
			t.Errorf("%s: source says %s, calendar says working %v", yd.date, f, working)
		}
		checked++
	}
	if checked < 250 {
		t.Errorf("only %d source days checked", checked)
	}
}
