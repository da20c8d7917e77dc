package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/cityline/cityline/internal/calendar"
)

func runCalendar(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "calendar", []subcommand{
		{"add", "print the due instant N working days or hours after --from", calendarAdd},
		{"show", "list a year's days off and make-up working days", calendarShow},
		{"import", "store a file of holiday arrangements (a new year, local days off) in the database", calendarImport},
	}, args, out)
}

// calendarFlags adds the flags that shape the working calendar, and returns what builds it once the
// flags are parsed: an operator checks the deployment's hours and extra holidays with these commands.
func calendarFlags(fs *flag.FlagSet) func() (*calendar.Calendar, error) {
	hours := fs.String("office-hours", calendar.DefaultHours().String(), "the working periods of a working day, Asia/Shanghai time")
	extra := fs.String("holidays", "", "a file of holiday arrangements to add to the built-in ones (2019-2026) or override them; format in docs/time-limits.md")
	return func() (*calendar.Calendar, error) {
		h, err := calendar.ParseHours(*hours)
		if err != nil {
			return nil, fmt.Errorf("--office-hours: %w", err)
		}
		cfg := calendar.Config{Hours: h}
		if *extra != "" {
			f, err := os.Open(*extra)
			if err != nil {
				return nil, fmt.Errorf("--holidays: %w", err)
			}
			defer f.Close()
			if cfg.Extra, err = calendar.Parse(f); err != nil {
				return nil, fmt.Errorf("--holidays %s: %w", *extra, err)
			}
		}
		return calendar.New(cfg)
	}
}

const calendarAddAbout = `
Prints when a time limit that starts at --from is due: RFC 3339 with the +08:00 offset of
Asia/Shanghai, alone on its line. With --working-days N it is when working hours end on the N-th
working day after the day of acceptance (work accepted after hours, at a weekend or on a holiday
counts from the next working day). With --working-hours N — or a duration of working time such as
90m — it is when that much working time has passed, counting neither nights, lunch, weekends nor
days off. The definitions are in docs/time-limits.md.`

func calendarAdd(_ context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("calendar add", "calendar add --from TIME (--working-days N | --working-hours N)", calendarAddAbout, out)
	fromFlag := fs.String("from", "", "when the limit starts: RFC 3339 (2025-09-30T10:00:00+08:00), or 2025-09-30 10:00 in Asia/Shanghai")
	daysFlag := fs.String("working-days", "", "a limit of N working days")
	hoursFlag := fs.String("working-hours", "", "a limit of N working hours, or of a duration of working time such as 90m")
	build := calendarFlags(fs)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	from, err := parseInstant(*fromFlag)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	var add func(c *calendar.Calendar) (time.Time, error)
	switch {
	case (*daysFlag == "") == (*hoursFlag == ""):
		return errors.New("--working-days or --working-hours: give one of them")
	case *daysFlag != "":
		n, err := strconv.Atoi(*daysFlag)
		if err != nil || n < 1 {
			return fmt.Errorf("--working-days: %q: want a whole number of at least 1", *daysFlag)
		}
		add = func(c *calendar.Calendar) (time.Time, error) { return c.AddWorkingDays(from, n) }
	default:
		d, err := parseWorkingHours(*hoursFlag)
		if err != nil {
			return fmt.Errorf("--working-hours: %w", err)
		}
		add = func(c *calendar.Calendar) (time.Time, error) { return c.AddWorkingHours(from, d) }
	}
	c, err := build()
	if err != nil {
		return err
	}
	due, err := add(c)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, due.In(calendar.Shanghai).Format(time.RFC3339Nano))
	return nil
}

// parseInstant reads RFC 3339, or a wall-clock time in Shanghai as people at a hotline write it.
func parseInstant(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("required: when the limit starts")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, calendar.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 such as 2025-09-30T10:00:00+08:00, or 2025-09-30 10:00 in Asia/Shanghai", s)
}

// parseWorkingHours reads a whole number of hours or a duration such as 1h30m.
func parseWorkingHours(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if n, errN := strconv.Atoi(s); errN == nil {
		d, err = time.Duration(n)*time.Hour, nil
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a number of hours of at least 1, or a positive duration such as 90m", s)
	}
	return d, nil
}

const calendarShowAbout = `
Lists the days of a year that depart from the weekend rule (Monday to Friday worked, Saturday and
Sunday off) or are named by its holiday arrangement: days off (off) and make-up working days (work),
then how many working days the year has and where the arrangement was published.`

func calendarShow(_ context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("calendar show", "calendar show --year YYYY", calendarShowAbout, out)
	year := fs.Int("year", 0, "the year to list, such as 2026")
	build := calendarFlags(fs)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *year == 0 {
		return errors.New("--year: required, such as --year 2026")
	}
	c, err := build()
	if err != nil {
		return err
	}
	a, err := c.Year(*year)
	if err != nil {
		return fmt.Errorf("--year: %w", err)
	}
	fmt.Fprintf(out, "%d, Asia/Shanghai: Monday to Friday are worked, Saturday and Sunday are off, except\n", *year)
	for _, e := range a.Entries {
		days := ""
		if e.Last != e.First {
			days = fmt.Sprintf("..%s %s  %d days", e.Last, e.Last.Weekday().String()[:3], e.Days())
		}
		fmt.Fprintf(out, "  %-4s %s %s%-25s  %s\n", e.Kind, e.First, e.First.Weekday().String()[:3], days, e.Name)
	}
	working := 0
	for d := (calendar.Date{Year: *year, Month: time.January, Day: 1}); d.Year == *year; d = d.AddDays(1) {
		if w, err := c.IsWorkingDay(d); err != nil {
			return err
		} else if w {
			working++
		}
	}
	fmt.Fprintf(out, "%d working days, working hours %s\n", working, c.Hours())
	for _, s := range a.Sources {
		fmt.Fprintf(out, "source: %s\n", s)
	}
	return nil
}
