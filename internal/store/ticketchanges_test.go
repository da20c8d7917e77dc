package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

func TestTicketsChangedBetween(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		base := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
		create := func(at time.Time) workorder.Ticket {
			t.Helper()
			tk, _, err := s.CreateTicket(ctx, audit.System, store.NewTicket{NumberPrefix: "T",
				Ticket: workorder.Ticket{Channel: workorder.ChannelOpen311, LineCode: workorder.MainLine, Type: workorder.TypeComplaint,
					Category: "01", Title: "路灯不亮", Description: "路灯不亮", Urgency: workorder.UrgencyNormal,
					Status: workorder.StatusNew, CreatedBy: "test", CreatedAt: at, UpdatedAt: at},
				Event: workorder.Event{At: at, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "test"}})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		early, a, b := create(base.Add(-48*time.Hour)), create(base), create(base.Add(time.Hour))
		// The early order changes inside the window: it counts from that step.
		later := early
		later.Status, later.UpdatedAt, later.ClosedAt = workorder.StatusCancelled, base.Add(2*time.Hour), base.Add(2*time.Hour)
		if _, err := s.ApplyTicketChange(ctx, audit.System, store.TicketChange{Before: early, After: later,
			Event: workorder.Event{At: later.UpdatedAt, Action: workorder.ActCancel, From: workorder.StatusNew,
				To: workorder.StatusCancelled, Actor: "test", Comment: "重复"}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name     string
			from, to time.Time
			limit    int
			want     []string
		}{
			{"whole window, by first step", base, base.Add(3 * time.Hour), 10, []string{a.ID, b.ID, early.ID}},
			{"limit keeps the earliest", base, base.Add(3 * time.Hour), 2, []string{a.ID, b.ID}},
			{"end excluded", base, base.Add(time.Hour), 10, []string{a.ID}},
			{"only the late step of the early order", base.Add(90 * time.Minute), base.Add(3 * time.Hour), 10, []string{early.ID}},
			{"nothing", base.Add(-24 * time.Hour), base.Add(-time.Hour), 10, nil},
		} {
			changed, err := s.TicketsChangedBetween(ctx, c.from, c.to, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range changed {
				got = append(got, ch.ID)
				if ch.FirstAt.Before(c.from) || !ch.FirstAt.Before(c.to) {
					t.Errorf("%s: %s first changed at %v, outside the window", c.name, ch.ID, ch.FirstAt)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		changed, err := s.TicketsChangedBetween(ctx, base, base.Add(3*time.Hour), 10)
		if err != nil || len(changed) != 3 || !changed[0].FirstAt.Equal(base) || !changed[2].FirstAt.Equal(later.UpdatedAt) {
			t.Errorf("first steps %+v (%v): want the intake of a at %v and the cancellation of the early order at %v", changed, err, base, later.UpdatedAt)
		}
	})
}
