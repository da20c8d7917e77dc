package sla_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/workorder"
)

// at reads a wall-clock time in Shanghai, as the tables write them.
func at(s string) time.Time {
	v, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return v.UTC()
}

func rules(t testing.TB, edit func(*sla.Set)) sla.Rules {
	t.Helper()
	cal, err := calendar.New(calendar.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	set := sla.Defaults()
	if edit != nil {
		edit(&set)
	}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	return sla.NewRules(set, cal, cats)
}

// order walks a ticket through actions, as the state machine would leave it after each.
type order struct {
	t     *testing.T
	r     sla.Rules
	tk    workorder.Ticket
	clock *sla.Clock
	last  sla.Outcome
}

func newOrder(t *testing.T, r sla.Rules, typ workorder.RequestType, cat string, urg workorder.Urgency) *order {
	return &order{t: t, r: r, tk: workorder.Ticket{ID: "t1", Type: typ, Category: cat, Urgency: urg, Status: workorder.StatusNew}}
}

// do applies act at when, moving the order to status (and letting change edit it as Decide would).
func (o *order) do(act workorder.Action, when string, status workorder.Status, change func(*workorder.Ticket)) *order {
	o.t.Helper()
	next := o.tk
	next.Status = status
	if change != nil {
		change(&next)
	}
	out := o.r.Apply(sla.Step{Action: act, Before: o.tk, After: next, Clock: o.clock, At: at(when)})
	o.tk, o.clock, o.last = out.Ticket, out.Clock, out
	return o
}

func (o *order) dues(sign, reply, close string) {
	o.t.Helper()
	for _, d := range []struct {
		name string
		got  time.Time
		want string
	}{{"sign-for", o.tk.DueSignAt, sign}, {"reply", o.tk.DueReplyAt, reply}, {"closure", o.tk.DueCloseAt, close}} {
		if d.want == "" {
			if !d.got.IsZero() {
				o.t.Errorf("%s due %s, want none", d.name, d.got.In(calendar.Shanghai))
			}
			continue
		}
		if want := at(d.want); !d.got.Equal(want) {
			o.t.Errorf("%s due %s, want %s", d.name, d.got.In(calendar.Shanghai).Format("2006-01-02 15:04"), d.want)
		}
	}
}

func (o *order) timers(want ...string) {
	o.t.Helper()
	var got []string
	for _, tm := range o.last.Timers {
		got = append(got, string(tm.Kind)+"@"+tm.FireAt.In(calendar.Shanghai).Format("2006-01-02 15:04"))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		o.t.Errorf("timers\n got %v\nwant %v", got, want)
	}
}

func TestClockStartsAtDispatch(t *testing.T) {
	r := rules(t, nil)
	tests := []struct {
		name               string
		typ                workorder.RequestType
		cat                string
		urg                workorder.Urgency
		dispatched         string
		sign, reply, close string
		policy             string
		timers             []string
	}{
		{name: "complaint: 15 working days across golden week", typ: workorder.TypeComplaint, cat: "020301", urg: workorder.UrgencyNormal,
			dispatched: "2025-09-29 10:00", sign: "2025-09-29 12:00", reply: "2025-10-27 18:00", close: "2025-10-27 18:00", policy: "complaint",
			timers: []string{"sign_warn@2025-09-29 11:36", "sign_overdue@2025-09-29 12:00", "close_warn@2025-10-22 16:54", "close_overdue@2025-10-27 18:00"}},
		{name: "enquiry after hours counts from the next working day", typ: workorder.TypeEnquiry, cat: "150101", urg: workorder.UrgencyNormal,
			dispatched: "2025-10-10 19:00", sign: "2025-10-11 10:30", reply: "2025-10-14 18:00", close: "2025-10-14 18:00", policy: "enquiry",
			timers: []string{"sign_warn@2025-10-11 10:06", "sign_overdue@2025-10-11 10:30", "close_warn@2025-10-14 11:18", "close_overdue@2025-10-14 18:00"}},
		{name: "emergency counts plain hours through the night", typ: workorder.TypeComplaint, cat: "020301", urg: workorder.UrgencyEmergency,
			dispatched: "2025-10-04 22:00", sign: "2025-10-04 22:30", reply: "2025-10-05 00:00", close: "2025-10-05 00:00", policy: "emergency",
			timers: []string{"sign_warn@2025-10-04 22:24", "sign_overdue@2025-10-04 22:30", "close_warn@2025-10-04 23:36", "close_overdue@2025-10-05 00:00"}},
		{name: "water outage: 24 hours over the weekend", typ: workorder.TypeHelp, cat: "110101", urg: workorder.UrgencyNormal,
			dispatched: "2025-10-10 17:00", sign: "2025-10-10 19:00", reply: "2025-10-11 17:00", close: "2025-10-11 17:00", policy: "outage-110101",
			timers: []string{"sign_warn@2025-10-10 18:36", "sign_overdue@2025-10-10 19:00", "close_warn@2025-10-11 12:12", "close_overdue@2025-10-11 17:00"}},
		{name: "an emergency outage is an emergency", typ: workorder.TypeHelp, cat: "110201", urg: workorder.UrgencyEmergency,
			dispatched: "2025-10-10 17:00", sign: "2025-10-10 17:30", reply: "2025-10-10 19:00", close: "2025-10-10 19:00", policy: "emergency",
			timers: []string{"sign_warn@2025-10-10 17:24", "sign_overdue@2025-10-10 17:30", "close_warn@2025-10-10 18:36", "close_overdue@2025-10-10 19:00"}},
		{name: "a year the calendar does not know leaves closure open", typ: workorder.TypeComplaint, cat: "020301", urg: workorder.UrgencyNormal,
			dispatched: "2026-12-21 10:00", sign: "2026-12-21 12:00", reply: "", close: "", policy: "complaint",
			timers: []string{"sign_warn@2026-12-21 11:36", "sign_overdue@2026-12-21 12:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrder(t, r, tc.typ, tc.cat, tc.urg).do(workorder.ActDispatch, tc.dispatched, workorder.StatusDispatched, nil)
			o.dues(tc.sign, tc.reply, tc.close)
			o.timers(tc.timers...)
			if !o.last.Changed || o.clock == nil {
				t.Fatal("dispatch must start the clock")
			}
			if o.clock.Policy.ID != tc.policy || o.clock.Policy.Version != 1 || o.clock.Reason != sla.ReasonDispatch ||
				!o.clock.Started.Equal(at(tc.dispatched)) {
				t.Errorf("clock %+v: want policy %s v1 started at %s by dispatch", o.clock, tc.policy, tc.dispatched)
			}
			if (tc.close == "") != (o.clock.Problem != "") {
				t.Errorf("problem %q, want one exactly when a due time is missing", o.clock.Problem)
			}
		})
	}
}

func TestClockRulesAlongTheLifecycle(t *testing.T) {
	const start = "2025-09-29 10:00" // a Monday; complaint: sign 12:00, closure 2025-10-27 18:00
	complaint := func(t *testing.T, r sla.Rules) *order {
		return newOrder(t, r, workorder.TypeComplaint, "020301", workorder.UrgencyNormal).
			do(workorder.ActDispatch, start, workorder.StatusDispatched, nil)
	}
	t.Run("signing for ends the sign-for alerts only", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil)
		o.dues("2025-09-29 12:00", "2025-10-27 18:00", "2025-10-27 18:00")
		o.timers("close_warn@2025-10-22 16:54", "close_overdue@2025-10-27 18:00")
		if o.last.Changed {
			t.Error("signing for does not change the clock")
		}
	})
	t.Run("suspension pauses by the working time it held", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActSuspend, "2025-09-30 14:30", workorder.StatusSuspended, nil)
		o.timers()
		if o.clock.PausedSince == nil || !o.last.Changed {
			t.Fatal("suspending must record when the pause began")
		}
		// 3.5 h on 30 September, golden week off, 2 h on 9 October: 5.5 working hours.
		o.do(workorder.ActResume, "2025-10-09 10:30", workorder.StatusAccepted, nil)
		o.dues("2025-09-29 12:00", "2025-10-28 16:30", "2025-10-28 16:30")
		o.timers("close_warn@2025-10-23 15:24", "close_overdue@2025-10-28 16:30")
		if len(o.clock.Paused) != 1 || o.clock.Paused[0].Working != sla.Duration(5*time.Hour+30*time.Minute) || o.clock.PausedSince != nil {
			t.Errorf("pauses %+v", o.clock.Paused)
		}
	})
	t.Run("a pause that holds no working time moves nothing", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActSuspend, "2025-10-01 09:00", workorder.StatusSuspended, nil).
			do(workorder.ActResume, "2025-10-08 20:00", workorder.StatusAccepted, nil)
		o.dues("2025-09-29 12:00", "2025-10-27 18:00", "2025-10-27 18:00")
	})
	t.Run("plain-hour limits pause by the whole pause", func(t *testing.T) {
		o := newOrder(t, rules(t, nil), workorder.TypeHelp, "110101", workorder.UrgencyNormal).
			do(workorder.ActDispatch, "2025-10-10 17:00", workorder.StatusDispatched, nil).
			do(workorder.ActSuspend, "2025-10-10 17:10", workorder.StatusSuspended, nil).
			do(workorder.ActResume, "2025-10-10 20:10", workorder.StatusDispatched, nil)
		o.dues("2025-10-10 22:00", "2025-10-11 20:00", "2025-10-11 20:00")
		o.timers("sign_warn@2025-10-10 21:36", "sign_overdue@2025-10-10 22:00", "close_warn@2025-10-11 15:12", "close_overdue@2025-10-11 20:00")
	})
	t.Run("an approved extension moves closure and reply", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActExtendDecide, "2025-10-20 09:00", workorder.StatusAccepted, func(t *workorder.Ticket) {
				t.DueCloseAt = at("2025-11-05 18:00")
			})
		o.dues("2025-09-29 12:00", "2025-11-05 18:00", "2025-11-05 18:00")
		if o.clock.ExtendedTo == nil || !o.last.Changed {
			t.Error("the extension is not recorded")
		}
		o.timers("close_warn@2025-10-30 11:36", "close_overdue@2025-11-05 18:00")
	})
	t.Run("a denied extension changes nothing", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActExtendDecide, "2025-10-20 09:00", workorder.StatusAccepted, nil)
		o.dues("2025-09-29 12:00", "2025-10-27 18:00", "2025-10-27 18:00")
		if o.last.Changed || o.clock.ExtendedTo != nil {
			t.Error("a denied extension must leave the clock alone")
		}
	})
	t.Run("re-dispatch continues the clock by default", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActRedispatch, "2025-09-30 09:00", workorder.StatusDispatched, nil)
		o.dues("2025-09-30 11:00", "2025-10-27 18:00", "2025-10-27 18:00")
		if !o.clock.Started.Equal(at(start)) || !o.clock.SignStarted.Equal(at("2025-09-30 09:00")) {
			t.Errorf("clock %+v", o.clock)
		}
	})
	t.Run("re-dispatch restarts the clock when the policy says so", func(t *testing.T) {
		r := rules(t, func(s *sla.Set) {
			for i := range s.Policies {
				s.Policies[i].Redispatch = sla.Restart
			}
		})
		o := complaint(t, r).do(workorder.ActRedispatch, "2025-09-30 09:00", workorder.StatusDispatched, nil)
		o.dues("2025-09-30 11:00", "2025-10-28 18:00", "2025-10-28 18:00")
		if o.clock.Reason != sla.ReasonRedispatch || !o.clock.Started.Equal(at("2025-09-30 09:00")) {
			t.Errorf("clock %+v", o.clock)
		}
	})
	t.Run("a dispatch after an upheld send-back is a re-dispatch", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActReturn, "2025-09-29 11:00", workorder.StatusReturned, nil)
		o.timers("close_warn@2025-10-22 16:54", "close_overdue@2025-10-27 18:00")
		o.do(workorder.ActReviewReturn, "2025-09-29 15:00", workorder.StatusNew, nil)
		o.timers("close_warn@2025-10-22 16:54", "close_overdue@2025-10-27 18:00")
		o.do(workorder.ActDispatch, "2025-09-30 09:00", workorder.StatusDispatched, nil)
		o.dues("2025-09-30 11:00", "2025-10-27 18:00", "2025-10-27 18:00")
	})
	t.Run("an overruled send-back restarts sign-for", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActReturn, "2025-09-29 11:00", workorder.StatusReturned, nil).
			do(workorder.ActReviewReturn, "2025-09-30 15:00", workorder.StatusDispatched, nil)
		o.dues("2025-09-30 17:00", "2025-10-27 18:00", "2025-10-27 18:00")
	})
	t.Run("re-handling restarts every clock", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActReply, "2025-10-15 11:00", workorder.StatusReplied, nil).
			do(workorder.ActApprove, "2025-10-16 11:00", workorder.StatusVisiting, nil).
			do(workorder.ActVisit, "2025-10-20 10:00", workorder.StatusDispatched, nil)
		o.dues("2025-10-20 12:00", "2025-11-10 18:00", "2025-11-10 18:00")
		if o.clock.Reason != sla.ReasonRehandle {
			t.Errorf("reason %q", o.clock.Reason)
		}
	})
	t.Run("closed work has no alerts, and reopening starts over", func(t *testing.T) {
		o := complaint(t, rules(t, nil)).do(workorder.ActAccept, "2025-09-29 11:00", workorder.StatusAccepted, nil).
			do(workorder.ActReply, "2025-10-15 11:00", workorder.StatusReplied, nil).
			do(workorder.ActApprove, "2025-10-16 11:00", workorder.StatusVisiting, nil).
			do(workorder.ActVisit, "2025-10-16 15:00", workorder.StatusClosed, nil)
		o.timers()
		if o.clock == nil {
			t.Fatal("a closed order keeps the explanation of its due times")
		}
		o.do(workorder.ActReopen, "2025-10-20 10:00", workorder.StatusDispatched, nil)
		o.dues("2025-10-20 12:00", "2025-11-10 18:00", "2025-11-10 18:00")
	})
	for _, end := range []struct {
		act    workorder.Action
		status workorder.Status
	}{{workorder.ActCancel, workorder.StatusCancelled}, {workorder.ActMerge, workorder.StatusMerged}} {
		t.Run(string(end.status)+" work has no alerts", func(t *testing.T) {
			complaint(t, rules(t, nil)).do(end.act, "2025-09-29 11:00", end.status, nil).timers()
		})
	}
	t.Run("orders never dispatched have no clock", func(t *testing.T) {
		o := newOrder(t, rules(t, nil), workorder.TypeEnquiry, "150101", workorder.UrgencyNormal).
			do(workorder.ActAnswer, start, workorder.StatusClosed, nil)
		if o.clock != nil || o.last.Timers != nil {
			t.Errorf("clock %+v timers %v", o.clock, o.last.Timers)
		}
	})
}

