package democity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

// ReferencePace is the reference city's intake: about 1,650 orders a day.
const ReferencePace = 1650

// HistoryOptions says how much history to write.
type HistoryOptions struct {
	// Days of history, the last of them today up to End; 0 writes nothing.
	Days int
	// PerDay is the average number of orders a day (weekdays more, weekends fewer); 0 means ReferencePace.
	PerDay int
	// End is the present: nothing happens after it, so the latest orders are still open. Zero means now.
	End  time.Time
	Seed uint64
	// NumberPrefix starts every order number; "WH" when empty, as ticketing's default.
	NumberPrefix string
	// Progress, when set, hears of every day written.
	Progress func(day string, orders int)
}

// HistoryStats sums up what FillHistory wrote.
type HistoryStats struct {
	Days, Orders, Events int
}

// FillHistory gives a seeded demo city its past: opts.Days days of orders, oldest day first, each day
// written in one transaction (so the database stays free for users between days). Every order has a
// coherent timeline — intake, dispatch to a plausible unit, signing, reply, review, return visit, and
// the detours real orders take — decided step by step by the work-order state machine itself.
func FillHistory(ctx context.Context, st *store.Store, opts HistoryOptions) (HistoryStats, error) {
	var stats HistoryStats
	if opts.Days <= 0 {
		return stats, nil
	}
	if opts.PerDay <= 0 {
		opts.PerDay = ReferencePace
	}
	if opts.End.IsZero() {
		opts.End = time.Now()
	}
	if opts.NumberPrefix == "" {
		opts.NumberPrefix = "WH"
	}
	h, err := newHistorian(ctx, st, opts.Seed, opts.End)
	if err != nil {
		return stats, err
	}
	h.perDay = opts.PerDay
	// The next day is made up while the last one is written: the two take turns on the CPU otherwise.
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	days := make(chan historyDay, 1)
	go h.days(genCtx, opts.Days, days)
	for d := range days {
		if d.err != nil {
			return stats, d.err
		}
		if err := st.ImportHistory(ctx, audit.System, opts.NumberPrefix, d.day, d.orders); err != nil {
			return stats, err
		}
		stats.Days++
		stats.Orders += len(d.orders)
		for _, o := range d.orders {
			stats.Events += len(o.Events)
		}
		if opts.Progress != nil {
			opts.Progress(d.day, len(d.orders))
		}
	}
	return stats, ctx.Err()
}

// historyDay is one day of made-up orders, or the error that stopped making them.
type historyDay struct {
	day    string
	orders []store.HistoryTicket
	err    error
}

