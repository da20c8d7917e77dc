package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
)

// The login throttle counts failed sign-ins in the database, so that every node sees the same counts.
// The counters are bookkeeping rather than changes anyone makes: a failure is not audited on its own
// (a password-guessing run would flood the chain), the lockout it leads to is.

// LoginCounter names one failed-login counter ("user:NAME", "ip:ADDR") and how many failures it
// allows within the window.
type LoginCounter struct {
	Key   string
	Limit int
}

// LoginFailure is one failed sign-in, to be counted under each of its counters.
type LoginFailure struct {
	At       time.Time
	Window   time.Duration // failures older than this no longer count
	LockFor  time.Duration // how long a counter that reaches its limit stays locked
	Counters []LoginCounter
}

// LockedUntil returns the latest time until which any of the counters is locked, or the zero time
// when none is locked at now.
func (s *Store) LockedUntil(ctx context.Context, now time.Time, keys ...string) (time.Time, error) {
	var until time.Time
	for _, key := range keys {
		var ms int64
		err := s.r.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE throttle_key = $1`, key).Scan(&ms)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("login throttle: %w", err)
		}
		if t := time.UnixMilli(ms).UTC(); t.After(now) && t.After(until) {
			until = t
		}
	}
	return until, nil
}

// RecordLoginFailure counts the failure under each counter. A counter that reaches its limit within
// the window is locked for LockFor and starts afresh, and the lockout goes to the audit log. It returns
// the time until which the latest lock holds, or the zero time when this failure locked nothing.
func (s *Store) RecordLoginFailure(ctx context.Context, who audit.Who, f LoginFailure) (time.Time, error) {
	now := f.At.UnixMilli()
	windowStart := f.At.Add(-f.Window).UnixMilli()
	until := f.At.Add(f.LockFor)
	var locked []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range f.Counters {
			var failures int
			// A counter whose window has passed starts again at one.
			err := tx.QueryRowContext(ctx, `INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0)
				ON CONFLICT (throttle_key) DO UPDATE SET
					failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END,
					window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END
				RETURNING failures`, c.Key, now, windowStart).Scan(&failures)
			if err != nil {
				return fmt.Errorf("count login failure: %w", err)
			}
			if failures < c.Limit {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = 0, window_start = $2, locked_until = $3 WHERE throttle_key = $1`,
				c.Key, now, until.UnixMilli()); err != nil {
				return fmt.Errorf("lock login: %w", err)
			}
			locked = append(locked, c.Key)
			if err := s.appendAudit(ctx, tx, who, audit.Change{Action: "auth.lockout", ObjectType: "login_throttle", ObjectID: c.Key,
				Detail: map[string]any{"failures": failures, "until": until.UnixMilli()}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(locked) == 0 {
		return time.Time{}, err
	}
	return until.UTC(), nil
}
