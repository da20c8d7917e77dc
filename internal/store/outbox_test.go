package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

var topics = []string{"notify.send"}

func rec(key, payload string) outbox.Record {
	return outbox.Record{Topic: "notify.send", Key: key, Payload: []byte(payload)}
}

// clock is a settable time for a store, so that leases and back-off can be tested without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func withClock(s *store.Store) *clock {
	c := &clock{t: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}
	s.SetClock(c.now)
	return c
}

func mustStats(t *testing.T, s *store.Store) (pending, dead int) {
	t.Helper()
	pending, dead, err := s.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pending, dead
}

func mustClaim(t *testing.T, s *store.Store, worker string, limit int, lease time.Duration) []outbox.Claimed {
	t.Helper()
	got, err := s.Claim(context.Background(), worker, topics, limit, lease)
	if err != nil {
		t.Fatalf("claim by %s: %v", worker, err)
	}
	return got
}

func TestOutboxEnqueueIsIdempotentAndTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.EnqueueNow(ctx, audit.System, rec("WH1:sms", `{"n":1}`), rec("WH1:sms", `{"n":2}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.EnqueueNow(ctx, audit.System, rec("WH1:sms", `{"n":3}`)); err != nil {
			t.Fatal(err)
		}
		if pending, _ := mustStats(t, s); pending != 1 {
			t.Fatalf("pending = %d after three enqueues of one key, want 1", pending)
		}
		// The same key under another topic is another record.
		if err := s.EnqueueNow(ctx, audit.System, outbox.Record{Topic: "webhook.110", Key: "WH1:sms", Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		got := mustClaim(t, s, "w1", 10, time.Minute)
		if len(got) != 1 || string(got[0].Payload) != `{"n":1}` || got[0].Key != "WH1:sms" || got[0].Topic != "notify.send" {
			t.Fatalf("claimed %+v, want the first enqueue of WH1:sms only", got)
		}
		if pending, _ := mustStats(t, s); pending != 2 {
			t.Fatalf("pending = %d, want 2 (one per topic)", pending)
		}

		// A record enqueued in a transaction that rolls back is not there.
		boom := errors.New("the change failed")
		err := s.InTxForTest(ctx, func(tx *sql.Tx) error {
			if err := s.Enqueue(ctx, tx, rec("WH2:sms", `{}`)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rolled-back transaction: %v", err)
		}
		if pending, _ := mustStats(t, s); pending != 2 {
			t.Fatalf("pending = %d after a rolled-back enqueue, want 2", pending)
		}

		for _, bad := range []struct {
			rec   outbox.Record
			field string
		}{
			{outbox.Record{Key: "k", Payload: []byte(`{}`)}, "topic:"},
			{outbox.Record{Topic: "t", Payload: []byte(`{}`)}, "key:"},
			{outbox.Record{Topic: "t", Key: strings.Repeat("k", 201), Payload: []byte(`{}`)}, "key:"},
			{outbox.Record{Topic: "t", Key: "k", Payload: []byte(`{"to":`)}, "payload:"},
		} {
			if err := s.EnqueueNow(ctx, audit.System, bad.rec); err == nil || !strings.Contains(err.Error(), bad.field) {
				t.Errorf("enqueue %+v: err = %v, want one naming %s", bad.rec, err, bad.field)
			}
		}
		entries, err := s.AuditEntries(ctx, "outbox", "WH1:sms", 10)
		if err != nil || len(entries) != 4 || entries[0].Action != "outbox.enqueue" {
			t.Fatalf("audit of EnqueueNow = %+v, %v; want one entry per record asked for", entries, err)
		}
	})
}

func TestOutboxClaimAndComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		later := outbox.Record{Topic: "notify.send", Key: "later", Payload: []byte(`{}`), NotBefore: clk.now().Add(time.Hour)}
		if err := s.EnqueueNow(ctx, audit.System, rec("a", `{}`), rec("b", `{}`), rec("c", `{}`), later,
			outbox.Record{Topic: "search.index", Key: "a", Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		first := mustClaim(t, s, "w1", 2, time.Minute)
		if len(first) != 2 || first[0].Key != "a" || first[1].Key != "b" {
			t.Fatalf("first claim = %+v, want a and b in order", first)
		}
		for _, c := range first {
			if c.Attempts != 1 || !c.LeaseUntil.Equal(clk.now().Add(time.Minute)) || !c.CreatedAt.Equal(clk.now()) {
				t.Fatalf("claimed %+v: want attempts 1, lease until now+1m, created now", c)
			}
		}
		second := mustClaim(t, s, "w1", 10, time.Minute)
		if len(second) != 1 || second[0].Key != "c" {
			t.Fatalf("second claim = %+v, want only c (later is not due, search.index is another topic)", second)
		}
		if none := mustClaim(t, s, "w2", 10, time.Minute); len(none) != 0 {
			t.Fatalf("claim with everything taken = %+v", none)
		}
		for _, c := range append(first, second...) {
			if err := s.Complete(ctx, c.ID, "w1"); err != nil {
				t.Fatalf("complete %s: %v", c.Key, err)
			}
		}
		if err := s.Complete(ctx, first[0].ID, "w1"); !errors.Is(err, outbox.ErrLeaseLost) {
			t.Fatalf("completing twice: %v, want ErrLeaseLost", err)
		}
		if pending, dead := mustStats(t, s); pending != 2 || dead != 0 {
			t.Fatalf("stats = %d pending, %d dead; want 2 (later, search.index), 0", pending, dead)
		}
		clk.advance(time.Hour)
		if due := mustClaim(t, s, "w1", 10, time.Minute); len(due) != 1 || due[0].Key != "later" {
			t.Fatalf("claim after NotBefore = %+v, want later", due)
		}
		for _, bad := range []func() error{
			func() error { _, err := s.Claim(ctx, "", topics, 1, time.Minute); return err },
			func() error { _, err := s.Claim(ctx, "w", nil, 1, time.Minute); return err },
			func() error { _, err := s.Claim(ctx, "w", topics, 0, time.Minute); return err },
			func() error { _, err := s.Claim(ctx, "w", topics, 1, 0); return err },
		} {
			if bad() == nil {
				t.Error("a claim with a missing worker, topic, limit or lease was accepted")
			}
		}
		if err := s.Complete(ctx, "no-such-id", "w1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("complete unknown record: %v, want ErrNotFound", err)
		}
	})
}

func TestOutboxLeaseExpiryAndOnlyTheOwnerFinishes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		if err := s.EnqueueNow(ctx, audit.System, rec("a", `{}`)); err != nil {
			t.Fatal(err)
		}
		a := mustClaim(t, s, "A", 10, time.Minute)
		if len(a) != 1 {
			t.Fatalf("A claimed %d", len(a))
		}
		clk.advance(59 * time.Second)
		if got := mustClaim(t, s, "B", 10, time.Minute); len(got) != 0 {
			t.Fatalf("B claimed a record under A's live lease: %+v", got)
		}
		clk.advance(time.Second)
		b := mustClaim(t, s, "B", 10, time.Minute)
		if len(b) != 1 || b[0].ID != a[0].ID || b[0].Attempts != 2 {
			t.Fatalf("B after A's lease ran out claimed %+v, want the same record at attempt 2", b)
		}
		if err := s.Complete(ctx, a[0].ID, "A"); !errors.Is(err, outbox.ErrLeaseLost) || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("A completing after losing its lease: %v, want ErrLeaseLost", err)
		}
		if err := s.Fail(ctx, a[0].ID, "A", "late", clk.now(), true); !errors.Is(err, outbox.ErrLeaseLost) {
			t.Fatalf("A failing after losing its lease: %v, want ErrLeaseLost", err)
		}
		if pending, dead := mustStats(t, s); pending != 1 || dead != 0 {
			t.Fatalf("A's stale calls changed the record: %d pending, %d dead", pending, dead)
		}
		if err := s.Complete(ctx, b[0].ID, "B"); err != nil {
			t.Fatalf("B completes: %v", err)
		}
		if pending, _ := mustStats(t, s); pending != 0 {
			t.Fatalf("pending = %d after B completed", pending)
		}
	})
}

func TestOutboxBackoffDeadAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		if err := s.EnqueueNow(ctx, audit.System, rec("a", `{"to":"13800000000"}`)); err != nil {
			t.Fatal(err)
		}
		const maxAttempts = 3
		var id string
		for attempt := 1; attempt <= maxAttempts; attempt++ {
			got := mustClaim(t, s, "w", 10, time.Minute)
			if len(got) != 1 || got[0].Attempts != attempt {
				t.Fatalf("attempt %d: claimed %+v", attempt, got)
			}
			id = got[0].ID
			backoff := time.Duration(attempt) * 30 * time.Second
			reason := fmt.Sprintf("gateway said 503 (attempt %d)", attempt)
			if err := s.Fail(ctx, id, "w", reason, clk.now().Add(backoff), attempt == maxAttempts); err != nil {
				t.Fatal(err)
			}
			if attempt == maxAttempts {
				break
			}
			clk.advance(backoff - time.Millisecond)
			if early := mustClaim(t, s, "w", 10, time.Minute); len(early) != 0 {
				t.Fatalf("attempt %d: claimed before its back-off ended", attempt)
			}
			clk.advance(time.Millisecond)
		}
		clk.advance(24 * time.Hour)
		if got := mustClaim(t, s, "w", 10, time.Minute); len(got) != 0 {
			t.Fatalf("a dead record was claimed: %+v", got)
		}
		if pending, dead := mustStats(t, s); pending != 0 || dead != 1 {
			t.Fatalf("stats = %d pending, %d dead; want 0, 1", pending, dead)
		}
		deadList, err := s.Dead(ctx, 10)
		if err != nil || len(deadList) != 1 {
			t.Fatalf("Dead = %+v, %v", deadList, err)
		}
		d := deadList[0]
		if d.ID != id || d.Attempts != maxAttempts || d.LastError != "gateway said 503 (attempt 3)" || d.Key != "a" ||
			string(d.Payload) != `{"to":"13800000000"}` || !d.FailedAt.After(d.CreatedAt) {
			t.Fatalf("dead record = %+v", d)
		}

		if err := s.Retry(ctx, audit.Who{Actor: "ops"}, id); err != nil {
			t.Fatal(err)
		}
		again := mustClaim(t, s, "w", 10, time.Minute)
		if len(again) != 1 || again[0].Attempts != 1 {
			t.Fatalf("after retry claimed %+v, want the record with a fresh count of attempts", again)
		}
		if err := s.Retry(ctx, audit.Who{Actor: "ops"}, id); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("retry of a record that is not dead: %v, want ErrConflict", err)
		}
		if err := s.Retry(ctx, audit.Who{Actor: "ops"}, "no-such-id"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("retry of an unknown record: %v, want ErrNotFound", err)
		}
		// A long, broken reason is stored clipped and as valid UTF-8.
		if err := s.Fail(ctx, id, "w", strings.Repeat("错", 1000)+"\xff", clk.now(), true); err != nil {
			t.Fatal(err)
		}
		if deadList, err = s.Dead(ctx, 10); err != nil || len(deadList[0].LastError) > 2010 || !strings.HasSuffix(deadList[0].LastError, "…") {
			t.Fatalf("long reason stored as %d bytes, %v", len(deadList[0].LastError), err)
		}
		entries, err := s.AuditEntries(ctx, "outbox", id, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+"/"+e.Actor)
		}
		if got, want := strings.Join(actions, " "), "outbox.dead/system outbox.retry/ops outbox.dead/system"; got != want {
			t.Fatalf("audit = %s, want %s", got, want)
		}
	})
}

// Two nodes on one database claim in parallel: no record may be claimed twice, and all are done.
func TestOutboxTwoNodesClaimEachRecordOnce(t *testing.T) {
	urls := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "nodes.db")}
	if storetest.PostgresAvailable() {
		urls["postgres"] = storetest.PostgresURL(t)
	} else {
		t.Logf("postgres: skipped, %s is not set", storetest.PostgresEnv)
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			nodes := make([]*store.Store, 2)
			for i := range nodes {
				s, err := store.Open(ctx, dbURL)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				nodes[i] = s
			}
			const total = 500
			recs := make([]outbox.Record, total)
			for i := range recs {
				recs[i] = rec(fmt.Sprintf("r%03d", i), `{}`)
			}
			if err := nodes[0].EnqueueNow(ctx, audit.System, recs...); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			claims := map[string][]string{} // record id → workers that claimed it
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for n, s := range nodes {
				for g := range 2 {
					worker := fmt.Sprintf("node%d-g%d", n, g)
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							got, err := s.Claim(ctx, worker, topics, 7, time.Hour)
							if err != nil {
								errs <- err
								return
							}
							if len(got) == 0 {
								return
							}
							for _, c := range got {
								mu.Lock()
								claims[c.ID] = append(claims[c.ID], worker)
								mu.Unlock()
								if err := s.Complete(ctx, c.ID, worker); err != nil {
									errs <- err
									return
								}
							}
						}
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			byWorker := map[string]int{}
			for id, workers := range claims {
				if len(workers) != 1 {
					t.Errorf("record %s claimed by %v", id, workers)
				}
				byWorker[workers[0]]++
			}
			if len(claims) != total {
				t.Fatalf("%d records claimed, want %d", len(claims), total)
			}
			if pending, dead := mustStats(t, nodes[1]); pending != 0 || dead != 0 {
				t.Fatalf("after both nodes finished: %d pending, %d dead", pending, dead)
			}
			t.Logf("claims per worker: %v", byWorker)
		})
	}
}

// BenchmarkEnqueue measures what the outbox adds to a work-order change: one INSERT in a transaction
// that is open anyway ("in-tx", committed every 1,000 records), and, for comparison, a transaction of
// its own per record ("own-tx").
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	payload := []byte(`{"channel":"sms","to":"13800000000","body":"您的工单WH20261128000123已受理，我们将尽快办理。","ref":"WH20261128000123"}`)
	b.Run("in-tx", func(b *testing.B) {
		s := storetest.SQLite(b)
		const perTx = 1000
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; done += perTx {
			err := s.InTxForTest(ctx, func(tx *sql.Tx) error {
				for i := done; i < min(done+perTx, b.N); i++ {
					if err := s.Enqueue(ctx, tx, outbox.Record{Topic: "notify.send", Key: fmt.Sprintf("k%d", i), Payload: payload}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("own-tx", func(b *testing.B) {
		s := storetest.SQLite(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			err := s.InTxForTest(ctx, func(tx *sql.Tx) error {
				return s.Enqueue(ctx, tx, outbox.Record{Topic: "notify.send", Key: fmt.Sprintf("k%d", i), Payload: payload})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
