package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/google/uuid"
)

// The outbox's own bookkeeping (claims, completions, retries scheduled by a worker) is not audited:
// it happens for every record and says nothing about who changed what. What people do to it (enqueue
// by hand, retry a dead record) and a record giving up (dead) are audited.

// maxErrorText bounds the stored reason of a failed attempt.
const maxErrorText = 2000

// enqueueSQL stores one outbox record.
const enqueueSQL = `INSERT INTO outbox (id, topic, record_key, payload, available_at, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (topic, record_key) DO NOTHING`

// Enqueue adds rec to the outbox inside the caller's transaction, so the record exists if and only if
// the change that caused it commits. A record whose topic and key are already stored is ignored.
// It is a single INSERT: it sits on the hot path of every work-order change.
func (s *Store) Enqueue(ctx context.Context, tx *sql.Tx, rec outbox.Record) error {
	return s.enqueue(ctx, s.hotOf(tx), rec)
}

func (s *Store) enqueue(ctx context.Context, tx *hotTx, rec outbox.Record) error {
	if err := rec.Validate(); err != nil {
		return err
	}
	now := s.nowMillis()
	available := now
	if !rec.NotBefore.IsZero() {
		available = rec.NotBefore.UnixMilli()
	}
	if _, err := tx.ExecContext(ctx, enqueueSQL,
		uuid.Must(uuid.NewV7()).String(), rec.Topic, rec.Key, string(rec.Payload), available, now); err != nil {
		return fmt.Errorf("enqueue %s: %w", rec.Topic, err)
	}
	return nil
}

// EnqueueNow adds records in a transaction of their own, for work that follows no other change
// (a test message, a resend asked for by hand). Each record is audited under who.
func (s *Store) EnqueueNow(ctx context.Context, who audit.Who, recs ...outbox.Record) error {
	for i, rec := range recs {
		if err := rec.Validate(); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, rec := range recs {
			if err := s.Enqueue(ctx, tx, rec); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, who, audit.Change{Action: "outbox.enqueue", ObjectType: "outbox", ObjectID: rec.Key,
				Detail: map[string]any{"topic": rec.Topic}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Claim takes up to limit due records of the given topics for worker, for the length of lease, and
// counts an attempt on each. A record is due when it is pending, its time has come and no live lease
// holds it. On PostgreSQL, SKIP LOCKED lets several nodes claim at once without waiting on each other
// or taking the same record; SQLite has a single writer, so the plain UPDATE is already atomic.
func (s *Store) Claim(ctx context.Context, worker string, topics []string, limit int, lease time.Duration) ([]outbox.Claimed, error) {
	switch {
	case worker == "":
		return nil, errors.New("worker: required")
	case len(topics) == 0:
		return nil, errors.New("topics: at least one is required")
	case limit <= 0:
		return nil, errors.New("limit: must be positive")
	case lease <= 0:
		return nil, errors.New("lease: must be positive")
	}
	now := s.nowMillis()
	args := []any{worker, now + lease.Milliseconds(), now, limit}
	marks := make([]string, len(topics))
	for i, t := range topics {
		args = append(args, t)
		marks[i] = "$" + strconv.Itoa(len(args))
	}
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE outbox SET claimed_by = $1, attempts = attempts + 1, available_at = $2, updated_at = $3
		WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND available_at <= $3 AND topic IN (`+strings.Join(marks, ", ")+`)
			ORDER BY available_at, id LIMIT $4`+lock+`)
		RETURNING id, topic, record_key, payload, attempts, created_at, available_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim outbox records: %w", err)
	}
	defer rows.Close()
	var out []outbox.Claimed
	for rows.Next() {
		var c outbox.Claimed
		var created, leaseUntil int64
		if err := rows.Scan(&c.ID, &c.Topic, &c.Key, &c.Payload, &c.Attempts, &created, &leaseUntil); err != nil {
			return nil, fmt.Errorf("claim outbox records: %w", err)
		}
		c.CreatedAt, c.LeaseUntil = time.UnixMilli(created).UTC(), time.UnixMilli(leaseUntil).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim outbox records: %w", err)
	}
	// RETURNING promises no order; ids are UUIDv7, so sorting by id hands records out oldest first.
	slices.SortFunc(out, func(a, b outbox.Claimed) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Complete marks a claimed record done. Only the worker holding the claim may: if its lease ran out
// and another worker took the record, it returns an error wrapping outbox.ErrLeaseLost.
func (s *Store) Complete(ctx context.Context, id, worker string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE outbox SET status = 'done', updated_at = $3
		WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`, id, worker, s.nowMillis())
	if err != nil {
		return fmt.Errorf("complete outbox record %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return claimLost(ctx, s.w, id)
	}
	return nil
}

// Fail records a failed attempt on a claimed record: it becomes due again at retryAt, or, when dead,
// is set aside with its error for someone to inspect and retry. Only the worker holding the claim may
// (see Complete).
func (s *Store) Fail(ctx context.Context, id, worker, errText string, retryAt time.Time, dead bool) error {
	status := "pending"
	if dead {
		status = "dead"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var topic string
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = $3, available_at = $4, claimed_by = '', last_error = $5, updated_at = $6
			WHERE id = $1 AND claimed_by = $2 AND status = 'pending' RETURNING topic, attempts`,
			id, worker, status, retryAt.UnixMilli(), clipErrorText(errText), s.nowMillis()).Scan(&topic, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return claimLost(ctx, tx, id)
		}
		if err != nil {
			return fmt.Errorf("fail outbox record %s: %w", id, err)
		}
		if !dead {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.System, audit.Change{Action: "outbox.dead", ObjectType: "outbox", ObjectID: id,
			Detail: map[string]any{"topic": topic, "attempts": attempts}})
	})
}

// queryRower is a transaction or a pool: what a single-row read needs.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// outboxStatus reads a record's status, or ErrNotFound.
func outboxStatus(ctx context.Context, q queryRower, id string) (string, error) {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM outbox WHERE id = $1`, id).Scan(&status)
	return status, lookupErr(err, "outbox record "+id)
}

// claimLost explains why a worker's Complete or Fail changed nothing.
func claimLost(ctx context.Context, q queryRower, id string) error {
	status, err := outboxStatus(ctx, q, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("outbox record %s (%s): %w: %w", id, status, ErrConflict, outbox.ErrLeaseLost)
}

// clipErrorText keeps a failure's reason storable: valid UTF-8, and short.
func clipErrorText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// OutboxStats counts the records still to do (including those being handled) and the dead ones, for
// /metrics and the health view.
func (s *Store) OutboxStats(ctx context.Context) (pending, dead int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
		(SELECT COUNT(*) FROM outbox WHERE status = 'dead')`).Scan(&pending, &dead)
	if err != nil {
		return 0, 0, fmt.Errorf("outbox stats: %w", err)
	}
	return pending, dead, nil
}

