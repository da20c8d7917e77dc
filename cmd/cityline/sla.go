package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
)

const calendarImportAbout = `
Stores holiday arrangements in the database, for every node's time limits: a new year's days off
and make-up working days before a release carries them, or local days off. FILE is in the calendar
format (docs/time-limits.md): "year 2027 [SOURCE…]", then "off DATE[..DATE] NAME" and
"work DATE[..DATE] NAME" lines. Each year in FILE replaces what the database held for that year;
the years built in (2019-2026) are overridden date by date. A contradictory entry, an impossible
date or a gap between the years known refuses the whole file, and nothing changes. Running servers
use the new calendar within half a minute.`

func calendarImport(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("calendar import", "calendar import FILE [--db URL]", calendarImportAbout, out)
	db := dbFlag(fs)
	f, err := openFileArg(fs, args, "FILE")
	if err != nil {
		return err
	}
	defer f.Close()
	incoming, err := calendar.Parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		stored, err := st.CalendarArrangements(ctx)
		if err != nil {
			return err
		}
		merged, err := sla.MergeArrangements(stored, incoming)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if err := st.ImportCalendar(ctx, cliWho(), incoming); err != nil {
			return err
		}
		for _, a := range incoming {
			days := 0
			for _, e := range a.Entries {
				days += e.Days()
			}
			fmt.Fprintf(out, "imported %d: %d entries naming %d days\n", a.Year, len(a.Entries), days)
		}
		years := make([]string, len(merged))
		for i, a := range merged {
			years[i] = fmt.Sprint(a.Year)
		}
		fmt.Fprintf(out, "the database holds the arrangements of %s\n", strings.Join(years, ", "))
		return nil
	})
}
