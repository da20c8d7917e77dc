package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/workorder"
)

// The measures' rollups (docs/measures.md) are kept in the transaction of every step of every order:
// CreateTicket and ApplyTicketChange call rollupChange, ImportHistory calls rollupHistory. Dashboards
// read the rollups and never the orders. RebuildRollups recomputes a range of days from the
// timelines, for repairs.
//
// There are two tables of the same counters. measure_rollups counts under every dimension a report
// may filter by (grid, category, line, channel, request type): its rows are nearly as many as the
// steps, some 400,000 a month in a city of 10 million orders over five years. measure_area_rollups
// counts only by street and unit, some 20,000 rows a month, and answers the common views — a unit,
// a street, a district, the city, the rankings — some thirty times faster. A step is written to both.

// rollupTable is one of the two tables: its name, its key columns and how a measure.Key fills them.
type rollupTable struct {
	name     string
	keyCols  string
	placeCol string
	placeLen int // how many digits of the order's place the area table keeps
	upserts  sync.Map
	detailed bool
}

var (
	detailRollups = &rollupTable{name: "measure_rollups", placeCol: "place_code", detailed: true,
		keyCols: "day, place_code, unit_id, category_code, line_code, channel, request_type"}
	areaRollups = &rollupTable{name: "measure_area_rollups", keyCols: "day, street_code, unit_id", placeCol: "street_code", placeLen: 9}
)

// keyOf is the row a count under k goes to in this table.
func (t *rollupTable) keyOf(k measure.Key) measure.Key {
	if t.detailed {
		return k
	}
	return measure.Key{Day: k.Day, Unit: k.Unit, Place: k.Place[:min(t.placeLen, len(k.Place))]}
}

func (t *rollupTable) keyArgs(k measure.Key) []any {
	if t.detailed {
		return []any{int64(k.Day), k.Place, k.Unit, k.Category, k.Line, k.Channel, k.Type}
	}
	return []any{int64(k.Day), k.Place, k.Unit}
}

// upsert is the statement that adds the counters of one set (measure.Counts.Mask) to a row: a step
// writes only its own few columns, and there are only a dozen such sets, each prepared once.
func (t *rollupTable) upsert(mask uint64) string {
	if q, ok := t.upserts.Load(mask); ok {
		return q.(string)
	}
	keys := strings.Split(t.keyCols, ", ")
	var cols, marks, sets []string
	for i := range keys {
		marks = append(marks, "$"+strconv.Itoa(i+1))
	}
	for _, f := range measure.Fields() {
		if mask&(1<<f) == 0 {
			continue
		}
		c := f.Column()
		cols = append(cols, c)
		marks = append(marks, "$"+strconv.Itoa(len(marks)+1))
		sets = append(sets, c+" = "+t.name+"."+c+" + excluded."+c)
	}
	q := `INSERT INTO ` + t.name + ` (` + t.keyCols + `, ` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") +
		`) ON CONFLICT (` + t.keyCols + `) DO UPDATE SET ` + strings.Join(sets, ", ")
	t.upserts.Store(mask, q)
	return q
}

// add adds counts to the row of key (as this table keys it), creating the row if need be.
func (t *rollupTable) add(ctx context.Context, tx execer, k measure.Key, c measure.Counts) error {
	mask := c.Mask()
	if mask == 0 {
		return nil
	}
	args := t.keyArgs(k)
	for i, v := range c {
		if mask&(1<<i) != 0 {
			args = append(args, v)
		}
	}
	if _, err := tx.ExecContext(ctx, t.upsert(mask), args...); err != nil {
		return fmt.Errorf("measures of %s: %w", k.Day, err)
	}
	return nil
}

// firstDispatchSQL finds when an order first went to a unit: its handling time counts from there.
const firstDispatchSQL = `SELECT COALESCE(MIN(at), 0) FROM ticket_events WHERE ticket_id = $1 AND action = 'dispatch'`

// pendingRollups are the counts a hot write's steps add, summed by row, written just before the
// transaction commits (beforeCommit): a group of intakes sharing a transaction then writes each row
// it touches once — a street's row of the day once for all its orders, not once per order.
type pendingRollups map[measure.Key]*measure.Counts

