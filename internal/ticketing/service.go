// Package ticketing runs the work-order lifecycle for the edges (API, pages, Open311, the simulator):
// it checks who may see an order, resolves what a request refers to (line, category, place, units,
// master), lets the workorder state machine decide, and hands the result to the store in one
// transaction together with the notifications that follow from it.
package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	catalog "github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/police110"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/snapshot"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// ErrNotFound is returned for an order that does not exist or that the actor may not see: the two
// are indistinguishable on purpose.
var ErrNotFound = store.ErrNotFound

// Config is what a deployment sets.
type Config struct {
	// NumberPrefix starts every order number, e.g. "WH" for 乌海.
	NumberPrefix string
	// PortalLimit is how many orders one address may submit through the public portal in an hour;
	// 0 means DefaultPortalLimit.
	PortalLimit int
	// OfficeHours are the working hours time limits count in; nil means calendar.DefaultHours.
	OfficeHours calendar.Hours
}

// Service is the work-order application service. It is safe for concurrent use.
type Service struct {
	st  *store.Store
	loc *locate.Service
	cfg Config
	now func() time.Time
	// limits and catalogue are this node's copies of the time-limit rules and the category tree.
	limits    *snapshot.Of[sla.Rules]
	catalogue *snapshot.Of[*catalog.Tree]
	triage    *triageParts            // this node's copies of what triage reads (see triage.go)
	knowledge *snapshot.Of[*kb.Index] // the published articles, for suggestions (see knowledge.go)
}

// New makes a Service.
func New(st *store.Store, loc *locate.Service, cfg Config) *Service {
	if cfg.NumberPrefix == "" {
		cfg.NumberPrefix = "WH"
	}
	s := &Service{st: st, loc: loc, cfg: cfg, now: time.Now, knowledge: newKnowledge(st)}
	s.triage = newTriageParts(st)
	s.limits = snapshot.New("time-limit rules", timeLimitsReload, s.loadTimeLimits)
	s.catalogue = snapshot.New("category catalogue", catalogueReload, func(ctx context.Context) (*catalog.Tree, error) {
		all, err := st.Categories(ctx, store.CategoryFilter{})
		return catalog.NewTree(all), err
	})
	return s
}

// SetClock replaces the clock (tests, and the demo's history, which writes the past).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Idempotency identifies a request that may be retried: Key from the Idempotency-Key header and a
// hash of the request body.
type Idempotency struct {
	Key, RequestHash string
}

// Create takes in a new order. A retried request with the same idempotency key returns the order the
// first attempt made, with created=false.
func (s *Service) Create(ctx context.Context, a access.Actor, in workorder.Intake, idem Idempotency) (workorder.Ticket, bool, error) {
	if !canCreate(a) {
		return workorder.Ticket{}, false, fmt.Errorf("%w: %s may not take in orders", access.ErrForbidden, a.Username)
	}
	in, err := in.Validate()
	if err != nil {
		return workorder.Ticket{}, false, err
	}
	if err := s.checkReferences(ctx, in); err != nil {
		return workorder.Ticket{}, false, err
	}
	now := s.now().UTC()
	t := workorder.Ticket{Channel: in.Channel, LineCode: in.LineCode, Type: in.Type, Category: in.Category,
		Title: in.Title, Description: in.Description, Caller: in.Caller, Urgency: in.Urgency,
		Location: workorder.Location{Address: in.Address, Lng: in.Lng, Lat: in.Lat},
		Status:   workorder.StatusNew, CreatedBy: a.Username, CreatedAt: now, UpdatedAt: now}
	if in.Lng != 0 || in.Lat != 0 {
		chain, err := s.loc.Locate(ctx, in.Lng, in.Lat)
		if errors.Is(err, locate.ErrOutside) {
			return t, false, &workorder.FieldError{Field: "lat", Reason: "the point lies outside the city"}
		}
		if err != nil {
			return t, false, err
		}
		t.Location.PlaceCode = chain[0].Code
	}
	ev := workorder.Event{At: now, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: a.Username,
		ActorUnitID: a.UnitID, Attachments: in.Attachments, Data: map[string]any{"channel": in.Channel}}
	return s.st.CreateTicket(ctx, who(a), store.NewTicket{Ticket: t, Event: ev, NumberPrefix: s.cfg.NumberPrefix,
		IdempotencyKey: idem.Key, RequestHash: idem.RequestHash, UserID: a.UserID,
		Outbox: func(numbered workorder.Ticket) []outbox.Record {
			return append(citizenNotice(numbered, "created", "您的诉求已受理，工单号 %s，查询码 %s。可凭此在 12345 网站查询办理进度。"),
				triageRecord(numbered))
		}})
}

