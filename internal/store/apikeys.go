package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/google/uuid"
)

// APIKey is a long-lived credential of a machine client. The key itself is never stored: only its
// SHA-256 and its public prefix, which lets people tell keys apart in a list.
type APIKey struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while the key works
}

const apiKeyColumns = `id, user_id, name, key_prefix, created_at, last_used_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &created, &used, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = time.UnixMilli(created).UTC(), millisTime(used), millisTime(revoked)
	return k, nil
}

// CreateAPIKey stores a new key under its hash and returns it with its id and creation time set.
func (s *Store) CreateAPIKey(ctx context.Context, who audit.Who, k APIKey, keyHash string) (APIKey, error) {
	if k.ID == "" {
		k.ID = uuid.Must(uuid.NewV7()).String()
	}
	k.CreatedAt = time.UnixMilli(s.nowMillis()).UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.ID, k.UserID, k.Name, k.Prefix, keyHash, k.CreatedAt.UnixMilli()); err != nil {
			return fmt.Errorf("create api key: %w", err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "apikey.create", ObjectType: "api_key", ObjectID: k.ID,
			Detail: map[string]any{"user": k.UserID, "name": k.Name, "prefix": k.Prefix}})
	})
	return k, err
}

// APIKeyByHash finds the key whose SHA-256 is keyHash, revoked or not.
func (s *Store) APIKeyByHash(ctx context.Context, keyHash string) (APIKey, error) {
	k, err := scanAPIKey(s.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE key_hash = $1`, keyHash))
	return k, lookupErr(err, "api key")
}

// APIKeys lists a user's keys, revoked ones included, oldest first.
func (s *Store) APIKeys(ctx context.Context, userID string) ([]APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey stops a key from working, for good. Revoking a key twice is a conflict, so that a
// mistyped id is not mistaken for success.
func (s *Store) RevokeAPIKey(ctx context.Context, who audit.Who, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, s.nowMillis())
		if err != nil {
			return fmt.Errorf("revoke api key %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_keys WHERE id = $1`, id).Scan(&exists); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("api key %s: %w", id, ErrNotFound)
			}
			return fmt.Errorf("api key %s: %w: it is already revoked", id, ErrConflict)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "apikey.revoke", ObjectType: "api_key", ObjectID: id})
	})
}

// TouchAPIKey records when a key was last used. It is bookkeeping, not a change anyone makes, so it
// is not audited; callers limit how often they call it so that requests do not each cost a write.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, id, at.UnixMilli()); err != nil {
		return fmt.Errorf("touch api key %s: %w", id, err)
	}
	return nil
}