// rollupChange counts one step of an order (its intake too: before is then the zero Ticket) in the
// step's own hot write; beforeCommit writes the counts (flushRollups). A closure also reads when the
// order was first dispatched, and a late one adds its overdue to the deadline's day.
func (s *Store) rollupChange(ctx context.Context, tx *hotTx, before, after workorder.Ticket, ev workorder.Event) error {
	step := measure.StepOf(ev, after.LeadUnitID, before.DueSignAt, after.DueCloseAt, time.Time{})
	if step.Closes() {
		var ms int64
		if err := tx.QueryRowContext(ctx, firstDispatchSQL, after.ID).Scan(&ms); err != nil {
			return fmt.Errorf("measures of %s: first dispatch: %w", after.Number, err)
		}
		if ms > 0 {
			step.FirstDispatch = time.UnixMilli(ms)
		}
	}
	if tx.rollups == nil {
		tx.rollups = pendingRollups{}
	}
	measure.Sum(measure.Count(measure.OrderOf(after), step), tx.rollups)
	return nil
}

// flushRollups writes the counts a hot write's steps added.
func (s *Store) flushRollups(ctx context.Context, h *hotTx) error {
	if len(h.rollups) == 0 {
		return nil
	}
	err := addRollups(ctx, h, h.rollups)
	h.rollups = nil
	return err
}

// rollupHistory counts a day of imported orders whole: every step of every timeline, summed by row
// before it is written, so that a day of history costs one upsert per row it touches.
func (s *Store) rollupHistory(ctx context.Context, tx execer, orders []HistoryTicket) error {
	sums := map[measure.Key]*measure.Counts{}
	for _, h := range orders {
		measure.Sum(measure.Replay(h.Ticket, h.Events), sums)
	}
	return addRollups(ctx, tx, sums)
}

