package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/google/uuid"
)

// Background exports (internal/export) keep their state here so that every node sees it. Creating a
// job, finishing it and giving it up are audited: an export hands data out of the system. Claims and
// progress are bookkeeping, done many times a job, and are not.

// ExportStatus is where a background export stands.
type ExportStatus string

const (
	ExportQueued  ExportStatus = "queued"
	ExportRunning ExportStatus = "running"
	ExportDone    ExportStatus = "done"
	ExportFailed  ExportStatus = "failed"
)

// MaxExportAttempts is how many times a job is started before it is given up: a job whose node
// stopped is taken up again, but one that keeps stopping nodes is not.
const MaxExportAttempts = 3

// ErrExportLeaseLost is wrapped when a node reports on a job it no longer holds: its lease ran out and
// another node took the job over, or the job ended.
var ErrExportLeaseLost = errors.New("export job lease lost")

// ExportJob is one background export: what was asked for and by whom, how far it got, and the file it
// made.
type ExportJob struct {
	ID     string
	Kind   string
	UserID string
	Lang   string
	// Params is the export's own description of what to write, as JSON; it holds no personal data.
	Params   json.RawMessage
	Status   ExportStatus
	Rows     int64
	Permille int // progress, 0 to 1000
	Error    string
	// FileName is the name offered for download; FileSHA256 finds the content in the data directory.
	FileName   string
	FileSHA256 string
	FileSize   int64
	ClaimedBy  string
	LeaseUntil time.Time
	Attempts   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time // zero until done or failed
}

const exportColumns = `id, kind, user_id, lang, params, status, rows_done, permille, error, file_name, file_sha256, file_size,
	claimed_by, lease_until, attempts, created_at, updated_at, finished_at`

func scanExportJob(row interface{ Scan(...any) error }) (ExportJob, error) {
	var j ExportJob
	var params, status string
	var lease, created, updated, finished int64
	err := row.Scan(&j.ID, &j.Kind, &j.UserID, &j.Lang, &params, &status, &j.Rows, &j.Permille, &j.Error, &j.FileName,
		&j.FileSHA256, &j.FileSize, &j.ClaimedBy, &lease, &j.Attempts, &created, &updated, &finished)
	j.Params, j.Status = json.RawMessage(params), ExportStatus(status)
	j.LeaseUntil, j.CreatedAt, j.UpdatedAt = time.UnixMilli(lease).UTC(), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if finished > 0 {
		j.FinishedAt = time.UnixMilli(finished).UTC()
	}
	return j, err
}

// CreateExportJob stores a new queued job for its user and returns it with its id and times set.
func (s *Store) CreateExportJob(ctx context.Context, who audit.Who, j ExportJob) (ExportJob, error) {
	switch {
	case j.Kind == "":
		return j, errors.New("kind: required")
	case j.UserID == "":
		return j, errors.New("user_id: required")
	case j.Lang == "":
		return j, errors.New("lang: required")
	case !json.Valid(j.Params):
		return j, errors.New("params: want a JSON document")
	}
	j.ID = uuid.Must(uuid.NewV7()).String()
	now := s.nowMillis()
	j.Status, j.CreatedAt, j.UpdatedAt = ExportQueued, time.UnixMilli(now).UTC(), time.UnixMilli(now).UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO export_jobs (id, kind, user_id, lang, params, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, j.ID, j.Kind, j.UserID, j.Lang, string(j.Params), string(j.Status), now); err != nil {
			return fmt.Errorf("create export job: %w", err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "export.create", ObjectType: "export_job", ObjectID: j.ID,
			Detail: map[string]any{"kind": j.Kind, "params": j.Params}})
	})
	return j, err
}

