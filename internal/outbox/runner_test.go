package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

const topic = "test.topic"

func enqueue(t *testing.T, s *store.Store, keys ...string) {
	t.Helper()
	recs := make([]outbox.Record, len(keys))
	for i, k := range keys {
		recs[i] = outbox.Record{Topic: topic, Key: k, Payload: []byte(`{"to":"13812345678"}`)}
	}
	if err := s.EnqueueNow(context.Background(), audit.System, recs...); err != nil {
		t.Fatal(err)
	}
}

func noBackoff(int) time.Duration { return 0 }

func stats(t *testing.T, s *store.Store) (pending, dead int) {
	t.Helper()
	pending, dead, err := s.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pending, dead
}

func TestRunnerCompletesAndRetries(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	enqueue(t, s, "a", "b")
	tries := map[string]int{}
	r := &outbox.Runner{Store: s, Backoff: noBackoff, Handlers: map[string]outbox.Handler{topic: func(ctx context.Context, c outbox.Claimed) error {
		tries[c.Key]++
		if c.Attempts != tries[c.Key] {
			return fmt.Errorf("attempt %d seen as %d", tries[c.Key], c.Attempts)
		}
		if c.Key == "b" && c.Attempts < 3 {
			return errors.New("gateway down")
		}
		return nil
	}}}
	for range 3 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if tries["a"] != 1 || tries["b"] != 3 {
		t.Fatalf("tries = %v, want a once and b three times", tries)
	}
	if pending, dead := stats(t, s); pending != 0 || dead != 0 {
		t.Fatalf("%d pending, %d dead; want all done", pending, dead)
	}
	if n, err := r.RunOnce(ctx); n != 0 || err != nil {
		t.Fatalf("nothing left: RunOnce = %d, %v", n, err)
	}
}

func TestRunnerBacksOff(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	enqueue(t, s, "a")
	var calls int
	r := &outbox.Runner{Store: s, Backoff: func(int) time.Duration { return time.Hour },
		Handlers: map[string]outbox.Handler{topic: func(context.Context, outbox.Claimed) error { calls++; return errors.New("down") }}}
	for range 3 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("handler ran %d times within the back-off, want 1", calls)
	}
}

func TestRunnerDeadAfterMaxAttemptsOrPermanent(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	enqueue(t, s, "flaky", "bad")
	r := &outbox.Runner{Store: s, Backoff: noBackoff, MaxAttempts: 3, Handlers: map[string]outbox.Handler{topic: func(_ context.Context, c outbox.Claimed) error {
		if c.Key == "bad" {
			return outbox.Permanent(errors.New("recipient refused"))
		}
		return fmt.Errorf("down (attempt %d)", c.Attempts)
	}}}
	for range 5 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	dead, err := s.Dead(ctx, 10)
	if err != nil || len(dead) != 2 {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	got := map[string]outbox.DeadRecord{}
	for _, d := range dead {
		got[d.Key] = d
	}
	if d := got["bad"]; d.Attempts != 1 || d.LastError != "recipient refused" {
		t.Errorf("permanent failure: %+v, want dead after 1 attempt", d)
	}
	if d := got["flaky"]; d.Attempts != 3 || d.LastError != "down (attempt 3)" {
		t.Errorf("repeated failure: %+v, want dead after 3 attempts", d)
	}
}

func TestRunnerSurvivesAPanickingHandler(t *testing.T) {
	s := storetest.SQLite(t)
	enqueue(t, s, "a")
	r := &outbox.Runner{Store: s, Backoff: noBackoff, Handlers: map[string]outbox.Handler{topic: func(context.Context, outbox.Claimed) error {
		panic("nil map")
	}}}
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pending, _ := stats(t, s); pending != 1 {
		t.Fatalf("pending = %d; a panicking handler must leave the record for a retry", pending)
	}
	got, err := s.Claim(context.Background(), "other", []string{topic}, 1, time.Minute)
	if err != nil || len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("after the panic: %+v, %v; want the record free again at attempt 2", got, err)
	}
}

// The handler's context ends before the record's lease does, so no other worker can take the record
// while the handler still acts on it.
func TestRunnerStopsHandlersBeforeTheLeaseEnds(t *testing.T) {
	s := storetest.SQLite(t)
	enqueue(t, s, "slow")
	var deadline, leaseUntil time.Time
	r := &outbox.Runner{Store: s, Lease: 300 * time.Millisecond, Backoff: noBackoff,
		Handlers: map[string]outbox.Handler{topic: func(ctx context.Context, c outbox.Claimed) error {
			deadline, _ = ctx.Deadline()
			leaseUntil = c.LeaseUntil
			<-ctx.Done()
			return ctx.Err()
		}}}
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if deadline.IsZero() || !deadline.Before(leaseUntil) {
		t.Fatalf("handler deadline %v, lease until %v: the handler must stop first", deadline, leaseUntil)
	}
	dead, _ := s.Dead(context.Background(), 1)
	if pending, _ := stats(t, s); pending != 1 || len(dead) != 0 {
		t.Fatalf("a timed-out attempt: %d pending, %d dead; want it retried", pending, len(dead))
	}
}

