package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/triage"
)

// Candidate orders for duplicate detection: two narrow queries, each served by an index
// (tickets_caller_phone; tickets_category, one seek per category of the group), rather than one OR
// that the planners may scan for.
const (
	duplicateColumns  = `id, number, category_code, title, description, address, COALESCE(lng, 0), COALESCE(lat, 0), place_code, caller_phone, created_at`
	sameCallerSQL     = `SELECT ` + duplicateColumns + ` FROM tickets WHERE caller_phone = $1 AND created_at >= $2 AND created_at <= $3 AND status <> 'merged' ORDER BY created_at DESC LIMIT $4`
	sameStreetSQL     = `SELECT ` + duplicateColumns + ` FROM tickets WHERE category_code IN (%[1]s) AND created_at >= $3 AND created_at <= $4 AND %[2]splace_code >= $1 AND %[2]splace_code <= $2 AND status <> 'merged' ORDER BY created_at DESC LIMIT $5`
	defaultCandidates = 60
)

// DuplicateCandidates returns the earlier orders q names (see triage.CandidateQuery), newest first,
// each once.
func (s *Store) DuplicateCandidates(ctx context.Context, q triage.CandidateQuery) ([]triage.Report, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultCandidates
	}
	at := q.At.UnixMilli()
	var out []triage.Report
	seen := map[string]bool{}
	read := func(query string, args ...any) error {
		rows, err := s.r.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("duplicate candidates: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r triage.Report
			var created int64
			if err := rows.Scan(&r.ID, &r.Number, &r.Category, &r.Title, &r.Description, &r.Address, &r.Lng, &r.Lat, &r.PlaceCode, &r.CallerPhone, &created); err != nil {
				return fmt.Errorf("duplicate candidates: %w", err)
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				r.At = time.UnixMilli(created).UTC()
				out = append(out, r)
			}
		}
		return rows.Err()
	}
	if q.CallerPhone != "" {
		if err := read(sameCallerSQL, q.CallerPhone, at-triage.SameCallerWindow.Milliseconds(), at, limit); err != nil {
			return nil, err
		}
	}
	codes := q.Categories
	if q.StreetCode != "" && len(codes) > 0 {
		// The recent orders of each category of the group (tickets_category), then the street.
		args := []any{q.StreetCode, q.StreetCode + "999999", at - triage.NearbyWindow.Milliseconds(), at, limit}
		marks := make([]string, len(codes))
		for i, c := range codes {
			args = append(args, c)
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		noIndex := "+" // SQLite: keep tickets_place out of the plan
		if s.dialect == Postgres {
			noIndex = ""
		}
		if err := read(fmt.Sprintf(sameStreetSQL, strings.Join(marks, ", "), noIndex), args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}
