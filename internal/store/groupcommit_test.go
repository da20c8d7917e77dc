package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

// intake is a stored order as CreateTicket receives it; key, when set, is its idempotency key.
func intake(n int, key, hash string) store.NewTicket {
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	return store.NewTicket{NumberPrefix: "T", IdempotencyKey: key, RequestHash: hash,
		Ticket: workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: workorder.MainLine, Type: workorder.TypeComplaint,
			Category: "01", Title: fmt.Sprintf("路灯不亮 %d", n), Description: "小区门口的路灯一直不亮", Urgency: workorder.UrgencyNormal,
			Caller: workorder.Caller{Name: "王先生", Phone: "13900000000"}, Status: workorder.StatusNew, CreatedBy: "agent",
			CreatedAt: at, UpdatedAt: at},
		Event: workorder.Event{At: at, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "agent"}}
}

// holdWriter keeps the writer busy with a write of its own until release is called, so that on
// SQLite the writes started meanwhile line up and go in together. release waits a moment for them
// to line up first, then for the held write to end.
func holdWriter(t *testing.T, s *store.Store) (release func()) {
	t.Helper()
	unblock := make(chan struct{})
	held := make(chan error, 1)
	go func() { held <- s.WriteForTest(context.Background(), func() { <-unblock }) }()
	return func() {
		time.Sleep(200 * time.Millisecond)
		close(unblock)
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrentIntakesOneBadAmongThem sends many intakes at once, so that on SQLite they share
// transactions, with a few that must fail: an idempotency key reused for another request (refused
// before anything is written) and an unknown attachment (refused after the order, its number and its
// timeline step were written). The others are all stored, numbered without gaps or repeats, each with
// its timeline step and its audit entry, and the audit chain stays intact.
func TestConcurrentIntakesOneBadAmongThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		who := audit.Who{Actor: "agent", RemoteAddr: "127.0.0.1"}
		if _, _, err := s.CreateTicket(ctx, who, intake(0, "taken", "hash-a")); err != nil {
			t.Fatal(err)
		}
		const n = 60
		var wg sync.WaitGroup
		numbers := make([]string, n)
		errs := make([]error, n)
		release := holdWriter(t, s)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := intake(i+1, fmt.Sprintf("k%d", i), fmt.Sprintf("hash-%d", i))
				switch i % 10 {
				case 3:
					in.IdempotencyKey = "taken" // same key, different request
				case 7:
					in.Event.Attachments = []string{"no-such-upload"}
				}
				tk, created, err := s.CreateTicket(ctx, who, in)
				if err == nil && !created {
					err = errors.New("not created")
				}
				numbers[i], errs[i] = tk.Number, err
			}()
		}
		release()
		wg.Wait()
		if s.Dialect() == store.SQLite && s.SharedWritesForTest() < n/2 {
			t.Errorf("%d of %d writes shared a transaction; the test did not exercise the group commit", s.SharedWritesForTest(), n)
		}
		seen := map[string]bool{}
		for i, err := range errs {
			var linkErr *store.AttachmentLinkError
			switch {
			case i%10 == 3 && !errors.Is(err, store.ErrIdempotencyMismatch):
				t.Errorf("intake %d reused a key: err %v, want ErrIdempotencyMismatch", i, err)
			case i%10 == 7 && !errors.As(err, &linkErr):
				t.Errorf("intake %d named an unknown upload: err %v, want an AttachmentLinkError", i, err)
			}
			if i%10 == 3 || i%10 == 7 {
				continue
			}
			if err != nil {
				t.Errorf("intake %d: %v", i, err)
				continue
			}
			if seen[numbers[i]] {
				t.Errorf("number %s handed out twice", numbers[i])
			}
			seen[numbers[i]] = true
			tk, err := s.Ticket(ctx, numbers[i])
			if err != nil {
				t.Errorf("intake %d (%s) acknowledged but not stored: %v", i, numbers[i], err)
				continue
			}
			if evs, err := s.Timeline(ctx, tk.ID); err != nil || len(evs) != 1 {
				t.Errorf("order %s: timeline %v, %v; want one step", tk.Number, evs, err)
			}
			if entries, err := s.AuditEntries(ctx, "ticket", tk.ID, 5); err != nil || len(entries) != 1 {
				t.Errorf("order %s: %d audit entries (%v), want 1", tk.Number, len(entries), err)
			}
		}
		if want := n - 2*n/10; len(seen) != want {
			t.Errorf("%d orders stored, want %d", len(seen), want)
		}
		// The first order took number 1; the others follow without a gap: a refused intake gives
		// back the number it had taken.
		for i := 2; i <= len(seen)+1; i++ {
			if !seen[workorder.FormatNumber("T", "20261128", int64(i))] {
				t.Errorf("number %d missing among %d orders", i, len(seen)+1)
			}
		}
		page, err := s.Tickets(ctx, store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Limit: 500})
		if err != nil || len(page.Items) != len(seen)+1 {
			t.Errorf("%d orders in the database (%v), want %d: a refused intake left a row", len(page.Items), err, len(seen)+1)
		}
		// The stored counter caught up with the numbers counted inside the shared transactions.
		next, _, err := s.CreateTicket(ctx, who, intake(n+1, "", ""))
		if want := workorder.FormatNumber("T", "20261128", int64(len(seen)+2)); err != nil || next.Number != want {
			t.Errorf("the order after the group: %s (%v), want %s", next.Number, err, want)
		}
		checked, broken, err := s.VerifyAudit(ctx)
		if err != nil || broken != nil {
			t.Fatalf("audit chain after %d entries: %v %v", checked, broken, err)
		}
	})
}

