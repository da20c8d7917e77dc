package measure

import (
	"cmp"
	"time"

	"github.com/cityline/cityline/internal/workorder"
)

// Key is what a rollup row counts under: the day a step happened (Shanghai), the order's lead unit
// at that step ("" while it has none: intake and direct answers belong to the centre), its place
// (the grid code, so that every level of the tree is a code prefix), its category (the leaf; a
// subtree is a list of codes), its hotline, channel and request type.
type Key struct {
	Day      Day
	Unit     string
	Place    string
	Category string
	Line     string
	Channel  string
	Type     string
}

// Compare orders keys by day, then place, unit, category, line, channel and type: the order in
// which writers touch rows, so that two transactions never wait on each other's rows in a circle.
func (k Key) Compare(o Key) int {
	return cmp.Or(cmp.Compare(k.Day, o.Day), cmp.Compare(k.Place, o.Place), cmp.Compare(k.Unit, o.Unit),
		cmp.Compare(k.Category, o.Category), cmp.Compare(k.Line, o.Line), cmp.Compare(k.Channel, o.Channel), cmp.Compare(k.Type, o.Type))
}

// Delta is what one step adds to one row.
type Delta struct {
	Key    Key
	Counts Counts
}

// Order is what a step counts under besides its day and unit: the order's place, category, line,
// channel and request type as they stand after the step.
type Order struct {
	Place, Category, Line, Channel, Type string
}

// OrderOf takes the counting attributes from an order.
func OrderOf(t workorder.Ticket) Order {
	return Order{Place: t.Location.PlaceCode, Category: t.Category, Line: t.LineCode, Channel: string(t.Channel), Type: string(t.Type)}
}

// Step is one timeline step as the counters see it.
type Step struct {
	Action   workorder.Action
	From, To workorder.Status
	At       time.Time
	// Unit is the lead unit after the step.
	Unit string
	// Resolved and Satisfaction are a return visit's verdict.
	Resolved     bool
	Satisfaction workorder.Satisfaction
	// DueSign is the sign-for deadline in force when the unit signed; DueClose the closure deadline in
	// force at closure. Zero when the order has none.
	DueSign, DueClose time.Time
	// FirstDispatch is when the order first went to a unit; handling time counts from it.
	FirstDispatch time.Time
}

// StepOf reads a timeline event as a step. A visit's verdict comes from the event's data, which
// holds it both as the service writes it (Go values) and as it is read back from the database (JSON).
func StepOf(ev workorder.Event, unit string, dueSign, dueClose, firstDispatch time.Time) Step {
	s := Step{Action: ev.Action, From: ev.From, To: ev.To, At: ev.At, Unit: unit, DueSign: dueSign, DueClose: dueClose,
		FirstDispatch: firstDispatch}
	if ev.Action == workorder.ActVisit {
		s.Resolved, _ = ev.Data["resolved"].(bool)
		s.Satisfaction = workorder.Satisfaction(text(ev.Data["satisfaction"]))
	}
	return s
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case workorder.Satisfaction:
		return string(x)
	}
	return ""
}

// Closes tells whether the step closes an order that a unit handled: the return visit that ends it.
// Its handling time needs the instant of the first dispatch.
func (s Step) Closes() bool {
	return s.Action == workorder.ActVisit && s.From == workorder.StatusVisiting && s.To == workorder.StatusClosed
}

// sendsToUnit tells whether the step asks a lead unit to sign for the order: a dispatch, a
// re-dispatch, an overruled send-back (the unit is bound to it again), a re-handling after an
// unsatisfied visit, a reopening. Resuming a suspended order does not: the unit was asked already.
func (s Step) sendsToUnit() bool {
	switch s.Action {
	case workorder.ActDispatch, workorder.ActRedispatch, workorder.ActReopen:
		return true
	case workorder.ActReviewReturn, workorder.ActVisit:
		return s.To == workorder.StatusDispatched
	}
	return false
}

