package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/textsearch"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

const ticketColumns = `t.id, t.number, t.query_code, t.channel, t.line_code, t.request_type, t.category_code, t.title,
	t.description, t.caller_name, t.caller_phone, t.caller_id_number, t.confidential, t.anonymous, t.address,
	COALESCE(t.lng, 0), COALESCE(t.lat, 0), t.place_code, t.urgency, t.status, t.resume_status,
	COALESCE(t.lead_unit_id, ''), COALESCE(t.master_id, ''), t.binding_unit_id, t.due_sign_at, t.due_reply_at,
	t.due_close_at, t.resolved, t.satisfaction, t.kb_article, t.return_count, t.redispatch_count, t.rehandle_count,
	t.extension_asked, t.extension_due_at, t.supervised, t.created_by, t.created_at, t.updated_at, t.closed_at, t.version`

func scanTicket(row interface{ Scan(...any) error }) (workorder.Ticket, error) {
	var t workorder.Ticket
	var channel, typ, urgency, status, resume, satisfaction string
	var dueSign, dueReply, dueClose, extDue, closed sql.NullInt64
	var created, updated int64
	var resolved sql.NullBool
	err := row.Scan(&t.ID, &t.Number, &t.QueryCode, &channel, &t.LineCode, &typ, &t.Category, &t.Title,
		&t.Description, &t.Caller.Name, &t.Caller.Phone, &t.Caller.IDNumber, &t.Caller.Confidential, &t.Caller.Anonymous,
		&t.Location.Address, &t.Location.Lng, &t.Location.Lat, &t.Location.PlaceCode, &urgency, &status, &resume,
		&t.LeadUnitID, &t.MasterID, &t.BindingUnitID, &dueSign, &dueReply,
		&dueClose, &resolved, &satisfaction, &t.KBArticle, &t.ReturnCount, &t.RedispatchCount, &t.RehandleCount,
		&t.ExtensionAsked, &extDue, &t.Supervised, &t.CreatedBy, &created, &updated, &closed, &t.Version)
	if err != nil {
		return t, err
	}
	t.Channel, t.Type, t.Urgency = workorder.Channel(channel), workorder.RequestType(typ), workorder.Urgency(urgency)
	t.Status, t.ResumeStatus, t.Satisfaction = workorder.Status(status), workorder.Status(resume), workorder.Satisfaction(satisfaction)
	t.DueSignAt, t.DueReplyAt, t.DueCloseAt = millisTime(dueSign), millisTime(dueReply), millisTime(dueClose)
	t.ExtensionDueAt, t.ClosedAt = millisTime(extDue), millisTime(closed)
	t.CreatedAt, t.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if resolved.Valid {
		t.Resolved = &resolved.Bool
	}
	return t, nil
}

// nullMillis stores a zero time as NULL.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func nullFloat(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: f != 0} }

func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
}

// NewTicket is everything CreateTicket writes in its one transaction.
type NewTicket struct {
	Ticket workorder.Ticket // ID, Number and QueryCode are filled in by CreateTicket
	Event  workorder.Event  // the intake step on the timeline
	// NumberPrefix is the city's prefix for order numbers, e.g. "WH".
	NumberPrefix string
	// IdempotencyKey, when set, makes a retry of the same request return the order it made the first
	// time; RequestHash tells a retry from a different request that reuses the key.
	IdempotencyKey string
	RequestHash    string
	// Outbox makes the records that follow from the intake, once the order has its number.
	Outbox func(workorder.Ticket) []outbox.Record
	// UserID is the acting user's id: only the uploader may attach the files the event names.
	UserID string
}

// ErrIdempotencyMismatch means an idempotency key came back with a different request.
var ErrIdempotencyMismatch = errors.New("idempotency key was used for a different request")