// ExportJob returns one job.
func (s *Store) ExportJob(ctx context.Context, id string) (ExportJob, error) {
	j, err := scanExportJob(s.r.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM export_jobs WHERE id = $1`, id))
	return j, lookupErr(err, "export job "+id)
}

// ExportJobs lists a user's most recent jobs, newest first.
func (s *Store) ExportJobs(ctx context.Context, userID string, limit int) ([]ExportJob, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+exportColumns+` FROM export_jobs WHERE user_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list export jobs: %w", err)
	}
	defer rows.Close()
	var out []ExportJob
	for rows.Next() {
		j, err := scanExportJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list export jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ClaimExportJob hands the job to worker for the length of lease, starting it over from nothing: a
// queued job, or a running one whose lease ran out. A job that has run out of attempts is given up
// instead. It returns an error wrapping ErrConflict when the job is not to be run by this worker now
// (another holds it, or it ended).
func (s *Store) ClaimExportJob(ctx context.Context, id, worker string, lease time.Duration) (ExportJob, error) {
	if worker == "" || lease <= 0 {
		return ExportJob{}, errors.New("claim export job: worker and a positive lease are required")
	}
	now := s.nowMillis()
	j, err := scanExportJob(s.w.QueryRowContext(ctx, `UPDATE export_jobs SET status = 'running', claimed_by = $2, lease_until = $3,
			attempts = attempts + 1, rows_done = 0, permille = 0, updated_at = $4
		WHERE id = $1 AND attempts < $5 AND (status = 'queued' OR (status = 'running' AND lease_until < $4))
		RETURNING `+exportColumns, id, worker, now+lease.Milliseconds(), now, MaxExportAttempts))
	if err == nil {
		return j, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("claim export job %s: %w", id, err)
	}
	if err := s.giveUpExportJob(ctx, id, now); err != nil {
		return j, err
	}
	return j, fmt.Errorf("export job %s: %w: it is running elsewhere or has ended", id, ErrConflict)
}

// giveUpExportJob fails a job whose last attempt's node stopped and that may not be started again.
func (s *Store) giveUpExportJob(ctx context.Context, id string, now int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE export_jobs SET status = 'failed', error = $3, finished_at = $2, updated_at = $2
			WHERE id = $1 AND status = 'running' AND lease_until < $2 AND attempts >= $4`,
			id, now, "the export stopped before it finished, too many times", MaxExportAttempts)
		if err != nil {
			return fmt.Errorf("give up export job %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.System, audit.Change{Action: "export.fail", ObjectType: "export_job", ObjectID: id,
			Detail: map[string]any{"reason": "attempts exhausted"}})
	})
}

// RenewExportJob records a running job's progress and extends worker's lease on it.
func (s *Store) RenewExportJob(ctx context.Context, id, worker string, rows int64, permille int, lease time.Duration) error {
	now := s.nowMillis()
	res, err := s.w.ExecContext(ctx, `UPDATE export_jobs SET rows_done = $3, permille = $4, lease_until = $5, updated_at = $6
		WHERE id = $1 AND claimed_by = $2 AND status = 'running'`, id, worker, rows, min(max(permille, 0), 1000), now+lease.Milliseconds(), now)
	if err != nil {
		return fmt.Errorf("export job %s progress: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("export job %s: %w", id, ErrExportLeaseLost)
	}
	return nil
}

// FinishExportJob marks worker's job done with the file it made.
func (s *Store) FinishExportJob(ctx context.Context, who audit.Who, id, worker string, rows int64, fileName, sha string, size int64) error {
	return s.endExportJob(ctx, who, id, worker, `status = 'done', rows_done = $3, permille = 1000, file_name = $4, file_sha256 = $5, file_size = $6`,
		[]any{rows, fileName, sha, size}, audit.Change{Action: "export.done", Detail: map[string]any{"rows": rows, "size": size}})
}

// FailExportJob marks worker's job failed with the reason, which the user is shown.
func (s *Store) FailExportJob(ctx context.Context, who audit.Who, id, worker, reason string) error {
	reason = clipErrorText(reason)
	return s.endExportJob(ctx, who, id, worker, `status = 'failed', error = $3`, []any{reason},
		audit.Change{Action: "export.fail", Detail: map[string]any{"reason": reason}})
}

// endExportJob sets what ends a job (set, whose placeholders start at $3) while worker still holds it.
func (s *Store) endExportJob(ctx context.Context, who audit.Who, id, worker, set string, args []any, c audit.Change) error {
	now := s.nowMillis()
	n := len(args) + 3
	query := fmt.Sprintf(`UPDATE export_jobs SET %s, finished_at = $%d, updated_at = $%d, lease_until = 0
		WHERE id = $1 AND claimed_by = $2 AND status = 'running'`, set, n, n)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, append(append([]any{id, worker}, args...), now)...)
		if err != nil {
			return fmt.Errorf("end export job %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("export job %s: %w", id, ErrExportLeaseLost)
		}
		c.ObjectType, c.ObjectID = "export_job", id
		return s.appendAudit(ctx, tx, who, c)
	})
}
