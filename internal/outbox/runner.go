package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// Store is what a Runner needs from the database. Every method must be safe to call from several
// nodes at once: Claim never hands one record to two live claims, and Complete and Fail change a
// record only while the caller still holds its claim (otherwise they return ErrLeaseLost).
type Store interface {
	Claim(ctx context.Context, worker string, topics []string, limit int, lease time.Duration) ([]Claimed, error)
	Complete(ctx context.Context, id, worker string) error
	Fail(ctx context.Context, id, worker, errText string, retryAt time.Time, dead bool) error
}

// Defaults for the Runner's zero fields.
const (
	DefaultPoll        = 2 * time.Second
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 16
	DefaultMaxAttempts = 10
)

// bookkeepingTimeout bounds marking a record done or failed; it runs even while shutting down, so
// that work already done is recorded and not repeated by another node.
const bookkeepingTimeout = 10 * time.Second

// Runner claims due records for the topics it has handlers for and runs them, one at a time. Run one
// per process; several processes (nodes) may run against one database. Set the fields, then call Run;
// zero fields take the defaults above. Fields must not change once Run, RunOnce or Notify was called.
type Runner struct {
	Store    Store
	Handlers map[string]Handler // by topic
	// Worker names this runner in claims; it must differ between runners. Default: host-pid-random.
	Worker string
	Poll   time.Duration // how often to look for due records when nothing wakes the runner
	// Lease is how long a claim holds. A handler is cancelled shortly before its record's lease ends,
	// so that no other worker can take the record while the handler still acts on it.
	Lease       time.Duration
	Batch       int // records claimed at a time
	MaxAttempts int // after this many failed attempts a record goes dead
	// Backoff tells how long to wait before the next attempt after the given failed attempt (1-based).
	// Default: ExponentialBackoff.
	Backoff func(attempt int) time.Duration

	once    sync.Once
	initErr error
	topics  []string
	wake    chan struct{}
}

func (r *Runner) init() error {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.Store == nil {
			r.initErr = errors.New("outbox runner: Store is required")
			return
		}
		if len(r.Handlers) == 0 {
			r.initErr = errors.New("outbox runner: Handlers: at least one topic is required")
			return
		}
		for topic, h := range r.Handlers {
			if h == nil {
				r.initErr = fmt.Errorf("outbox runner: Handlers[%q] is nil", topic)
				return
			}
			r.topics = append(r.topics, topic)
		}
		slices.Sort(r.topics)
		if r.Worker == "" {
			r.Worker = workerName()
		}
		if r.Poll <= 0 {
			r.Poll = DefaultPoll
		}
		if r.Lease <= 0 {
			r.Lease = DefaultLease
		}
		if r.Batch <= 0 {
			r.Batch = DefaultBatch
		}
		if r.MaxAttempts <= 0 {
			r.MaxAttempts = DefaultMaxAttempts
		}
		if r.Backoff == nil {
			r.Backoff = ExponentialBackoff
		}
	})
	return r.initErr
}

// workerName is unique per process and readable in the database: which host, which process.
func workerName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s-%d-%08x", host, os.Getpid(), rand.Uint32())
}

// Notify asks the runner to look for records now rather than at its next poll. Call it after a
// transaction that enqueued records commits; runners on other nodes find them at their next poll.
func (r *Runner) Notify() {
	if r.init() != nil {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Run handles records until ctx ends, then returns nil. It returns an error only when the runner is
// misconfigured; failures of the database or of handlers are logged and retried.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.init(); err != nil {
		return err
	}
	slog.Info("outbox runner started", "worker", r.Worker, "topics", r.topics)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := r.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			slog.Error("outbox", "worker", r.Worker, "err", err)
		}
		if err == nil && n == r.Batch {
			continue // a full batch: more may be due
		}
		timer.Reset(r.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-timer.C:
		}
	}
}

// RunOnce claims one batch of due records and handles each. It returns how many it claimed.
func (r *Runner) RunOnce(ctx context.Context) (int, error) {
	if err := r.init(); err != nil {
		return 0, err
	}
	claimed, err := r.Store.Claim(ctx, r.Worker, r.topics, r.Batch, r.Lease)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	for _, c := range claimed {
		if ctx.Err() != nil {
			// Shutting down: hand the rest back at once rather than make other nodes wait for the lease.
			r.fail(ctx, c, "released unhandled at shutdown", time.Now(), false)
			continue
		}
		r.handle(ctx, c)
	}
	return len(claimed), nil
}

func (r *Runner) handle(ctx context.Context, c Claimed) {
	deadline := c.LeaseUntil.Add(-r.Lease / 10)
	if !time.Now().Before(deadline) {
		r.fail(ctx, c, "lease ran out before the handler started", time.Now(), false)
		return
	}
	hctx, cancel := context.WithDeadline(ctx, deadline)
	err := r.call(hctx, c)
	cancel()
	switch {
	case err == nil:
		bctx, cancel := bookkeepingContext(ctx)
		defer cancel()
		if err := r.Store.Complete(bctx, c.ID, r.Worker); err != nil {
			slog.Warn("outbox: handled but not marked done; it may run again", "id", c.ID, "topic", c.Topic, "err", err)
		}
	case ctx.Err() != nil:
		r.fail(ctx, c, "interrupted by shutdown: "+err.Error(), time.Now(), false)
	default:
		dead := IsPermanent(err) || c.Attempts >= r.MaxAttempts
		retryAt := time.Now().Add(r.Backoff(c.Attempts))
		if dead {
			slog.Error("outbox: record is dead", "id", c.ID, "topic", c.Topic, "attempts", c.Attempts, "permanent", IsPermanent(err), "err", err)
		} else {
			slog.Warn("outbox: attempt failed", "id", c.ID, "topic", c.Topic, "attempts", c.Attempts, "retry_at", retryAt, "err", err)
		}
		r.fail(ctx, c, err.Error(), retryAt, dead)
	}
}

// call runs the handler, turning a panic into an error so that one bad record cannot stop the node.
func (r *Runner) call(ctx context.Context, c Claimed) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("outbox: handler panicked", "id", c.ID, "topic", c.Topic, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return r.Handlers[c.Topic](ctx, c)
}

func (r *Runner) fail(ctx context.Context, c Claimed, errText string, retryAt time.Time, dead bool) {
	bctx, cancel := bookkeepingContext(ctx)
	defer cancel()
	if err := r.Store.Fail(bctx, c.ID, r.Worker, errText, retryAt, dead); err != nil {
		slog.Warn("outbox: could not record a failed attempt; the claim will expire", "id", c.ID, "topic", c.Topic, "err", err)
	}
}

func bookkeepingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// Back-off bounds: the first retry comes after about backoffBase, each later one waits about twice as
// long, and none waits more than backoffCap.
const (
	backoffBase = 10 * time.Second
	backoffCap  = time.Hour
)

// ExponentialBackoff waits about 10 s after the first failed attempt and doubles with each further
// one, up to an hour. The wait is randomised between half and all of that ("equal jitter"), so that
// records that failed together (a gateway outage) do not all come back at the same instant.
func ExponentialBackoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 1 {
		attempt = 1
	}
	if shift := attempt - 1; shift < 20 {
		d = min(backoffBase<<shift, backoffCap)
	}
	half := d / 2
	return half + rand.N(half+1)
}
