package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

func TestSLAPoliciesAreVersionedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.SLAPolicies(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before seeding: %v, want ErrNotFound", err)
		}
		for range 2 {
			if err := s.SeedSLAPolicies(ctx, audit.System, sla.Defaults()); err != nil {
				t.Fatal(err)
			}
		}
		seeded, err := s.SLAPolicies(ctx)
		if err != nil || seeded.Version != 1 || len(seeded.Policies) != len(sla.Defaults().Policies) || seeded.UpdatedBy != "system" {
			t.Fatalf("seeded %+v, %v", seeded, err)
		}
		if entries, _ := s.AuditEntries(ctx, "sla_policies", "1", 10); len(entries) != 1 || entries[0].Action != "sla.policies.seed" {
			t.Errorf("seeding twice must store and audit once: %+v", entries)
		}

		edited := seeded
		edited.Policies[3].Reply = sla.Limit{Value: 12, Unit: sla.WorkingDays}
		edited.Policies[3].Close = edited.Policies[3].Reply
		saved, err := s.SaveSLAPolicies(ctx, audit.Who{Actor: "admin"}, edited)
		if err != nil || saved.Version != 2 || saved.UpdatedBy != "admin" {
			t.Fatalf("save: %+v, %v", saved, err)
		}
		current, err := s.SLAPolicies(ctx)
		if err != nil || current.Version != 2 || current.Policies[3].Close.Value != 12 {
			t.Errorf("in force: %+v, %v", current, err)
		}
		if old, err := s.SLAPolicyVersion(ctx, 1); err != nil || old.Policies[3].Close.Value != 15 {
			t.Errorf("version 1 must stay as it was: %+v, %v", old, err)
		}
		if _, err := s.SLAPolicyVersion(ctx, 9); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown version: %v", err)
		}
		if _, err := s.SaveSLAPolicies(ctx, audit.Who{Actor: "admin2"}, edited); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a save based on version 1 after version 2: %v, want ErrConflict", err)
		}
		bad := current
		bad.Policies = bad.Policies[1:]
		var fe *workorder.FieldError
		if _, err := s.SaveSLAPolicies(ctx, audit.Who{Actor: "admin"}, bad); !errors.As(err, &fe) || fe.Field != "policies" {
			t.Errorf("a set leaving enquiries uncovered: %v", err)
		}
		if entries, _ := s.AuditEntries(ctx, "sla_policies", "2", 10); len(entries) != 1 || entries[0].Actor != "admin" || entries[0].Action != "sla.policies.update" {
			t.Errorf("the edit is not audited: %+v", entries)
		}
	})
}

func TestCalendarYearsImportAndReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		parse := func(text string) []calendar.Arrangement {
			a, err := calendar.Parse(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		if err := s.ImportCalendar(ctx, audit.Who{Actor: "admin"}, parse("year 2027 https://example.org\noff 2027-01-01 元旦\noff 2027-02-06..2027-02-12 春节\n")); err != nil {
			t.Fatal(err)
		}
		got, err := s.CalendarArrangements(ctx)
		if err != nil || len(got) != 1 || got[0].Year != 2027 || len(got[0].Entries) != 2 || got[0].Entries[1].Days() != 7 || got[0].Sources[0] != "https://example.org" {
			t.Fatalf("stored: %+v, %v", got, err)
		}
		if err := s.ImportCalendar(ctx, audit.Who{Actor: "admin"}, parse("year 2027\noff 2027-01-01 元旦\n")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.CalendarArrangements(ctx); len(got) != 1 || len(got[0].Entries) != 1 {
			t.Errorf("a re-import replaces the year: %+v", got)
		}
		if entries, _ := s.AuditEntries(ctx, "calendar_year", "2027", 10); len(entries) != 2 {
			t.Errorf("each import is audited: %d entries", len(entries))
		}
	})
}

// timerWorld is an order with a lead unit, a unit lead and a supervisor, dispatched at base.
type timerWorld struct {
	s    *store.Store
	unit org.Unit
	base time.Time
}

