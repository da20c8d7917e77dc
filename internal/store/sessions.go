package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
)

// Session is a stored sign-in, for a browser cookie or an API bearer token. Only the SHA-256 of its
// secret is kept, so a copy of the database does not let anyone sign in.
type Session struct {
	TokenHash  string
	UserID     string
	Kind       string // "web" or "api"
	CSRF       string // web sessions only
	RemoteAddr string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time // zero while the session has not been ended
}

// CreateSession stores a new session and records the sign-in in the audit log. In the same transaction
// it forgets the failed-login counters named by clearKeys, since a successful sign-in ends a run of
// failures.
func (s *Store) CreateSession(ctx context.Context, who audit.Who, sess Session, clearKeys ...string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, csrf_token, remote_addr, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			sess.TokenHash, sess.UserID, sess.Kind, sess.CSRF, sess.RemoteAddr, sess.CreatedAt.UnixMilli(), sess.ExpiresAt.UnixMilli()); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		for _, key := range clearKeys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = $1`, key); err != nil {
				return fmt.Errorf("clear login failures: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "auth.login", ObjectType: "user", ObjectID: sess.UserID,
			Detail: map[string]any{"kind": sess.Kind}})
	})
}

// Session returns the session whose secret hashes to tokenHash, whether or not it is still live:
// the caller decides, with its own clock, whether it has expired.
func (s *Store) Session(ctx context.Context, tokenHash string) (Session, error) {
	sess := Session{TokenHash: tokenHash}
	var created, expires int64
	var revoked sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT user_id, kind, csrf_token, remote_addr, created_at, expires_at, revoked_at
		FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&sess.UserID, &sess.Kind, &sess.CSRF, &sess.RemoteAddr, &created, &expires, &revoked)
	if err := lookupErr(err, "session"); err != nil {
		return sess, err
	}
	sess.CreatedAt, sess.ExpiresAt, sess.RevokedAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC(), millisTime(revoked)
	return sess, nil
}

// SessionHolder is a session with the user it belongs to, read together because every request
// that carries a token needs both.
type SessionHolder struct {
	Session Session
	User    access.User
	// UnitPlace is the place served by the user's unit ("" without a unit): the scope of a user
	// who has no place of their own.
	UnitPlace string
}

// SessionHolder returns, in one query, the session whose secret hashes to tokenHash (live or not, as
// Session) with its user, the user's roles and the place of the user's unit.
func (s *Store) SessionHolder(ctx context.Context, tokenHash string) (SessionHolder, error) {
	// The user's columns come first and unqualified (no other table here has them), so that
	// scanUser reads them; the session's follow.
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+`, s.kind, s.csrf_token, s.remote_addr, s.created_at, s.expires_at, s.revoked_at,
			COALESCE((SELECT place_code FROM units WHERE units.id = users.unit_id), ''), COALESCE(r.role, '')
		FROM sessions s JOIN users ON users.id = s.user_id
		LEFT JOIN user_roles r ON r.user_id = users.id
		WHERE s.token_hash = $1 ORDER BY r.role`, tokenHash)
	if err != nil {
		return SessionHolder{}, fmt.Errorf("session: %w", err)
	}
	defer rows.Close()
	h := SessionHolder{Session: Session{TokenHash: tokenHash}}
	found := false
	for rows.Next() {
		var created, expires int64
		var revoked sql.NullInt64
		var role string
		u, err := scanUser(scanAlso{rows, []any{&h.Session.Kind, &h.Session.CSRF, &h.Session.RemoteAddr, &created, &expires, &revoked, &h.UnitPlace, &role}})
		if err != nil {
			return SessionHolder{}, fmt.Errorf("session: %w", err)
		}
		u.Roles = h.User.Roles
		if role != "" {
			u.Roles = append(u.Roles, access.Role(role))
		}
		h.User, found = u, true
		h.Session.UserID = u.ID
		h.Session.CreatedAt, h.Session.ExpiresAt, h.Session.RevokedAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC(), millisTime(revoked)
	}
	if err := rows.Err(); err != nil {
		return SessionHolder{}, fmt.Errorf("session: %w", err)
	}
	if !found {
		return SessionHolder{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	return h, nil
}

// scanAlso scans a row into the destinations a scan function gives, then into extra ones: a query
// can add columns after those a shared scan function reads.
type scanAlso struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// RevokeSession ends a session (sign-out). Ending one that was already ended changes nothing.
func (s *Store) RevokeSession(ctx context.Context, who audit.Who, tokenHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var userID string
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, revoked_at FROM sessions WHERE token_hash = $1`, tokenHash).Scan(&userID, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("session: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		if revoked.Valid {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1`, tokenHash, s.nowMillis()); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "auth.logout", ObjectType: "user", ObjectID: userID})
	})
}

// millisTime turns a nullable millisecond column into a time, zero for NULL.
func millisTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// PurgeExpired deletes sessions that expired or were revoked before cutoff and throttle counters
// that are neither locked nor counting after it. Running it on several nodes at once is harmless.
func (s *Store) PurgeExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	ms := cutoff.UnixMilli()
	var total int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1`,
			`DELETE FROM login_throttle WHERE locked_until < $1 AND window_start < $1`,
		} {
			res, err := tx.ExecContext(ctx, q, ms)
			if err != nil {
				return fmt.Errorf("purge expired: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}
