package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
)

// TriageRecord is what triage suggested for an order.
type TriageRecord struct {
	TicketID string
	Result   string // the suggestion as JSON (triage.Result)
	Auto     bool   // it was dispatched without a person
	RuleID   string
	At       time.Time
}

// SaveTriage keeps (or replaces) the suggestion for an order.
func (s *Store) SaveTriage(ctx context.Context, r TriageRecord) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO ticket_triage (ticket_id, result, auto, rule_id, triaged_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (ticket_id) DO UPDATE SET result = $2, auto = $3, rule_id = $4, triaged_at = $5`,
		r.TicketID, r.Result, r.Auto, r.RuleID, r.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("save triage of %s: %w", r.TicketID, err)
	}
	return nil
}

// Triage returns the suggestion kept for an order.
func (s *Store) Triage(ctx context.Context, ticketID string) (TriageRecord, error) {
	r := TriageRecord{TicketID: ticketID}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT result, auto, rule_id, triaged_at FROM ticket_triage WHERE ticket_id = $1`, ticketID).
		Scan(&r.Result, &r.Auto, &r.RuleID, &at)
	if err := lookupErr(err, "triage of "+ticketID); err != nil {
		return r, err
	}
	r.At = time.UnixMilli(at).UTC()
	return r, nil
}

// SaveClassifier stores a trained model under a name ("category", "type"), replacing the one before,
// so that every node loads the same model.
func (s *Store) SaveClassifier(ctx context.Context, who audit.Who, name string, model []byte, examples int) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO classifier_models (name, model, examples, trained_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET model = $2, examples = $3, trained_at = $4`, name, model, examples, s.nowMillis()); err != nil {
			return fmt.Errorf("save classifier %s: %w", name, err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "classifier.train", ObjectType: "classifier", ObjectID: name,
			Detail: map[string]any{"examples": examples, "bytes": len(model)}})
	})
}

// Classifier returns the stored model of a name and when it was trained.
func (s *Store) Classifier(ctx context.Context, name string) ([]byte, time.Time, error) {
	var model []byte
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT model, trained_at FROM classifier_models WHERE name = $1`, name).Scan(&model, &at)
	if err := lookupErr(err, "classifier "+name); err != nil {
		return nil, time.Time{}, err
	}
	return model, time.UnixMilli(at).UTC(), nil
}

// ClassifierVersions returns when each stored model was trained, so that nodes reload a model only
// when it changed.
func (s *Store) ClassifierVersions(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, trained_at FROM classifier_models`)
	if err != nil {
		return nil, fmt.Errorf("classifier versions: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var at int64
		if err := rows.Scan(&name, &at); err != nil {
			return nil, fmt.Errorf("classifier versions: %w", err)
		}
		out[name] = time.UnixMilli(at).UTC()
	}
	return out, rows.Err()
}

// StreetOffice returns the enabled unit of kind street that serves a street or town.
func (s *Store) StreetOffice(ctx context.Context, streetCode string) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM units WHERE kind = 'street' AND place_code = $1 AND NOT disabled ORDER BY code LIMIT 1`, streetCode).Scan(&id)
	return id, lookupErr(err, "street office of "+streetCode)
}

// CityCode is the code of the city at the top of the tree.
func (s *Store) CityCode(ctx context.Context) (string, error) {
	var code string
	err := s.r.QueryRowContext(ctx, `SELECT code FROM places WHERE level = 'city' ORDER BY code LIMIT 1`).Scan(&code)
	return code, lookupErr(err, "the city")
}
