package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/textsearch"
	"github.com/cityline/cityline/internal/workorder"
)

// TicketScope is the part of the orders a listing may touch. It must be set deliberately: the zero
// value sees nothing, and only Unrestricted sees the whole city.
type TicketScope struct {
	Unrestricted bool
	PlacePrefix  string // orders whose place is under this code
	UnitID       string // orders this unit leads or co-handles
}

// TicketFilter narrows a listing. Empty fields do not filter.
type TicketFilter struct {
	Scope      TicketScope
	Statuses   []workorder.Status
	UnitID     string // lead or co-handling unit
	LeadUnitID string
	// Category asks for this category and every category under it; ticketing.Service.List expands it
	// into Categories from the catalogue (codes stay put when a category moves, so a code prefix
	// would be wrong). The store itself filters by Categories only.
	Category    string
	Categories  []string
	Type        workorder.RequestType
	Channel     workorder.Channel
	PlacePrefix string
	From, To    time.Time // created in [From, To)
	Overdue     bool      // open and past its closure deadline at Now
	DueBefore   time.Time // open and due (closure) before this instant
	Query       string    // full-text search over title, description and address
	Now         time.Time
	Limit       int    // default 50, at most 500
	Cursor      string // from the previous page's NextCursor
	// OldestFirst lists the oldest orders first, the way a queue is worked; the cursor then pages
	// towards newer ones.
	OldestFirst bool
}

// TicketPage is one page of a listing, newest first unless the filter asks for the oldest first.
type TicketPage struct {
	Items      []workorder.Ticket
	NextCursor string // empty on the last page
}

// Tickets lists orders, newest first, one page at a time (keyset pagination: pages stay fast however
// deep one goes).
func (s *Store) Tickets(ctx context.Context, f TicketFilter) (TicketPage, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch sc := f.Scope; {
	case sc.Unrestricted:
	case sc.PlacePrefix != "" && sc.UnitID != "":
		where = append(where, fmt.Sprintf("(t.place_code LIKE %s || '%%' OR %s)", arg(sc.PlacePrefix), unitClause(arg(sc.UnitID))))
	case sc.PlacePrefix != "":
		where = append(where, fmt.Sprintf("t.place_code LIKE %s || '%%'", arg(sc.PlacePrefix)))
	case sc.UnitID != "":
		where = append(where, unitClause(arg(sc.UnitID)))
	default:
		return TicketPage{}, nil
	}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			marks[i] = arg(string(st))
		}
		where = append(where, "t.status IN ("+strings.Join(marks, ", ")+")")
	}
	if f.UnitID != "" {
		where = append(where, unitClause(arg(f.UnitID)))
	}
	if f.LeadUnitID != "" {
		where = append(where, "t.lead_unit_id = "+arg(f.LeadUnitID))
	}
	if len(f.Categories) > 0 {
		marks := make([]string, len(f.Categories))
		for i, c := range f.Categories {
			marks[i] = arg(c)
		}
		where = append(where, "t.category_code IN ("+strings.Join(marks, ", ")+")")
	}
	if f.Type != "" {
		where = append(where, "t.request_type = "+arg(string(f.Type)))
	}
	if f.Channel != "" {
		where = append(where, "t.channel = "+arg(string(f.Channel)))
	}
	if f.PlacePrefix != "" {
		where = append(where, "t.place_code LIKE "+arg(f.PlacePrefix)+" || '%'")
	}
	if !f.From.IsZero() {
		where = append(where, "t.created_at >= "+arg(f.From.UnixMilli()))
	}
	if !f.To.IsZero() {
		where = append(where, "t.created_at < "+arg(f.To.UnixMilli()))
	}
	open := "t.status NOT IN ('closed', 'cancelled', 'merged', 'transferred')"
	if f.Overdue {
		now := f.Now
		if now.IsZero() {
			now = s.now()
		}
		where = append(where, open, "t.due_close_at < "+arg(now.UnixMilli()))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, open, "t.due_close_at < "+arg(f.DueBefore.UnixMilli()))
	}
	if q := textsearch.QueryTerms(f.Query); len(q) > 0 {
		where = append(where, s.searchClause(arg, q))
	} else if strings.TrimSpace(f.Query) != "" {
		return TicketPage{}, nil // a query of punctuation or emoji only matches nothing
	}
	if f.Cursor != "" {
		at, id, ok := strings.Cut(f.Cursor, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return TicketPage{}, fmt.Errorf("cursor %q: %w", f.Cursor, ErrBadCursor)
		}
		where = append(where, fmt.Sprintf("(t.created_at %[1]s %[2]s OR (t.created_at = %[2]s AND t.id %[1]s %[3]s))", past(f), arg(ms), arg(id)))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	order := "DESC"
	if f.OldestFirst {
		order = "ASC"
	}
	items, err := s.ticketsWhere(ctx, cond+" ORDER BY t.created_at "+order+", t.id "+order+" LIMIT "+arg(limit+1), args...)
	if err != nil {
		return TicketPage{}, err
	}
	page := TicketPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = fmt.Sprintf("%d:%s", last.CreatedAt.UnixMilli(), last.ID)
	}
	return page, nil
}

// past is the comparison that keeps the orders after the cursor in the listing's order.
func past(f TicketFilter) string {
	if f.OldestFirst {
		return ">"
	}
	return "<"
}

// ErrBadCursor means a pagination cursor was not one this store handed out.
var ErrBadCursor = fmt.Errorf("malformed cursor")

func unitClause(mark string) string {
	return fmt.Sprintf("(t.lead_unit_id = %s OR EXISTS (SELECT 1 FROM ticket_co_units c WHERE c.ticket_id = t.id AND c.unit_id = %s))", mark, mark)
}

// searchClause matches orders whose text holds every query term.
func (s *Store) searchClause(arg func(any) string, terms []textsearch.Term) string {
	parts := make([]string, len(terms))
	if s.dialect == Postgres {
		for i, t := range terms {
			parts[i] = "'" + t.Text + "'"
			if t.Prefix {
				parts[i] += ":*"
			}
		}
		return "t.id IN (SELECT ticket_id FROM ticket_search WHERE terms @@ to_tsquery('simple', " + arg(strings.Join(parts, " & ")) + "))"
	}
	for i, t := range terms {
		parts[i] = `"` + t.Text + `"`
		if t.Prefix {
			parts[i] += "*"
		}
	}
	return "t.rowid IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH " + arg(strings.Join(parts, " AND ")) + ")"
}
