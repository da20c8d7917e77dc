package democity

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// seeded writes the demo city into a fresh store.
func seeded(t testing.TB, st *store.Store) {
	t.Helper()
	if _, err := Seed(context.Background(), st, demoCity(t), testOptions); err != nil {
		t.Fatal(err)
	}
}

// historyEnd is the present of the history tests: a Saturday afternoon.
var historyEnd = time.Date(2026, 11, 28, 15, 30, 0, 0, workorder.Shanghai)

// allTickets reads every order, newest first.
func allTickets(t *testing.T, st *store.Store) []workorder.Ticket {
	t.Helper()
	var out []workorder.Ticket
	f := store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Limit: 500}
	for {
		page, err := st.Tickets(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

func TestFillHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seeded(t, st)
		var days []string
		stats, err := FillHistory(ctx, st, HistoryOptions{Days: 3, PerDay: 120, End: historyEnd, Seed: 1,
			Progress: func(day string, n int) { days = append(days, day) }})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"20261126", "20261127", "20261128"}; !slices.Equal(days, want) {
			t.Errorf("days written %v, want %v, oldest first", days, want)
		}
		orders := allTickets(t, st)
		if len(orders) != stats.Orders || stats.Orders < 200 || stats.Orders > 330 || stats.Events < 2*stats.Orders {
			t.Fatalf("%d orders read, stats %+v", len(orders), stats)
		}
		statuses := map[workorder.Status]int{}
		perDay := map[string]int{}
		for _, o := range orders {
			statuses[o.Status]++
			day := workorder.NumberDay(o.CreatedAt)
			perDay[day]++
			if !strings.HasPrefix(o.Number, "WH"+day) || !o.CreatedAt.Before(historyEnd) {
				t.Errorf("order %s created %s", o.Number, o.CreatedAt)
			}
		}
		for _, s := range []workorder.Status{workorder.StatusNew, workorder.StatusDispatched, workorder.StatusAccepted,
			workorder.StatusReplied, workorder.StatusVisiting, workorder.StatusClosed} {
			if statuses[s] == 0 {
				t.Errorf("no order is %s: %v", s, statuses)
			}
		}
		// Every timeline is coherent: it starts with the intake, runs forward in time, and ends where
		// the order stands; dispatched orders name a unit.
		for _, o := range orders[:min(len(orders), 120)] {
			evs, err := st.Timeline(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != o.Version || evs[0].Action != workorder.ActCreate || evs[len(evs)-1].To != o.Status {
				t.Fatalf("order %s (%s, version %d) has timeline %+v", o.Number, o.Status, o.Version, evs)
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].At.Before(evs[i-1].At) || evs[i].From != evs[i-1].To && evs[i].Action != workorder.ActReply {
					t.Errorf("order %s step %d: %s %s→%s at %s after %s", o.Number, i, evs[i].Action, evs[i].From, evs[i].To, evs[i].At, evs[i-1].At)
				}
			}
			if o.Status == workorder.StatusDispatched && o.LeadUnitID == "" {
				t.Errorf("order %s is dispatched to no unit", o.Number)
			}
		}
		// The counters are set: an order taken in now gets the number after today's history.
		svc := ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
		svc.SetClock(func() time.Time { return historyEnd })
		users, _ := st.Users(ctx, store.UserFilter{Role: access.RoleAgent})
		m := demoTexts(t, 99).Matter(historyEnd)
		agent := access.Actor{UserID: users[0].ID, Username: users[0].Username, Roles: users[0].Roles, UnitID: users[0].UnitID, ScopeCode: "1503"}
		made, _, err := svc.Create(ctx, agent, m.Intake, ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if want := workorder.FormatNumber("WH", "20261128", int64(perDay["20261128"]+1)); made.Number != want {
			t.Errorf("new order numbered %s, want %s", made.Number, want)
		}
		// Full-text search finds history orders by the words of their title.
		probe := orders[len(orders)/2]
		page, err := st.Tickets(ctx, store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Query: probe.Title, Limit: 500})
		if err != nil || !slices.ContainsFunc(page.Items, func(o workorder.Ticket) bool { return o.ID == probe.ID }) {
			t.Errorf("searching %q did not find %s (%v)", probe.Title, probe.Number, err)
		}
		for _, day := range days {
			if entries, err := st.AuditEntries(ctx, "ticket_day", day, 5); err != nil || len(entries) != 1 || entries[0].Action != "history.import" {
				t.Errorf("audit of %s: %+v (%v)", day, entries, err)
			}
		}
		if _, broken, err := st.VerifyAudit(ctx); err != nil || broken != nil {
			t.Errorf("audit chain broken at %+v (%v)", broken, err)
		}
	})
}

