package store

import (
	"context"
	"database/sql"
)

// InTxForTest runs fn in a write transaction, as the work-order core does when it calls
// LinkAttachments, so that tests can call what only other store methods call.
func (s *Store) InTxForTest(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, fn)
}
