package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The public portal counts submissions per address in the login_throttle table, under keys of its own
// ("portal:ADDR"), so that every node sees the same counts and the janitor's purge of stale counters
// clears them too. Like failed logins, the counts are bookkeeping, not changes anyone makes, and are
// not audited; the orders they let through are.

// TakeSubmissionSlot counts one submission under key and reports whether it is within limit for the
// window that started with the key's first submission; a window that has passed starts afresh. A
// refused submission is not counted, so that a flood does not keep the window full for longer.
func (s *Store) TakeSubmissionSlot(ctx context.Context, key string, at time.Time, window time.Duration, limit int) (bool, error) {
	if limit < 1 {
		return false, nil
	}
	taken := true
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		// The update happens only while the window has room or is over; otherwise no row comes back.
		err := tx.QueryRowContext(ctx, `INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0)
			ON CONFLICT (throttle_key) DO UPDATE SET
				failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END,
				window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END
			WHERE login_throttle.window_start <= $3 OR login_throttle.failures < $4
			RETURNING failures`, key, at.UnixMilli(), at.Add(-window).UnixMilli(), limit).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			taken = false
			return nil
		}
		if err != nil {
			return fmt.Errorf("count submission: %w", err)
		}
		return nil
	})
	return taken && err == nil, err
}

// ReturnSubmissionSlot gives back a slot that TakeSubmissionSlot counted for a submission that was
// refused afterwards (bad input, or a retry that made no new order), so that mistakes do not use up
// the citizen's allowance.
func (s *Store) ReturnSubmissionSlot(ctx context.Context, key string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0`, key); err != nil {
			return fmt.Errorf("return submission slot: %w", err)
		}
		return nil
	})
}