// TestWritePanicReachesCaller checks that a panic inside a write comes back to the caller's
// goroutine and that the store keeps writing afterwards.
func TestWritePanicReachesCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		got := func() (v any) {
			defer func() { v = recover() }()
			s.WriteForTest(ctx, func() { panic("boom") })
			return nil
		}()
		if got != "boom" {
			t.Fatalf("recovered %v, want the write's panic", got)
		}
		if _, _, err := s.CreateTicket(ctx, audit.System, intake(1, "", "")); err != nil {
			t.Fatalf("write after a panic: %v", err)
		}
	})
}

// TestWriteOfCancelledRequest checks that a write whose caller has gone is not made, and says why.
func TestWriteOfCancelledRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := s.CreateTicket(ctx, audit.System, intake(1, "", ""))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		page, err := s.Tickets(context.Background(), store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("%d orders stored (%v), want none", len(page.Items), err)
		}
	})
}

// TestCloseRefusesLaterWrites checks that a closed store answers writes with an error instead of
// hanging.
func TestCloseRefusesLaterWrites(t *testing.T) {
	s := storetest.SQLite(t)
	s.Close()
	done := make(chan error, 1)
	go func() {
		_, _, err := s.CreateTicket(context.Background(), audit.System, intake(1, "", ""))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "closed") {
			t.Fatalf("err %v, want the store to say it is closed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write to a closed store hangs")
	}
}

// TestAuditChainThroughHotWrites appends audit entries from concurrent hot writes, each mixing the
// write's own deferred tip with a plain append inside the same transaction: the chain stays whole
// and the head matches its last entry.
func TestAuditChainThroughHotWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AuditMixedForTest(ctx, fmt.Sprint(i)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := range 20 {
			if entries, err := s.AuditEntries(ctx, "test", fmt.Sprint(i), 10); err != nil || len(entries) != 3 {
				t.Errorf("write %d: %d entries (%v), want 3", i, len(entries), err)
			}
		}
		checked, broken, err := s.VerifyAudit(ctx)
		if err != nil || broken != nil {
			t.Fatalf("audit chain after %d entries: %v %v", checked, broken, err)
		}
	})
}

// BenchmarkCreateTicketParallel measures intake at the store, from many goroutines at once as the
// HTTP server calls it.
func BenchmarkCreateTicketParallel(b *testing.B) {
	s := storetest.SQLite(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			if _, _, err := s.CreateTicket(ctx, audit.System, intake(i, fmt.Sprintf("k%d", i), "h")); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(s.SharedWritesForTest())/float64(b.N), "shared/op")
}

// TestConcurrentRetriesMakeOneOrder sends the same request with the same idempotency key many times
// at once, as a client retrying over a flaky network: exactly one order is made, and every attempt
// answers with it.
func TestConcurrentRetriesMakeOneOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.ImportCategories(ctx, audit.System, []category.Category{{Code: "01", Name: "城市管理", Level: 1, Active: true}}); err != nil {
			t.Fatal(err)
		}
		const tries = 12
		ids := make([]string, tries)
		created := make([]bool, tries)
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() {
				tk, made, err := s.CreateTicket(ctx, audit.Who{Actor: "agent"}, intake(1, "retry-1", "hash-1"))
				ids[i], created[i], errs[i] = tk.ID, made, err
			})
		}
		wg.Wait()
		made := 0
		for i := range tries {
			if errs[i] != nil {
				t.Fatalf("attempt %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("attempt %d answered with order %s, attempt 0 with %s", i, ids[i], ids[0])
			}
			if created[i] {
				made++
			}
		}
		if made != 1 {
			t.Errorf("%d attempts say they made the order, want 1", made)
		}
		var n int
		if err := s.QueryRowForTest(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d orders stored (%v), want 1", n, err)
		}
		if _, _, err := s.CreateTicket(ctx, audit.Who{Actor: "agent"}, intake(2, "retry-1", "another-body")); !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Errorf("the key with another request: err = %v, want ErrIdempotencyMismatch", err)
		}
	})
}
