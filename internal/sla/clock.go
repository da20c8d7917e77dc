package sla

import (
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/workorder"
)

// Duration is a length of time that reads as "3h30m0s" in JSON, so that a stored explanation and the
// API say how long a pause lasted in words people can check.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Pause is a stretch of time the order spent suspended; its time does not count against the limits.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Working is the working time inside the pause: what working-day and working-hour limits move by.
	Working Duration `json:"working"`
	// Wall is the whole pause: what limits in plain hours move by.
	Wall Duration `json:"wall"`
}

// PolicyRef names the policy a clock was started from, and the version of the set it belonged to.
type PolicyRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// Clock is how an order's due times were computed: the policy and its limits, when the clocks
// started and why, the pauses and the extension. It is stored beside the order, recorded on the
// timeline step that set it, and shown with the order, so that anyone can recompute a due time.
type Clock struct {
	Policy      PolicyRef  `json:"policy"`
	SignFor     Limit      `json:"sign_for_limit"`
	Reply       Limit      `json:"reply_limit"`
	Close       Limit      `json:"close_limit"`
	Redispatch  Redispatch `json:"redispatch"`
	WarnPercent int        `json:"warn_percent"`
	// Reason is what last started the reply and closure clocks: dispatch, redispatch or rehandle.
	Reason string `json:"reason"`
	// Started is when the reply and closure clocks last started.
	Started time.Time `json:"computed_from"`
	// SignStarted is when the lead unit's sign-for clock last started (each dispatch to a unit).
	SignStarted time.Time  `json:"sign_for_from"`
	Paused      []Pause    `json:"paused,omitempty"`
	PausedSince *time.Time `json:"paused_since,omitempty"`
	// ExtendedTo is the closure due time an approved extension set.
	ExtendedTo *time.Time `json:"extended_to,omitempty"`
	// Problem says why due times are missing: the calendar does not know the year they fall in.
	Problem string `json:"problem,omitempty"`
}

// Rules are what the clock rules need: the policy set, the working calendar and the catalogue (for
// a category's ancestors). A Rules value is read-only and safe to share; make it with NewRules.
type Rules struct {
	Set      Set
	Calendar *calendar.Calendar
	parents  map[string]string // category code → parent code
}

// NewRules puts together the rules from the policy set in force, the working calendar and the
// category catalogue (nil or empty: a category policy then matches only an order's own code).
func NewRules(set Set, cal *calendar.Calendar, catalogue []category.Category) Rules {
	r := Rules{Set: set, Calendar: cal, parents: make(map[string]string, len(catalogue))}
	for _, c := range catalogue {
		r.parents[c.Code] = c.ParentCode
	}
	return r
}

// match picks the policy for the order, walking its category's ancestors in the catalogue (codes
// stay put when a category moves, so its parents, not its code's prefix, say where it sits).
func (r Rules) match(t *workorder.Ticket) (Policy, bool) {
	var up [category.MaxLevel]string
	n := 0
	for code := t.Category; code != "" && n < len(up); n++ {
		up[n] = code
		code = r.parents[code]
	}
	var path [category.MaxLevel]string
	for i := range n {
		path[i] = up[n-1-i]
	}
	return r.Set.Match(t.Type, path[:n], t.Urgency)
}

// Step is one action on an order as the time limits see it.
type Step struct {
	Action        workorder.Action
	Before, After workorder.Ticket // After as the state machine left it
	// Clock is the order's stored clock, nil when it has none yet.
	Clock *Clock
	At    time.Time
}

// Outcome is what a step does to the time limits.
type Outcome struct {
	// Ticket is Step.After with its due times set.
	Ticket workorder.Ticket
	// Clock is the order's clock after the step; nil when it has none (never dispatched).
	Clock *Clock
	// Changed tells whether the step changed the clock: the step's timeline event then records it.
	Changed bool
	// Timers are the alerts the order should have now (none for closed or suspended work).
	Timers []Timer
}

// Reasons a clock (re)starts.
const (
	ReasonDispatch   = "dispatch"
	ReasonRedispatch = "redispatch"
	ReasonRehandle   = "rehandle"
)