// Count is what one step adds to the rollups: one delta on the step's day under the unit it leaves
// the order with, and — when it closes an order after its closure deadline — one Overdue on the
// deadline's day. Steps that no measure counts (a reply, a review, a supervision notice…) add nothing.
func Count(o Order, s Step) []Delta {
	var c Counts
	switch s.Action {
	case workorder.ActCreate:
		c[Taken] = 1
	case workorder.ActAnswer:
		c[Answered] = 1
	case workorder.ActAccept:
		c[Signed] = 1
		if s.DueSign.IsZero() || !s.At.After(s.DueSign) {
			c[SignedOnTime] = 1
		}
	case workorder.ActReturn:
		c[Returned] = 1
	case workorder.ActVisit:
		c[Visited] = 1
		if s.Resolved {
			c[Resolved] = 1
		}
		switch s.Satisfaction {
		case workorder.Satisfied:
			c[Satisfied] = 1
		case workorder.BasicallySatisfied:
			c[Basically] = 1
		case workorder.Unsatisfied:
			c[Unsatisfied] = 1
		}
	}
	if s.sendsToUnit() {
		c[Dispatched] = 1
	}
	if (s.Action == workorder.ActVisit && s.To == workorder.StatusDispatched) || s.Action == workorder.ActReopen {
		c[Rehandled] = 1
	}
	key := Key{Day: DayOf(s.At), Unit: s.Unit, Place: o.Place, Category: o.Category, Line: o.Line, Channel: o.Channel, Type: o.Type}
	var late *Delta
	if s.Closes() {
		c[Closed] = 1
		if !s.DueClose.IsZero() {
			c[ClosedWithDeadline] = 1
			if s.At.After(s.DueClose) {
				lk := key
				lk.Day = DayOf(s.DueClose)
				late = &Delta{Key: lk}
				late.Counts[Overdue] = 1
			} else {
				c[ClosedOnTime] = 1
			}
		}
		if !s.FirstDispatch.IsZero() && !s.At.Before(s.FirstDispatch) {
			d := s.At.Sub(s.FirstDispatch)
			c[HandleMillis] = d.Milliseconds()
			c[Bucket(bucketOf(d))] = 1
		}
	}
	var out []Delta
	if !c.IsZero() {
		out = append(out, Delta{Key: key, Counts: c})
	}
	if late != nil {
		if late.Key == key {
			out[0].Counts[Overdue] = 1
		} else {
			out = append(out, *late)
		}
	}
	return out
}

// Replay counts a whole timeline: what the live counting added, step by step, for an order whose
// events are given oldest first. The lead unit at each step is followed through the events; the
// deadlines and the category are the order's as they stand now (the timeline does not keep earlier
// ones), so an order whose deadline moved after it was signed for or closed may be judged against
// the later deadline, and one whose category changed counts all its steps under the new one.
func Replay(t workorder.Ticket, evs []workorder.Event) []Delta {
	o := OrderOf(t)
	var out []Delta
	unit := ""
	var firstDispatch time.Time
	for _, ev := range evs {
		switch {
		case ev.Action == workorder.ActDispatch || ev.Action == workorder.ActRedispatch:
			unit = text(ev.Data["lead_unit_id"])
			if firstDispatch.IsZero() {
				firstDispatch = ev.At
			}
		case ev.Action == workorder.ActReviewReturn && ev.To == workorder.StatusNew:
			unit = "" // the send-back was upheld: the order waits for the centre again
		}
		out = append(out, Count(o, StepOf(ev, unit, t.DueSignAt, t.DueCloseAt, firstDispatch))...)
	}
	return out
}

// Sum adds deltas up by key.
func Sum(deltas []Delta, into map[Key]*Counts) {
	for _, d := range deltas {
		c := into[d.Key]
		if c == nil {
			c = new(Counts)
			into[d.Key] = c
		}
		c.Add(d.Counts)
	}
}
