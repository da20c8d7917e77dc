// Package snapshot keeps a node's copy of something the database holds and that hot paths read far
// more often than anyone changes it (the category catalogue, the time-limit rules). The database stays
// the only truth: a copy is read again once it is older than its maximum age, so an edit made on
// another node applies here within that time, and at once on the node that made it (Expire).
package snapshot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Of is a copy of a T, loaded on first use. It is safe for concurrent use.
type Of[T any] struct {
	what   string
	maxAge time.Duration
	load   func(context.Context) (T, error)

	current atomic.Pointer[copyOf[T]]
	loading sync.Mutex // one caller reloads; the others wait for its copy
}

type copyOf[T any] struct {
	value  T
	loaded time.Time
}

// New makes a snapshot of what (named in logs) that load reads, used for at most maxAge.
func New[T any](what string, maxAge time.Duration, load func(context.Context) (T, error)) *Of[T] {
	return &Of[T]{what: what, maxAge: maxAge, load: load}
}

// Get returns the copy, reading it again first when it is too old. When a reload fails, the copy read
// before stays in use and the failure is logged; with nothing read yet the error is returned.
func (s *Of[T]) Get(ctx context.Context) (T, error) {
	if c := s.current.Load(); c != nil && time.Since(c.loaded) < s.maxAge {
		return c.value, nil
	}
	s.loading.Lock()
	defer s.loading.Unlock()
	old := s.current.Load()
	if old != nil && time.Since(old.loaded) < s.maxAge {
		return old.value, nil // another caller reloaded while this one waited
	}
	v, err := s.load(ctx)
	if err != nil {
		if old == nil {
			var zero T
			return zero, err
		}
		slog.Warn("not reloaded; using the copy read before", "what", s.what, "err", err)
		v = old.value
	}
	s.current.Store(&copyOf[T]{value: v, loaded: time.Now()})
	return v, nil
}

// Expire makes the next Get read again: this node has just changed what the copy holds.
func (s *Of[T]) Expire() { s.current.Store(nil) }
