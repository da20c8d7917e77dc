package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/org"
)

// gazetteerBatch is how many entries one INSERT writes. PostgreSQL gains from fewer round trips (a
// list of 50,000 addresses in 250 statements). SQLite, in process, is fastest one row a statement: a
// statement of many rows opens a statement journal that writes every page it touches twice, and
// binding numbered parameters costs in proportion to their count.
func (s *Store) gazetteerBatch() int {
	if s.dialect == SQLite {
		return 1
	}
	return 200
}

// ReplaceGazetteer makes entries the whole standard address list, in one transaction: the old list is
// gone and the new one in place, or nothing changed.
func (s *Store) ReplaceGazetteer(ctx context.Context, who audit.Who, entries []gazetteer.Entry, note string) error {
	return s.writeGazetteer(ctx, who, entries, note, true)
}

// AddGazetteer adds entries to the list in one transaction; an address the list already holds
// (compared by gazetteer.Key) refuses them all with ErrConflict.
func (s *Store) AddGazetteer(ctx context.Context, who audit.Who, entries []gazetteer.Entry, note string) error {
	return s.writeGazetteer(ctx, who, entries, note, false)
}

func (s *Store) writeGazetteer(ctx context.Context, who audit.Who, entries []gazetteer.Entry, note string, replace bool) error {
	keys := make([]string, len(entries))
	first := make(map[string]int, len(entries))
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("entry %d (%s): %w", i+1, e.Address, err)
		}
		keys[i] = gazetteer.Key(e.Address)
		if j, dup := first[keys[i]]; dup {
			return fmt.Errorf("entry %d: address: %s is entry %d's address too", i+1, e.Address, j+1)
		}
		first[keys[i]] = i
	}
	// Places are never deleted, so grids read before the transaction are still there in it (and the
	// foreign key guards it anyway); reading them first only names the entry at fault.
	grids, err := s.Places(ctx, PlaceFilter{Level: org.LevelGrid})
	if err != nil {
		return err
	}
	isGrid := make(map[string]bool, len(grids))
	for _, g := range grids {
		isGrid[g.Code] = true
	}
	for i, e := range entries {
		if !isGrid[e.Grid] {
			return fmt.Errorf("entry %d (%s): grid: %s is not a grid of the city", i+1, e.Address, e.Grid)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		action := "gazetteer.add"
		if replace {
			action = "gazetteer.replace"
			if _, err := tx.ExecContext(ctx, `DELETE FROM gazetteer`); err != nil {
				return fmt.Errorf("clear the gazetteer: %w", err)
			}
		} else if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM gazetteer`).Scan(&seq); err != nil {
			return fmt.Errorf("gazetteer: %w", err)
		}
		now := s.nowMillis()
		batch := s.gazetteerBatch()
		// Rows go in in key order, so that the key's index grows at its end instead of splitting pages
		// all over; seq keeps the order of the list.
		order := make([]int, len(entries))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		for start := 0; start < len(order); start += batch {
			end := min(start+batch, len(order))
			var sqlText strings.Builder
			sqlText.WriteString(`INSERT INTO gazetteer (address_key, kind, name, aliases, address, grid_code, lng, lat, seq, created_at) VALUES `)
			args := make([]any, 0, 10*(end-start))
			for _, i := range order[start:end] {
				e := entries[i]
				aliases, err := json.Marshal(append([]string{}, e.Aliases...))
				if err != nil {
					return fmt.Errorf("entry %d: aliases: %w", i+1, err)
				}
				if len(args) > 0 {
					sqlText.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&sqlText, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
				args = append(args, keys[i], string(e.Kind), e.Name, string(aliases), e.Address, e.Grid, e.Lng, e.Lat, seq+int64(i)+1, now)
			}
			if _, err := tx.ExecContext(ctx, sqlText.String(), args...); err != nil {
				if isUniqueViolation(err) && end-start == 1 {
					return fmt.Errorf("address: %w: %s is already in the list", ErrConflict, entries[order[start]].Address)
				}
				if isUniqueViolation(err) {
					return fmt.Errorf("address: %w: the list already holds one of %d addresses", ErrConflict, end-start)
				}
				return fmt.Errorf("store %d gazetteer entries: %w", end-start, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE gazetteer_revision SET revision = revision + 1, updated_at = $1 WHERE id = 1`, now); err != nil {
			return fmt.Errorf("gazetteer revision: %w", err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: action, ObjectType: "gazetteer",
			Detail: map[string]any{"count": len(entries), "note": note}})
	})
}

// GazetteerEntries lists the whole address list in the order it was imported, for building a matcher.
func (s *Store) GazetteerEntries(ctx context.Context) ([]gazetteer.Entry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, name, aliases, address, grid_code, lng, lat FROM gazetteer ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("list gazetteer: %w", err)
	}
	defer rows.Close()
	var out []gazetteer.Entry
	for rows.Next() {
		var e gazetteer.Entry
		var kind, aliases string
		if err := rows.Scan(&kind, &e.Name, &aliases, &e.Address, &e.Grid, &e.Lng, &e.Lat); err != nil {
			return nil, fmt.Errorf("list gazetteer: %w", err)
		}
		e.Kind = gazetteer.Kind(kind)
		if err := json.Unmarshal([]byte(aliases), &e.Aliases); err != nil {
			return nil, fmt.Errorf("gazetteer %s: aliases: %w", e.Address, err)
		}
		if len(e.Aliases) == 0 {
			e.Aliases = nil
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// GazetteerVersion changes whenever the address list or the places change, so that a node's matcher
// (which reads both) knows when to rebuild; reading it costs two small queries.
func (s *Store) GazetteerVersion(ctx context.Context) (string, error) {
	var revision int64
	if err := s.r.QueryRowContext(ctx, `SELECT revision FROM gazetteer_revision WHERE id = 1`).Scan(&revision); err != nil {
		return "", fmt.Errorf("gazetteer version: %w", err)
	}
	places, err := s.PlacesVersion(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%s", revision, places), nil
}
