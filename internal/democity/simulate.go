package democity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// SimOptions tunes the simulator.
type SimOptions struct {
	// Rate is new orders per hour; 0 means the reference city's pace (ReferencePace a day).
	Rate float64
	// MovesPerOrder is how many steps on open orders follow each new order; 0 means 7, about as many
	// as an order needs in its life, so that the open orders neither pile up nor run out.
	MovesPerOrder int
	Seed          uint64
	// Now is the clock of the service the simulator acts through; time.Now when nil.
	Now func() time.Time
}

// Simulator keeps a demo city moving: it takes in new orders and moves open ones along, through the
// same ticketing service as the screens and as the demo users themselves, so that every step is
// checked, numbered, audited and notified like a person's.
type Simulator struct {
	st    *store.Store
	svc   *ticketing.Service
	w     world
	rng   *rand.Rand
	rate  float64
	moves int
	now   func() time.Time
}

// NewSimulator prepares a simulator for a seeded demo city.
func NewSimulator(ctx context.Context, st *store.Store, svc *ticketing.Service, opts SimOptions) (*Simulator, error) {
	if opts.Rate < 0 || opts.MovesPerOrder < 0 {
		return nil, fmt.Errorf("simulator: rate and moves per order must not be negative")
	}
	w, err := loadWorld(ctx, st, opts.Seed)
	if err != nil {
		return nil, err
	}
	s := &Simulator{st: st, svc: svc, w: w, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5151)),
		rate: opts.Rate, moves: opts.MovesPerOrder, now: opts.Now}
	if s.rate == 0 {
		s.rate = ReferencePace / 24.0
	}
	if s.moves == 0 {
		s.moves = 7
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Run steps at the configured pace, with the random gaps of real calls, until ctx ends. A failed
// step is logged and the simulation goes on.
func (s *Simulator) Run(ctx context.Context) error {
	for {
		wait := time.Duration(s.rng.ExpFloat64() * float64(time.Hour) / s.rate)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if _, err := s.Step(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			slog.Warn("simulator step failed", "err", err)
		}
	}
}

// StepResult says what one step did.
type StepResult struct {
	Created string // the new order's number
	Moved   int    // actions taken on open orders
}

// Step takes in one new order and then tries to move MovesPerOrder open orders one step each. An
// order someone else changed meanwhile is skipped; only failures of the store are errors.
func (s *Simulator) Step(ctx context.Context) (StepResult, error) {
	var res StepResult
	m := s.w.texts.Matter(s.now())
	t, _, err := s.svc.Create(ctx, s.w.cast.creator(s.rng, m.Intake.Channel, m.PlaceCode), m.Intake, ticketing.Idempotency{})
	if err != nil {
		return res, fmt.Errorf("simulator: take in %q: %w", m.Intake.Title, err)
	}
	res.Created = t.Number
	for range s.moves {
		moved, err := s.move(ctx)
		if err != nil {
			return res, err
		}
		if moved {
			res.Moved++
		}
	}
	return res, nil
}

// moveWeights say how often each open status is looked at: the centre's queues and the units'
// inboxes all get their share.
var moveWeights = []weighted[workorder.Status]{
	{workorder.StatusNew, 4}, {workorder.StatusDispatched, 3}, {workorder.StatusAccepted, 3},
	{workorder.StatusReturned, 1}, {workorder.StatusReplied, 2}, {workorder.StatusVisiting, 2},
	{workorder.StatusSuspended, 0.5},
}

// move picks open orders of one status, from a random moment of the last fortnight backwards, and
// moves the first that someone can move.
func (s *Simulator) move(ctx context.Context) (bool, error) {
	st := pick(s.rng, moveWeights, func(w weighted[workorder.Status]) float64 { return w.weight }).item
	before := s.now().Add(-time.Duration(s.rng.Int64N(int64(14 * 24 * time.Hour))))
	if s.rng.IntN(2) == 0 {
		before = s.now().Add(time.Minute) // half the time the newest, so that fresh orders move too
	}
	page, err := s.svc.List(ctx, s.w.cast.dispatchers[0], store.TicketFilter{Statuses: []workorder.Status{st}, To: before, Limit: 50})
	if err != nil {
		return false, err
	}
	items := page.Items
	s.rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	for _, t := range items[:min(5, len(items))] {
		moved, err := s.advance(ctx, t)
		if moved || err != nil {
			return moved, err
		}
	}
	return false, nil
}

// choice is one action someone may take on an order now.
type choice struct {
	actor  access.Actor
	action workorder.Action
	weight float64
}

// idleWeight is the chance, against the actions' weights, that nobody acts on a looked-at order just
// now: rare actions stay rare even on orders where they are all that is possible.
const idleWeight = 8

// advance takes one legal step on the order, if the dice say someone acts.
func (s *Simulator) advance(ctx context.Context, t workorder.Ticket) (bool, error) {
	t, err := s.svc.Get(ctx, s.w.cast.dispatchers[0], t.ID) // a listing leaves out the co-handling units
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	options := s.options(t)
	if len(options) == 0 {
		return false, nil
	}
	options = append(options, choice{weight: idleWeight})
	c := pick(s.rng, options, func(c choice) float64 { return c.weight })
	if c.action == "" {
		return false, nil
	}
	cmd, ok, err := s.command(ctx, t, c)
	if !ok || err != nil {
		return false, err
	}
	cmd.Version = t.Version
	_, err = s.svc.Act(ctx, c.actor, t.ID, cmd)
	var field *workorder.FieldError
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrConflict), errors.Is(err, workorder.ErrIllegal), errors.Is(err, access.ErrForbidden),
		errors.Is(err, store.ErrNotFound):
		return false, nil // someone acted first: the order is no longer where it was
	case errors.As(err, &field):
		slog.Debug("simulator: action refused", "number", t.Number, "action", c.action, "err", err)
		return false, nil
	}
	return false, fmt.Errorf("simulator: %s on %s: %w", c.action, t.Number, err)
}