// On shutdown the runner hands back what it claimed but did not start, so other nodes need not wait
// for the lease to run out.
func TestRunnerReleasesUnstartedRecordsOnShutdown(t *testing.T) {
	s := storetest.SQLite(t)
	enqueue(t, s, "a", "b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handled []string
	r := &outbox.Runner{Store: s, Lease: time.Hour, Handlers: map[string]outbox.Handler{topic: func(_ context.Context, c outbox.Claimed) error {
		handled = append(handled, c.Key)
		cancel() // the process is told to stop while the first record is being handled
		return nil
	}}}
	if n, err := r.RunOnce(ctx); n != 3 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if len(handled) != 1 {
		t.Fatalf("handled %v after shutdown began, want only the first", handled)
	}
	got, err := s.Claim(context.Background(), "other-node", []string{topic}, 10, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("another node claimed %+v, %v; want the 2 released records at once", got, err)
	}
}

// claimCounter tells the test when the runner has looked at least n times.
type claimCounter struct {
	*store.Store
	n atomic.Int32
}

func (c *claimCounter) Claim(ctx context.Context, worker string, topics []string, limit int, lease time.Duration) ([]outbox.Claimed, error) {
	defer c.n.Add(1)
	return c.Store.Claim(ctx, worker, topics, limit, lease)
}

func TestRunWakesOnNotifyAndStopsWithTheContext(t *testing.T) {
	s := storetest.SQLite(t)
	cs := &claimCounter{Store: s}
	done := make(chan string, 10)
	r := &outbox.Runner{Store: cs, Poll: time.Hour, Handlers: map[string]outbox.Handler{topic: func(_ context.Context, c outbox.Claimed) error {
		done <- c.Key
		return nil
	}}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = r.Run(ctx) }()
	for cs.n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// The first look found nothing; the next poll is an hour away, so only Notify can bring this in.
	enqueue(t, s, "woken")
	r.Notify()
	select {
	case k := <-done:
		if k != "woken" {
			t.Fatalf("handled %q", k)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Notify did not wake the runner")
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run after the context ended: %v, want nil", runErr)
	}
}

func TestRunnerConfiguration(t *testing.T) {
	ctx := context.Background()
	if err := (&outbox.Runner{}).Run(ctx); err == nil || !strings.Contains(err.Error(), "Store") {
		t.Fatalf("no store: %v", err)
	}
	s := storetest.SQLite(t)
	if _, err := (&outbox.Runner{Store: s}).RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "Handlers") {
		t.Fatalf("no handlers: %v", err)
	}
	if _, err := (&outbox.Runner{Store: s, Handlers: map[string]outbox.Handler{topic: nil}}).RunOnce(ctx); err == nil {
		t.Fatal("a nil handler was accepted")
	}
	r := &outbox.Runner{Store: s, Handlers: map[string]outbox.Handler{topic: func(context.Context, outbox.Claimed) error { return nil }}}
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Worker, fmt.Sprintf("-%d-", os.Getpid())) || r.Lease != outbox.DefaultLease ||
		r.MaxAttempts != outbox.DefaultMaxAttempts || r.Batch != outbox.DefaultBatch || r.Poll != outbox.DefaultPoll {
		t.Fatalf("defaults not applied: %+v", r)
	}
	other := &outbox.Runner{Store: s, Handlers: r.Handlers}
	other.Notify() // sets the defaults too
	if other.Worker == r.Worker {
		t.Fatalf("two runners share the worker name %q", r.Worker)
	}
}

func TestExponentialBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 5 * time.Second, 10 * time.Second},
		{1, 5 * time.Second, 10 * time.Second},
		{2, 10 * time.Second, 20 * time.Second},
		{4, 40 * time.Second, 80 * time.Second},
		{9, 21*time.Minute + 20*time.Second, 42*time.Minute + 40*time.Second},
		{10, 30 * time.Minute, time.Hour},
		{64, 30 * time.Minute, time.Hour},
		{1 << 20, 30 * time.Minute, time.Hour},
	} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := outbox.ExponentialBackoff(tc.attempt)
			if d < tc.min || d > tc.max {
				t.Fatalf("attempt %d: %v, want within [%v, %v]", tc.attempt, d, tc.min, tc.max)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: 50 waits all equal (%v): no jitter", tc.attempt, seen)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("refused")
	err := fmt.Errorf("gateway: %w", outbox.Permanent(base))
	if !outbox.IsPermanent(err) || !errors.Is(err, base) || err.Error() != "gateway: refused" {
		t.Fatalf("wrapped permanent error: %v", err)
	}
	if outbox.IsPermanent(base) || outbox.Permanent(nil) != nil {
		t.Fatal("a plain error is not permanent, and Permanent(nil) is nil")
	}
}
