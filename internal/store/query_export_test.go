package store

import (
	"context"
	"database/sql"
)

// QueryRowForTest lets tests read what is really stored, e.g. that a secret is kept only as its hash.
func (s *Store) QueryRowForTest(ctx context.Context, query string, args ...any) *sql.Row {
	return s.r.QueryRowContext(ctx, query, args...)
}
