package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

// HistoryTicket is a past order written whole: its state today and every step that led there.
type HistoryTicket struct {
	// Ticket is the order as it stands after its last event. An empty ID or query code is filled in;
	// a merged duplicate names its master by ID, so masters need their IDs before they are written.
	Ticket workorder.Ticket
	// Events is the whole timeline, oldest first, starting with the intake (ActCreate).
	Events []workorder.Event
}

// Statements of a history import that the hot path does not use; each day's transaction prepares them.
const (
	historyNumbersSQL = `INSERT INTO ticket_counters (day, last) VALUES ($1, $2)
		ON CONFLICT (day) DO UPDATE SET last = ticket_counters.last + $2 RETURNING last`
	historyStateSQL = `UPDATE tickets SET resume_status = $2, master_id = $3, binding_unit_id = $4, resolved = $5,
		satisfaction = $6, kb_article = $7, return_count = $8, redispatch_count = $9, rehandle_count = $10,
		extension_asked = $11, extension_due_at = $12, supervised = $13, updated_at = $14, closed_at = $15, version = $16
		WHERE id = $1`
	historyCoUnitSQL = `INSERT INTO ticket_co_units (ticket_id, unit_id) VALUES ($1, $2)`
)

// ImportHistory writes one day of past orders — the demo's months of history — in one transaction:
// the orders with the numbers of their day, their co-handling units, timelines and search terms, and
// one audit entry for the whole day. The day's number counter moves past the numbers used, so orders
// taken in later on the same day never collide with them. The orders must all have been created on
// day (a Shanghai date, as workorder.NumberDay gives it), in the order they are given; their numbers
// are written back into the slice. No notifications follow: these matters are long over.
func (s *Store) ImportHistory(ctx context.Context, who audit.Who, prefix, day string, orders []HistoryTicket) error {
	if len(orders) == 0 {
		return nil
	}
	for i := range orders {
		h := &orders[i]
		switch {
		case workorder.NumberDay(h.Ticket.CreatedAt) != day:
			return fmt.Errorf("history %s: order %d was created on %s", day, i, workorder.NumberDay(h.Ticket.CreatedAt))
		case len(h.Events) == 0 || h.Events[0].Action != workorder.ActCreate:
			return fmt.Errorf("history %s: order %d: the timeline must start with the intake", day, i)
		case i > 0 && h.Ticket.CreatedAt.Before(orders[i-1].Ticket.CreatedAt):
			return fmt.Errorf("history %s: order %d was created before the one preceding it", day, i)
		}
		if h.Ticket.ID == "" {
			h.Ticket.ID = uuid.Must(uuid.NewV7()).String()
		}
		if h.Ticket.QueryCode == "" {
			h.Ticket.QueryCode = workorder.NewQueryCode()
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		events := 0
		var last int64
		if err := tx.QueryRowContext(ctx, historyNumbersSQL, day, len(orders)).Scan(&last); err != nil {
			return fmt.Errorf("history %s: allocate numbers: %w", day, err)
		}
		state, err := tx.PrepareContext(ctx, historyStateSQL)
		if err != nil {
			return fmt.Errorf("history: prepare: %w", err)
		}
		defer state.Close()
		coUnit, err := tx.PrepareContext(ctx, historyCoUnitSQL)
		if err != nil {
			return fmt.Errorf("history: prepare: %w", err)
		}
		defer coUnit.Close()
		p := s.hotOf(tx)
		numbers := make(map[string]string, len(orders))
		first := last - int64(len(orders)) + 1
		for i := range orders {
			t := &orders[i].Ticket
			t.Number = workorder.FormatNumber(prefix, day, first+int64(i))
			t.Version = len(orders[i].Events)
			numbers[t.ID] = t.Number
			if err := insertTicket(ctx, p, *t); err != nil {
				return fmt.Errorf("history %s: %w", t.Number, err)
			}
			if err := s.indexTicket(ctx, p, *t); err != nil {
				return fmt.Errorf("history %s: %w", t.Number, err)
			}
			if _, err := state.ExecContext(ctx, t.ID, string(t.ResumeStatus), nullString(t.MasterID), t.BindingUnitID,
				nullBool(t.Resolved), string(t.Satisfaction), t.KBArticle, t.ReturnCount, t.RedispatchCount, t.RehandleCount,
				t.ExtensionAsked, nullMillis(t.ExtensionDueAt), t.Supervised, t.UpdatedAt.UnixMilli(), nullMillis(t.ClosedAt),
				t.Version); err != nil {
				return fmt.Errorf("history %s: state: %w", t.Number, err)
			}
			for _, u := range t.CoUnitIDs {
				if _, err := coUnit.ExecContext(ctx, t.ID, u); err != nil {
					return fmt.Errorf("history %s: co-handling unit %s: %w", t.Number, u, err)
				}
			}
			for j := range orders[i].Events {
				ev := &orders[i].Events[j]
				ev.TicketID = t.ID
				if master, ok := ev.Data["master_id"].(string); ok && ev.Action == workorder.ActMerge && numbers[master] != "" {
					ev.Data["master_number"] = numbers[master] // as the service records a merge
				}
				if err := insertEvent(ctx, p, ev, j+1); err != nil {
					return fmt.Errorf("history %s: %w", t.Number, err)
				}
			}
			events += len(orders[i].Events)
		}
		if err := s.rollupHistory(ctx, p, orders); err != nil {
			return fmt.Errorf("history %s: %w", day, err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "history.import", ObjectType: "ticket_day", ObjectID: day,
			Detail: map[string]any{"orders": len(orders), "events": events, "first": orders[0].Ticket.Number,
				"last": orders[len(orders)-1].Ticket.Number}})
	})
	if err != nil {
		for i := range orders {
			orders[i].Ticket.Number = "" // nothing of the day was written
		}
	}
	return err
}
