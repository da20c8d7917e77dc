package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// Defaults for the Sweeper's zero fields.
const (
	DefaultSweepEvery = 5 * time.Second
	DefaultSweepBatch = 200
)

// Sweeper fires the time-limit alerts when they come due: the early warning (yellow) to the lead unit,
// and, when a limit has run out, the supervision notice (督办单, red) on the order's timeline and to
// the unit, escalated to the supervisors over the order's place and the unit's leads. The timers are
// rows in the database; each sweep claims the due ones and writes their alerts in the same
// transaction (store.FireTimers), so a timer fires once — across restarts, across nodes, and across
// jumps of the server's clock. Run one per node. Set the fields, then call Run.
type Sweeper struct {
	Store *store.Store
	// Worker names this sweeper in the timers it claims. Default: host-pid-random.
	Worker string
	Every  time.Duration // how often to look for due timers
	Batch  int           // timers claimed per transaction
	// Now tells the time; default time.Now.
	Now func() time.Time
	// Fired, when set, hears how many alerts a sweep wrote, so that the outbox can send them at once.
	Fired func(n int)
}

func (w *Sweeper) defaults() {
	if w.Worker == "" {
		host, err := os.Hostname()
		if err != nil {
			host = "unknown"
		}
		w.Worker = fmt.Sprintf("%s-%d-%08x", host, os.Getpid(), rand.Uint32())
	}
	if w.Every <= 0 {
		w.Every = DefaultSweepEvery
	}
	if w.Batch <= 0 {
		w.Batch = DefaultSweepBatch
	}
	if w.Now == nil {
		w.Now = time.Now
	}
}

// Run sweeps every Every until ctx ends. A failed sweep is logged and tried again at the next tick:
// its timers stay due, nothing is lost.
func (w *Sweeper) Run(ctx context.Context) error {
	if w.Store == nil {
		return errors.New("timer sweeper: Store is required")
	}
	w.defaults()
	tick := time.NewTicker(w.Every)
	defer tick.Stop()
	for {
		if _, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("timer sweep failed; trying again at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Sweep fires every alert due now, a batch at a time, and returns how many it wrote.
func (w *Sweeper) Sweep(ctx context.Context) (int, error) {
	w.defaults()
	now := w.Now().UTC()
	written := 0
	for {
		n := 0
		claimed, err := w.Store.FireTimers(ctx, w.Worker, now, w.Batch, func(d store.DueTimer) store.TimerAlert {
			a := alertFor(d, now)
			if a.Event.Action != "" {
				n++
			}
			return a
		})
		if err != nil {
			return written, err
		}
		written += n
		if n > 0 && w.Fired != nil {
			w.Fired(n)
		}
		if claimed < w.Batch {
			return written, nil
		}
	}
}

// applies tells whether a claimed timer still concerns the order as it stands. The timers are kept in
// step with every action, so this is a last check, not the rule: never an alert for closed, cancelled,
// merged or transferred work, none while suspended, none for sign-for once the unit has signed, and
// none for a due time that has since moved.
func applies(d store.DueTimer) bool {
	t := d.Ticket
	switch {
	case t.ID == "" || t.Status.Terminal() || t.Status == workorder.StatusSuspended:
		return false
	case d.Kind.SignFor():
		return t.Status == workorder.StatusDispatched && t.DueSignAt.Equal(d.DueAt)
	}
	return t.DueCloseAt.Equal(d.DueAt)
}

// alertFor is what a due timer writes: a timeline step and the text messages. A warning goes to the
// lead unit; an overdue notice goes to the unit and is escalated to the supervisors over the order's
// place and to the unit's leads. People and units without a mobile number are named on the timeline
// but get no text message.
func alertFor(d store.DueTimer, now time.Time) store.TimerAlert {
	if !applies(d) {
		return store.TimerAlert{}
	}
	t := d.Ticket
	limit := "办结"
	if d.Kind.SignFor() {
		limit = "签收"
	}
	due := d.DueAt.In(calendar.Shanghai).Format("2006-01-02 15:04")
	ev := workorder.Event{At: now, Action: sla.EventWarning, From: t.Status, To: t.Status, Actor: audit.System.Actor,
		Comment: fmt.Sprintf("%s时限预警：截止 %s，时限已用去大半，请抓紧办理。", limit, due),
		Data:    map[string]any{"timer": d.Kind, "level": "yellow", "due_at": d.DueAt, "lead_unit_id": t.LeadUnitID}}
	unitBody := fmt.Sprintf("【12345】工单 %s「%s」将于 %s 到%s时限，请抓紧办理。", t.Number, t.Title, due, limit)
	if d.Kind.Overdue() {
		ev.Action = sla.EventOverdue
		ev.Comment = fmt.Sprintf("督办单：工单已超过%s时限（截止 %s），请承办单位立即办理并反馈。", limit, due)
		ev.Data["level"], ev.Data["notice"] = "red", "督办单"
		unitBody = fmt.Sprintf("【12345督办】工单 %s「%s」已超过%s时限（截止 %s），请立即办理并反馈。", t.Number, t.Title, limit, due)
	}
	var recs []outbox.Record
	var told []string
	send := func(to, recipient, name, body string) {
		msg := notify.Message{Channel: notify.ChannelSMS, To: to, Ref: t.Number, Body: body}
		if msg.Validate() != nil { // no mobile number: the timeline shows the notice all the same
			return
		}
		recs = append(recs, notify.Record(msg, fmt.Sprintf("sla/%s/%s/%d/%s", t.ID, d.Kind, d.FireAt.UnixMilli(), recipient)))
		told = append(told, name)
	}
	unitName := "承办单位"
	if d.Unit != nil {
		unitName = d.Unit.Name
		send(d.Unit.ContactPhone, "unit-"+d.Unit.ID, d.Unit.Name, unitBody)
	}
	if d.Kind.Overdue() {
		var escalated []string
		for _, p := range d.People {
			if !escalatesTo(p, t) {
				continue
			}
			escalated = append(escalated, p.Username)
			send(p.Phone, p.ID, p.Username, fmt.Sprintf("【12345督办】%s的工单 %s「%s」已超过%s时限（截止 %s），已发督办单，请督促办理。",
				unitName, t.Number, t.Title, limit, due))
		}
		ev.Data["escalated_to"] = escalated
	}
	ev.Data["texted"] = told
	return store.TimerAlert{Event: ev, Outbox: recs}
}

// escalatesTo tells whether an overdue order is escalated to p: a supervisor whose place holds the
// order's (every supervisor, for an order with no place), or a lead of the order's lead unit.
func escalatesTo(p access.User, t workorder.Ticket) bool {
	scope := p.PlaceCode
	if len(scope) == 6 && strings.HasSuffix(scope, "00") { // a city code: its districts share only four digits
		scope = org.ScopePrefix(scope, org.LevelCity)
	}
	for _, r := range p.Roles {
		switch {
		case r == access.RoleUnitLead && p.UnitID != "" && p.UnitID == t.LeadUnitID:
			return true
		case r == access.RoleSupervisor && (t.Location.PlaceCode == "" || (scope != "" && strings.HasPrefix(t.Location.PlaceCode, scope))):
			return true
		}
	}
	return false
}
