package store

import (
	"context"
	"database/sql"
)

// ExecForTest lets tests tamper with the database behind the store's back (to fake a newer schema,
// or to edit the audit log as an attacker would).
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.w.ExecContext(ctx, query, args...)
}