// The statements of an intake.
const (
	nextNumberSQL = `INSERT INTO ticket_counters (day, last) VALUES ($1, 1)
		ON CONFLICT (day) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last`
	numberBackSQL           = `UPDATE ticket_counters SET last = $2 WHERE day = $1`
	idempotencyKeySQL       = `SELECT ticket_id, request_hash FROM idempotency_keys WHERE actor = $1 AND idem_key = $2`
	insertIdempotencyKeySQL = `INSERT INTO idempotency_keys (actor, idem_key, request_hash, ticket_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (actor, idem_key) DO NOTHING`
	indexTicketSQLite   = `INSERT INTO ticket_search (rowid, terms) SELECT rowid, $2 FROM tickets WHERE id = $1`
	indexTicketPostgres = `INSERT INTO ticket_search (ticket_id, terms) VALUES ($1, to_tsvector('simple', $2))`
	// indexTicketsSQLite indexes many orders in one statement, from a JSON array of {id, terms}.
	indexTicketsSQLite = `INSERT INTO ticket_search (rowid, terms)
		SELECT t.rowid, json_extract(j.value, '$.terms') FROM json_each($1) j JOIN tickets t ON t.id = json_extract(j.value, '$.id')`
	insertEventSQL = `INSERT INTO ticket_events (id, ticket_id, seq, at, action, from_status, to_status, actor, actor_unit_id, comment, data, attachments)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
)

// CreateTicket stores a new order with its number, its first timeline event, its search terms, its
// audit entry and its outbox records in one transaction. When the idempotency key was seen before with
// the same request, it returns the stored order and created=false instead. The key is not looked up
// first: its row is written with the order and, when it is already there, the transaction is undone
// and the stored order read — so the one writer does no extra read per intake, and two concurrent
// retries still make one order.
func (s *Store) CreateTicket(ctx context.Context, who audit.Who, n NewTicket) (workorder.Ticket, bool, error) {
	for attempt := 1; ; attempt++ {
		t, err := s.createTicket(ctx, who, n)
		if !errors.Is(err, errKeySeen) {
			return t, err == nil, err
		}
		prior, err := s.idempotentTicket(ctx, s.r, who.Actor, n.IdempotencyKey, n.RequestHash)
		// The key's first order may belong to a transaction still being written beside this one:
		// trying again queues behind it.
		if !errors.Is(err, ErrNotFound) || attempt == 3 {
			return prior, false, err
		}
	}
}

// errKeySeen means an order's idempotency key is stored already: the request is a retry.
var errKeySeen = errors.New("idempotency key seen before")

func (s *Store) createTicket(ctx context.Context, who audit.Who, n NewTicket) (workorder.Ticket, error) {
	t := n.Ticket
	t.ID = uuid.Must(uuid.NewV7()).String()
	if t.QueryCode == "" {
		t.QueryCode = workorder.NewQueryCode()
	}
	t.Version = 1
	search := searchEntryOf(t) // split into terms here, not in the one writer
	err := s.inGroupTx(ctx, func(ctx context.Context, p *hotTx) error {
		day := workorder.NumberDay(t.CreatedAt)
		seq, err := p.nextNumber(ctx, day)
		if err != nil {
			return err
		}
		t.Number = workorder.FormatNumber(n.NumberPrefix, day, seq)
		if err := insertTicket(ctx, p, t); err != nil {
			return err
		}
		// The key right after its order (it refers to it), before anything a retry would repeat.
		if n.IdempotencyKey != "" {
			res, err := p.ExecContext(ctx, insertIdempotencyKeySQL, who.Actor, n.IdempotencyKey, n.RequestHash, t.ID, t.CreatedAt.UnixMilli())
			if err != nil {
				return fmt.Errorf("idempotency key: %w", err)
			}
			if stored, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("idempotency key: %w", err)
			} else if stored == 0 {
				return errKeySeen
			}
		}
		p.indexLater(search)
		ev := n.Event
		ev.TicketID = t.ID
		if err := insertEvent(ctx, p, &ev, 1); err != nil {
			return err
		}
		if err := s.rollupChange(ctx, p, workorder.Ticket{}, t, ev); err != nil {
			return err
		}
		if len(ev.Attachments) > 0 {
			if err := s.LinkAttachments(ctx, p.Tx, n.UserID, ev.Attachments, t.ID, ev.ID); err != nil {
				return err
			}
		}
		if n.Outbox != nil {
			if err := s.enqueueAll(ctx, p, n.Outbox(t)); err != nil {
				return err
			}
		}
		return s.appendAuditWith(ctx, p, who, audit.Change{Action: "ticket.create", ObjectType: "ticket", ObjectID: t.ID,
			Detail: map[string]any{"number": t.Number, "channel": t.Channel, "type": t.Type, "category": t.Category, "place": t.Location.PlaceCode}})
	})
	return t, err
}

// nextNumber allocates the day's next order number. The first allocation of a transaction bumps the
// day's counter row, which also locks it until commit (other nodes wait, as for any allocation);
// later ones in the same transaction count on from there in memory, and beforeCommit writes the
// last number back.
func (h *hotTx) nextNumber(ctx context.Context, day string) (int64, error) {
	if n, ok := h.numbers[day]; ok {
		n.last++
		n.counted = true
		return n.last, nil
	}
	var seq int64
	if err := h.QueryRowContext(ctx, nextNumberSQL, day).Scan(&seq); err != nil {
		return 0, fmt.Errorf("allocate order number: %w", err)
	}
	if h.defers {
		if h.numbers == nil {
			h.numbers = map[string]*dayNumbers{}
		}
		h.numbers[day] = &dayNumbers{last: seq}
	}
	return seq, nil
}

// dayNumbers is how far a transaction has counted a day's order numbers.
type dayNumbers struct {
	last    int64
	counted bool // past the stored counter, which must catch up before commit
}

func (s *Store) idempotentTicket(ctx context.Context, q queryRower, actor, key, hash string) (workorder.Ticket, error) {
	var id, storedHash string
	err := q.QueryRowContext(ctx, idempotencyKeySQL, actor, key).Scan(&id, &storedHash)
	if err := lookupErr(err, "idempotency key"); err != nil {
		return workorder.Ticket{}, err
	}
	if storedHash != hash {
		return workorder.Ticket{}, fmt.Errorf("Idempotency-Key %q: %w", key, ErrIdempotencyMismatch)
	}
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id = $1`, id))
	return t, lookupErr(err, "ticket "+id)
}