// canCreate lists who may take in orders: the centre, grid workers reporting from the field, machine
// clients (Open311, 110, sensors) and the public portal's own client.
func canCreate(a access.Actor) bool {
	return slices.ContainsFunc([]access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor,
		access.RoleGridWorker, access.RoleMachine}, a.Has)
}

// checkReferences checks that the line and the category exist and are in use.
func (s *Service) checkReferences(ctx context.Context, in workorder.Intake) error {
	if in.LineCode != workorder.MainLine {
		if _, err := s.st.HotlineLine(ctx, in.LineCode); errors.Is(err, store.ErrNotFound) {
			return &workorder.FieldError{Field: "line", Reason: fmt.Sprintf("unknown hotline %q", in.LineCode)}
		} else if err != nil {
			return err
		}
	}
	tree, err := s.catalogue.Get(ctx)
	if err != nil {
		return err
	}
	switch known, inUse := tree.InUse(in.Category); {
	case !known:
		return &workorder.FieldError{Field: "category", Reason: fmt.Sprintf("unknown category %q", in.Category)}
	case !inUse:
		// A category is usable only while it and every category above it are active.
		return &workorder.FieldError{Field: "category", Reason: fmt.Sprintf("category %q is no longer in use", in.Category)}
	}
	return nil
}

// Get returns one order the actor may see, by id or number.
func (s *Service) Get(ctx context.Context, a access.Actor, idOrNumber string) (workorder.Ticket, error) {
	t, err := s.st.Ticket(ctx, idOrNumber)
	if err != nil {
		return t, err
	}
	if !Visible(a, t) {
		return workorder.Ticket{}, fmt.Errorf("ticket %s: %w", idOrNumber, ErrNotFound)
	}
	return t, nil
}

// Timeline returns the steps of an order the actor may see.
func (s *Service) Timeline(ctx context.Context, a access.Actor, idOrNumber string) (workorder.Ticket, []workorder.Event, error) {
	t, err := s.Get(ctx, a, idOrNumber)
	if err != nil {
		return t, nil, err
	}
	evs, err := s.st.Timeline(ctx, t.ID)
	return t, evs, err
}

// List returns a page of the orders the actor may see that match the filter. A Category filter takes
// in the category and every category under it, read from the catalogue.
func (s *Service) List(ctx context.Context, a access.Actor, f store.TicketFilter) (store.TicketPage, error) {
	f.Scope = ScopeOf(a)
	if f.Category != "" {
		codes, err := s.subtree(ctx, f.Category)
		if err != nil {
			return store.TicketPage{}, err
		}
		f.Categories = codes
	}
	return s.st.Tickets(ctx, f)
}

func (s *Service) subtree(ctx context.Context, code string) ([]string, error) {
	tree, err := s.catalogue.Get(ctx)
	if err != nil {
		return nil, err
	}
	return tree.Subtree(code), nil
}

// CallerHistory returns a caller's earlier orders for the agent on the phone with them (来电弹屏).
func (s *Service) CallerHistory(ctx context.Context, a access.Actor, phone string) ([]workorder.Ticket, error) {
	if err := access.Allow(a, access.ActionViewPersonalData, access.Target{}); err != nil {
		return nil, err
	}
	if err := access.ValidatePhone(phone); err != nil {
		return nil, &workorder.FieldError{Field: "phone", Reason: "want an 11-digit mobile number or a landline with its area code"}
	}
	return s.st.CallerHistory(ctx, phone, 20)
}

