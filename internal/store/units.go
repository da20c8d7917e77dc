package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/google/uuid"
)

const unitColumns = `id, code, name, kind, COALESCE(parent_id, ''), place_code, contact_name, contact_phone, disabled, version`

func scanUnit(row interface{ Scan(...any) error }) (org.Unit, error) {
	var u org.Unit
	var kind string
	err := row.Scan(&u.ID, &u.Code, &u.Name, &kind, &u.ParentID, &u.PlaceCode, &u.ContactName, &u.ContactPhone, &u.Disabled, &u.Version)
	u.Kind = org.UnitKind(kind)
	return u, err
}

// CreateUnit stores a new unit and returns it with its id and version set.
func (s *Store) CreateUnit(ctx context.Context, who audit.Who, u org.Unit) (org.Unit, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.ID == "" {
		u.ID = uuid.Must(uuid.NewV7()).String()
	}
	u.Version = 1
	now := s.nowMillis()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO units (id, code, name, kind, parent_id, place_code, contact_name, contact_phone, disabled, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1)`,
			u.ID, u.Code, u.Name, string(u.Kind), nullString(u.ParentID), u.PlaceCode, u.ContactName, u.ContactPhone, u.Disabled, now)
		if isUniqueViolation(err) {
			return fmt.Errorf("code: %w: a unit with code %s already exists", ErrConflict, u.Code)
		}
		if err != nil {
			return fmt.Errorf("create unit %s: %w", u.Code, err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "unit.create", ObjectType: "unit", ObjectID: u.ID,
			Detail: map[string]any{"code": u.Code, "name": u.Name, "kind": u.Kind, "place": u.PlaceCode}})
	})
	return u, err
}

// UpdateUnit writes u over the stored unit if the stored version still equals u.Version; otherwise
// someone else changed it first and ErrConflict is returned. The returned unit carries the new version.
func (s *Store) UpdateUnit(ctx context.Context, who audit.Who, u org.Unit) (org.Unit, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE units SET code = $3, name = $4, kind = $5, parent_id = $6, place_code = $7,
			contact_name = $8, contact_phone = $9, disabled = $10, updated_at = $11, version = version + 1
			WHERE id = $1 AND version = $2`,
			u.ID, u.Version, u.Code, u.Name, string(u.Kind), nullString(u.ParentID), u.PlaceCode, u.ContactName, u.ContactPhone, u.Disabled, s.nowMillis())
		if isUniqueViolation(err) {
			return fmt.Errorf("code: %w: a unit with code %s already exists", ErrConflict, u.Code)
		}
		if err != nil {
			return fmt.Errorf("update unit %s: %w", u.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, u.ID)); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("unit %s: %w", u.ID, ErrNotFound)
			}
			return fmt.Errorf("unit %s: %w: it was changed by someone else; reload and try again", u.ID, ErrConflict)
		}
		u.Version++
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "unit.update", ObjectType: "unit", ObjectID: u.ID,
			Detail: map[string]any{"code": u.Code, "name": u.Name, "kind": u.Kind, "place": u.PlaceCode, "disabled": u.Disabled}})
	})
	return u, err
}

// Unit returns one unit by id.
func (s *Store) Unit(ctx context.Context, id string) (org.Unit, error) {
	u, err := scanUnit(s.r.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, id))
	return u, lookupErr(err, "unit "+id)
}

// UnitByCode returns one unit by its code.
func (s *Store) UnitByCode(ctx context.Context, code string) (org.Unit, error) {
	u, err := scanUnit(s.r.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE code = $1`, code))
	return u, lookupErr(err, "unit "+code)
}

// UnitFilter narrows a listing of units. Empty fields do not filter.
type UnitFilter struct {
	Kind        org.UnitKind
	ParentID    string
	PlacePrefix string // units serving a place under this prefix (scope)
	UnitID      string // only this unit and the units below it
}

// Units lists units ordered by kind then code.
func (s *Store) Units(ctx context.Context, f UnitFilter) ([]org.Unit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+unitColumns+` FROM units
		WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR parent_id = $2) AND ($3 = '' OR place_code LIKE $3 || '%')
		  AND ($4 = '' OR id = $4 OR parent_id = $4)
		ORDER BY kind, code`, string(f.Kind), f.ParentID, f.PlacePrefix, f.UnitID)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	defer rows.Close()
	var out []org.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, fmt.Errorf("list units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