// insertTicketSQL writes a new order's row into table: tickets, or the bench's copy of it
// (RawTicketTable), so that the baseline stores exactly what an intake stores.
func insertTicketSQL(table string) string {
	return `INSERT INTO ` + table + ` (id, number, query_code, channel, line_code, request_type, category_code,
		title, description, caller_name, caller_phone, caller_id_number, confidential, anonymous, address, lng, lat, place_code,
		urgency, status, lead_unit_id, due_sign_at, due_reply_at, due_close_at, created_by, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26, 1)`
}

var insertTicketQuery = insertTicketSQL("tickets")

// ticketRowArgs are the values of insertTicketSQL's placeholders.
func ticketRowArgs(t workorder.Ticket) []any {
	return []any{t.ID, t.Number, t.QueryCode, string(t.Channel), t.LineCode, string(t.Type), t.Category,
		t.Title, t.Description, t.Caller.Name, t.Caller.Phone, t.Caller.IDNumber, t.Caller.Confidential, t.Caller.Anonymous,
		t.Location.Address, nullFloat(t.Location.Lng), nullFloat(t.Location.Lat), t.Location.PlaceCode,
		string(t.Urgency), string(t.Status), nullString(t.LeadUnitID), nullMillis(t.DueSignAt), nullMillis(t.DueReplyAt),
		nullMillis(t.DueCloseAt), t.CreatedBy, t.CreatedAt.UnixMilli()}
}

func insertTicket(ctx context.Context, tx execer, t workorder.Ticket) error {
	if _, err := tx.ExecContext(ctx, insertTicketQuery, ticketRowArgs(t)...); err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	return nil
}

// searchEntry is an order's text for the full-text index, already split into terms.
type searchEntry struct {
	ID    string `json:"id"`
	Terms string `json:"terms"`
}

func searchEntryOf(t workorder.Ticket) searchEntry {
	return searchEntry{ID: t.ID, Terms: textsearch.IndexTerms(t.Title + "\n" + t.Description + "\n" + t.Location.Address)}
}

// indexTicket adds the order's text to the full-text index.
func (s *Store) indexTicket(ctx context.Context, tx execer, t workorder.Ticket) error {
	return s.indexTickets(ctx, tx, []searchEntry{searchEntryOf(t)})
}

// indexTickets adds the text of several orders to the full-text index. On SQLite it is one
// statement: FTS5 writes its pending terms out as a new segment at the start of every statement
// that follows an insert, so a statement an order would make a segment an order.
func (s *Store) indexTickets(ctx context.Context, tx execer, entries []searchEntry) error {
	if s.dialect == Postgres || len(entries) == 1 {
		query := indexTicketSQLite
		if s.dialect == Postgres {
			query = indexTicketPostgres
		}
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, query, e.ID, e.Terms); err != nil {
				return fmt.Errorf("index ticket: %w", err)
			}
		}
		return nil
	}
	data, err := json.Marshal(entries)
	if err != nil {
		return fmt.Errorf("index tickets: %w", err)
	}
	res, err := tx.ExecContext(ctx, indexTicketsSQLite, string(data))
	if err != nil {
		return fmt.Errorf("index tickets: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(entries)) {
		return fmt.Errorf("index tickets: %d of %d orders indexed", n, len(entries))
	}
	return nil
}