func newTimerWorld(t *testing.T, s *store.Store) *timerWorld {
	t.Helper()
	ctx := context.Background()
	storetest.TinyCity(t, s)
	u, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "LIGHT", Name: "路灯所", Kind: org.UnitCityDepartment, PlaceCode: "150300", ContactPhone: "13900000001"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []access.User{
		{Username: "sup", DisplayName: "督办员", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300", Phone: "13900000002"},
		{Username: "lead", DisplayName: "所长", Roles: []access.Role{access.RoleUnitLead}, UnitID: u.ID, Phone: "13900000003"},
		{Username: "handler", DisplayName: "承办人", Roles: []access.Role{access.RoleHandler}, UnitID: u.ID, Phone: "13900000004"},
		{Username: "old-sup", DisplayName: "已停用", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300", Phone: "13900000005", Disabled: true},
	} {
		if _, err := s.CreateUser(ctx, audit.System, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	return &timerWorld{s: s, unit: u, base: time.Date(2025, 9, 29, 2, 0, 0, 0, time.UTC)}
}

// dispatch creates an order and dispatches it at w.base with the given timers.
func (w *timerWorld) dispatch(t *testing.T, title string, timers ...sla.Timer) workorder.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, _, err := w.s.CreateTicket(ctx, audit.System, store.NewTicket{NumberPrefix: "T",
		Ticket: workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: workorder.MainLine, Type: workorder.TypeComplaint,
			Category: "01", Title: title, Description: title, Urgency: workorder.UrgencyNormal, Location: workorder.Location{PlaceCode: "150302001001001"},
			Status: workorder.StatusNew, CreatedBy: "test", CreatedAt: w.base, UpdatedAt: w.base},
		Event: workorder.Event{At: w.base, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	next := tk
	next.Status, next.LeadUnitID, next.UpdatedAt = workorder.StatusDispatched, w.unit.ID, w.base
	return w.apply(t, tk, next, workorder.ActDispatch, &store.ClockChange{Clock: sla.Clock{Reason: sla.ReasonDispatch, Started: w.base},
		Write: true, Timers: timers, At: w.base})
}

func (w *timerWorld) apply(t *testing.T, before, after workorder.Ticket, act workorder.Action, c *store.ClockChange) workorder.Ticket {
	t.Helper()
	out, err := w.s.ApplyTicketChange(context.Background(), audit.System, store.TicketChange{Before: before, After: after, Clock: c,
		Event: workorder.Event{At: after.UpdatedAt, Action: act, From: before.Status, To: after.Status, Actor: "test", Comment: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func timer(kind sla.Kind, due, fire time.Time) sla.Timer {
	return sla.Timer{Kind: kind, DueAt: due, FireAt: fire}
}

// sweep fires what is due at now and returns the timers fired, as "title:kind".
func (w *timerWorld) sweep(t *testing.T, worker string, now time.Time) []string {
	t.Helper()
	var fired []string
	n, err := w.s.FireTimers(context.Background(), worker, now, 100, func(d store.DueTimer) store.TimerAlert {
		fired = append(fired, d.Ticket.Title+":"+string(d.Kind))
		var recs []outbox.Record
		for _, p := range d.People {
			recs = append(recs, notify.Record(notify.Message{Channel: "sms", To: p.Phone, Body: "督办 " + d.Ticket.Number},
				fmt.Sprintf("test/%s/%s/%d/%s", d.Ticket.ID, d.Kind, d.FireAt.UnixMilli(), p.ID)))
		}
		return store.TimerAlert{Event: workorder.Event{At: now, Action: "overdue", From: d.Ticket.Status, To: d.Ticket.Status,
			Actor: "system", Data: map[string]any{"timer": d.Kind, "unit": d.Unit.Name, "people": len(d.People)}}, Outbox: recs}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(fired) {
		t.Errorf("FireTimers claimed %d timers, the callback saw %d", n, len(fired))
	}
	slices.Sort(fired)
	return fired
}

func TestFireTimersOnceAndOnlyWhenDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newTimerWorld(t, s)
		due := w.base.Add(10 * time.Hour)
		a := w.dispatch(t, "a", timer(sla.CloseWarn, due, w.base.Add(8*time.Hour)), timer(sla.CloseOverdue, due, due))
		w.dispatch(t, "b", timer(sla.CloseOverdue, due.Add(time.Hour), due.Add(time.Hour)))

		if got := w.sweep(t, "n1", w.base.Add(7*time.Hour)); len(got) != 0 {
			t.Errorf("nothing is due yet, fired %v", got)
		}
		if got := w.sweep(t, "n1", w.base.Add(9*time.Hour)); !slices.Equal(got, []string{"a:close_warn"}) {
			t.Errorf("fired %v, want a's warning", got)
		}
		if got := w.sweep(t, "n1", w.base.Add(9*time.Hour)); len(got) != 0 {
			t.Errorf("a second sweep refired %v", got)
		}
		// The server's clock jumps back an hour, then forward a day: nothing twice, nothing skipped.
		if got := w.sweep(t, "n1", w.base.Add(8*time.Hour)); len(got) != 0 {
			t.Errorf("after a jump back: fired %v", got)
		}
		if got := w.sweep(t, "n2", w.base.Add(34*time.Hour)); !slices.Equal(got, []string{"a:close_overdue", "b:close_overdue"}) {
			t.Errorf("after a jump forward: fired %v", got)
		}

		evs, err := s.Timeline(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var alerts []workorder.Event
		for _, ev := range evs {
			if ev.Action == "overdue" {
				alerts = append(alerts, ev)
			}
		}
		if len(alerts) != 2 || alerts[0].Data["unit"] != "路灯所" || alerts[0].Data["people"] != float64(2) {
			t.Errorf("a's alerts on its timeline: %+v (want two, naming its unit, escalated to the supervisor and the lead only)", alerts)
		}
		if entries, _ := s.AuditEntries(ctx, "ticket", a.ID, 10); entries[0].Action != "ticket.overdue" || entries[0].Actor != "system" {
			t.Errorf("the alert is not audited: %+v", entries[0])
		}
		if pending, _, err := s.OutboxStats(ctx); err != nil || pending != 6 {
			t.Errorf("outbox holds %d records (%v), want 2 people × 3 alerts", pending, err)
		}
		timers, err := s.TicketTimers(ctx, a.ID)
		if err != nil || len(timers) != 2 || timers[0].FiredAt.IsZero() || timers[1].FiredAt.IsZero() {
			t.Errorf("a's timers %+v, %v", timers, err)
		}
	})
}

func TestTimersFollowTheOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newTimerWorld(t, s)
		due := w.base.Add(10 * time.Hour)
		warn := timer(sla.CloseWarn, due, w.base.Add(8*time.Hour))
		tk := w.dispatch(t, "a", warn, timer(sla.CloseOverdue, due, due))
		if c, err := s.TicketClock(ctx, tk.ID); err != nil || c.Reason != sla.ReasonDispatch || !c.Started.Equal(w.base) {
			t.Fatalf("clock %+v, %v", c, err)
		}
		if got := w.sweep(t, "n1", w.base.Add(9*time.Hour)); len(got) != 1 {
			t.Fatalf("fired %v", got)
		}
		step := func(act workorder.Action, status workorder.Status, at time.Time, timers ...sla.Timer) {
			t.Helper()
			next := tk
			next.Status, next.UpdatedAt = status, at
			tk = w.apply(t, tk, next, act, &store.ClockChange{Timers: timers, At: at})
		}
		// Suspended: the unfired overdue timer goes; the fired warning stays fired.
		step(workorder.ActSuspend, workorder.StatusSuspended, w.base.Add(9*time.Hour))
		if got := w.sweep(t, "n1", w.base.Add(48*time.Hour)); len(got) != 0 {
			t.Errorf("a suspended order was alerted: %v", got)
		}
		// Resumed an hour later: the warning moved to an instant already passed, so it stays fired;
		// the overdue alert moved an hour on.
		later := due.Add(time.Hour)
		step(workorder.ActResume, workorder.StatusDispatched, w.base.Add(10*time.Hour),
			timer(sla.CloseWarn, later, w.base.Add(9*time.Hour)), timer(sla.CloseOverdue, later, later))
		if got := w.sweep(t, "n1", w.base.Add(10*time.Hour+30*time.Minute)); len(got) != 0 {
			t.Errorf("resuming must not warn again: %v", got)
		}
		// Extended: a warning for the new deadline, which lies ahead, is armed again.
		ext := w.base.Add(30 * time.Hour)
		step(workorder.ActExtendDecide, workorder.StatusDispatched, w.base.Add(11*time.Hour),
			timer(sla.CloseWarn, ext, w.base.Add(25*time.Hour)), timer(sla.CloseOverdue, ext, ext))
		if got := w.sweep(t, "n1", w.base.Add(26*time.Hour)); !slices.Equal(got, []string{"a:close_warn"}) {
			t.Errorf("the new deadline's warning: %v", got)
		}
		// Closed: nothing more, ever.
		step(workorder.ActVisit, workorder.StatusClosed, w.base.Add(27*time.Hour))
		if got := w.sweep(t, "n1", w.base.Add(100*time.Hour)); len(got) != 0 {
			t.Errorf("a closed order was alerted: %v", got)
		}
		if timers, err := s.TicketTimers(ctx, tk.ID); err != nil || len(timers) != 0 {
			t.Errorf("a closed order keeps timers: %+v, %v", timers, err)
		}
	})
}
