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
	var narrow []narrowable
	switch sc := f.Scope; {
	case sc.Unrestricted:
	case sc.PlacePrefix != "" && sc.UnitID != "":
		where = append(where, fmt.Sprintf("(t.place_code LIKE %s || '%%' OR %s)", arg(sc.PlacePrefix), unitClause(arg(sc.UnitID))))
	case sc.PlacePrefix != "":
		narrow = append(narrow, placeFilter(sc.PlacePrefix))
	case sc.UnitID != "":
		// A unit's queue: its open orders are few even when its history is long.
		narrow = append(narrow, unitFilter(sc.UnitID, f.Statuses))
	default:
		return TicketPage{}, nil
	}
	if f.UnitID != "" {
		narrow = append(narrow, unitFilter(f.UnitID, f.Statuses))
	}
	if len(f.Statuses) > 0 {
		narrow = append(narrow, statusFilter(f.Statuses))
	}
	if f.LeadUnitID != "" {
		narrow = append(narrow, equalFilter("t.lead_unit_id", f.LeadUnitID))
	}
	if len(f.Categories) > 0 {
		narrow = append(narrow, inFilter("t.category_code", f.Categories))
	}
	if f.PlacePrefix != "" {
		narrow = append(narrow, placeFilter(f.PlacePrefix))
	}
	if f.Type != "" {
		where = append(where, "t.request_type = "+arg(string(f.Type)))
	}
	if f.Channel != "" {
		where = append(where, "t.channel = "+arg(string(f.Channel)))
	}
	if !f.From.IsZero() {
		where = append(where, "t.created_at >= "+arg(f.From.UnixMilli()))
	}
	if !f.To.IsZero() {
		where = append(where, "t.created_at < "+arg(f.To.UnixMilli()))
	}
	if f.Overdue {
		now := f.Now
		if now.IsZero() {
			now = s.now()
		}
		narrow = append(narrow, dueFilter(now))
	}
	if !f.DueBefore.IsZero() {
		narrow = append(narrow, dueFilter(f.DueBefore))
	}
	terms := textsearch.QueryTerms(f.Query)
	if len(terms) == 0 && strings.TrimSpace(f.Query) != "" {
		return TicketPage{}, nil // a query of punctuation or emoji only matches nothing
	}
	order := "DESC"
	if f.OldestFirst {
		order = "ASC"
	}
	from, orderBy := "tickets t", "t.created_at "+order+", t.id "+order
	// SQLite's full-text index hands out its matches in row order, newest orders last: reading them
	// from the end and stopping at a page is fast however many orders match, where sorting every
	// match by time is not. Orders are written in the order they are taken in, so row order is
	// intake order.
	rowOrder := s.dialect == SQLite && len(terms) > 0
	if rowOrder {
		from, orderBy = "ticket_search s JOIN tickets t ON t.rowid = s.rowid", "s.rowid "+order
		where = append(where, "ticket_search MATCH "+arg(s.ftsQuery(terms)))
	} else if len(terms) > 0 {
		where = append(where, s.searchClause(arg, terms))
	}
	if f.Cursor != "" {
		at, id, ok := strings.Cut(f.Cursor, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return TicketPage{}, fmt.Errorf("cursor %q: %w", f.Cursor, ErrBadCursor)
		}
		if rowOrder {
			where = append(where, fmt.Sprintf("s.rowid %s (SELECT rowid FROM tickets WHERE id = %s)", past(f), arg(id)))
		} else {
			where = append(where, fmt.Sprintf("(t.created_at %[1]s %[2]s OR (t.created_at = %[2]s AND t.id %[1]s %[3]s))", past(f), arg(ms), arg(id)))
		}
	}
	driver := -1
	if s.dialect == SQLite && !rowOrder {
		var err error
		if driver, err = s.narrowest(ctx, narrow); err != nil {
			return TicketPage{}, err
		}
	}
	if driver >= 0 {
		// Sort the driver's few orders rather than walk the whole time index for them.
		orderBy = "+t.created_at " + order + ", t.id " + order
	}
	for i, n := range narrow {
		if s.dialect == Postgres || i == driver {
			where = append(where, n.indexed(arg))
		} else {
			where = append(where, n.scan(arg))
		}
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
	items, err := s.ticketsFrom(ctx, from, cond+" ORDER BY "+orderBy+" LIMIT "+arg(limit+1), args...)
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

// narrowable is a filter an index can serve. indexed writes it so that the index is used; scan
// writes the same condition with the index out of reach (a unary +), so that SQLite walks the
// orders in time order and stops at the end of the page. Which is faster depends on how many orders
// pass: SQLite's planner does not weigh the LIMIT, so Tickets counts and decides (see narrowest).
type narrowable struct {
	indexed, scan func(arg func(any) string) string
	// count, when set, is a cheaper condition that passes about as many orders as indexed, for
	// narrowest to count with.
	count func(arg func(any) string) string
}

// narrowCap is how many orders a filter may pass and still drive the listing through its index: the
// page is then sorted from at most this many rows. A filter that passes more is broad enough that
// walking the orders newest first finds a page soon.
const narrowCap = 1000

// narrowest returns the index of the first filter that passes fewer than narrowCap orders, or -1.
func (s *Store) narrowest(ctx context.Context, filters []narrowable) (int, error) {
	for i, n := range filters {
		var args []any
		write := n.indexed
		if n.count != nil {
			write = n.count
		}
		cond := write(func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		})
		var count int
		err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE `+cond+` LIMIT `+strconv.Itoa(narrowCap)+`)`, args...).Scan(&count)
		if err != nil {
			return -1, fmt.Errorf("list tickets: %w", err)
		}
		if count < narrowCap {
			return i, nil
		}
	}
	return -1, nil
}

func marks(arg func(any) string, values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = arg(v)
	}
	return strings.Join(out, ", ")
}

func inFilter(column string, values []string) narrowable {
	return narrowable{
		indexed: func(arg func(any) string) string { return column + " IN (" + marks(arg, values) + ")" },
		scan:    func(arg func(any) string) string { return "+" + column + " IN (" + marks(arg, values) + ")" },
	}
}

func equalFilter(column, value string) narrowable { return inFilter(column, []string{value}) }

func statusFilter(statuses []workorder.Status) narrowable {
	values := make([]string, len(statuses))
	for i, st := range statuses {
		values[i] = string(st)
	}
	return inFilter("t.status", values)
}

// placeFilter keeps the orders under a place. Codes are digits, so the range [prefix, prefix+":")
// holds exactly the codes that start with prefix, and an index can serve it where LIKE cannot.
func placeFilter(prefix string) narrowable {
	return narrowable{
		indexed: func(arg func(any) string) string {
			return fmt.Sprintf("t.place_code >= %s AND t.place_code < %s", arg(prefix), arg(prefix+":"))
		},
		scan: func(arg func(any) string) string { return fmt.Sprintf("+t.place_code LIKE %s || '%%'", arg(prefix)) },
	}
}

// dueFilter keeps the open orders whose closure is due before an instant. Its index form matches
// the partial index tickets_open_due, which holds only open orders.
func dueFilter(before time.Time) narrowable {
	const open = "t.status NOT IN ('closed', 'cancelled', 'merged', 'transferred')"
	return narrowable{
		indexed: func(arg func(any) string) string { return open + " AND t.due_close_at < " + arg(before.UnixMilli()) },
		scan:    func(arg func(any) string) string { return open + " AND +t.due_close_at < " + arg(before.UnixMilli()) },
	}
}

// unitFilter keeps the orders a unit leads or co-handles; with statuses, its index form reads only
// the orders the unit leads in those statuses (the outer status filter still applies to the rest).
func unitFilter(unitID string, statuses []workorder.Status) narrowable {
	values := make([]string, len(statuses))
	for i, st := range statuses {
		values[i] = string(st)
	}
	lead := func(arg func(any) string, u string) string {
		cond := "lead_unit_id = " + u
		if len(values) > 0 {
			cond += " AND status IN (" + marks(arg, values) + ")"
		}
		return cond
	}
	return narrowable{
		indexed: func(arg func(any) string) string {
			u := arg(unitID)
			return "t.id IN (SELECT id FROM tickets WHERE " + lead(arg, u) + " UNION ALL SELECT ticket_id FROM ticket_co_units WHERE unit_id = " + u + ")"
		},
		scan: func(arg func(any) string) string {
			u := arg(unitID)
			return fmt.Sprintf("(+t.lead_unit_id = %[1]s OR EXISTS (SELECT 1 FROM ticket_co_units c WHERE c.ticket_id = t.id AND c.unit_id = %[1]s))", u)
		},
		// The orders a unit leads, read from tickets_lead_status alone: co-handled ones are few.
		count: func(arg func(any) string) string { return lead(arg, arg(unitID)) },
	}
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
	q := arg(s.ftsQuery(terms))
	if s.dialect == Postgres {
		return "t.id IN (SELECT ticket_id FROM ticket_search WHERE terms @@ to_tsquery('simple', " + q + "))"
	}
	return "t.rowid IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH " + q + ")"
}

// ftsQuery writes query terms as the engine's full-text query, every term required: a tsquery on
// PostgreSQL, an FTS5 query on SQLite. Terms hold only letters and digits, so quoting cannot break.
func (s *Store) ftsQuery(terms []textsearch.Term) string {
	parts := make([]string, len(terms))
	quote, prefix, and := `"`, "*", " AND "
	if s.dialect == Postgres {
		quote, prefix, and = "'", ":*", " & "
	}
	for i, t := range terms {
		parts[i] = quote + t.Text + quote
		if t.Prefix {
			parts[i] += prefix
		}
	}
	return strings.Join(parts, and)
}
