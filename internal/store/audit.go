package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
)

// The statements of an audit append.
const (
	auditHeadBumpSQL = `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`
	auditInsertSQL   = `INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, detail, remote_addr, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	auditHeadHashSQL = `UPDATE audit_head SET hash = $1 WHERE id = 1`
	// A hot write locks the head once, carries the tip itself and writes it back before commit.
	auditHeadLockSQL = `UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`
	auditTipSQL      = `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`
)

// appendAudit adds one link to the audit chain inside the caller's transaction, so the change and
// its record land together. Bumping audit_head first takes its row lock, which serializes appends
// across nodes on PostgreSQL (SQLite has a single writer anyway).
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, who audit.Who, c audit.Change) error {
	return s.appendAuditWith(ctx, s.hotOf(tx), who, c)
}

func (s *Store) appendAuditWith(ctx context.Context, p *hotTx, who audit.Who, c audit.Change) error {
	detail, err := audit.EncodeDetail(c.Detail)
	if err != nil {
		return err
	}
	e := audit.Entry{At: s.nowMillis(), Actor: who.Actor, Action: c.Action, ObjectType: c.ObjectType,
		ObjectID: c.ObjectID, Detail: detail, RemoteAddr: who.RemoteAddr}
	if p.defers {
		if p.tip == nil {
			var tip auditTip
			if err := p.QueryRowContext(ctx, auditHeadLockSQL).Scan(&tip.seq, &tip.hash); err != nil {
				return fmt.Errorf("audit head: %w", err)
			}
			p.tip = &tip
		}
		e.Seq, e.PrevHash = p.tip.seq+1, p.tip.hash
	} else if err := p.QueryRowContext(ctx, auditHeadBumpSQL).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Hash = e.ComputeHash()
	if _, err := p.ExecContext(ctx, auditInsertSQL,
		e.Seq, e.At, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Detail, e.RemoteAddr, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if p.defers {
		p.tip.seq, p.tip.hash, p.moved = e.Seq, e.Hash, true
		return nil
	}
	if _, err := p.ExecContext(ctx, auditHeadHashSQL, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// VerifyAudit streams the whole chain through an audit.Verifier. It returns the number of entries
// checked and the first break, or nil when the chain is intact.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *audit.Break, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor, action, object_type, object_id, detail, remote_addr, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var v audit.Verifier
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &e.RemoteAddr, &e.PrevHash, &e.Hash); err != nil {
			return v.Checked, nil, fmt.Errorf("read audit log: %w", err)
		}
		if b := v.Check(e); b != nil {
			return v.Checked, b, nil
		}
	}
	if err := rows.Err(); err != nil {
		return v.Checked, nil, fmt.Errorf("read audit log: %w", err)
	}
	var headSeq int64
	var headHash string
	if err := s.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return v.Checked, nil, fmt.Errorf("read audit head: %w", err)
	}
	return v.Checked, v.Finish(headSeq, headHash), nil
}

// AuditEntries returns the newest entries about one object, newest first.
func (s *Store) AuditEntries(ctx context.Context, objectType, objectID string, limit int) ([]audit.Entry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor, action, object_type, object_id, detail, remote_addr, prev_hash, hash
		FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq DESC LIMIT $3`, objectType, objectID, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &e.RemoteAddr, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordRead audits a read that must leave a trace (a caller's personal data seen in full).
func (s *Store) RecordRead(ctx context.Context, who audit.Who, c audit.Change) error {
	return s.inGroupTx(ctx, func(ctx context.Context, h *hotTx) error { return s.appendAuditWith(ctx, h, who, c) })
}
