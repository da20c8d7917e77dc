package ticketing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// shanghai reads a wall-clock time in Shanghai.
func shanghai(s string) time.Time {
	v, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return v.UTC()
}

// clockWorld is newWorld with a clock the test moves, and the people an overdue order escalates to.
type clockWorld struct {
	*world
	now time.Time
}

func newClockWorld(t *testing.T, st *store.Store, start string) *clockWorld {
	t.Helper()
	w := &clockWorld{world: newWorld(t, st), now: shanghai(start)}
	w.svc.SetClock(func() time.Time { return w.now })
	for _, u := range []access.User{
		{Username: "sup-city", DisplayName: "市督办", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300", Phone: "13700000001"},
		{Username: "sup-hn", DisplayName: "海南区督办", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150303", Phone: "13700000002"},
		{Username: "lead-light", DisplayName: "路灯所所长", Roles: []access.Role{access.RoleUnitLead}, UnitID: w.units["LIGHT"].ID, Phone: "13700000003"},
		{Username: "lead-water", DisplayName: "水务局局长", Roles: []access.Role{access.RoleUnitLead}, UnitID: w.units["WATER"].ID, Phone: "13700000004"},
		{Username: "sup-desk", DisplayName: "座机督办", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300", Phone: "0473-2123456"},
	} {
		if _, err := st.CreateUser(context.Background(), audit.System, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *clockWorld) sweeper(st *store.Store, worker string) *ticketing.Sweeper {
	return &ticketing.Sweeper{Store: st, Worker: worker, Batch: 7, Now: func() time.Time { return w.now }}
}

// alerts lists an order's timeline steps written by timers, as "action:timer".
func alerts(t *testing.T, st *store.Store, id string) []string {
	t.Helper()
	evs, err := st.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		if ev.Action == sla.EventWarning || ev.Action == sla.EventOverdue {
			out = append(out, fmt.Sprintf("%s:%s", ev.Action, ev.Data["timer"]))
		}
	}
	return out
}

// texts takes every queued text message and returns their bodies by number.
func texts(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	recs, err := st.Claim(context.Background(), "test-reader", []string{notify.Topic}, 1000, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range recs {
		var m notify.Message
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			t.Fatal(err)
		}
		out[m.To] = append(out[m.To], m.Body)
	}
	return out
}

func TestDeadlinesFollowTheOrderThroughTheService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newClockWorld(t, st, "2025-09-29 09:00")
		tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake("路灯不亮"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if !tk.DueCloseAt.IsZero() {
			t.Fatal("the clock starts at dispatch, not at intake")
		}
		act := func(who string, c workorder.Command) {
			t.Helper()
			if tk, err = w.svc.Act(ctx, w.actor[who], tk.ID, c); err != nil {
				t.Fatalf("%s: %v", c.Action, err)
			}
		}
		w.now = shanghai("2025-09-29 10:00")
		act("dispatcher", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["LIGHT"].ID})
		if !tk.DueSignAt.Equal(shanghai("2025-09-29 12:00")) || !tk.DueCloseAt.Equal(shanghai("2025-10-27 18:00")) {
			t.Fatalf("due sign %v close %v", tk.DueSignAt, tk.DueCloseAt)
		}
		clock, ok, err := w.svc.Deadlines(ctx, tk)
		if err != nil || !ok || clock.Policy.ID != "complaint" || clock.Close != (sla.Limit{Value: 15, Unit: sla.WorkingDays}) {
			t.Fatalf("deadlines %+v %v %v", clock, ok, err)
		}
		_, evs, _ := w.svc.Timeline(ctx, w.actor["agent"], tk.ID)
		if d, ok := evs[len(evs)-1].Data["deadlines"].(map[string]any); !ok || d["computed_from"] != "2025-09-29T02:00:00Z" {
			t.Errorf("the dispatch step does not record how its due times were computed: %v", evs[len(evs)-1].Data)
		}

		sweep := w.sweeper(st, "n1")
		w.now = shanghai("2025-09-29 11:40")
		if n, err := sweep.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("at 80%% of sign-for: %d alerts, %v", n, err)
		}
		w.now = shanghai("2025-09-29 12:05")
		if n, err := sweep.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sign-for overdue: %d alerts, %v", n, err)
		}
		if got := alerts(t, st, tk.ID); !slices.Equal(got, []string{"warning:sign_warn", "overdue:sign_overdue"}) {
			t.Errorf("alerts %v", got)
		}
		sent := texts(t, st)
		if unit := sent["13900000001"]; len(unit) != 3 || !strings.Contains(unit[1], "将于 2025-09-29 12:00 到签收时限") ||
			!strings.Contains(unit[2], "【12345督办】") {
			t.Errorf("the unit's messages (dispatch, warning, notice): %q", unit)
		}
		for to, want := range map[string]int{"13700000001": 1, "13700000003": 1, "13700000002": 0, "13700000004": 0} {
			if got := sent[to]; len(got) != want || (want == 1 && !strings.Contains(got[0], "路灯所的工单")) {
				t.Errorf("%s got %q, want %d escalation", to, got, want)
			}
		}

		// Signed for late; suspended on 30 September for 5.5 working hours: closure moves by as much.
		act("light", workorder.Command{Action: workorder.ActAccept})
		w.now = shanghai("2025-09-30 14:30")
		act("dispatcher", workorder.Command{Action: workorder.ActSuspend, Comment: "等待市民补充材料"})
		w.now = shanghai("2025-12-01 10:00")
		if n, _ := sweep.Sweep(ctx); n != 0 {
			t.Errorf("a suspended order was alerted %d times", n)
		}
		w.now = shanghai("2025-10-09 10:30")
		act("dispatcher", workorder.Command{Action: workorder.ActResume})
		if !tk.DueCloseAt.Equal(shanghai("2025-10-28 16:30")) {
			t.Errorf("closure due after the pause: %v", tk.DueCloseAt.In(calendar.Shanghai))
		}
		w.now = shanghai("2025-10-23 15:30")
		if n, _ := sweep.Sweep(ctx); n != 1 {
			t.Errorf("closure warning: %d alerts", n)
		}
		act("light", workorder.Command{Action: workorder.ActReply, Comment: "已修复"})
		act("agent", workorder.Command{Action: workorder.ActApprove})
		yes := true
		act("agent", workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: workorder.Satisfied})
		w.now = shanghai("2025-11-30 10:00")
		if n, _ := sweep.Sweep(ctx); n != 0 {
			t.Errorf("a closed order was alerted %d times", n)
		}
		if got := alerts(t, st, tk.ID); len(got) != 3 {
			t.Errorf("alerts %v", got)
		}
	})
}

func TestNoAlertForCancelledWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newClockWorld(t, st, "2025-09-29 10:00")
		tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake("重复反映"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = w.svc.Act(ctx, w.actor["dispatcher"], tk.ID, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["WATER"].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err = w.svc.Act(ctx, w.actor["agent"], tk.ID, workorder.Command{Action: workorder.ActCancel, Comment: "市民撤回"}); err != nil {
			t.Fatal(err)
		}
		w.now = shanghai("2025-12-01 10:00")
		if n, err := w.sweeper(st, "n1").Sweep(ctx); err != nil || n != 0 {
			t.Errorf("a cancelled order: %d alerts, %v", n, err)
		}
	})
}

// TestTwoNodesFireEachAlertOnce runs two sweepers, each with its own connection pool as two servers
// would, over one PostgreSQL database with many due timers: every alert lands exactly once.
func TestTwoNodesFireEachAlertOnce(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *store.Store {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	node1, node2 := open(), open()
	w := newClockWorld(t, node1, "2025-09-29 10:00")
	const orders = 40
	var ids []string
	for i := range orders {
		tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake(fmt.Sprintf("路灯不亮 %d", i)), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Act(ctx, w.actor["dispatcher"], tk.ID, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["LIGHT"].ID}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	w.now = shanghai("2025-11-03 10:00") // every sign-for and closure limit has run out
	var wg sync.WaitGroup
	written := make([]int, 2)
	for i, st := range []*store.Store{node1, node2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw := w.sweeper(st, fmt.Sprintf("node%d", i+1))
			sw.Batch = 3
			for range 50 { // both keep sweeping, over and over, while the other does too
				n, err := sw.Sweep(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				written[i] += n
			}
		}()
	}
	wg.Wait()
	if written[0]+written[1] != orders*4 {
		t.Errorf("the nodes wrote %d + %d alerts, want %d", written[0], written[1], orders*4)
	}
	t.Logf("alerts written by node1: %d, node2: %d", written[0], written[1])
	for _, id := range ids {
		got := alerts(t, node1, id)
		slices.Sort(got)
		if want := []string{"overdue:close_overdue", "overdue:sign_overdue", "warning:close_warn", "warning:sign_warn"}; !slices.Equal(got, want) {
			t.Errorf("order %s: alerts %v, want each once: %v", id, got, want)
		}
	}
	if n, broken, err := node2.VerifyAudit(ctx); err != nil || broken != nil {
		t.Errorf("audit chain after concurrent sweeps: %d entries, %v, %v", n, broken, err)
	}
}