// desks say who at the centre takes each of its actions: agents answer, review and visit, the
// dispatcher routes and times, the supervisor supervises and rules on send-backs.
var desks = map[workorder.Action]access.Role{
	workorder.ActAnswer: access.RoleAgent, workorder.ActApprove: access.RoleAgent, workorder.ActReject: access.RoleAgent,
	workorder.ActVisit: access.RoleAgent, workorder.ActCancel: access.RoleAgent, workorder.ActMerge: access.RoleAgent,
	workorder.ActTransfer110: access.RoleAgent, workorder.ActDispatch: access.RoleDispatcher,
	workorder.ActRedispatch: access.RoleDispatcher, workorder.ActSuspend: access.RoleDispatcher,
	workorder.ActResume: access.RoleDispatcher, workorder.ActExtendDecide: access.RoleDispatcher,
	workorder.ActSupervise: access.RoleSupervisor, workorder.ActReviewReturn: access.RoleSupervisor,
}

// options lists who may take which action on the order now: the centre's people at their desks,
// and the demo users of the order's units. Units without a demo account do not act in the simulation.
func (s *Simulator) options(t workorder.Ticket) []choice {
	c := s.w.cast
	people := map[access.Role][]access.Actor{access.RoleAgent: c.agents, access.RoleDispatcher: c.dispatchers,
		access.RoleSupervisor: c.supervisors}
	var out []choice
	add := func(a access.Actor, act workorder.Action) {
		if w := actionWeight(t, act, workorder.PartOf(a, t)); w > 0 {
			out = append(out, choice{actor: a, action: act, weight: w})
		}
	}
	for _, act := range workorder.Actions {
		if role, ok := desks[act]; ok {
			if a := one(s.rng, people[role]); slices.Contains(workorder.Available(a, t), act) {
				add(a, act)
			}
		}
	}
	staff := slices.Clone(c.unitStaff[t.LeadUnitID])
	for _, id := range t.CoUnitIDs {
		staff = append(staff, c.unitStaff[id]...)
	}
	seen := map[string]bool{}
	for _, a := range staff {
		for _, act := range workorder.Available(a, t) {
			key := fmt.Sprint(act, workorder.PartOf(a, t)) // the lead's reply and a co-handler's are different steps
			if !seen[key] {
				seen[key] = true
				add(a, act)
			}
		}
	}
	return out
}

// actionWeight says how likely an action is, against the others possible on the order: the main road
// of the lifecycle is taken far more often than its detours.
func actionWeight(t workorder.Ticket, act workorder.Action, part workorder.Who) float64 {
	switch act {
	case workorder.ActAnswer:
		if t.Type == workorder.TypeEnquiry || t.Type == workorder.TypePraise {
			return 8
		}
		return 0.3
	case workorder.ActTransfer110:
		if len(t.Category) >= 4 && t.Category[:4] == "1201" {
			return 4
		}
		return 0
	case workorder.ActRedispatch:
		if t.Status == workorder.StatusReturned {
			return 8
		}
		return 0.2
	case workorder.ActReply:
		if part == workorder.CoUnit {
			return 2
		}
		return 10
	case workorder.ActDispatch, workorder.ActAccept, workorder.ActApprove, workorder.ActVisit, workorder.ActExtendDecide:
		return 10
	case workorder.ActResume:
		return 6
	case workorder.ActReviewReturn:
		return 2
	case workorder.ActReturn:
		return 0.8
	case workorder.ActReject:
		return 0.6
	case workorder.ActSupervise:
		if t.Supervised {
			return 0
		}
		return 0.5
	case workorder.ActMerge:
		return 0.2
	case workorder.ActExtendAsk:
		return 0.4
	case workorder.ActCancel:
		return 0.15
	case workorder.ActSuspend:
		return 0.15
	}
	return 0 // reopen: closed orders are not looked at
}