// Dead lists up to limit dead records, most recently failed first.
func (s *Store) Dead(ctx context.Context, limit int) ([]outbox.DeadRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, topic, record_key, payload, attempts, last_error, created_at, updated_at
		FROM outbox WHERE status = 'dead' ORDER BY updated_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead outbox records: %w", err)
	}
	defer rows.Close()
	var out []outbox.DeadRecord
	for rows.Next() {
		var d outbox.DeadRecord
		var created, failed int64
		if err := rows.Scan(&d.ID, &d.Topic, &d.Key, &d.Payload, &d.Attempts, &d.LastError, &created, &failed); err != nil {
			return nil, fmt.Errorf("list dead outbox records: %w", err)
		}
		d.CreatedAt, d.FailedAt = time.UnixMilli(created).UTC(), time.UnixMilli(failed).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// Retry puts a dead record back in the queue with a fresh count of attempts, once whatever made it
// fail (a wrong address, a gateway down for hours) has been put right.
func (s *Store) Retry(ctx context.Context, who audit.Who, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		var topic string
		err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, available_at = $2, claimed_by = '', updated_at = $2
			WHERE id = $1 AND status = 'dead' RETURNING topic`, id, now).Scan(&topic)
		if errors.Is(err, sql.ErrNoRows) {
			status, err := outboxStatus(ctx, tx, id)
			if err != nil {
				return err
			}
			return fmt.Errorf("outbox record %s: %w: it is %s, only a dead record can be retried", id, ErrConflict, status)
		}
		if err != nil {
			return fmt.Errorf("retry outbox record %s: %w", id, err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "outbox.retry", ObjectType: "outbox", ObjectID: id,
			Detail: map[string]any{"topic": topic}})
	})
}
