package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
)

func runMeasures(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "measures", []subcommand{
		{"rebuild", "recompute the measures' rollups of a range of days from the orders' timelines", measuresRebuild},
	}, args, out)
}

const measuresRebuildAbout = `
Recomputes the rollups the measures are read from (docs/measures.md) for the days --from to --to
(both included, Asia/Shanghai dates), from the orders' timelines: the range's rows are deleted and
written again, a month per transaction, each audited. Running it twice gives the same rows; live
work may go on meanwhile (each month briefly holds back the orders' writes). Without --from and
--to it covers every day an order took a step on. The rollups are kept up to date as orders move:
this is for repairs, and after changing what is counted.`

func measuresRebuild(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("measures rebuild", "measures rebuild [--from DATE --to DATE] [--db URL]", measuresRebuildAbout, out)
	db := dbFlag(fs)
	fromFlag := fs.String("from", "", "the first day to recompute, such as 2026-11-01 (default: the first day with orders)")
	toFlag := fs.String("to", "", "the last day to recompute, included (default: the last day with orders)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		first, last, ok, err := st.TimelineSpan(ctx)
		if err != nil {
			return err
		}
		from, to := first, last
		for _, f := range []struct {
			name, v string
			into    *measure.Day
		}{{"--from", *fromFlag, &from}, {"--to", *toFlag, &to}} {
			if f.v == "" {
				continue
			}
			d, err := measure.ParseDay(f.v)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			*f.into, ok = d, true
		}
		switch {
		case !ok:
			fmt.Fprintln(out, "no orders yet: nothing to rebuild")
			return nil
		case from == 0 || to == 0:
			return errors.New("--from and --to: the database holds no orders to take the other end of the range from; give both")
		case to < from:
			return fmt.Errorf("--to: %s is before --from %s", to, from)
		}
		stats, err := st.RebuildRollups(ctx, cliWho(), from, to, func(a, b measure.Day, rows int) {
			fmt.Fprintf(out, "%s..%s  %d rows\n", a, b, rows)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rebuilt %d days (%s..%s) from %d orders: %d rows in %s\n", stats.Days, from, to, stats.Orders, stats.Rows,
			stats.Elapsed.Round(time.Millisecond))
		return nil
	})
}
