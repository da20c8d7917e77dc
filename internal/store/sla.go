package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/workorder"
)

// SLAPolicies returns the time-limit policy set in force: the newest version stored. Before the first
// one is stored it returns ErrNotFound (SeedSLAPolicies stores the defaults at first start).
func (s *Store) SLAPolicies(ctx context.Context) (sla.Set, error) {
	return s.policySet(ctx, `SELECT version, body, created_at, created_by FROM sla_policy_sets ORDER BY version DESC LIMIT 1`)
}

// SLAPolicyVersion returns one version of the policy set, in force or not: every order's clock names
// the version its due times came from.
func (s *Store) SLAPolicyVersion(ctx context.Context, version int) (sla.Set, error) {
	return s.policySet(ctx, `SELECT version, body, created_at, created_by FROM sla_policy_sets WHERE version = $1`, version)
}

func (s *Store) policySet(ctx context.Context, query string, args ...any) (sla.Set, error) {
	var set sla.Set
	var body string
	var at int64
	var version int
	var by string
	err := s.r.QueryRowContext(ctx, query, args...).Scan(&version, &body, &at, &by)
	if err := lookupErr(err, "time-limit policies"); err != nil {
		return set, err
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		return set, fmt.Errorf("time-limit policies version %d: %w", version, err)
	}
	set.Version, set.UpdatedAt, set.UpdatedBy = version, time.UnixMilli(at).UTC(), by
	return set, nil
}

// SaveSLAPolicies stores set as the next version. set.Version must be the version in force — the one
// the editor started from — or ErrConflict is returned: someone else saved a version meanwhile. The
// set is validated first; the stored set comes back with its new version.
func (s *Store) SaveSLAPolicies(ctx context.Context, who audit.Who, set sla.Set) (sla.Set, error) {
	if err := set.Validate(); err != nil {
		return set, err
	}
	based := set.Version
	set.Version, set.UpdatedBy, set.UpdatedAt = based+1, who.Actor, time.UnixMilli(s.nowMillis()).UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM sla_policy_sets`).Scan(&current); err != nil {
			return fmt.Errorf("time-limit policies: %w", err)
		}
		if current != based {
			return fmt.Errorf("version: %w: the policies in force are version %d, not %d; reload and edit again", ErrConflict, current, based)
		}
		return s.insertPolicySet(ctx, tx, who, set, false)
	})
	return set, err
}

// SeedSLAPolicies stores set as version 1 unless a version is stored already. Several nodes starting
// at once may all call it: one stores the set, the others change nothing.
func (s *Store) SeedSLAPolicies(ctx context.Context, who audit.Who, set sla.Set) error {
	if err := set.Validate(); err != nil {
		return err
	}
	set.Version = 1
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.insertPolicySet(ctx, tx, who, set, true) })
}

func (s *Store) insertPolicySet(ctx context.Context, tx *sql.Tx, who audit.Who, set sla.Set, seed bool) error {
	body, err := json.Marshal(sla.Set{WarnPercent: set.WarnPercent, Policies: set.Policies})
	if err != nil {
		return fmt.Errorf("time-limit policies: %w", err)
	}
	query := `INSERT INTO sla_policy_sets (version, body, created_at, created_by) VALUES ($1, $2, $3, $4)`
	if seed {
		query += ` ON CONFLICT (version) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, query, set.Version, string(body), s.nowMillis(), who.Actor)
	if isUniqueViolation(err) {
		return fmt.Errorf("version: %w: version %d was saved by someone else first; reload and edit again", ErrConflict, set.Version)
	}
	if err != nil {
		return fmt.Errorf("store time-limit policies: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // seeding found a set already there
	}
	action := "sla.policies.update"
	if seed {
		action = "sla.policies.seed"
	}
	return s.appendAudit(ctx, tx, who, audit.Change{Action: action, ObjectType: "sla_policies", ObjectID: strconv.Itoa(set.Version),
		Detail: map[string]any{"version": set.Version, "policies": len(set.Policies), "warn_percent": set.WarnPercent}})
}

// CalendarArrangements returns the deployment's own holiday arrangements, oldest year first: the
// years it added or corrected over the calendar built into the binary.
func (s *Store) CalendarArrangements(ctx context.Context) ([]calendar.Arrangement, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT year, arrangement FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("calendar years: %w", err)
	}
	defer rows.Close()
	var out []calendar.Arrangement
	for rows.Next() {
		var year int
		var text string
		if err := rows.Scan(&year, &text); err != nil {
			return nil, fmt.Errorf("calendar years: %w", err)
		}
		a, err := calendar.Parse(strings.NewReader(text))
		if err != nil || len(a) != 1 {
			return nil, fmt.Errorf("calendar year %d as stored: %v", year, err)
		}
		out = append(out, a[0])
	}
	return out, rows.Err()
}