// Apply works out what a step does to the order's time limits. The rules (docs/time-limits.md):
//
//   - The first dispatch starts every clock: sign-for, reply and closure due times count from it.
//   - A re-dispatch (改派, or a dispatch after an upheld send-back) follows the policy: Continue keeps
//     the reply and closure due times and starts only the new unit's sign-for clock; Restart starts
//     every clock again from the policy now in force.
//   - An overruled send-back binds the unit to the order again: its sign-for clock starts afresh.
//   - Re-handling (重办: an unresolved or unsatisfied return visit, or reopening a closed order) starts
//     every clock again: the unit owes a new answer in full time.
//   - Suspending pauses the clocks; resuming moves each due time on by the pause — by the working
//     time it held for working-time limits, by all of it for limits in plain hours.
//   - An approved extension moves the closure due time to the approved instant, and the reply due
//     time on by as much.
//
// A due time the calendar cannot compute (a year it does not know) is left empty and the reason
// recorded as the clock's Problem: a missing holiday arrangement must not stop work being dispatched.
func (r Rules) Apply(s Step) Outcome {
	out := Outcome{Ticket: s.After}
	var c *Clock
	if s.Clock != nil {
		cp := s.Clock.clone()
		c = &cp
	}
	a, at := &out.Ticket, s.At.UTC()
	rehandle := (s.Action == workorder.ActVisit && a.Status == workorder.StatusDispatched) || s.Action == workorder.ActReopen
	overrule := s.Action == workorder.ActReviewReturn && a.Status == workorder.StatusDispatched
	switch {
	case a.Status.Terminal():
	case rehandle || (c == nil && (s.Action == workorder.ActDispatch || s.Action == workorder.ActRedispatch || overrule)):
		reason := ReasonDispatch
		if rehandle {
			reason = ReasonRehandle
		}
		c, out.Changed = r.start(a, at, reason), true
	case s.Action == workorder.ActDispatch || s.Action == workorder.ActRedispatch:
		if c.Redispatch == Restart {
			c = r.start(a, at, ReasonRedispatch)
		} else {
			r.restartSignFor(c, a, at)
		}
		out.Changed = true
	case overrule:
		r.restartSignFor(c, a, at)
		out.Changed = true
	case c == nil:
	case s.Action == workorder.ActSuspend:
		c.PausedSince, out.Changed = &at, true
	case s.Action == workorder.ActResume && c.PausedSince != nil:
		r.resume(c, a, at)
		out.Changed = true
	case s.Action == workorder.ActExtendDecide && !a.DueCloseAt.Equal(s.Before.DueCloseAt):
		r.extend(c, a, s.Before.DueCloseAt)
		out.Changed = true
	}
	out.Clock = c
	out.Timers = r.Plan(*a, c)
	return out
}

func (c Clock) clone() Clock {
	c.Paused = append([]Pause(nil), c.Paused...)
	return c
}

// start begins every clock at at, from the policy that matches the order now.
func (r Rules) start(t *workorder.Ticket, at time.Time, reason string) *Clock {
	c := &Clock{Reason: reason, Started: at, SignStarted: at, WarnPercent: r.Set.WarnPercent}
	p, ok := r.match(t)
	if !ok {
		c.Problem = fmt.Sprintf("no policy matches type %s, category %s, urgency %s", t.Type, t.Category, t.Urgency)
		t.DueSignAt, t.DueReplyAt, t.DueCloseAt = time.Time{}, time.Time{}, time.Time{}
		return c
	}
	c.Policy = PolicyRef{ID: p.ID, Name: p.Name, Version: r.Set.Version}
	c.SignFor, c.Reply, c.Close, c.Redispatch = p.SignFor, p.Reply, p.Close, p.Redispatch
	t.DueSignAt = r.due(c, p.SignFor, at)
	t.DueReplyAt = r.due(c, p.Reply, at)
	t.DueCloseAt = r.due(c, p.Close, at)
	return c
}

// restartSignFor starts the lead unit's sign-for clock afresh; the other clocks run on.
func (r Rules) restartSignFor(c *Clock, t *workorder.Ticket, at time.Time) {
	c.SignStarted = at
	t.DueSignAt = r.due(c, c.SignFor, at)
}

// due is the limit's due time from at, or zero with the clock's Problem set.
func (r Rules) due(c *Clock, l Limit, at time.Time) time.Time {
	d, err := l.Due(r.Calendar, at)
	if err != nil {
		c.Problem = err.Error()
		return time.Time{}
	}
	return d
}

// resume ends the pause that began at c.PausedSince and moves the due times on by it.
func (r Rules) resume(c *Clock, t *workorder.Ticket, at time.Time) {
	from := *c.PausedSince
	c.PausedSince = nil
	working, err := r.Calendar.WorkingTimeBetween(from, at)
	if err != nil {
		c.Problem = err.Error()
	}
	p := Pause{From: from, To: at, Working: Duration(working), Wall: Duration(at.Sub(from))}
	c.Paused = append(c.Paused, p)
	if t.Status == workorder.StatusDispatched { // signed for already: that due time is history
		t.DueSignAt = r.shift(c, c.SignFor, t.DueSignAt, p)
	}
	t.DueReplyAt = r.shift(c, c.Reply, t.DueReplyAt, p)
	t.DueCloseAt = r.shift(c, c.Close, t.DueCloseAt, p)
}

