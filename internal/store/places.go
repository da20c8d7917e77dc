package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
)

const placeColumns = `code, name, level, COALESCE(parent_code, ''), COALESCE(boundary, ''), COALESCE(center_lng, 0), COALESCE(center_lat, 0)`

func scanPlace(row interface{ Scan(...any) error }) (org.Place, error) {
	var p org.Place
	var level, boundary string
	if err := row.Scan(&p.Code, &p.Name, &level, &p.ParentCode, &boundary, &p.CenterLng, &p.CenterLat); err != nil {
		return p, err
	}
	p.Level = org.Level(level)
	if boundary != "" {
		p.Boundary = []byte(boundary)
	}
	return p, nil
}

// InsertPlaces stores a batch of places in one transaction: either every place lands or none does.
// Parents must come before their children in the batch or already be stored.
func (s *Store) InsertPlaces(ctx context.Context, who audit.Who, places []org.Place, note string) error {
	now := s.nowMillis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO places (code, name, level, parent_code, boundary, center_lng, center_lat, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`)
		if err != nil {
			return fmt.Errorf("prepare place insert: %w", err)
		}
		defer stmt.Close()
		for _, p := range places {
			var boundary sql.NullString
			if len(p.Boundary) > 0 {
				boundary = sql.NullString{String: string(p.Boundary), Valid: true}
			}
			if _, err := stmt.ExecContext(ctx, p.Code, p.Name, string(p.Level), nullString(p.ParentCode), boundary, p.CenterLng, p.CenterLat, now); err != nil {
				if isUniqueViolation(err) {
					return fmt.Errorf("place %s: %w: the code is already stored", p.Code, ErrConflict)
				}
				return fmt.Errorf("place %s: %w", p.Code, err)
			}
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "places.insert", ObjectType: "place", ObjectID: firstCode(places),
			Detail: map[string]any{"count": len(places), "note": note}})
	})
}

// ReplaceBoundaries sets the outline of places that already exist, all in one transaction.
func (s *Store) ReplaceBoundaries(ctx context.Context, who audit.Who, places []org.Place, note string) error {
	now := s.nowMillis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, p := range places {
			res, err := tx.ExecContext(ctx, `UPDATE places SET boundary = $2, center_lng = $3, center_lat = $4, updated_at = $5 WHERE code = $1`,
				p.Code, string(p.Boundary), p.CenterLng, p.CenterLat, now)
			if err != nil {
				return fmt.Errorf("place %s: %w", p.Code, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("place %s: %w", p.Code, ErrNotFound)
			}
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "places.boundaries", ObjectType: "place", ObjectID: firstCode(places),
			Detail: map[string]any{"count": len(places), "note": note}})
	})
}

func firstCode(places []org.Place) string {
	if len(places) == 0 {
		return ""
	}
	return places[0].Code
}

// Place returns one place by its code.
func (s *Store) Place(ctx context.Context, code string) (org.Place, error) {
	p, err := scanPlace(s.r.QueryRowContext(ctx, `SELECT `+placeColumns+` FROM places WHERE code = $1`, code))
	return p, lookupErr(err, "place "+code)
}

// PlaceFilter narrows a listing of places. Empty fields do not filter.
type PlaceFilter struct {
	Level        org.Level
	ParentCode   string
	CodePrefix   string // only places whose code starts with this (scope)
	WithBoundary bool   // load outlines too (they are large)
}

// Places lists places ordered by code.
func (s *Store) Places(ctx context.Context, f PlaceFilter) ([]org.Place, error) {
	cols := placeColumns
	if !f.WithBoundary {
		cols = `code, name, level, COALESCE(parent_code, ''), '', COALESCE(center_lng, 0), COALESCE(center_lat, 0)`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+` FROM places
		WHERE ($1 = '' OR level = $1) AND ($2 = '' OR parent_code = $2) AND ($3 = '' OR code LIKE $3 || '%')
		ORDER BY code`, string(f.Level), f.ParentCode, f.CodePrefix)
	if err != nil {
		return nil, fmt.Errorf("list places: %w", err)
	}
	defer rows.Close()
	var out []org.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("list places: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlaceChain returns the place and every place above it, from the place itself up to the city.
func (s *Store) PlaceChain(ctx context.Context, code string) ([]org.Place, error) {
	var chain []org.Place
	for code != "" {
		p, err := s.Place(ctx, code)
		if err != nil {
			return nil, err
		}
		chain = append(chain, p)
		code = p.ParentCode
		if len(chain) > len(org.Levels) {
			return nil, fmt.Errorf("place %s: the tree has a cycle", code)
		}
	}
	return chain, nil
}

// CountPlaces counts the places at each level.
func (s *Store) CountPlaces(ctx context.Context) (map[org.Level]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT level, COUNT(*) FROM places GROUP BY level`)
	if err != nil {
		return nil, fmt.Errorf("count places: %w", err)
	}
	defer rows.Close()
	out := map[org.Level]int{}
	for rows.Next() {
		var l string
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, fmt.Errorf("count places: %w", err)
		}
		out[org.Level(l)] = n
	}
	return out, rows.Err()
}

// PlacesVersion changes whenever a place is added or its outline replaced, so caches of the tree
// (the spatial index) know when to reload.
func (s *Store) PlacesVersion(ctx context.Context) (string, error) {
	var n, latest int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM places`).Scan(&n, &latest); err != nil {
		return "", fmt.Errorf("places version: %w", err)
	}
	return fmt.Sprintf("%d-%d", n, latest), nil
}

// GridsAndAncestors returns every place, with outlines only for grids (the rest are not needed to
// locate a point and would only cost memory).
func (s *Store) GridsAndAncestors(ctx context.Context) ([]org.Place, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, ''),
		CASE WHEN level = 'grid' THEN COALESCE(boundary, '') ELSE '' END, COALESCE(center_lng, 0), COALESCE(center_lat, 0)
		FROM places ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	defer rows.Close()
	var out []org.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("load grids: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
