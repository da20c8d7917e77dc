package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// volume reads the orders taken in on day from the rollups.
func volume(t *testing.T, dbURL string, day measure.Day) int64 {
	t.Helper()
	var n int64
	if err := withStore(context.Background(), dbURL, func(st *store.Store) error {
		rows, err := st.Rollups(context.Background(), store.RollupQuery{From: day, To: day})
		if err == nil {
			n = rows[0].Counts[measure.Taken]
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMeasuresRebuild(t *testing.T) {
	dbURL := cliDB(t)
	if out := mustCLI(t, "measures", "rebuild", "--db", dbURL); !strings.Contains(out, "nothing to rebuild") {
		t.Errorf("an empty database: %q", out)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, workorder.Shanghai)
	day := measure.DayOf(at)
	err := withStore(context.Background(), dbURL, func(st *store.Store) error {
		for i := range 3 {
			tk := workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: workorder.MainLine, Type: workorder.TypeEnquiry, Category: "01",
				Title: "咨询", Description: "咨询", Location: workorder.Location{PlaceCode: "150302001001001"}, Urgency: workorder.UrgencyNormal,
				Status: workorder.StatusNew, CreatedBy: "agent", CreatedAt: at.Add(time.Duration(i) * time.Hour), UpdatedAt: at}
			if _, _, err := st.CreateTicket(context.Background(), audit.System, store.NewTicket{Ticket: tk, NumberPrefix: "WH",
				Event: workorder.Event{At: tk.CreatedAt, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "agent"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := volume(t, dbURL, day); n != 3 {
		t.Fatalf("the live rollups count %d orders, want 3", n)
	}
	db, err := sql.Open("sqlite", strings.TrimPrefix(dbURL, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"measure_rollups", "measure_area_rollups"} {
		if _, err := db.Exec(`UPDATE ` + table + ` SET taken = 7`); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	out := mustCLI(t, "measures", "rebuild", "--db", dbURL)
	if !strings.Contains(out, "2026-11-20..2026-11-20  1 rows") || !strings.Contains(out, "rebuilt 1 days (2026-11-20..2026-11-20) from 3 orders: 1 rows") {
		t.Errorf("rebuild said %q", out)
	}
	if n := volume(t, dbURL, day); n != 3 {
		t.Errorf("after the rebuild the rollups count %d orders, want 3", n)
	}
	out = mustCLI(t, "measures", "rebuild", "--db", dbURL, "--from", "2026-10-15", "--to", "2026-11-30")
	if !strings.Contains(out, "2026-10-15..2026-10-31  0 rows") || !strings.Contains(out, "rebuilt 47 days") {
		t.Errorf("rebuild of a range said %q", out)
	}
	for _, bad := range [][]string{{"--from", "2026-11-31"}, {"--from", "2026-11-20", "--to", "2026-11-19"}} {
		if code, _, errOut := cli(t, append([]string{"measures", "rebuild", "--db", dbURL}, bad...)...); code != 1 || errOut == "" {
			t.Errorf("%v: exit %d, %q", bad, code, errOut)
		}
	}
}