// shift moves a due time on by a pause, as the limit counts time.
func (r Rules) shift(c *Clock, l Limit, due time.Time, p Pause) time.Time {
	if due.IsZero() {
		return due
	}
	if !l.Working() {
		return due.Add(time.Duration(p.Wall))
	}
	if p.Working <= 0 {
		return due
	}
	moved, err := r.Calendar.AddWorkingHours(due, time.Duration(p.Working))
	if err != nil {
		c.Problem = err.Error()
		return due
	}
	return moved
}

// extend records an approved extension (the state machine has set the closure due time) and moves
// the reply due time on by as much as the closure due time moved.
func (r Rules) extend(c *Clock, t *workorder.Ticket, before time.Time) {
	to := t.DueCloseAt
	c.ExtendedTo = &to
	if before.IsZero() || t.DueReplyAt.IsZero() {
		return
	}
	wall := to.Sub(before)
	p := Pause{Wall: Duration(wall)}
	if c.Reply.Working() {
		working, err := r.Calendar.WorkingTimeBetween(before, to)
		if err != nil {
			c.Problem = err.Error()
			return
		}
		p.Working = Duration(working)
	}
	t.DueReplyAt = r.shift(c, c.Reply, t.DueReplyAt, p)
}

// Kind names a timer: an early warning (yellow) or an overdue alert (red), for sign-for or closure.
type Kind string

const (
	SignWarn     Kind = "sign_warn"
	SignOverdue  Kind = "sign_overdue"
	CloseWarn    Kind = "close_warn"
	CloseOverdue Kind = "close_overdue"
)

// The timeline steps a fired timer writes. They are not actions anyone takes; the sweeper records them.
const (
	// EventWarning is the early warning (yellow, 预警): most of a limit's time is used.
	EventWarning workorder.Action = "warning"
	// EventOverdue is the supervision notice (red, 督办单) issued when a limit has run out.
	EventOverdue workorder.Action = "overdue"
)

// Kinds lists every timer kind.
var Kinds = []Kind{SignWarn, SignOverdue, CloseWarn, CloseOverdue}

// Overdue tells whether the timer is a red alert (the limit has run out) rather than a warning.
func (k Kind) Overdue() bool { return k == SignOverdue || k == CloseOverdue }

// SignFor tells whether the timer is about the sign-for limit rather than closure.
func (k Kind) SignFor() bool { return k == SignWarn || k == SignOverdue }

// Timer is one alert an order is due: at FireAt, about the limit that runs out at DueAt.
type Timer struct {
	Kind   Kind
	DueAt  time.Time
	FireAt time.Time
}

// Plan lists the alerts an order should have: while it waits to be signed for, an early warning and
// an overdue alert for sign-for; while it is open after dispatch, the same for closure. Closed,
// cancelled, merged and transferred orders have none, and neither has a suspended one. A warning
// comes when WarnPercent of the limit's time has been used — working time for working-time limits,
// time spent suspended not counted — and not at all when that is no earlier than the due time.
func (r Rules) Plan(t workorder.Ticket, c *Clock) []Timer {
	if c == nil || t.Status.Terminal() || t.Status == workorder.StatusSuspended || c.PausedSince != nil {
		return nil
	}
	out := make([]Timer, 0, len(Kinds))
	add := func(warn, overdue Kind, l Limit, start, due time.Time) {
		if due.IsZero() {
			return
		}
		if w, ok := r.warnAt(c, l, start, due); ok {
			out = append(out, Timer{Kind: warn, DueAt: due, FireAt: w})
		}
		out = append(out, Timer{Kind: overdue, DueAt: due, FireAt: due})
	}
	if t.Status == workorder.StatusDispatched {
		add(SignWarn, SignOverdue, c.SignFor, c.SignStarted, t.DueSignAt)
	}
	add(CloseWarn, CloseOverdue, c.Close, c.Started, t.DueCloseAt)
	return out
}

// warnAt is when WarnPercent of the time from start to due, less the pauses since start, has been used.
func (r Rules) warnAt(c *Clock, l Limit, start, due time.Time) (time.Time, bool) {
	var paused time.Duration
	for _, p := range c.Paused {
		if !p.From.Before(start) {
			if l.Working() {
				paused += time.Duration(p.Working)
			} else {
				paused += time.Duration(p.Wall)
			}
		}
	}
	pct := time.Duration(c.WarnPercent)
	if !l.Working() {
		limit := due.Sub(start) - paused
		w := start.Add(paused + limit*pct/100)
		return w, limit > 0 && w.Before(due)
	}
	total, err := r.Calendar.WorkingTimeBetween(start, due)
	if err != nil || total-paused <= 0 {
		return time.Time{}, false
	}
	used := paused + (total-paused)*pct/100
	if used <= 0 {
		return time.Time{}, false
	}
	w, err := r.Calendar.AddWorkingHours(start, used)
	return w, err == nil && w.Before(due)
}