// TestHistoryIsRealistic lives through a month of orders in memory and checks the shape of the
// hotline's work: how orders end, how long they take, how citizens judge them, and that the detours
// of real orders all occur.
func TestHistoryIsRealistic(t *testing.T) {
	st := storetest.SQLite(t)
	seeded(t, st)
	h, err := newHistorian(context.Background(), st, 5, historyEnd)
	if err != nil {
		t.Fatal(err)
	}
	h.perDay = 200
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, workorder.Shanghai)
	actions := map[workorder.Action]int{}
	var visits, content, orders, old, oldOpen, answered, dispatchedClosed int
	var closure []time.Duration
	users := map[string]bool{}
	for _, u := range testUsers(t, st) {
		users[u] = true
	}
	units, _ := st.Units(context.Background(), store.UnitFilter{})
	unitCodes := map[string]string{}
	for _, u := range units {
		unitCodes[u.ID] = u.Code
	}
	for d := range 40 {
		day, err := h.day(start.AddDate(0, 0, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range day {
			orders++
			tk := o.Ticket
			if historyEnd.Sub(tk.CreatedAt) > 30*24*time.Hour {
				old++
				if tk.Open() {
					oldOpen++
				}
			}
			wasDispatched := false
			for _, ev := range o.Events {
				actions[ev.Action]++
				wasDispatched = wasDispatched || ev.Action == workorder.ActDispatch
				if !users[ev.Actor] && unitCodes[ev.ActorUnitID] != ev.Actor {
					t.Fatalf("step %s by %q, neither a demo user nor its unit's own signature", ev.Action, ev.Actor)
				}
				if ev.Action == workorder.ActVisit {
					visits++
					if s := ev.Data["satisfaction"]; s == workorder.Satisfied || s == workorder.BasicallySatisfied {
						if ev.Data["resolved"] == true {
							content++
						}
					}
				}
			}
			if tk.Status == workorder.StatusClosed {
				if wasDispatched {
					dispatchedClosed++
					closure = append(closure, tk.ClosedAt.Sub(tk.CreatedAt))
				} else {
					answered++
				}
			}
		}
	}
	if got := float64(oldOpen) / float64(old); got > 0.02 {
		t.Errorf("%.3f of the orders older than a month are still open", got)
	}
	if got := float64(content) / float64(visits); got < 0.96 || got > 0.99 {
		t.Errorf("satisfied or basically satisfied at %.3f of %d return visits, want about 0.97-0.98", got, visits)
	}
	slices.Sort(closure)
	if median := closure[len(closure)/2]; median < 4*24*time.Hour || median > 6*24*time.Hour {
		t.Errorf("median closure of dispatched orders %s, want about 4-6 days", median)
	}
	if got := float64(answered) / float64(orders); got < 0.1 || got > 0.35 {
		t.Errorf("first-line answers are %.2f of the orders", got)
	}
	for _, a := range workorder.Actions {
		if actions[a] == 0 {
			t.Errorf("no %s in %d orders: %v", a, orders, actions)
		}
	}
}

func testUsers(t *testing.T, st *store.Store) []string {
	t.Helper()
	users, err := st.Users(context.Background(), store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range users {
		out = append(out, u.Username)
	}
	return out
}

// BenchmarkHistoryDay makes up and writes one day of history at the reference pace per iteration, on
// SQLite: the demo's 90 days take about 90 times as long.
func BenchmarkHistoryDay(b *testing.B) {
	st := storetest.SQLite(b)
	seeded(b, st)
	ctx := context.Background()
	h, err := newHistorian(ctx, st, 1, historyEnd)
	if err != nil {
		b.Fatal(err)
	}
	h.perDay = ReferencePace
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, workorder.Shanghai)
	orders := 0
	for b.Loop() {
		day, err := h.day(date)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.ImportHistory(ctx, audit.System, "WH", workorder.NumberDay(date), day); err != nil {
			b.Fatal(err)
		}
		orders += len(day)
		date = date.AddDate(0, 0, 1)
	}
	b.ReportMetric(float64(orders)/b.Elapsed().Seconds(), "orders/s")
}