// ImportCalendar stores the given years' arrangements, each replacing what was stored for its year.
// The caller checks them first (sla.MergeArrangements): the store keeps what it is given.
func (s *Store) ImportCalendar(ctx context.Context, who audit.Who, years []calendar.Arrangement) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		for _, a := range years {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years (year, arrangement, updated_at, updated_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT (year) DO UPDATE SET arrangement = excluded.arrangement, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				a.Year, sla.FormatArrangement(a), now, who.Actor); err != nil {
				return fmt.Errorf("calendar year %d: %w", a.Year, err)
			}
			days := 0
			for _, e := range a.Entries {
				days += e.Days()
			}
			if err := s.appendAudit(ctx, tx, who, audit.Change{Action: "calendar.import", ObjectType: "calendar_year", ObjectID: strconv.Itoa(a.Year),
				Detail: map[string]any{"year": a.Year, "entries": len(a.Entries), "days": days, "sources": a.Sources}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// TicketClock returns how an order's due times were computed. An order never dispatched has no
// clock: ErrNotFound.
func (s *Store) TicketClock(ctx context.Context, ticketID string) (sla.Clock, error) {
	var c sla.Clock
	var text string
	err := s.r.QueryRowContext(ctx, `SELECT clock FROM ticket_clocks WHERE ticket_id = $1`, ticketID).Scan(&text)
	if err := lookupErr(err, "clock of ticket "+ticketID); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(text), &c); err != nil {
		return c, fmt.Errorf("clock of ticket %s: %w", ticketID, err)
	}
	return c, nil
}

// ClockChange is what an action does to an order's time limits; ApplyTicketChange writes it with the
// action, in the same transaction.
type ClockChange struct {
	Clock sla.Clock
	// Write stores Clock; false when the action left it as it was.
	Write bool
	// Timers are the alerts the order should have now (sla.Rules.Plan).
	Timers []sla.Timer
	// At is the instant of the action: a timer set to fire no later than it, and fired already for
	// the same due time, stays fired.
	At time.Time
}

// writeClock stores an order's clock and brings its timers in line with c.Timers. A timer whose
// instant changes to a later one is armed again (a new deadline deserves its own alert); one whose
// new instant has passed keeps its fired mark, so a resumed or extended order is not warned twice for
// what it was already warned of. Timers no longer wanted go unless they fired — except on closed,
// cancelled, merged and transferred orders, which keep none at all. It may run more than once for
// one action (see inGroupTx): every statement sets, none accumulates.
func (s *Store) writeClock(ctx context.Context, tx execer, t workorder.Ticket, c *ClockChange) error {
	if c == nil {
		return nil
	}
	at := c.At.UnixMilli()
	if c.Write {
		text, err := json.Marshal(c.Clock)
		if err != nil {
			return fmt.Errorf("clock of ticket %s: %w", t.Number, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_clocks (ticket_id, clock, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (ticket_id) DO UPDATE SET clock = excluded.clock, updated_at = excluded.updated_at`, t.ID, string(text), at); err != nil {
			return fmt.Errorf("clock of ticket %s: %w", t.Number, err)
		}
	}
	if t.Status.Terminal() {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_timers WHERE ticket_id = $1`, t.ID); err != nil {
			return fmt.Errorf("timers of ticket %s: %w", t.Number, err)
		}
		return nil
	}
	args := []any{t.ID}
	marks := make([]string, len(c.Timers))
	for i, tm := range c.Timers {
		args = append(args, string(tm.Kind))
		marks[i] = "$" + strconv.Itoa(len(args))
	}
	unwanted := ""
	if len(marks) > 0 {
		unwanted = " AND kind NOT IN (" + strings.Join(marks, ", ") + ")"
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_timers WHERE ticket_id = $1 AND fired_at IS NULL`+unwanted, args...); err != nil {
		return fmt.Errorf("timers of ticket %s: %w", t.Number, err)
	}
	for _, tm := range c.Timers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_timers (ticket_id, kind, due_at, fire_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (ticket_id, kind) DO UPDATE SET due_at = excluded.due_at, fire_at = excluded.fire_at,
				fired_at = CASE WHEN excluded.fire_at > $5 THEN NULL ELSE ticket_timers.fired_at END,
				fired_by = CASE WHEN excluded.fire_at > $5 THEN '' ELSE ticket_timers.fired_by END
			WHERE ticket_timers.fire_at <> excluded.fire_at OR ticket_timers.due_at <> excluded.due_at`,
			t.ID, string(tm.Kind), tm.DueAt.UnixMilli(), tm.FireAt.UnixMilli(), at); err != nil {
			return fmt.Errorf("timer %s of ticket %s: %w", tm.Kind, t.Number, err)
		}
	}
	return nil
}

// TicketTimer is one of an order's alerts, fired or still to come.
type TicketTimer struct {
	sla.Timer
	FiredAt time.Time // zero while it waits
}

// TicketTimers lists an order's alerts by the instant they fire.
func (s *Store) TicketTimers(ctx context.Context, ticketID string) ([]TicketTimer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT fired_at, kind, due_at, fire_at FROM ticket_timers WHERE ticket_id = $1 ORDER BY fire_at, kind`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("timers of ticket %s: %w", ticketID, err)
	}
	defer rows.Close()
	var out []TicketTimer
	for rows.Next() {
		var fired sql.NullInt64
		tm, err := scanTimer(rows, &fired)
		if err != nil {
			return nil, fmt.Errorf("timers of ticket %s: %w", ticketID, err)
		}
		out = append(out, TicketTimer{Timer: tm, FiredAt: millisTime(fired)})
	}
	return out, rows.Err()
}

// scanTimer reads a timer's kind, due_at and fire_at, after the leading columns given.
func scanTimer(rows *sql.Rows, lead ...any) (sla.Timer, error) {
	var kind string
	var due, fire int64
	if err := rows.Scan(append(lead, &kind, &due, &fire)...); err != nil {
		return sla.Timer{}, err
	}
	return sla.Timer{Kind: sla.Kind(kind), DueAt: time.UnixMilli(due).UTC(), FireAt: time.UnixMilli(fire).UTC()}, nil
}

// DueTimer is a timer whose instant has come, claimed by one sweep, with what its alert needs.
type DueTimer struct {
	sla.Timer
	Ticket workorder.Ticket
	// Unit is the order's lead unit; nil when it has none.
	Unit *org.Unit
	// People are those an overdue order is escalated to: every enabled supervisor, and the enabled
	// unit leads of the lead unit. Each carries only the roles that put it here.
	People []access.User
}

// TimerAlert is what one fired timer writes: a timeline step and the notifications that go with it.
// An Event without an Action writes nothing: the timer no longer applies to the order as it stands.
type TimerAlert struct {
	Event  workorder.Event
	Outbox []outbox.Record
}

// claimTimersSQL marks up to $3 due timers fired by worker $2 at $1 and returns them. On PostgreSQL
// the timers and their orders are locked with SKIP LOCKED: two nodes never claim the same timer, and
// a sweep never waits on an order someone is acting on (it takes the timer at its next pass). SQLite
// has one writer, so the plain UPDATE is atomic; there the rowid finds the claimed rows directly.
const (
	claimTimersSQLite = `UPDATE ticket_timers SET fired_at = $1, fired_by = $2
		WHERE rowid IN (SELECT rowid FROM ticket_timers WHERE fired_at IS NULL AND fire_at <= $1 ORDER BY fire_at LIMIT $3)
		RETURNING ticket_id, kind, due_at, fire_at`
	claimTimersPostgres = `UPDATE ticket_timers SET fired_at = $1, fired_by = $2
		WHERE fired_at IS NULL AND (ticket_id, kind) IN (SELECT tt.ticket_id, tt.kind FROM ticket_timers tt JOIN tickets t ON t.id = tt.ticket_id
			WHERE tt.fired_at IS NULL AND tt.fire_at <= $1 ORDER BY tt.fire_at LIMIT $3 FOR UPDATE OF tt, t SKIP LOCKED)
		RETURNING ticket_id, kind, due_at, fire_at`
)

// FireTimers claims up to limit timers due at now for worker and, in the same transaction, writes
// what alert makes of each: its timeline step, its audit entry and its outbox records. So a timer
// fires exactly once: a crash before the commit leaves it due for the next sweep, and a claim that
// committed is never made again — not by another node, and not after the server's clock jumps back.
// A clock that jumps forward only makes timers due sooner: every due timer is caught up. It returns
// how many timers it claimed (fewer than limit: none is left due).
func (s *Store) FireTimers(ctx context.Context, worker string, now time.Time, limit int, alert func(DueTimer) TimerAlert) (int, error) {
	if worker == "" || limit <= 0 {
		return 0, errors.New("fire timers: worker and a positive limit are required")
	}
	claimed := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = 0
		query := claimTimersSQLite
		if s.dialect == Postgres {
			query = claimTimersPostgres
		}
		due, err := claimTimers(ctx, tx, query, now, worker, limit)
		if err != nil || len(due) == 0 {
			return err
		}
		if err := s.fillDueTimers(ctx, tx, due); err != nil {
			return err
		}
		for _, d := range due {
			if a := alert(d); a.Event.Action != "" {
				if err := s.writeAlert(ctx, tx, d, a); err != nil {
					return err
				}
			}
		}
		claimed = len(due)
		return nil
	})
	return claimed, err
}

func claimTimers(ctx context.Context, tx *sql.Tx, query string, now time.Time, worker string, limit int) ([]DueTimer, error) {
	rows, err := tx.QueryContext(ctx, query, now.UnixMilli(), worker, limit)
	if err != nil {
		return nil, fmt.Errorf("claim timers: %w", err)
	}
	defer rows.Close()
	var out []DueTimer
	for rows.Next() {
		var d DueTimer
		if d.Timer, err = scanTimer(rows, &d.Ticket.ID); err != nil {
			return nil, fmt.Errorf("claim timers: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// fillDueTimers reads the orders, lead units and people the claimed timers need, a query each for
// the whole batch.
func (s *Store) fillDueTimers(ctx context.Context, tx *sql.Tx, due []DueTimer) error {
	ids := make([]any, len(due))
	for i, d := range due {
		ids[i] = d.Ticket.ID
	}
	tickets := map[string]workorder.Ticket{}
	if err := eachRow(ctx, tx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id IN (`+placeholders(len(ids))+`)`, ids, func(r *sql.Rows) error {
		t, err := scanTicket(r)
		tickets[t.ID] = t
		return err
	}); err != nil {
		return fmt.Errorf("orders of due timers: %w", err)
	}
	var unitIDs []any
	for i := range due {
		due[i].Ticket = tickets[due[i].Ticket.ID]
		if id := due[i].Ticket.LeadUnitID; id != "" {
			unitIDs = append(unitIDs, id)
		}
	}
	units := map[string]org.Unit{}
	leads := map[string][]access.User{}
	var supervisors []access.User
	if len(unitIDs) > 0 {
		if err := eachRow(ctx, tx, `SELECT `+unitColumns+` FROM units WHERE id IN (`+placeholders(len(unitIDs))+`)`, unitIDs, func(r *sql.Rows) error {
			u, err := scanUnit(r)
			units[u.ID] = u
			return err
		}); err != nil {
			return fmt.Errorf("units of due timers: %w", err)
		}
	}
	inUnits := "FALSE"
	if len(unitIDs) > 0 {
		inUnits = "u.unit_id IN (" + placeholders(len(unitIDs)) + ")"
	}
	if err := eachRow(ctx, tx, `SELECT u.id, u.username, u.display_name, u.phone, COALESCE(u.unit_id, ''), COALESCE(u.place_code, ''), r.role
		FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE NOT u.disabled AND NOT u.machine AND (r.role = 'supervisor' OR (r.role = 'unit_lead' AND `+inUnits+`))
		ORDER BY u.username`, unitIDs, func(r *sql.Rows) error {
		var u access.User
		var role string
		if err := r.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Phone, &u.UnitID, &u.PlaceCode, &role); err != nil {
			return err
		}
		u.Roles = []access.Role{access.Role(role)}
		if u.Roles[0] == access.RoleSupervisor {
			supervisors = append(supervisors, u)
		} else {
			leads[u.UnitID] = append(leads[u.UnitID], u)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("people of due timers: %w", err)
	}
	for i := range due {
		if u, ok := units[due[i].Ticket.LeadUnitID]; ok {
			due[i].Unit = &u
		}
		due[i].People = append(append([]access.User(nil), supervisors...), leads[due[i].Ticket.LeadUnitID]...)
	}
	return nil
}

// writeAlert records one fired timer on its order: the timeline step, the outbox records, the audit entry.
func (s *Store) writeAlert(ctx context.Context, tx *sql.Tx, d DueTimer, a TimerAlert) error {
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_id = $1`, d.Ticket.ID).Scan(&seq); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	ev := a.Event
	ev.TicketID = d.Ticket.ID
	if err := insertEvent(ctx, tx, &ev, seq); err != nil {
		return err
	}
	for _, rec := range a.Outbox {
		if err := s.Enqueue(ctx, tx, rec); err != nil {
			return err
		}
	}
	return s.appendAudit(ctx, tx, audit.System, audit.Change{Action: "ticket." + string(ev.Action), ObjectType: "ticket", ObjectID: d.Ticket.ID,
		Detail: map[string]any{"number": d.Ticket.Number, "timer": d.Kind, "due_at": d.DueAt.UnixMilli(), "notices": len(a.Outbox)}})
}

// placeholders lists n placeholders: "$1, $2, $3".
func placeholders(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(out, ", ")
}

// eachRow runs a query in tx and hands each row to fn.
func eachRow(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
