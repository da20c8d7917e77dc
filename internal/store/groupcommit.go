package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// errClosed is returned for a write asked of a store that is being closed.
var errClosed = errors.New("store: closed")

// maxGroup bounds how many writes share one transaction, so that one commit stays short.
const maxGroup = 256

// groupCommit is SQLite's writer for the hot writes (intakes and actions on orders). SQLite writes one
// transaction at a time, and in WAL mode each commit appends every page it touched to the log: an
// order dirties some thirty pages (its row and their indexes, the timeline, the search index, the
// audit chain, the outbox), so committing orders one by one mostly writes the same pages over and
// over. Writes that arrive while a transaction is being written wait, then go together into the
// next one, and every caller returns only once the transaction holding its write has committed: an
// acknowledged write is as durable as before. When one write of a group fails, the transaction is
// rolled back, that write gets its error, and the others are written again without it — so a write
// must be safe to run more than once (see inGroupTx). Savepoints would spare the second run, but each
// one makes SQLite copy pages to a sub-journal and makes FTS5 flush its pending terms to a new
// segment, which costs more than the rare second run. Under light load a group is a single write,
// and nothing waits for company.
type groupCommit struct {
	s     *Store
	calls chan *writeCall
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
	// shared counts the writes that committed in a transaction with others.
	shared atomic.Int64
}

// writeCall is one write waiting for its outcome.
type writeCall struct {
	ctx    context.Context
	fn     func(ctx context.Context, h *hotTx) error
	result chan writeResult
}

type writeResult struct {
	err      error
	panicked bool
	value    any // what fn panicked with
}

func (c *writeCall) finish(err error) { c.result <- writeResult{err: err} }

func startGroupCommit(s *Store) *groupCommit {
	g := &groupCommit{s: s, calls: make(chan *writeCall), quit: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// inGroupTx is inTx for the hot writes: on SQLite, concurrent calls share a transaction (see
// groupCommit). fn must write only through h and the ctx it is given, and must set (not accumulate
// into) anything it hands back: it may run more than once, each time in a fresh transaction after
// the last one was rolled back. On SQLite a write that has started is finished even if the caller
// goes away (its ctx loses its cancellation): an interrupted statement would take the whole shared
// transaction down with it.
func (s *Store) inGroupTx(ctx context.Context, fn func(ctx context.Context, h *hotTx) error) error {
	if s.writes == nil {
		return s.runHot(ctx, fn)
	}
	return s.writes.do(ctx, fn)
}

// runHot runs a hot write in a transaction of its own.
func (s *Store) runHot(ctx context.Context, fn func(ctx context.Context, h *hotTx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		h := s.beginHot(tx)
		defer s.endHot(h)
		if err := fn(ctx, h); err != nil {
			return err
		}
		return s.beforeCommit(ctx, h)
	})
}

// do hands fn to the writer and waits until its transaction has committed or failed. A panic in fn
// is raised again here, in the caller's goroutine.
func (g *groupCommit) do(ctx context.Context, fn func(ctx context.Context, h *hotTx) error) error {
	c := &writeCall{ctx: ctx, fn: fn, result: make(chan writeResult, 1)}
	select {
	case g.calls <- c:
	case <-ctx.Done():
		return fmt.Errorf("begin: %w", ctx.Err())
	case <-g.quit:
		return errClosed
	}
	r := <-c.result
	if r.panicked {
		panic(r.value)
	}
	return r.err
}

// stop lets the group being written finish and refuses later writes.
func (g *groupCommit) stop() {
	g.once.Do(func() { close(g.quit) })
	<-g.done
}

func (g *groupCommit) run() {
	defer close(g.done)
	for {
		var group []*writeCall
		select {
		case c := <-g.calls:
			group = append(group, c)
		case <-g.quit:
			return
		}
		group = g.gather(group)
		if len(group) == 1 {
			// Let writers that are about to call in do so: a commit costs about as much for one
			// write as for many.
			runtime.Gosched()
			group = g.gather(group)
		}
		for len(group) > 0 {
			group = g.attempt(group)
		}
	}
}

// gather adds the calls that are waiting, up to maxGroup, without waiting for more.
func (g *groupCommit) gather(group []*writeCall) []*writeCall {
	for len(group) < maxGroup {
		select {
		case c := <-g.calls:
			group = append(group, c)
		default:
			return group
		}
	}
	return group
}

// attempt writes the group's calls in one transaction. When one fails, it rolls the transaction
// back, gives that call its error and returns the others, to be written again without it.
func (g *groupCommit) attempt(group []*writeCall) []*writeCall {
	live := make([]*writeCall, 0, len(group))
	for _, c := range group {
		if err := c.ctx.Err(); err != nil {
			c.finish(fmt.Errorf("begin: %w", err))
			continue
		}
		live = append(live, c)
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		g.alone(live[0])
		return nil
	}
	tx, err := g.s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, c := range live {
			c.finish(fmt.Errorf("begin: %w", err))
		}
		return nil
	}
	h := g.s.beginHot(tx)
	defer g.s.endHot(h)
	for i, c := range live {
		res := call(context.WithoutCancel(c.ctx), c.fn, h)
		if res.err != nil || res.panicked {
			tx.Rollback()
			c.result <- res
			return append(live[:i:i], live[i+1:]...)
		}
	}
	err = g.s.beforeCommit(context.Background(), h)
	if err != nil {
		tx.Rollback()
	} else if err = tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	if err != nil {
		for _, c := range live {
			c.finish(err)
		}
		return nil
	}
	g.shared.Add(int64(len(live)))
	for _, c := range live {
		c.finish(nil)
	}
	return nil
}

// alone writes one call in a transaction of its own.
func (g *groupCommit) alone(c *writeCall) {
	var res writeResult
	err := g.s.runHot(context.WithoutCancel(c.ctx), func(ctx context.Context, h *hotTx) error {
		res = call(ctx, c.fn, h)
		if res.panicked {
			return errPanicked
		}
		return res.err
	})
	if !res.panicked {
		res.err = err
	}
	c.result <- res
}

// errPanicked rolls back the transaction of a write that panicked; the caller gets the panic.
var errPanicked = errors.New("write panicked")

// call runs fn, turning a panic into a result so that the writer survives it.
func call(ctx context.Context, fn func(ctx context.Context, h *hotTx) error, h *hotTx) (res writeResult) {
	defer func() {
		if v := recover(); v != nil {
			res = writeResult{panicked: true, value: v}
		}
	}()
	return writeResult{err: fn(ctx, h)}
}
