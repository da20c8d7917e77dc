package democity

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

func TestSimulatorKeepsTheCityMoving(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seeded(t, st)
		if _, err := FillHistory(ctx, st, HistoryOptions{Days: 2, PerDay: 60, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		before := allTickets(t, st)
		simStart := time.Now()
		svc := ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
		sim, err := NewSimulator(ctx, st, svc, SimOptions{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		const steps = 30
		moved := 0
		for range steps {
			res, err := sim.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created == "" {
				t.Fatal("a step took in no order")
			}
			moved += res.Moved
		}
		after := allTickets(t, st)
		if len(after) != len(before)+steps {
			t.Errorf("%d orders after %d steps, had %d", len(after), steps, len(before))
		}
		if moved < steps {
			t.Errorf("only %d moves in %d steps", moved, steps)
		}
		statuses := map[workorder.Status]int{}
		for _, o := range after {
			statuses[o.Status]++
		}
		if len(statuses) < 5 {
			t.Errorf("orders are in only %d statuses: %v", len(statuses), statuses)
		}
		// The simulated steps were taken through the service by the demo users whose part they are.
		people, err := st.Users(ctx, store.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string][]access.Role{}
		for _, u := range people {
			roles[u.Username] = u.Roles
		}
		actions := map[workorder.Action]int{}
		for _, o := range after {
			if o.UpdatedAt.Before(simStart) {
				continue
			}
			evs, err := st.Timeline(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.At.Before(simStart) || ev.Action == workorder.ActCreate {
					continue
				}
				actions[ev.Action]++
				want, centre := desks[ev.Action]
				switch {
				case roles[ev.Actor] == nil:
					t.Errorf("simulated %s on %s by %q, not a demo user", ev.Action, o.Number, ev.Actor)
				case centre && !slices.Contains(roles[ev.Actor], want):
					t.Errorf("%s on %s by %s %v, want the %s", ev.Action, o.Number, ev.Actor, roles[ev.Actor], want)
				case !centre && ev.ActorUnitID == "":
					t.Errorf("%s on %s by %s, who is in no unit", ev.Action, o.Number, ev.Actor)
				}
			}
		}
		for _, a := range []workorder.Action{workorder.ActDispatch, workorder.ActAccept, workorder.ActReply, workorder.ActApprove, workorder.ActVisit} {
			if actions[a] == 0 {
				t.Errorf("the simulator took no %s: %v", a, actions)
			}
		}
		if n, broken, err := st.VerifyAudit(ctx); err != nil || broken != nil {
			t.Errorf("audit chain of %d entries broken at %+v (%v)", n, broken, err)
		}
	})
}

// TestSimulatorsShareACity runs two simulators on one city at once: each skips the orders the other
// changed under it instead of failing.
func TestSimulatorsShareACity(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	seeded(t, st)
	if _, err := FillHistory(ctx, st, HistoryOptions{Days: 1, PerDay: 80, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	svc := ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for seed := range uint64(2) {
		sim, err := NewSimulator(ctx, st, svc, SimOptions{Seed: 10 + seed, MovesPerOrder: 12})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 15 {
				if _, err := sim.Step(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a simulator failed beside another: %v", err)
	}
}

func TestSimulatorRunStopsWithItsContext(t *testing.T) {
	st := storetest.SQLite(t)
	seeded(t, st)
	svc := ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	sim, err := NewSimulator(context.Background(), st, svc, SimOptions{Rate: 36000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() { done <- sim.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
	if n := len(allTickets(t, st)); n == 0 {
		t.Error("at 10 orders a second, Run took in nothing in 0.7 s")
	}
}
