package store

import (
	"context"

	"github.com/cityline/cityline/internal/audit"
)

// WriteForTest runs fn inside a hot write's transaction, so that tests can make a write misbehave.
func (s *Store) WriteForTest(ctx context.Context, fn func()) error {
	return s.inGroupTx(ctx, func(context.Context, *hotTx) error {
		fn()
		return nil
	})
}

// SharedWritesForTest counts the writes that shared a transaction with others (SQLite only).
func (s *Store) SharedWritesForTest() int64 {
	if s.writes == nil {
		return 0
	}
	return s.writes.shared.Load()
}

// AuditMixedForTest appends three entries in one hot write: through the write's own transaction
// wrapper, through the plain *sql.Tx as code outside the hot path would, and through the wrapper
// again. The chain must come out whole either way.
func (s *Store) AuditMixedForTest(ctx context.Context, objectID string) error {
	return s.inGroupTx(ctx, func(ctx context.Context, h *hotTx) error {
		c := audit.Change{Action: "test.mixed", ObjectType: "test", ObjectID: objectID}
		if err := s.appendAuditWith(ctx, h, audit.System, c); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, h.Tx, audit.System, c); err != nil {
			return err
		}
		return s.appendAuditWith(ctx, h, audit.System, c)
	})
}
