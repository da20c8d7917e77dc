package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/google/uuid"
)

// Attachment is one upload of a file. The content is kept apart, under SHA256; the row says who sent
// it and, once linked, which work order and timeline event it belongs to.
type Attachment struct {
	ID          string
	SHA256      string
	Size        int64
	ContentType string
	FileName    string
	UploadedBy  string // user id
	UploadedAt  time.Time
	TicketID    string // "" until linked
	EventID     string // "" when linked to the order itself rather than to one step of it
}

// AttachmentLinkError says why an attachment may not be linked to a work order. It names the field
// "attachments" and the offending id, so that the request that referenced it can be answered with 400.
type AttachmentLinkError struct {
	ID     string
	Reason string
}

func (e *AttachmentLinkError) Error() string { return "attachments: " + e.ID + ": " + e.Reason }

const attachmentColumns = `id, sha256, size, content_type, file_name, uploaded_by, uploaded_at, COALESCE(ticket_id, ''), COALESCE(event_id, '')`

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var at int64
	err := row.Scan(&a.ID, &a.SHA256, &a.Size, &a.ContentType, &a.FileName, &a.UploadedBy, &at, &a.TicketID, &a.EventID)
	a.UploadedAt = time.UnixMilli(at).UTC()
	return a, err
}

// CreateAttachment records an upload whose content is already stored, and returns it with its id and
// time set. It is not linked to anything yet.
func (s *Store) CreateAttachment(ctx context.Context, who audit.Who, a Attachment) (Attachment, error) {
	if a.ID == "" {
		a.ID = uuid.Must(uuid.NewV7()).String()
	}
	a.UploadedAt = time.UnixMilli(s.nowMillis()).UTC()
	a.TicketID, a.EventID = "", ""
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (id, sha256, size, content_type, file_name, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			a.ID, a.SHA256, a.Size, a.ContentType, a.FileName, a.UploadedBy, a.UploadedAt.UnixMilli()); err != nil {
			return fmt.Errorf("create attachment: %w", err)
		}
		// The file name may name a person (张三身份证.jpg): the audit log keeps only what identifies the content.
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "attachment.upload", ObjectType: "attachment", ObjectID: a.ID,
			Detail: map[string]any{"sha256": a.SHA256, "size": a.Size, "content_type": a.ContentType}})
	})
	return a, err
}

// Attachment returns one upload by id.
func (s *Store) Attachment(ctx context.Context, id string) (Attachment, error) {
	a, err := scanAttachment(s.r.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	return a, lookupErr(err, "attachment "+id)
}

// LinkAttachments attaches uploads to a work order (and, when eventID is set, to one event of its
// timeline) inside the caller's transaction, so that the order, its event and its files land together.
// by is the user acting: only the uploader may hand a file over. An id that does not exist, was
// uploaded by someone else or already belongs to another order is refused with *AttachmentLinkError
// and nothing is linked; an id already linked to this order stays as it was, so a retried request
// succeeds. The caller's own audit entry for the action records the link.
func (s *Store) LinkAttachments(ctx context.Context, tx *sql.Tx, by string, ids []string, ticketID, eventID string) error {
	if ticketID == "" {
		return errors.New("link attachments: the work order id is empty")
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET ticket_id = $2, event_id = $3
			WHERE id = $1 AND uploaded_by = $4 AND ticket_id IS NULL`, id, ticketID, nullString(eventID), by)
		if err != nil {
			return fmt.Errorf("link attachment %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		var owner, linked string
		err = tx.QueryRowContext(ctx, `SELECT uploaded_by, COALESCE(ticket_id, '') FROM attachments WHERE id = $1`, id).Scan(&owner, &linked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return &AttachmentLinkError{ID: id, Reason: "no such upload"}
		case err != nil:
			return fmt.Errorf("link attachment %s: %w", id, err)
		case owner != by:
			return &AttachmentLinkError{ID: id, Reason: "uploaded by another user"}
		case linked != ticketID:
			return &AttachmentLinkError{ID: id, Reason: "already attached to another work order"}
		}
	}
	return nil
}

// AttachmentsOf lists the files of a work order, in the order they were uploaded.
func (s *Store) AttachmentsOf(ctx context.Context, ticketID string) ([]Attachment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE ticket_id = $1 ORDER BY uploaded_at, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PurgeOrphans deletes uploads made before cutoff that were never linked to a work order: files
// someone sent and then abandoned the form. It returns the SHA-256 of every content that no upload
// uses any more, for the caller to delete from the blob storage.
func (s *Store) PurgeOrphans(ctx context.Context, cutoff time.Time) ([]string, error) {
	var unused []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM attachments WHERE ticket_id IS NULL AND uploaded_at < $1 RETURNING sha256`, cutoff.UnixMilli())
		if err != nil {
			return fmt.Errorf("purge attachments: %w", err)
		}
		var deleted []string
		for rows.Next() {
			var sha string
			if err := rows.Scan(&sha); err != nil {
				rows.Close()
				return fmt.Errorf("purge attachments: %w", err)
			}
			deleted = append(deleted, sha)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("purge attachments: %w", err)
		}
		if len(deleted) == 0 {
			return nil
		}
		slices.Sort(deleted)
		for _, sha := range slices.Compact(deleted) {
			var used int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM attachments WHERE sha256 = $1 LIMIT 1`, sha).Scan(&used)
			if errors.Is(err, sql.ErrNoRows) {
				unused = append(unused, sha)
			} else if err != nil {
				return fmt.Errorf("purge attachments: %w", err)
			}
		}
		return s.appendAudit(ctx, tx, audit.System, audit.Change{Action: "attachment.purge", ObjectType: "attachment",
			Detail: map[string]any{"uploads": len(deleted), "contents": len(unused), "before": cutoff.UnixMilli()}})
	})
	return unused, err
}
