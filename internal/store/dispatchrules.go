package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/routing"
	"github.com/google/uuid"
)

const dispatchRuleColumns = `id, name, categories, region_prefix, request_types, keywords, COALESCE(lead_unit_id, ''), territory,
	co_unit_ids, priority, effective_from, effective_to, auto_dispatch, active, version`

func scanDispatchRule(row interface{ Scan(...any) error }) (routing.Rule, error) {
	var r routing.Rule
	var cats, types, keywords, co string
	var from, to sql.NullInt64
	if err := row.Scan(&r.ID, &r.Name, &cats, &r.RegionPrefix, &types, &keywords, &r.LeadUnitID, &r.Territory,
		&co, &r.Priority, &from, &to, &r.AutoDispatch, &r.Active, &r.Version); err != nil {
		return r, err
	}
	for _, l := range []struct {
		text string
		into any
	}{{cats, &r.Categories}, {types, &r.Types}, {keywords, &r.Keywords}, {co, &r.CoUnitIDs}} {
		if err := json.Unmarshal([]byte(l.text), l.into); err != nil {
			return r, fmt.Errorf("dispatch rule %s: %w", r.ID, err)
		}
	}
	r.EffectiveFrom, r.EffectiveTo = millisTime(from), millisTime(to)
	return r, nil
}

// DispatchRules lists the whole dispatch catalogue, active rules or not, by priority then name.
func (s *Store) DispatchRules(ctx context.Context) ([]routing.Rule, error) {
	return queryDispatchRules(ctx, s.r, "TRUE")
}

// DispatchRule returns one rule.
func (s *Store) DispatchRule(ctx context.Context, id string) (routing.Rule, error) {
	r, err := scanDispatchRule(s.r.QueryRowContext(ctx, `SELECT `+dispatchRuleColumns+` FROM dispatch_rules WHERE id = $1`, id))
	return r, lookupErr(err, "dispatch rule "+id)
}

func queryDispatchRules(ctx context.Context, q queryer, where string, args ...any) ([]routing.Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+dispatchRuleColumns+` FROM dispatch_rules WHERE `+where+` ORDER BY priority DESC, name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("dispatch rules: %w", err)
	}
	defer rows.Close()
	var out []routing.Rule
	for rows.Next() {
		r, err := scanDispatchRule(rows)
		if err != nil {
			return nil, fmt.Errorf("dispatch rules: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateDispatchRules adds rules to the catalogue in one transaction (all or none), each checked on
// its own and against the units and categories it names. IDs are given to rules without one.
func (s *Store) CreateDispatchRules(ctx context.Context, who audit.Who, rules []routing.Rule) ([]routing.Rule, error) {
	out := slices.Clone(rules)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		for i := range out {
			r := &out[i]
			if r.ID == "" {
				r.ID = uuid.Must(uuid.NewV7()).String()
			}
			r.Version = 1
			if err := checkDispatchRule(ctx, tx, *r); err != nil {
				return err
			}
			if err := writeDispatchRule(ctx, tx, *r, now, true); err != nil {
				return err
			}
		}
		detail := map[string]any{"rules": len(out)}
		if len(out) == 1 {
			detail = dispatchRuleDetail(out[0])
		}
		id := "batch"
		if len(out) == 1 {
			id = out[0].ID
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "dispatch_rule.create", ObjectType: "dispatch_rule", ObjectID: id, Detail: detail})
	})
	return out, err
}

// UpdateDispatchRule writes r over the stored rule if its version is still r.Version (ErrConflict
// otherwise: someone else changed it) and returns it with the new version.
func (s *Store) UpdateDispatchRule(ctx context.Context, who audit.Who, r routing.Rule) (routing.Rule, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, `SELECT version FROM dispatch_rules WHERE id = $1`, r.ID).Scan(&version)
		if err := lookupErr(err, "dispatch rule "+r.ID); err != nil {
			return err
		}
		if version != r.Version {
			return fmt.Errorf("dispatch rule %s: %w: it was changed by someone else (version %d, yours %d); reload and try again", r.ID, ErrConflict, version, r.Version)
		}
		if err := checkDispatchRule(ctx, tx, r); err != nil {
			return err
		}
		if err := writeDispatchRule(ctx, tx, r, s.nowMillis(), false); err != nil {
			return err
		}
		r.Version++
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "dispatch_rule.update", ObjectType: "dispatch_rule", ObjectID: r.ID, Detail: dispatchRuleDetail(r)})
	})
	return r, err
}

func dispatchRuleDetail(r routing.Rule) map[string]any {
	return map[string]any{"name": r.Name, "categories": r.Categories, "region": r.RegionPrefix, "lead": r.LeadUnitID,
		"territory": r.Territory, "priority": r.Priority, "auto": r.AutoDispatch, "active": r.Active}
}

// checkDispatchRule validates r and checks that the units and categories it names exist.
func checkDispatchRule(ctx context.Context, tx *sql.Tx, r routing.Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	units := r.CoUnitIDs
	if r.LeadUnitID != "" {
		units = append([]string{r.LeadUnitID}, units...)
	}
	for i, id := range units {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = $1 AND NOT disabled`, id).Scan(&n); err != nil {
			return fmt.Errorf("dispatch rule: %w", err)
		}
		if n == 0 {
			field := "co_unit_ids"
			if i == 0 && r.LeadUnitID != "" {
				field = "lead_unit_id"
			}
			return &routing.FieldError{Field: field, Problem: fmt.Sprintf("no enabled unit %q", id)}
		}
	}
	for _, code := range r.Categories {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM categories WHERE code = $1`, code).Scan(&n); err != nil {
			return fmt.Errorf("dispatch rule: %w", err)
		}
		if n == 0 {
			return &routing.FieldError{Field: "categories", Problem: fmt.Sprintf("no category %q", code)}
		}
	}
	return nil
}

func writeDispatchRule(ctx context.Context, tx *sql.Tx, r routing.Rule, now int64, insert bool) error {
	lists := make([]string, 4)
	for i, l := range []any{nonNil(r.Categories), nonNil(r.Types), nonNil(r.Keywords), nonNil(r.CoUnitIDs)} {
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("dispatch rule %s: %w", r.ID, err)
		}
		lists[i] = string(b)
	}
	args := []any{r.ID, r.Name, lists[0], r.RegionPrefix, lists[1], lists[2], nullString(r.LeadUnitID), r.Territory, lists[3],
		r.Priority, nullMillis(r.EffectiveFrom), nullMillis(r.EffectiveTo), r.AutoDispatch, r.Active, now}
	query := `INSERT INTO dispatch_rules (id, name, categories, region_prefix, request_types, keywords, lead_unit_id, territory,
			co_unit_ids, priority, effective_from, effective_to, auto_dispatch, active, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, 1)`
	if !insert {
		query = `UPDATE dispatch_rules SET name = $2, categories = $3, region_prefix = $4, request_types = $5, keywords = $6,
			lead_unit_id = $7, territory = $8, co_unit_ids = $9, priority = $10, effective_from = $11, effective_to = $12,
			auto_dispatch = $13, active = $14, updated_at = $15, version = version + 1 WHERE id = $1`
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("write dispatch rule %s: %w", r.ID, err)
	}
	return nil
}

// nonNil makes a nil list an empty one, so that it is stored as [] rather than null.
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