// command fills in what the action needs. ok is false when the action turns out to have nothing to
// work with (a merge without a master).
func (s *Simulator) command(ctx context.Context, t workorder.Ticket, c choice) (workorder.Command, bool, error) {
	x := s.w.texts
	now := s.now()
	place := t.Location.PlaceCode
	cmd := workorder.Command{Action: c.action}
	switch c.action {
	case workorder.ActAnswer:
		cmd.Comment = x.answer(t.Type)
		// The agent names the knowledge-base article the console suggests, when one fits.
		found, err := s.svc.SuggestArticles(ctx, t.Title+"\n"+t.Description, t.Category, 1)
		if err != nil {
			return cmd, false, err
		}
		if len(found) > 0 {
			cmd.KBArticle = found[0].Article.ID
		}
	case workorder.ActDispatch:
		lead, alt := s.w.route.units(t.Category, place)
		cmd.LeadUnitID = lead
		if alt != "" && s.rng.Float64() < 0.1 {
			cmd.CoUnitIDs = []string{alt}
		}
	case workorder.ActRedispatch:
		cmd.LeadUnitID = s.w.route.other(t.Category, place, t.LeadUnitID)
		cmd.Comment = x.note(workorder.ActRedispatch)
	case workorder.ActTransfer110:
		cmd.Comment = x.note(workorder.ActTransfer110)
	case workorder.ActCancel:
		cmd.Comment = x.note(workorder.ActCancel)
	case workorder.ActMerge:
		master, err := s.master(ctx, t)
		if master == "" || err != nil {
			return cmd, false, err
		}
		cmd.MasterID, cmd.Comment = master, x.note(workorder.ActMerge)
	case workorder.ActReturn:
		cmd.Comment = x.note(workorder.ActReturn)
	case workorder.ActReviewReturn:
		cmd.Decision = workorder.DecisionUphold
		if s.rng.IntN(2) == 0 {
			cmd.Decision = workorder.DecisionOverrule
		}
		cmd.Comment = x.reviewNote(cmd.Decision)
	case workorder.ActReply:
		cmd.Comment = x.reply(t.Category)
		if c.actor.UnitID != t.LeadUnitID {
			cmd.Comment = x.coReply()
		}
	case workorder.ActReject:
		cmd.Comment = x.note(workorder.ActReject)
	case workorder.ActVisit:
		resolved, sat, note := x.visit(t.RehandleCount)
		cmd.Resolved, cmd.Satisfaction, cmd.Comment = &resolved, sat, note
	case workorder.ActSupervise:
		cmd.Comment, cmd.DueAt = x.note(workorder.ActSupervise), now.Add(48*time.Hour)
	case workorder.ActExtendAsk:
		cmd.Comment, cmd.DueAt = x.note(workorder.ActExtendAsk), later(now, t.DueCloseAt).Add(10*24*time.Hour)
	case workorder.ActExtendDecide:
		cmd.Decision = workorder.DecisionApprove
		if s.rng.Float64() < 0.15 {
			cmd.Decision = workorder.DecisionDeny
		}
	case workorder.ActSuspend:
		cmd.Comment = x.note(workorder.ActSuspend)
	}
	return cmd, true, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// master finds an earlier open order of the same matter on the same street for a duplicate to follow.
func (s *Simulator) master(ctx context.Context, t workorder.Ticket) (string, error) {
	if len(t.Location.PlaceCode) < 9 {
		return "", nil
	}
	page, err := s.svc.List(ctx, s.w.cast.dispatchers[0], store.TicketFilter{Category: t.Category, PlacePrefix: t.Location.PlaceCode[:9],
		Statuses: []workorder.Status{workorder.StatusNew, workorder.StatusDispatched, workorder.StatusAccepted}, To: t.CreatedAt, Limit: 20})
	if err != nil {
		return "", err
	}
	for _, m := range page.Items {
		if m.ID != t.ID && m.MasterID == "" {
			return m.ID, nil
		}
	}
	return "", nil
}
