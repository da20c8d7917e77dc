package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/store"
)

// flakyGateway is the outside world: it refuses each message the first failFirst times it is offered,
// then passes it to the log gateway. It lives across the "restart", as a real SMS provider would.
type flakyGateway struct {
	failFirst int
	next      notify.Gateway

	mu     sync.Mutex
	offers map[string]int // by idempotency key
}

func (g *flakyGateway) Send(ctx context.Context, msg notify.Message) error {
	key := notify.IdempotencyKey(ctx)
	g.mu.Lock()
	g.offers[key]++
	n := g.offers[key]
	g.mu.Unlock()
	if n <= g.failFirst {
		return errors.New("gateway unavailable")
	}
	return g.next.Send(ctx, msg)
}

func runner(s *store.Store, g notify.Gateway) *outbox.Runner {
	return &outbox.Runner{
		Store:    s,
		Handlers: map[string]outbox.Handler{notify.Topic: notify.Handler(g)},
		Poll:     20 * time.Millisecond,
		Batch:    8,
		Lease:    time.Minute,
		Backoff:  func(int) time.Duration { return 10 * time.Millisecond },
	}
}

// Messages queued before a restart are all delivered after it, each exactly once: some are handled
// (after failures) before the restart, some were claimed by a node that died holding them, and the
// rest were never touched.
func TestNotificationsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "cityline.db")
	logFile := filepath.Join(dir, "notifications.log")
	const total = 60
	gw := &flakyGateway{failFirst: 2, next: notify.NewLogGateway(logFile), offers: map[string]int{}}

	s1, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var recs []outbox.Record
	for i := range total {
		msg := notify.Message{Channel: notify.ChannelSMS, To: fmt.Sprintf("138%08d", i), Body: fmt.Sprintf("您的工单WH20261128%06d已受理", i),
			Ref: fmt.Sprintf("WH20261128%06d", i)}
		if i%3 == 0 {
			msg = notify.Message{Channel: notify.ChannelEmail, To: fmt.Sprintf("citizen%d@example.com", i), Subject: "工单已受理", Body: msg.Body, Ref: msg.Ref}
		}
		recs = append(recs, notify.Record(msg, fmt.Sprintf("%s:accepted:%s", msg.Ref, msg.Channel)))
	}
	if err := s1.EnqueueNow(ctx, audit.System, recs...); err != nil {
		t.Fatal(err)
	}

	// The first node works for a while, then stops.
	runCtx, stop := context.WithCancel(ctx)
	r1 := runner(s1, gw)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r1.Run(runCtx) }()
	waitFor(t, func() bool { return len(logKeys(t, logFile)) >= 10 })
	stop()
	wg.Wait()
	// Another node claims a batch and dies before handling any of it.
	if got, err := s1.Claim(ctx, "node-that-dies", []string{notify.Topic}, 5, 300*time.Millisecond); err != nil || len(got) == 0 {
		t.Fatalf("dying node claimed %d, %v", len(got), err)
	}
	pending, _, err := s1.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending == 0 || pending == total {
		t.Fatalf("before the restart %d of %d pending: the test wants some done and some not", pending, total)
	}
	s1.Close()

	// Restart: a new process opens the same database file.
	s2, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	runCtx, stop = context.WithCancel(ctx)
	defer stop()
	r2 := runner(s2, gw)
	wg.Add(1)
	go func() { defer wg.Done(); r2.Run(runCtx) }()
	waitFor(t, func() bool {
		p, d, err := s2.OutboxStats(ctx)
		return err == nil && p == 0 && d == 0
	})
	stop()
	wg.Wait()

	keys := logKeys(t, logFile)
	if len(keys) != total {
		t.Fatalf("%d distinct messages delivered, want %d", len(keys), total)
	}
	for _, r := range recs {
		if keys[r.Key] != 1 {
			t.Errorf("%s delivered %d times, want once", r.Key, keys[r.Key])
		}
		if gw.offers[r.Key] < gw.failFirst+1 {
			t.Errorf("%s offered %d times; the gateway refused the first %d", r.Key, gw.offers[r.Key], gw.failFirst)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logKeys counts the log gateway's lines by idempotency key.
func logKeys(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct{ Key string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		keys[line.Key]++
	}
	return keys
}