// Act performs one action on an order.
func (s *Service) Act(ctx context.Context, a access.Actor, idOrNumber string, c workorder.Command) (workorder.Ticket, error) {
	t, err := s.Get(ctx, a, idOrNumber)
	if err != nil {
		return t, err
	}
	if c.Version != 0 && c.Version != t.Version {
		return t, fmt.Errorf("ticket %s: %w: it was changed by someone else since you loaded it (version %d, now %d); reload and try again",
			t.Number, store.ErrConflict, c.Version, t.Version)
	}
	if len(c.Attachments) > workorder.MaxAttachments {
		return t, &workorder.FieldError{Field: "attachments", Reason: fmt.Sprintf("at most %d files", workorder.MaxAttachments)}
	}
	now := s.now().UTC()
	next, ev, err := workorder.Decide(a, t, c, now)
	if err != nil {
		return t, err
	}
	change := store.TicketChange{Before: t, After: next, Event: ev, UserID: a.UserID}
	if err := s.resolveAction(ctx, &change, c); err != nil {
		return t, err
	}
	if err := s.applyTimeLimits(ctx, &change, now); err != nil {
		return t, err
	}
	return s.st.ApplyTicketChange(ctx, who(a), change)
}

// applyTimeLimits sets the order's due times as the clock rules say (sla.Rules.Apply) and hands the
// store its clock and timers, to be written with the action. A step that changes the clock records
// it on its timeline event under "deadlines": how the due times were computed.
func (s *Service) applyTimeLimits(ctx context.Context, ch *store.TicketChange, now time.Time) error {
	rules, err := s.TimeLimits(ctx)
	if err != nil {
		return err
	}
	var clock *sla.Clock
	switch c, err := s.st.TicketClock(ctx, ch.Before.ID); {
	case err == nil:
		clock = &c
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	out := rules.Apply(sla.Step{Action: ch.Event.Action, Before: ch.Before, After: ch.After, Clock: clock, At: now})
	ch.After = out.Ticket
	if out.Clock == nil {
		return nil
	}
	ch.Clock = &store.ClockChange{Clock: *out.Clock, Write: out.Changed, Timers: out.Timers, At: now}
	if out.Changed {
		ch.Event.Data["deadlines"] = *out.Clock
		if out.Clock.Problem != "" {
			slog.Warn("due times incomplete", "ticket", ch.After.Number, "problem", out.Clock.Problem)
		}
	}
	return nil
}

// Deadlines is how the order's due times were computed; ok is false for an order never dispatched,
// which has none. The caller has already checked that the actor may see the order.
func (s *Service) Deadlines(ctx context.Context, t workorder.Ticket) (c sla.Clock, ok bool, err error) {
	c, err = s.st.TicketClock(ctx, t.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

// timeLimitsReload is how long the time-limit rules are used before they are read again: the
// database holds them, this node only a copy, so an edit made on another node applies here within
// this time (and at once on the node that made it, see RefreshTimeLimits).
const timeLimitsReload = 30 * time.Second

// catalogueReload is how long intake checks categories against this node's copy of the catalogue
// before reading it again. Retiring a category elsewhere reaches this node within this time; an
// order filed meanwhile still names a category that exists.
const catalogueReload = 5 * time.Second

// TimeLimits returns the rules deadlines are computed by: the policy set in force, the working
// calendar with the deployment's own years, and the category catalogue. The first call on a new
// database stores the default policies (sla.Defaults).
func (s *Service) TimeLimits(ctx context.Context) (sla.Rules, error) { return s.limits.Get(ctx) }

// RefreshTimeLimits makes the next TimeLimits read the rules again, after this node changed them.
func (s *Service) RefreshTimeLimits() { s.limits.Expire() }

// RefreshCatalogue makes the next intake read the category catalogue again, after this node changed
// it. The time-limit rules hold the catalogue too.
func (s *Service) RefreshCatalogue() {
	s.catalogue.Expire()
	s.limits.Expire()
}

func (s *Service) loadTimeLimits(ctx context.Context) (sla.Rules, error) {
	set, err := s.st.SLAPolicies(ctx)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.st.SeedSLAPolicies(ctx, audit.System, sla.Defaults()); err != nil {
			return sla.Rules{}, fmt.Errorf("seed the default time-limit policies: %w", err)
		}
		set, err = s.st.SLAPolicies(ctx)
	}
	if err != nil {
		return sla.Rules{}, err
	}
	years, err := s.st.CalendarArrangements(ctx)
	if err != nil {
		return sla.Rules{}, err
	}
	cal, err := calendar.New(calendar.Config{Hours: s.cfg.OfficeHours, Extra: years})
	if err != nil {
		return sla.Rules{}, fmt.Errorf("working calendar: %w", err)
	}
	cats, err := s.st.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return sla.Rules{}, err
	}
	return sla.NewRules(set, cal, cats), nil
}

// resolveAction checks what the action refers to and adds the consequences that follow from it.
func (s *Service) resolveAction(ctx context.Context, ch *store.TicketChange, c workorder.Command) error {
	t := ch.After
	switch c.Action {
	case workorder.ActAnswer:
		if c.KBArticle != "" {
			if err := s.checkArticle(ctx, ch, c.KBArticle); err != nil {
				return err
			}
		}
	case workorder.ActDispatch, workorder.ActRedispatch:
		if err := s.checkUnit(ctx, "lead_unit_id", t.LeadUnitID); err != nil {
			return err
		}
		for _, id := range t.CoUnitIDs {
			if err := s.checkUnit(ctx, "co_unit_ids", id); err != nil {
				return err
			}
		}
	case workorder.ActMerge:
		master, err := s.st.Ticket(ctx, c.MasterID)
		if errors.Is(err, store.ErrNotFound) {
			return &workorder.FieldError{Field: "master_id", Reason: "no such order"}
		}
		if err != nil {
			return err
		}
		if !master.Open() || master.MasterID != "" {
			return &workorder.FieldError{Field: "master_id", Reason: fmt.Sprintf("order %s is %s and cannot take duplicates", master.Number, master.Status)}
		}
		ch.After.MasterID = master.ID // the command may name the master by number
		ch.Event.Data["master_id"], ch.Event.Data["master_number"] = master.ID, master.Number
	}
	var err error
	ch.Outbox, err = s.consequences(ctx, ch)
	return err
}

func (s *Service) checkUnit(ctx context.Context, field, id string) error {
	u, err := s.st.Unit(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &workorder.FieldError{Field: field, Reason: fmt.Sprintf("unknown unit %q", id)}
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return &workorder.FieldError{Field: field, Reason: fmt.Sprintf("unit %s is disabled", u.Name)}
	}
	return nil
}

// consequences are the notifications an applied action sends: units hear of work sent to them,
// callers hear of the outcome — every caller of a merged duplicate too — and a transfer to 110
// leaves for the 110 command centre.
func (s *Service) consequences(ctx context.Context, ch *store.TicketChange) ([]outbox.Record, error) {
	t, ev := ch.After, ch.Event
	var out []outbox.Record
	switch {
	case ev.To == workorder.StatusDispatched && ev.From != workorder.StatusDispatched || ev.Action == workorder.ActRedispatch:
		units := append([]string{t.LeadUnitID}, t.CoUnitIDs...)
		for _, id := range units {
			u, err := s.st.Unit(ctx, id)
			if err != nil {
				return nil, err
			}
			msg := notify.Message{Channel: "sms", To: u.ContactPhone, Ref: t.Number,
				Body: fmt.Sprintf("【12345】新工单 %s：%s。请及时签收办理。", t.Number, t.Title)}
			if msg.Validate() == nil { // a unit without a mobile number is told on its inbox only
				out = append(out, notify.Record(msg, fmt.Sprintf("unit/%s/%s/%d", t.ID, u.ID, t.Version)))
			}
		}
	case ev.Action == workorder.ActTransfer110:
		out = append(out, police110.Record(t, ev.Comment, ev.At))
	case ev.To == workorder.StatusClosed:
		out = append(out, citizenNotice(t, "closed", "您的诉求（工单号 %s）已办结。查询码 %s，欢迎评价。")...)
		children, err := s.st.MergedInto(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, child := range children {
			out = append(out, citizenNotice(child, "closed", "您反映的诉求（工单号 %s）已并入同类工单办结。查询码 %s。")...)
		}
	}
	return out, nil
}

// citizenNotice tells the caller about their order by SMS, unless they left no number.
func citizenNotice(t workorder.Ticket, what, format string) []outbox.Record {
	msg := notify.Message{Channel: "sms", To: t.Caller.Phone, Ref: t.Number, Body: "【12345】" + fmt.Sprintf(format, t.Number, t.QueryCode)}
	if t.Caller.Anonymous || msg.Validate() != nil { // no number, or a landline that cannot take an SMS
		return nil
	}
	return []outbox.Record{notify.Record(msg, "citizen/"+what+"/"+t.ID)}
}

func who(a access.Actor) audit.Who { return audit.Who{Actor: a.Username, RemoteAddr: a.RemoteAddr} }