// addRollups adds summed counts to both tables, summing them again by area for the second. Rows are
// written in key order (detailed first), the same in every transaction: on PostgreSQL two writers
// that touch the same rows then queue for them instead of deadlocking.
func addRollups(ctx context.Context, tx execer, sums map[measure.Key]*measure.Counts) error {
	areas := map[measure.Key]*measure.Counts{}
	for k, c := range sums {
		ak := areaRollups.keyOf(k)
		if areas[ak] == nil {
			areas[ak] = new(measure.Counts)
		}
		areas[ak].Add(*c)
	}
	for _, w := range []struct {
		t    *rollupTable
		rows map[measure.Key]*measure.Counts
	}{{detailRollups, sums}, {areaRollups, areas}} {
		keys := slices.SortedFunc(maps.Keys(w.rows), measure.Key.Compare)
		for _, k := range keys {
			if err := w.t.add(ctx, tx, k, *w.rows[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// RebuildStats says what a rebuild did.
type RebuildStats struct {
	Days    int // days recomputed
	Orders  int // orders whose timelines were replayed (an order spanning several months counts in each)
	Rows    int // rollup rows written
	Elapsed time.Duration
}

// rebuildBatch is how many orders a rebuild reads at a time.
const rebuildBatch = 500

// RebuildRollups recomputes the rollups of the days from..to (both included) from the orders'
// timelines: it deletes the range's rows and writes what replaying every order with a step in the
// range (or a deadline missed in it) gives. It is idempotent, and it works a month at a time, each in
// one transaction with its own audit entry, so that it can run beside live work: on PostgreSQL each
// month's transaction first locks the rollups against writes (live steps wait for it and then add to
// the rebuilt rows); on SQLite the single writer does the same. progress, when set, hears of every
// month done.
func (s *Store) RebuildRollups(ctx context.Context, who audit.Who, from, to measure.Day, progress func(from, to measure.Day, rows int)) (RebuildStats, error) {
	var st RebuildStats
	start := time.Now()
	if !from.Valid() || !to.Valid() || to < from {
		return st, fmt.Errorf("rebuild measures: want a range of real days, first before last (got %s..%s)", from, to)
	}
	for a := from; a <= to; {
		b := min(a.LastOfMonth(), to)
		var orders, rows int
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			orders, rows, err = s.rebuildRange(ctx, tx, a, b)
			if err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, who, audit.Change{Action: "measures.rebuild", ObjectType: "measure_rollups",
				ObjectID: a.String() + ".." + b.String(), Detail: map[string]any{"orders": orders, "rows": rows}})
		})
		if err != nil {
			return st, err
		}
		st.Orders += orders
		st.Rows += rows
		for d := a; d <= b; d = d.AddDays(1) {
			st.Days++
		}
		if progress != nil {
			progress(a, b, rows)
		}
		a = b.AddDays(1)
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// TimelineSpan is the first and last day any order took a step on: the range a full rebuild covers.
// ok is false when no order was ever taken in.
func (s *Store) TimelineSpan(ctx context.Context) (first, last measure.Day, ok bool, err error) {
	var lo, hi sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT MIN(at), MAX(at) FROM ticket_events`).Scan(&lo, &hi); err != nil {
		return 0, 0, false, fmt.Errorf("timeline span: %w", err)
	}
	if !lo.Valid {
		return 0, 0, false, nil
	}
	return measure.DayOf(time.UnixMilli(lo.Int64)), measure.DayOf(time.UnixMilli(hi.Int64)), true, nil
}

// rebuildRange recomputes the days a..b inside tx.
func (s *Store) rebuildRange(ctx context.Context, tx *sql.Tx, a, b measure.Day) (orders, rows int, err error) {
	for _, t := range []*rollupTable{detailRollups, areaRollups} {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE `+t.name+` IN EXCLUSIVE MODE`); err != nil {
				return 0, 0, fmt.Errorf("rebuild measures: lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.name+` WHERE day >= $1 AND day <= $2`, int64(a), int64(b)); err != nil {
			return 0, 0, fmt.Errorf("rebuild measures %s..%s: %w", a, b, err)
		}
	}
	begin, end := a.Start().UnixMilli(), b.AddDays(1).Start().UnixMilli()
	var ids []any
	err = eachRow(ctx, tx, `SELECT DISTINCT ticket_id FROM ticket_events WHERE at >= $1 AND at < $2
		UNION SELECT id FROM tickets WHERE closed_at > due_close_at AND due_close_at >= $1 AND due_close_at < $2`,
		[]any{begin, end}, func(r *sql.Rows) error {
			var id string
			err := r.Scan(&id)
			ids = append(ids, id)
			return err
		})
	if err != nil {
		return 0, 0, fmt.Errorf("rebuild measures %s..%s: orders: %w", a, b, err)
	}
	sums := map[measure.Key]*measure.Counts{}
	for i := 0; i < len(ids); i += rebuildBatch {
		if err := s.replayBatch(ctx, tx, ids[i:min(i+rebuildBatch, len(ids))], a, b, sums); err != nil {
			return 0, 0, fmt.Errorf("rebuild measures %s..%s: %w", a, b, err)
		}
	}
	if err := addRollups(ctx, tx, sums); err != nil {
		return 0, 0, err
	}
	return len(ids), len(sums), nil
}

// replayBatch replays the timelines of the orders named and sums what falls on the days a..b.
func (s *Store) replayBatch(ctx context.Context, tx *sql.Tx, ids []any, a, b measure.Day, sums map[measure.Key]*measure.Counts) error {
	tickets := make(map[string]workorder.Ticket, len(ids))
	err := eachRow(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id IN (`+placeholders(len(ids))+`)`, ids, func(r *sql.Rows) error {
		t, err := scanTicket(r)
		tickets[t.ID] = t
		return err
	})
	if err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	timelines := make(map[string][]workorder.Event, len(ids))
	err = eachRow(ctx, tx, `SELECT ticket_id, at, action, from_status, to_status, data FROM ticket_events
		WHERE ticket_id IN (`+placeholders(len(ids))+`) ORDER BY ticket_id, seq`, ids, func(r *sql.Rows) error {
		var ev workorder.Event
		var at int64
		var action, from, to, data string
		if err := r.Scan(&ev.TicketID, &at, &action, &from, &to, &data); err != nil {
			return err
		}
		ev.At, ev.Action, ev.From, ev.To = time.UnixMilli(at).UTC(), workorder.Action(action), workorder.Status(from), workorder.Status(to)
		if needsData(ev.Action) {
			if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
				return fmt.Errorf("event data of %s: %w", ev.TicketID, err)
			}
		}
		timelines[ev.TicketID] = append(timelines[ev.TicketID], ev)
		return nil
	})
	if err != nil {
		return fmt.Errorf("timelines: %w", err)
	}
	for id, evs := range timelines {
		deltas := measure.Replay(tickets[id], evs)
		deltas = slices.DeleteFunc(deltas, func(d measure.Delta) bool { return d.Key.Day < a || d.Key.Day > b })
		measure.Sum(deltas, sums)
	}
	return nil
}

// needsData tells whether replaying a step reads its event's data: the unit a dispatch names, a
// visit's verdict.
func needsData(a workorder.Action) bool {
	return a == workorder.ActDispatch || a == workorder.ActRedispatch || a == workorder.ActVisit
}

// RollupQuery selects rollup rows and says how to sum them. Empty fields do not filter.
type RollupQuery struct {
	From, To measure.Day // both included
	UnitID   string
	// PlacePrefix is a place code prefix of digits: a district's code, or a city's first four digits.
	PlacePrefix string
	Categories  []string // a category and everything under it, from the catalogue
	Line        string
	Channel     string
	Type        string
	// GroupBy is the column the rows are summed by: "" (one total row), "day", "unit", "category" or
	// "place" (the first PlaceLen digits of the grid code).
	GroupBy  string
	PlaceLen int
}

// ErrBadQuery is wrapped by refusals of a query the store cannot run as asked.
var ErrBadQuery = errors.New("bad measures query")

// tableFor picks the table that answers q: the area table unless q filters or groups by something
// only the detailed one keeps (a category, a line, a channel, a request type, a place below a street).
func tableFor(q RollupQuery) *rollupTable {
	if len(q.Categories) > 0 || q.Line != "" || q.Channel != "" || q.Type != "" || len(q.PlacePrefix) > areaRollups.placeLen ||
		q.GroupBy == "category" || (q.GroupBy == "place" && q.PlaceLen > areaRollups.placeLen) {
		return detailRollups
	}
	return areaRollups
}

// Rollups sums the rollup rows that match q, by q.GroupBy; each row's key holds only the column it
// was summed by. The query is shaped to the indexes: one unit reads its own index range; a region
// reads, for each day, the slice of the primary key under its code; anything else reads the days.
func (s *Store) Rollups(ctx context.Context, q RollupQuery) ([]measure.Row, error) {
	var args argList
	t := tableFor(q)
	group := map[string]string{"": "''", "day": "day", "unit": "unit_id", "category": "category_code",
		"place": "substr(" + t.placeCol + ", 1, " + strconv.Itoa(q.PlaceLen) + ")"}[q.GroupBy]
	if group == "" || (q.GroupBy == "place" && q.PlaceLen <= 0) {
		return nil, fmt.Errorf("%w: cannot group by %q", ErrBadQuery, q.GroupBy)
	}
	if !q.From.Valid() || !q.To.Valid() || q.To < q.From {
		return nil, fmt.Errorf("%w: the period %s..%s is not a range of days", ErrBadQuery, q.From, q.To)
	}
	where, err := rollupWhere(q, t.placeCol, args.add)
	if err != nil {
		return nil, err
	}
	sums := make([]string, measure.NumFields)
	for i, f := range measure.Fields() {
		sums[i] = "CAST(SUM(" + f.Column() + ") AS BIGINT)"
	}
	query := `SELECT ` + group + `, ` + strings.Join(sums, ", ") + ` FROM ` + t.name + ` WHERE ` + strings.Join(where, " AND ")
	if q.GroupBy != "" {
		query += ` GROUP BY ` + group // PostgreSQL refuses to group by a constant
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("measures: %w", err)
	}
	defer rows.Close()
	var out []measure.Row
	dest := make([]any, measure.NumFields+1)
	for rows.Next() {
		var r measure.Row
		var key any
		dest[0] = &key
		vals := make([]sql.NullInt64, measure.NumFields)
		for i := range vals {
			dest[i+1] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("measures: %w", err)
		}
		for i, v := range vals {
			r.Counts[i] = v.Int64
		}
		if err := setGroupKey(&r.Key, q.GroupBy, key); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// setGroupKey puts the value a row was summed by into its key.
func setGroupKey(k *measure.Key, groupBy string, v any) error {
	var s string
	switch x := v.(type) {
	case int64:
		s = strconv.FormatInt(x, 10)
	case string:
		s = x
	case []byte:
		s = string(x)
	}
	switch groupBy {
	case "day":
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("measures: day %v: %w", v, err)
		}
		k.Day = measure.Day(n)
	case "unit":
		k.Unit = s
	case "category":
		k.Category = s
	case "place":
		k.Place = s
	}
	return nil
}

// rollupWhere is the condition for q, with the days listed one by one when a region is asked for
// (padded to a power of two by repeating the last, so that few statement texts are prepared).
func rollupWhere(q RollupQuery, placeCol string, arg func(any) string) ([]string, error) {
	var where []string
	switch {
	case q.UnitID != "":
		where = append(where, "unit_id = "+arg(q.UnitID), "day >= "+arg(int64(q.From)), "day <= "+arg(int64(q.To)))
	case q.PlacePrefix != "":
		var marks []string
		n := 0
		for d := q.From; d <= q.To; d = d.AddDays(1) {
			marks = append(marks, arg(int64(d)))
			n++
		}
		for ; n&(n-1) != 0; n++ {
			marks = append(marks, arg(int64(q.To)))
		}
		where = append(where, "day IN ("+strings.Join(marks, ", ")+")")
	default:
		where = append(where, "day >= "+arg(int64(q.From)), "day <= "+arg(int64(q.To)))
	}
	return filterConds(where, q, "", placeCol, arg)
}

// filterConds adds to where the conditions of q's place, categories, line, channel and request type,
// on columns named with the given prefix ("t." for the orders).
func filterConds(where []string, q RollupQuery, prefix, placeCol string, arg func(any) string) ([]string, error) {
	if q.PlacePrefix != "" {
		cond, err := prefixRange(prefix+placeCol, q.PlacePrefix, arg)
		if err != nil {
			return nil, err
		}
		where = append(where, cond)
	}
	if len(q.Categories) > 0 {
		where = append(where, prefix+"category_code IN ("+padded(q.Categories, arg)+")")
	}
	for _, f := range []struct{ col, v string }{{"line_code", q.Line}, {"channel", q.Channel}, {"request_type", q.Type}} {
		if f.v != "" {
			where = append(where, prefix+f.col+" = "+arg(f.v))
		}
	}
	return where, nil
}

// argList collects a statement's arguments and names their placeholders.
type argList []any

func (a *argList) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// padded lists the values as placeholders, the last repeated up to a power of two.
func padded(vals []string, arg func(any) string) string {
	marks := make([]string, 0, len(vals))
	for _, v := range vals {
		marks = append(marks, arg(v))
	}
	for n := len(vals); n&(n-1) != 0; n++ {
		marks = append(marks, arg(vals[len(vals)-1]))
	}
	return strings.Join(marks, ", ")
}

// prefixRange matches the codes that start with a prefix of digits as a range of the index: from
// the prefix up to the next prefix of the same length ("1503" → "1504"), which sorts the same way
// in every collation, unlike a sentinel character.
func prefixRange(col, prefix string, arg func(any) string) (string, error) {
	for _, r := range prefix {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%w: region %q: a place code has only digits", ErrBadQuery, prefix)
		}
	}
	next := []byte(prefix)
	i := len(next) - 1
	for ; i >= 0 && next[i] == '9'; i-- {
		next[i] = '0'
	}
	if i < 0 {
		return col + " >= " + arg(prefix), nil
	}
	next[i]++
	return col + " >= " + arg(prefix) + " AND " + col + " < " + arg(string(next)), nil
}

// OpenOverdue lists the orders that are open past a closure deadline falling in q's period (up to
// now), one key each: the deadline's day, and the order's lead unit, place and category. They are
// read from the orders' closure timers, which exist exactly while an order is open and its closure
// clock runs — a handful of rows, found by their own index, however many orders there are.
func (s *Store) OpenOverdue(ctx context.Context, q RollupQuery, now time.Time) ([]measure.Key, error) {
	var args argList
	end := q.To.AddDays(1).Start()
	if now.Before(end) {
		end = now
	}
	where := []string{"tt.kind = 'close_overdue'", "tt.due_at >= " + args.add(q.From.Start().UnixMilli()), "tt.due_at < " + args.add(end.UnixMilli())}
	if q.UnitID != "" {
		where = append(where, "t.lead_unit_id = "+args.add(q.UnitID))
	}
	where, err := filterConds(where, q, "t.", "place_code", args.add)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT tt.due_at, COALESCE(t.lead_unit_id, ''), t.place_code, t.category_code
		FROM ticket_timers tt JOIN tickets t ON t.id = tt.ticket_id WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, fmt.Errorf("open overdue orders: %w", err)
	}
	defer rows.Close()
	var out []measure.Key
	for rows.Next() {
		var k measure.Key
		var due int64
		if err := rows.Scan(&due, &k.Unit, &k.Place, &k.Category); err != nil {
			return nil, fmt.Errorf("open overdue orders: %w", err)
		}
		k.Day = measure.DayOf(time.UnixMilli(due))
		out = append(out, k)
	}
	return out, rows.Err()
}