// days makes up the last n days up to the end, oldest first, until ctx ends.
func (h *historian) days(ctx context.Context, n int, out chan<- historyDay) {
	defer close(out)
	end := h.end.In(workorder.Shanghai)
	today := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, workorder.Shanghai)
	for d := n - 1; d >= 0; d-- {
		date := today.AddDate(0, 0, -d)
		orders, err := h.day(date)
		select {
		case out <- historyDay{day: workorder.NumberDay(date), orders: orders, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// historian makes up the orders of past days.
type historian struct {
	rng    *rand.Rand
	texts  *Texts
	route  router
	cast   cast
	staff  map[string][]access.Actor // unit id → who acts for it (see newHistorian)
	end    time.Time
	perDay int
	// articles are the published articles by category, for the answers given on the phone.
	articles map[string][]string
}

func newHistorian(ctx context.Context, st *store.Store, seed uint64, end time.Time) (*historian, error) {
	w, err := loadWorld(ctx, st, seed)
	if err != nil {
		return nil, err
	}
	h := &historian{rng: rand.New(rand.NewPCG(seed, seed^0x110)), texts: w.texts, route: w.route, cast: w.cast,
		staff: map[string][]access.Actor{}, end: end, articles: w.articles}
	// Units without a demo account still handled their past orders: their steps are signed with the
	// unit's code, as a unit's own system would sign them.
	for _, u := range w.units {
		if staff := w.cast.unitStaff[u.ID]; len(staff) > 0 {
			h.staff[u.ID] = staff
		} else {
			h.staff[u.ID] = []access.Actor{{Username: u.Code, UnitID: u.ID, Roles: []access.Role{access.RoleHandler}}}
		}
	}
	return h, nil
}

// weekdayLoad is each weekday's share of the average day: Mondays are busiest, weekends quiet.
var weekdayLoad = map[time.Weekday]float64{time.Monday: 1.12, time.Tuesday: 1.06, time.Wednesday: 1.03,
	time.Thursday: 1.02, time.Friday: 1.0, time.Saturday: 0.9, time.Sunday: 0.87}

// hourLoad is how calls spread over the day (Shanghai hours): a morning and an afternoon peak.
var hourLoad = []float64{2, 1, 1, 1, 1, 2, 4, 10, 16, 18, 17, 14, 10, 12, 16, 17, 15, 12, 9, 8, 7, 6, 4, 3}

// day makes up the orders taken in on the day starting at midnight (Shanghai), up to the end.
func (h *historian) day(midnight time.Time) ([]store.HistoryTicket, error) {
	n := int(float64(h.perDay) * weekdayLoad[midnight.Weekday()] * (1 + 0.05*h.rng.NormFloat64()))
	times := make([]time.Time, 0, n)
	hours := make([]int, len(hourLoad))
	for i := range hours {
		hours[i] = i
	}
	for range n {
		hour := pick(h.rng, hours, func(i int) float64 { return hourLoad[i] })
		at := midnight.Add(time.Duration(hour)*time.Hour + time.Duration(h.rng.Int64N(int64(time.Hour))))
		if at.Before(h.end) {
			times = append(times, at.Truncate(time.Second).UTC())
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	lives := make([]*life, 0, len(times))
	out := make([]store.HistoryTicket, 0, len(times))
	for _, at := range times {
		l, err := h.order(at, lives)
		if err != nil {
			return nil, err
		}
		lives = append(lives, l)
		out = append(out, store.HistoryTicket{Ticket: l.t, Events: l.evs})
	}
	return out, nil
}

// life is one order being lived through: its state, its timeline so far, and the plan of its handling.
type life struct {
	h       *historian
	t       workorder.Ticket
	evs     []workorder.Event
	stopped bool // the present was reached
	err     error

	replyAt                     time.Time // when the unit will reply; zero until planned
	rounds                      int       // rounds of handling so far: a re-handling is quicker
	planAsk, planPause, planSup bool      // detours planned for this round of handling
	coReplied, reopened         bool
	formerLead                  string // the unit that sent the order back
}

// act applies a command at the given time through the state machine; after the present it stops.
func (l *life) act(a access.Actor, c workorder.Command, at time.Time) bool {
	if l.stopped || l.err != nil {
		return false
	}
	if last := l.last(); !at.After(last) {
		at = last.Add(time.Duration(30+l.h.rng.IntN(300)) * time.Second)
	}
	at = at.Truncate(time.Second)
	if !at.Before(l.h.end) {
		l.stopped = true
		return false
	}
	next, ev, err := workorder.Decide(a, l.t, c, at)
	if err != nil {
		l.err = fmt.Errorf("history: %s of order created %s: %w", c.Action, l.t.CreatedAt.Format(time.DateTime), err)
		return false
	}
	l.t = next
	l.evs = append(l.evs, ev)
	return true
}

func (l *life) last() time.Time { return l.evs[len(l.evs)-1].At }

func (l *life) over() bool { return l.stopped || l.err != nil }

func (h *historian) lognormal(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*h.rng.NormFloat64()))
}

func (h *historian) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+h.rng.IntN(hi-lo+1)) * time.Minute
}

// within moves an instant into the working hours [from, to) of its Shanghai day, or of the next day.
func (h *historian) within(t time.Time, from, to int) time.Time {
	l := t.In(workorder.Shanghai)
	if l.Hour() >= from && l.Hour() < to {
		return t
	}
	start := time.Date(l.Year(), l.Month(), l.Day(), from, 0, 0, 0, workorder.Shanghai)
	if l.Hour() >= to {
		start = start.AddDate(0, 0, 1)
	}
	return start.Add(h.minutes(0, 90)).UTC()
}

// office is when units work; visits and reviews happen in the centre's day shift.
func (h *historian) office(t time.Time) time.Time { return h.within(t, 8, 18) }

func (h *historian) dayShift(t time.Time) time.Time { return h.within(t, 9, 21) }

// answerShare is how often the agent closes an order on the phone (一线办结), by request type.
var answerShare = map[workorder.RequestType]float64{workorder.TypeEnquiry: 0.72, workorder.TypePraise: 0.7,
	workorder.TypeSuggestion: 0.2, workorder.TypeHelp: 0.08, workorder.TypeComplaint: 0.03, workorder.TypeReport: 0.01}

// order makes up one order taken in at the given time and lives it through to the present.
func (h *historian) order(at time.Time, earlier []*life) (*life, error) {
	m := h.texts.Matter(at)
	in, err := m.Intake.Validate()
	if err != nil {
		return nil, fmt.Errorf("history: a made-up intake is invalid: %w", err)
	}
	creator := h.cast.creator(h.rng, in.Channel, m.PlaceCode)
	t := workorder.Ticket{ID: uuid.Must(uuid.NewV7()).String(), Channel: in.Channel, LineCode: in.LineCode, Type: in.Type,
		Category: in.Category, Title: in.Title, Description: in.Description, Caller: in.Caller, Urgency: in.Urgency,
		Location: workorder.Location{Address: in.Address, Lng: in.Lng, Lat: in.Lat, PlaceCode: m.PlaceCode},
		Status:   workorder.StatusNew, CreatedBy: creator.Username, CreatedAt: at, UpdatedAt: at}
	l := &life{h: h, t: t, evs: []workorder.Event{{At: at, Action: workorder.ActCreate, To: workorder.StatusNew,
		Actor: creator.Username, ActorUnitID: creator.UnitID, Data: map[string]any{"channel": in.Channel}}}}
	h.live(l, earlier)
	return l, l.err
}

func (h *historian) agent() access.Actor      { return one(h.rng, h.cast.agents) }
func (h *historian) dispatcher() access.Actor { return one(h.rng, h.cast.dispatchers) }
func (h *historian) supervisor() access.Actor { return one(h.rng, h.cast.supervisors) }

// live takes the order from intake through its lifecycle until it ends or the present is reached.
func (h *historian) live(l *life, earlier []*life) {
	t0 := l.t.CreatedAt
	x := h.texts
	switch r := h.rng.Float64(); {
	case l.t.Category[:min(4, len(l.t.Category))] == "1201" && l.t.Channel != workorder.ChannelPolice && r < 0.4:
		l.act(h.agent(), workorder.Command{Action: workorder.ActTransfer110, Comment: x.note(workorder.ActTransfer110)}, t0.Add(h.minutes(1, 8)))
		return
	case l.t.Channel != workorder.ChannelSensor && l.t.Channel != workorder.ChannelGrid && r < answerShare[l.t.Type]:
		c := workorder.Command{Action: workorder.ActAnswer, Comment: x.answer(l.t.Type)}
		if h.rng.IntN(5) < 2 {
			// The article read out, when the knowledge base has one for the matter.
			if pick, ids := h.rng.IntN(12), h.articles[l.t.Category]; len(ids) > 0 {
				c.KBArticle = ids[pick%len(ids)]
			}
		}
		l.act(h.agent(), c, t0.Add(h.minutes(1, 12)))
		return
	}
	switch r := h.rng.Float64(); {
	case r < 0.02:
		at := t0.Add(h.minutes(10, 90))
		if master := h.master(l, earlier, at); master != nil {
			l.act(h.agent(), workorder.Command{Action: workorder.ActMerge, MasterID: master.t.ID, Comment: x.note(workorder.ActMerge)}, at)
			return
		}
	case r < 0.028:
		l.act(h.agent(), workorder.Command{Action: workorder.ActCancel, Comment: x.note(workorder.ActCancel)}, t0.Add(h.minutes(20, 180)))
		return
	}
	lead, alt := h.route.units(l.t.Category, l.t.Location.PlaceCode)
	dispatch := workorder.Command{Action: workorder.ActDispatch, LeadUnitID: lead}
	if alt != "" && h.rng.Float64() < 0.1 {
		dispatch.CoUnitIDs = []string{alt}
	}
	l.act(h.dispatcher(), dispatch, t0.Add(h.lognormal(35*time.Minute, 0.9)))
	for steps := 0; steps < 60 && !l.over(); steps++ {
		switch l.t.Status {
		case workorder.StatusNew: // a send-back was upheld: the centre dispatches again
			other := h.route.other(l.t.Category, l.t.Location.PlaceCode, l.formerLead)
			l.act(h.dispatcher(), workorder.Command{Action: workorder.ActDispatch, LeadUnitID: other}, l.last().Add(h.lognormal(40*time.Minute, 0.8)))
		case workorder.StatusDispatched:
			h.sign(l)
		case workorder.StatusAccepted:
			h.handle(l)
		case workorder.StatusReturned:
			h.reconsider(l)
		case workorder.StatusSuspended:
			at := l.last().Add(h.lognormal(3*24*time.Hour, 0.4))
			l.act(h.dispatcher(), workorder.Command{Action: workorder.ActResume}, at)
			l.replyAt = h.office(at.Add(h.lognormal(36*time.Hour, 0.5)))
		case workorder.StatusReplied:
			at := h.within(l.last().Add(h.lognormal(3*time.Hour, 0.8)), 8, 22)
			if l.t.RehandleCount == 0 && h.rng.Float64() < 0.04 {
				l.act(h.agent(), workorder.Command{Action: workorder.ActReject, Comment: x.note(workorder.ActReject)}, at)
				l.replyAt = time.Time{}
				continue
			}
			l.act(h.agent(), workorder.Command{Action: workorder.ActApprove}, at)
		case workorder.StatusVisiting:
			resolved, s, note := x.visit(l.t.RehandleCount)
			l.act(h.agent(), workorder.Command{Action: workorder.ActVisit, Resolved: &resolved, Satisfaction: s, Comment: note},
				h.dayShift(l.last().Add(h.lognormal(16*time.Hour, 0.8))))
			l.replyAt = time.Time{}
		case workorder.StatusClosed:
			if l.reopened || h.rng.Float64() >= 0.003 {
				return
			}
			l.reopened = true
			l.act(h.agent(), workorder.Command{Action: workorder.ActReopen, Comment: x.note(workorder.ActReopen)},
				h.dayShift(l.last().Add(h.lognormal(3*24*time.Hour, 0.5))))
		default:
			return
		}
	}
}

// master finds an open order of the same matter on the same street, taken in earlier that day,
// that a duplicate can follow.
func (h *historian) master(l *life, earlier []*life, at time.Time) *life {
	place := l.t.Location.PlaceCode
	if len(place) < 9 {
		return nil
	}
	for i := len(earlier) - 1; i >= 0; i-- {
		m := earlier[i]
		if m.t.Category == l.t.Category && len(m.t.Location.PlaceCode) >= 9 && m.t.Location.PlaceCode[:9] == place[:9] &&
			m.t.MasterID == "" && !statusAt(m.evs, at).Terminal() {
			return m
		}
	}
	return nil
}

// statusAt is the status an order had at an instant, from its timeline.
func statusAt(evs []workorder.Event, at time.Time) workorder.Status {
	s := workorder.StatusNew
	for _, ev := range evs {
		if ev.At.After(at) {
			break
		}
		s = ev.To
	}
	return s
}

// sign is the lead unit's first move on a dispatched order: it signs for it or sends it back — or the
// centre takes the order away first, having dispatched it to the wrong unit.
func (h *historian) sign(l *life) {
	at := h.office(l.last().Add(h.lognormal(2*time.Hour, 0.9)))
	staff := one(h.rng, h.staff[l.t.LeadUnitID])
	switch r := h.rng.Float64(); {
	case r < 0.02 && l.t.RedispatchCount == 0 && l.t.RehandleCount == 0:
		other := h.route.other(l.t.Category, l.t.Location.PlaceCode, l.t.LeadUnitID)
		l.act(h.dispatcher(), workorder.Command{Action: workorder.ActRedispatch, LeadUnitID: other,
			Comment: h.texts.note(workorder.ActRedispatch)}, l.last().Add(h.lognormal(2*time.Hour, 0.8)))
	case r < 0.07 && l.t.BindingUnitID != l.t.LeadUnitID && l.t.ReturnCount < 2 && l.t.RehandleCount == 0:
		l.act(staff, workorder.Command{Action: workorder.ActReturn, Comment: h.texts.note(workorder.ActReturn)}, at)
	default:
		l.act(staff, workorder.Command{Action: workorder.ActAccept}, at)
	}
}

// reconsider is the centre's answer to a send-back: dispatch elsewhere, review it, or cancel.
func (h *historian) reconsider(l *life) {
	at := l.last().Add(h.lognormal(2*time.Hour, 0.8))
	l.formerLead = l.t.LeadUnitID
	switch r := h.rng.Float64(); {
	case r < 0.75:
		other := h.route.other(l.t.Category, l.t.Location.PlaceCode, l.t.LeadUnitID)
		l.act(h.dispatcher(), workorder.Command{Action: workorder.ActRedispatch, LeadUnitID: other, Comment: h.texts.note(workorder.ActRedispatch)}, at)
	case r < 0.92:
		decision := workorder.DecisionUphold
		if h.rng.IntN(2) == 0 {
			decision = workorder.DecisionOverrule
		}
		l.act(h.supervisor(), workorder.Command{Action: workorder.ActReviewReturn, Decision: decision,
			Comment: h.texts.reviewNote(decision)}, at)
	default:
		l.act(h.agent(), workorder.Command{Action: workorder.ActCancel, Comment: h.texts.note(workorder.ActCancel)}, at)
	}
}

// handle is the work on a signed order up to the reply, with the detours some orders take: an
// extension, a co-handler's reply, a pause, a supervision notice.
func (h *historian) handle(l *life) {
	x := h.texts
	last := l.last()
	if l.replyAt.IsZero() {
		median := 3 * 24 * time.Hour
		if l.rounds > 0 {
			median = 30 * time.Hour // a re-handled or rejected order is quicker: the groundwork is done
		}
		l.rounds++
		l.replyAt = h.office(last.Add(h.lognormal(median, 0.7)))
		l.planAsk, l.planPause, l.planSup = h.rng.Float64() < 0.03, h.rng.Float64() < 0.01, h.rng.Float64() < 0.05
	}
	span := l.replyAt.Sub(last)
	lead := one(h.rng, h.staff[l.t.LeadUnitID])
	switch {
	case l.planAsk && !l.t.ExtensionAsked:
		l.planAsk = false
		at := h.office(last.Add(span / 4))
		if !l.act(lead, workorder.Command{Action: workorder.ActExtendAsk, Comment: x.note(workorder.ActExtendAsk), DueAt: at.Add(10 * 24 * time.Hour)}, at) {
			return
		}
		decision := workorder.DecisionApprove
		if h.rng.Float64() < 0.15 {
			decision = workorder.DecisionDeny
		}
		decided := at.Add(h.lognormal(4*time.Hour, 0.6))
		l.act(h.dispatcher(), workorder.Command{Action: workorder.ActExtendDecide, Decision: decision}, decided)
		if decision == workorder.DecisionApprove {
			l.replyAt = h.office(decided.Add(h.lognormal(4*24*time.Hour, 0.4)))
		}
	case len(l.t.CoUnitIDs) > 0 && !l.coReplied:
		l.coReplied = true
		co := one(h.rng, h.staff[l.t.CoUnitIDs[0]])
		l.act(co, workorder.Command{Action: workorder.ActReply, Comment: x.coReply()}, h.office(last.Add(span*2/5)))
	case l.planPause:
		l.planPause = false
		l.act(h.dispatcher(), workorder.Command{Action: workorder.ActSuspend, Comment: x.note(workorder.ActSuspend)}, last.Add(span/2))
	case l.planSup && !l.t.Supervised:
		l.planSup = false
		at := last.Add(span * 7 / 10)
		l.act(h.supervisor(), workorder.Command{Action: workorder.ActSupervise, Comment: x.note(workorder.ActSupervise), DueAt: at.Add(48 * time.Hour)}, at)
	default:
		l.act(lead, workorder.Command{Action: workorder.ActReply, Comment: x.reply(l.t.Category)}, l.replyAt)
		l.replyAt = time.Time{}
	}
}