func insertEvent(ctx context.Context, tx execer, ev *workorder.Event, seq int) error {
	ev.ID = uuid.Must(uuid.NewV7()).String()
	ev.Seq = seq
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return fmt.Errorf("event data: %w", err)
	}
	if ev.Data == nil {
		data = []byte("{}")
	}
	attachments, err := json.Marshal(ev.Attachments)
	if err != nil {
		return fmt.Errorf("event attachments: %w", err)
	}
	if ev.Attachments == nil {
		attachments = []byte("[]")
	}
	_, err = tx.ExecContext(ctx, insertEventSQL,
		ev.ID, ev.TicketID, seq, ev.At.UnixMilli(), string(ev.Action), string(ev.From), string(ev.To), ev.Actor, ev.ActorUnitID,
		ev.Comment, string(data), string(attachments))
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

func (s *Store) enqueueAll(ctx context.Context, tx *hotTx, recs []outbox.Record) error {
	for _, r := range recs {
		if err := s.enqueue(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}

// Ticket returns one order by id or by number, with its co-handling units.
func (s *Store) Ticket(ctx context.Context, idOrNumber string) (workorder.Ticket, error) {
	t, err := scanTicket(s.r.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id = $1 OR t.number = $1`, idOrNumber))
	if err := lookupErr(err, "ticket "+idOrNumber); err != nil {
		return t, err
	}
	t.CoUnitIDs, err = s.coUnits(ctx, s.r, t.ID)
	return t, err
}

func (s *Store) coUnits(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, ticketID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT unit_id FROM ticket_co_units WHERE ticket_id = $1 ORDER BY unit_id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("co-handling units: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("co-handling units: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// TicketChange is one applied action: the order before and after, the timeline event, and what flows
// from it.
type TicketChange struct {
	Before, After workorder.Ticket
	Event         workorder.Event
	Outbox        []outbox.Record
	// Also are further orders changed in the same transaction (merged duplicates that follow their
	// master); each must carry the version it was read at.
	Also []TicketChange
	// UserID is the acting user's id: only the uploader may attach the files the event names.
	UserID string
	// Clock is what the action does to the order's time limits (its clock and timers); nil for none.
	Clock *ClockChange
}

// ApplyTicketChange writes an action in one transaction: the order (only if its stored version is
// still Before.Version, else ErrConflict: someone acted first), its co-handling units, the timeline
// event, the audit entry and the outbox records.
func (s *Store) ApplyTicketChange(ctx context.Context, who audit.Who, c TicketChange) (workorder.Ticket, error) {
	var out workorder.Ticket
	err := s.inGroupTx(ctx, func(ctx context.Context, tx *hotTx) error {
		var err error
		out, err = s.applyChange(ctx, tx, who, c)
		if err != nil {
			return err
		}
		for _, also := range c.Also {
			if _, err := s.applyChange(ctx, tx, who, also); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (s *Store) applyChange(ctx context.Context, tx *hotTx, who audit.Who, c TicketChange) (workorder.Ticket, error) {
	a := c.After
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET status = $3, resume_status = $4, lead_unit_id = $5, master_id = $6,
		binding_unit_id = $7, due_sign_at = $8, due_reply_at = $9, due_close_at = $10, resolved = $11, satisfaction = $12,
		kb_article = $13, return_count = $14, redispatch_count = $15, rehandle_count = $16, extension_asked = $17,
		extension_due_at = $18, supervised = $19, updated_at = $20, closed_at = $21, category_code = $22, version = version + 1
		WHERE id = $1 AND version = $2`,
		a.ID, c.Before.Version, string(a.Status), string(a.ResumeStatus), nullString(a.LeadUnitID), nullString(a.MasterID),
		a.BindingUnitID, nullMillis(a.DueSignAt), nullMillis(a.DueReplyAt), nullMillis(a.DueCloseAt), nullBool(a.Resolved),
		string(a.Satisfaction), a.KBArticle, a.ReturnCount, a.RedispatchCount, a.RehandleCount, a.ExtensionAsked,
		nullMillis(a.ExtensionDueAt), a.Supervised, a.UpdatedAt.UnixMilli(), nullMillis(a.ClosedAt), a.Category)
	if err != nil {
		return a, fmt.Errorf("update ticket %s: %w", a.Number, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return a, fmt.Errorf("ticket %s: %w: it was changed by someone else since you loaded it; reload and try again", a.Number, ErrConflict)
	}
	if !sameUnits(c.Before.CoUnitIDs, a.CoUnitIDs) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_co_units WHERE ticket_id = $1`, a.ID); err != nil {
			return a, fmt.Errorf("co-handling units: %w", err)
		}
		for _, u := range a.CoUnitIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_co_units (ticket_id, unit_id) VALUES ($1, $2)`, a.ID, u); err != nil {
				return a, fmt.Errorf("co-handling unit %s: %w", u, err)
			}
		}
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_id = $1`, a.ID).Scan(&seq); err != nil {
		return a, fmt.Errorf("timeline: %w", err)
	}
	ev := c.Event
	ev.TicketID = a.ID
	if err := insertEvent(ctx, tx, &ev, seq); err != nil {
		return a, err
	}
	if err := s.rollupChange(ctx, tx, c.Before, a, ev); err != nil {
		return a, err
	}
	if len(ev.Attachments) > 0 {
		if err := s.LinkAttachments(ctx, tx.Tx, c.UserID, ev.Attachments, a.ID, ev.ID); err != nil {
			return a, err
		}
	}
	if err := s.enqueueAll(ctx, tx, c.Outbox); err != nil {
		return a, err
	}
	if err := s.writeClock(ctx, tx, a, c.Clock); err != nil {
		return a, err
	}
	a.Version = c.Before.Version + 1
	return a, s.appendAuditWith(ctx, tx, who, audit.Change{Action: "ticket." + string(ev.Action), ObjectType: "ticket", ObjectID: a.ID,
		Detail: map[string]any{"number": a.Number, "from": ev.From, "to": ev.To}})
}

func sameUnits(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

// Timeline returns every step of an order, oldest first.
func (s *Store) Timeline(ctx context.Context, ticketID string) ([]workorder.Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ticket_id, seq, at, action, from_status, to_status, actor, actor_unit_id, comment, data, attachments
		FROM ticket_events WHERE ticket_id = $1 ORDER BY seq`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	var out []workorder.Event
	for rows.Next() {
		var ev workorder.Event
		var at int64
		var action, from, to, data, attachments string
		if err := rows.Scan(&ev.ID, &ev.TicketID, &ev.Seq, &at, &action, &from, &to, &ev.Actor, &ev.ActorUnitID, &ev.Comment, &data, &attachments); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		ev.At, ev.Action, ev.From, ev.To = time.UnixMilli(at).UTC(), workorder.Action(action), workorder.Status(from), workorder.Status(to)
		if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
			return nil, fmt.Errorf("timeline data of %s: %w", ev.ID, err)
		}
		if err := json.Unmarshal([]byte(attachments), &ev.Attachments); err != nil {
			return nil, fmt.Errorf("timeline attachments of %s: %w", ev.ID, err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// MergedInto lists the open duplicates that follow a master order.
func (s *Store) MergedInto(ctx context.Context, masterID string) ([]workorder.Ticket, error) {
	return s.ticketsWhere(ctx, `t.master_id = $1 ORDER BY t.created_at`, masterID)
}

func (s *Store) ticketsWhere(ctx context.Context, where string, args ...any) ([]workorder.Ticket, error) {
	return s.ticketsFrom(ctx, "tickets t", where, args...)
}

// ticketsFrom reads orders from a FROM clause that names the orders t.
func (s *Store) ticketsFrom(ctx context.Context, from, where string, args ...any) ([]workorder.Ticket, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+ticketColumns+` FROM `+from+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var out []workorder.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CallerHistory returns the latest orders from one phone number (来电弹屏: the agent sees them as
// soon as the number is typed).
func (s *Store) CallerHistory(ctx context.Context, phone string, limit int) ([]workorder.Ticket, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return nil, nil
	}
	return s.ticketsWhere(ctx, `t.caller_phone = $1 ORDER BY t.created_at DESC LIMIT $2`, phone, limit)
}
