package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/hotline"
)

// ReplaceHotlineLines makes lines the whole catalogue of former hotlines, in their order, in one
// transaction: readers see either the old catalogue or the new one, never a mix.
func (s *Store) ReplaceHotlineLines(ctx context.Context, who audit.Who, lines []hotline.Line) error {
	if err := hotline.ValidateAll(lines); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM hotline_lines`); err != nil {
			return fmt.Errorf("clear hotline lines: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO hotline_lines (code, name, former_number, description, sort_order)
			VALUES ($1, $2, $3, $4, $5)`)
		if err != nil {
			return fmt.Errorf("prepare hotline insert: %w", err)
		}
		defer stmt.Close()
		for i, l := range lines {
			if _, err := stmt.ExecContext(ctx, l.Code, l.Name, l.FormerNumber, l.Description, i+1); err != nil {
				return fmt.Errorf("hotline line %s: %w", l.Code, err)
			}
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "hotline.replace", ObjectType: "hotline_lines", ObjectID: "",
			Detail: map[string]any{"count": len(lines)}})
	})
}

const hotlineColumns = `code, name, former_number, description`

// HotlineLines lists the catalogue in display order.
func (s *Store) HotlineLines(ctx context.Context) ([]hotline.Line, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+hotlineColumns+` FROM hotline_lines ORDER BY sort_order, code`)
	if err != nil {
		return nil, fmt.Errorf("list hotline lines: %w", err)
	}
	defer rows.Close()
	var out []hotline.Line
	for rows.Next() {
		var l hotline.Line
		if err := rows.Scan(&l.Code, &l.Name, &l.FormerNumber, &l.Description); err != nil {
			return nil, fmt.Errorf("list hotline lines: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// HotlineLine returns one line by its code.
func (s *Store) HotlineLine(ctx context.Context, code string) (hotline.Line, error) {
	var l hotline.Line
	err := s.r.QueryRowContext(ctx, `SELECT `+hotlineColumns+` FROM hotline_lines WHERE code = $1`, code).
		Scan(&l.Code, &l.Name, &l.FormerNumber, &l.Description)
	return l, lookupErr(err, "hotline line "+code)
}
