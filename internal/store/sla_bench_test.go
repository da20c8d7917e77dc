package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

// BenchmarkSweepMillionOpenOrders: 1,000,000 open orders, each with a closure warning and an overdue
// timer (2,000,000 timer rows), of which 1% of the warnings are due. One sweep claims every due timer,
// a batch of 500 at a time, until none is left: "find" only claims them (the alert writes nothing),
// "fire" also writes each warning's timeline step and audit entry. The target is a sweep that finds
// every due warning in under 2 s; the partial index on unfired timers makes it read only those.
//
//	go test -run '^$' -bench SweepMillion -benchtime 3x ./internal/store/
func BenchmarkSweepMillionOpenOrders(b *testing.B) {
	skipIfShort(b, "a million open orders take a while to write")
	const orders, dueEvery = 1_000_000, 100
	ctx := context.Background()
	st := storetest.SQLite(b)
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC).UnixMilli()
	start := time.Now()
	// One statement each: SQLite writes the million rows in one transaction.
	if _, err := st.ExecForTest(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO tickets (id, number, query_code, channel, line_code, request_type, category_code, title, description,
			urgency, status, created_by, created_at, updated_at)
		SELECT printf('t%07d', i), printf('B%07d', i), 'Q', 'phone', '12345', 'complaint', '0101', '路灯不亮', '路灯不亮',
			'normal', 'accepted', 'bench', $2, $2 FROM n`, orders, now-86_400_000); err != nil {
		b.Fatal(err)
	}
	// Every hundredth order's warning is an hour overdue; the rest lie from one to a thousand hours ahead.
	if _, err := st.ExecForTest(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO ticket_timers (ticket_id, kind, due_at, fire_at)
		SELECT printf('t%07d', i), k.kind, $2 + (i % 1000 + 2) * 3600000,
			CASE WHEN k.kind = 'close_warn' AND i % $3 = 0 THEN $2 - 3600000
			     WHEN k.kind = 'close_warn' THEN $2 + (i % 1000 + 1) * 3600000
			     ELSE $2 + (i % 1000 + 2) * 3600000 END
		FROM n, (SELECT 'close_warn' AS kind UNION ALL SELECT 'close_overdue') k`, orders, now, dueEvery); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %d orders and %d timers in %s", orders, 2*orders, time.Since(start).Round(time.Millisecond))
	at := time.UnixMilli(now)
	for _, mode := range []string{"find", "fire"} {
		b.Run(mode, func(b *testing.B) {
			found := 0
			for b.Loop() {
				b.StopTimer()
				if _, err := st.ExecForTest(ctx, `UPDATE ticket_timers SET fired_at = NULL, fired_by = '' WHERE fire_at <= $1`, now); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				found = 0
				for {
					n, err := st.FireTimers(ctx, "bench", at, 500, func(d store.DueTimer) store.TimerAlert {
						if mode == "find" {
							return store.TimerAlert{}
						}
						return store.TimerAlert{Event: workorder.Event{At: at, Action: "warning", From: d.Ticket.Status, To: d.Ticket.Status, Actor: "system"}}
					})
					if err != nil {
						b.Fatal(err)
					}
					if found += n; n == 0 {
						break
					}
				}
			}
			if found != orders/dueEvery {
				b.Fatalf("found %d due warnings, want %d", found, orders/dueEvery)
			}
			b.ReportMetric(float64(found), "due/op")
		})
	}
}

// skipIfShort keeps the heavy benchmarks out of the test script's run-each-benchmark-once pass
// (which uses -short); run them without -short to measure.
func skipIfShort(b *testing.B, why string) {
	b.Helper()
	if testing.Short() {
		b.Skipf("-short: %s; run without -short to measure", why)
	}
}