func TestClockExplainsItselfInJSON(t *testing.T) {
	o := newOrder(t, rules(t, nil), workorder.TypeComplaint, "020301", workorder.UrgencyNormal).
		do(workorder.ActDispatch, "2025-09-29 10:00", workorder.StatusDispatched, nil).
		do(workorder.ActSuspend, "2025-09-30 14:30", workorder.StatusSuspended, nil).
		do(workorder.ActResume, "2025-10-09 10:30", workorder.StatusDispatched, nil)
	b, err := json.Marshal(o.clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"policy":{"id":"complaint","name":"投诉","version":1}`, `"sign_for_limit":{"value":2,"unit":"working_hours"}`,
		`"close_limit":{"value":15,"unit":"working_days"}`, `"computed_from":"2025-09-29T02:00:00Z"`, `"working":"5h30m0s"`, `"reason":"dispatch"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back sla.Clock
	if err := json.Unmarshal(b, &back); err != nil || back.Paused[0].Working != o.clock.Paused[0].Working {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func BenchmarkDispatchDeadlines(b *testing.B) {
	r := rules(b, nil)
	tk := workorder.Ticket{Type: workorder.TypeComplaint, Category: "020301", Urgency: workorder.UrgencyNormal, Status: workorder.StatusDispatched}
	from := at("2025-03-03 10:00")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out := r.Apply(sla.Step{Action: workorder.ActDispatch, After: tk, At: from.Add(time.Duration(i%100000) * time.Minute)})
		if out.Ticket.DueCloseAt.IsZero() {
			b.Fatal("no closure due time")
		}
	}
}
