package ticketing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

type world struct {
	st    *store.Store
	svc   *ticketing.Service
	units map[string]org.Unit
	actor map[string]access.Actor
}

// newWorld is a city with two districts of one grid each, two units, a category tree and the centre's
// people.
func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	storetest.TinyCity(t, st)
	if err := st.ReplaceHotlineLines(ctx, audit.System, hotline.Catalogue()); err != nil {
		t.Fatal(err)
	}
	if err := st.ImportCategories(ctx, audit.System, []category.Category{
		{Code: "01", Name: "城市管理", Level: 1, Active: true},
		{Code: "0101", Name: "路灯", ParentCode: "01", Level: 2, Active: true},
		{Code: "0102", Name: "旧分类", ParentCode: "01", Level: 2, Active: false},
		{Code: "02", Name: "停用大类", Level: 1, Active: false},
		{Code: "0201", Name: "停用大类下的小类", ParentCode: "02", Level: 2, Active: true},
	}); err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, units: map[string]org.Unit{}, actor: map[string]access.Actor{}}
	for _, u := range []org.Unit{
		{Code: "LIGHT", Name: "路灯所", Kind: org.UnitCityDepartment, PlaceCode: "150300", ContactPhone: "13900000001"},
		{Code: "WATER", Name: "水务局", Kind: org.UnitCityDepartment, PlaceCode: "150300"},
	} {
		created, err := st.CreateUnit(ctx, audit.System, u)
		if err != nil {
			t.Fatal(err)
		}
		w.units[u.Code] = created
	}
	city := func(name string, roles ...access.Role) access.Actor {
		return access.Actor{UserID: "id-" + name, Username: name, Roles: roles, ScopeCode: "1503"}
	}
	w.actor["agent"] = city("agent", access.RoleAgent)
	w.actor["dispatcher"] = city("dispatcher", access.RoleDispatcher)
	w.actor["supervisor"] = city("supervisor", access.RoleSupervisor)
	w.actor["light"] = access.Actor{UserID: "id-light", Username: "light", Roles: []access.Role{access.RoleHandler}, UnitID: w.units["LIGHT"].ID, ScopeCode: "1503"}
	w.actor["water"] = access.Actor{UserID: "id-water", Username: "water", Roles: []access.Role{access.RoleHandler}, UnitID: w.units["WATER"].ID, ScopeCode: "1503"}
	w.actor["grid302"] = access.Actor{UserID: "id-g", Username: "grid302", Roles: []access.Role{access.RoleGridWorker}, ScopeCode: "150302001001001"}
	w.svc = ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	return w
}

func intake(title string) workorder.Intake {
	return workorder.Intake{Channel: workorder.ChannelPhone, Type: workorder.TypeComplaint, Category: "0101", Title: title,
		Description: "滨河小区门口的路灯坏了一周，晚上很黑", Caller: workorder.Caller{Name: "张三", Phone: "13812345678"},
		Lng: 106.25, Lat: 39.5, Address: "海勃湾区滨河小区"}
}

func TestCreateNumbersLocatesAndIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		a := w.actor["agent"]
		t1, created, err := w.svc.Create(ctx, a, intake("路灯不亮"), ticketing.Idempotency{})
		if err != nil || !created {
			t.Fatalf("create: %v", err)
		}
		if t1.Location.PlaceCode != "150302001001001" || t1.Status != workorder.StatusNew || len(t1.Number) != 16 || t1.Number[:2] != "WH" {
			t.Fatalf("created %+v", t1)
		}
		t2, _, err := w.svc.Create(ctx, a, intake("路灯又坏"), ticketing.Idempotency{})
		if err != nil || t2.Number <= t1.Number {
			t.Fatalf("second number %s after %s: %v", t2.Number, t1.Number, err)
		}
		idem := ticketing.Idempotency{Key: "k-1", RequestHash: "h-1"}
		first, created, err := w.svc.Create(ctx, a, intake("重试"), idem)
		if err != nil || !created {
			t.Fatal(err)
		}
		again, created, err := w.svc.Create(ctx, a, intake("重试"), idem)
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("retry made %+v (created=%v, err=%v), want the first order back", again.Number, created, err)
		}
		if _, _, err := w.svc.Create(ctx, a, intake("别的内容"), ticketing.Idempotency{Key: "k-1", RequestHash: "other"}); !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Fatalf("reused key with another body: %v", err)
		}
		for field, mutate := range map[string]func(*workorder.Intake){
			"category": func(in *workorder.Intake) { in.Category = "9999" },
			"line":     func(in *workorder.Intake) { in.LineCode = "nope" },
			"lat":      func(in *workorder.Intake) { in.Lat, in.Lng = 30, 100 },
		} {
			in := intake("坏输入")
			mutate(&in)
			var fe *workorder.FieldError
			if _, _, err := w.svc.Create(ctx, a, in, ticketing.Idempotency{}); !errors.As(err, &fe) || fe.Field != field {
				t.Errorf("bad %s: %v", field, err)
			}
		}
		for _, code := range []string{"0102", "0201"} {
			inactive := intake("旧分类")
			inactive.Category = code
			if _, _, err := w.svc.Create(ctx, a, inactive, ticketing.Idempotency{}); err == nil {
				t.Errorf("category %s (retired, or under a retired parent) was accepted", code)
			}
		}
		// Retiring a category on this node applies to the next intake at once.
		lamp, err := st.Category(ctx, "0101")
		if err != nil {
			t.Fatal(err)
		}
		lamp.Active = false
		if _, err := st.UpdateCategory(ctx, audit.System, lamp); err != nil {
			t.Fatal(err)
		}
		w.svc.RefreshCatalogue()
		var fe *workorder.FieldError
		if _, _, err := w.svc.Create(ctx, a, intake("刚停用"), ticketing.Idempotency{}); !errors.As(err, &fe) || fe.Field != "category" {
			t.Errorf("an order under a category retired a moment ago: err = %v, want a category error", err)
		}
		lamp.Active, lamp.Version = true, lamp.Version+1
		if _, err := st.UpdateCategory(ctx, audit.System, lamp); err != nil {
			t.Fatal(err)
		}
		w.svc.RefreshCatalogue()
		if _, _, err := w.svc.Create(ctx, w.actor["light"], intake("单位自己建单"), ticketing.Idempotency{}); !errors.Is(err, access.ErrForbidden) {
			t.Errorf("a unit handler took in an order: %v", err)
		}
		page, err := w.svc.List(ctx, a, store.TicketFilter{})
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("listing after 3 creations (one retried): %d items, %v", len(page.Items), err)
		}
		for code, want := range map[string]int{"01": 3, "0101": 3, "0102": 0} {
			page, err := w.svc.List(ctx, a, store.TicketFilter{Category: code})
			if err != nil || len(page.Items) != want {
				t.Errorf("category %s and below: %d orders, want %d (%v)", code, len(page.Items), want, err)
			}
		}
	})
}

func TestLifecycleThroughTheService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake("路灯不亮"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		act := func(who string, c workorder.Command) workorder.Ticket {
			t.Helper()
			got, err := w.svc.Act(ctx, w.actor[who], tk.Number, c)
			if err != nil {
				t.Fatalf("%s by %s: %v", c.Action, who, err)
			}
			tk = got
			return got
		}
		if _, err := w.svc.Get(ctx, w.actor["light"], tk.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a unit saw an order before it was dispatched to it: %v", err)
		}
		act("dispatcher", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["LIGHT"].ID, CoUnitIDs: []string{w.units["WATER"].ID}})
		if _, err := w.svc.Get(ctx, w.actor["water"], tk.ID); err != nil {
			t.Fatalf("the co-handling unit cannot see the order: %v", err)
		}
		act("light", workorder.Command{Action: workorder.ActAccept})
		act("water", workorder.Command{Action: workorder.ActReply, Comment: "已检查供水，无关"})
		act("light", workorder.Command{Action: workorder.ActReply, Comment: "已更换灯泡"})
		act("agent", workorder.Command{Action: workorder.ActApprove})
		yes := true
		closed := act("agent", workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: workorder.Satisfied})
		if closed.Status != workorder.StatusClosed {
			t.Fatalf("status %s", closed.Status)
		}
		_, evs, err := w.svc.Timeline(ctx, w.actor["agent"], tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []workorder.Action
		for i, ev := range evs {
			if ev.Seq != i+1 {
				t.Errorf("event %d has seq %d", i, ev.Seq)
			}
			actions = append(actions, ev.Action)
		}
		want := []workorder.Action{"create", "dispatch", "accept", "reply", "reply", "approve", "visit"}
		if fmt.Sprint(actions) != fmt.Sprint(want) {
			t.Fatalf("timeline %v, want %v", actions, want)
		}
		if _, err := w.svc.Act(ctx, w.actor["light"], tk.ID, workorder.Command{Action: workorder.ActAccept}); !errors.Is(err, workorder.ErrIllegal) {
			t.Fatalf("signing for a closed order: %v", err)
		}
		if n, broken, err := st.VerifyAudit(ctx); err != nil || broken != nil || n < 8 {
			t.Fatalf("audit chain after the lifecycle: %d entries, %v, %v", n, broken, err)
		}
	})
}

func TestTwoPeopleActingAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake("同时操作"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		// Both dispatchers loaded version 1; only one dispatch may land.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, unit := range []string{"LIGHT", "WATER"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.svc.Act(ctx, w.actor["dispatcher"], tk.ID, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units[unit].ID, Version: tk.Version})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrConflict), errors.Is(err, workorder.ErrIllegal):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d dispatches landed, want exactly 1 (%v)", ok, errs)
		}
		_, evs, _ := w.svc.Timeline(ctx, w.actor["agent"], tk.ID)
		if len(evs) != 2 {
			t.Fatalf("timeline has %d events, want create + one dispatch", len(evs))
		}
		if _, err := w.svc.Act(ctx, w.actor["dispatcher"], tk.ID, workorder.Command{Action: workorder.ActCancel, Comment: "x", Version: 1}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("an action on a stale version: %v", err)
		}
	})
}

func TestScopeSearchMergeAndCallerHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		a := w.actor["agent"]
		master, _, _ := w.svc.Create(ctx, a, intake("滨河小区路灯不亮"), ticketing.Idempotency{})
		dup := intake("小区路灯坏了")
		dup.Caller.Phone = "13987654321"
		child, _, _ := w.svc.Create(ctx, a, dup, ticketing.Idempotency{})
		far := intake("海南区噪音扰民")
		far.Lng, far.Lat, far.Address = 107.25, 39.5, "海南区"
		far.Description = "夜间施工噪音"
		farT, _, err := w.svc.Create(ctx, a, far, ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		grid, err := w.svc.List(ctx, w.actor["grid302"], store.TicketFilter{})
		if err != nil || len(grid.Items) != 2 {
			t.Fatalf("grid worker of 150302 sees %d orders, want 2 (%v)", len(grid.Items), err)
		}
		if _, err := w.svc.Get(ctx, w.actor["grid302"], farT.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("grid worker opened an order of another district: %v", err)
		}
		none, _ := w.svc.List(ctx, w.actor["light"], store.TicketFilter{})
		if len(none.Items) != 0 {
			t.Fatalf("a unit lists %d orders it was never sent", len(none.Items))
		}
		for q, want := range map[string]int{"路灯": 2, "噪音": 1, "灯": 2, "滨河小区": 2, "夜间施工": 1, "不存在的词": 0, "🙂": 0} {
			page, err := w.svc.List(ctx, a, store.TicketFilter{Query: q})
			if err != nil || len(page.Items) != want {
				t.Errorf("search %q: %d results, want %d (%v)", q, len(page.Items), want, err)
			}
		}
		merged, err := w.svc.Act(ctx, w.actor["dispatcher"], child.ID, workorder.Command{Action: workorder.ActMerge, MasterID: master.Number})
		if err != nil || merged.Status != workorder.StatusMerged || merged.MasterID != master.ID {
			t.Fatalf("merge: %+v %v", merged, err)
		}
		if _, err := w.svc.Act(ctx, w.actor["dispatcher"], farT.ID, workorder.Command{Action: workorder.ActMerge, MasterID: child.ID}); err == nil {
			t.Fatal("merged into an order that is itself a duplicate")
		}
		hist, err := w.svc.CallerHistory(ctx, a, "13812345678")
		if err != nil || len(hist) != 2 {
			t.Fatalf("caller history: %d, %v", len(hist), err)
		}
		if _, err := w.svc.CallerHistory(ctx, w.actor["light"], "13812345678"); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("a unit read a caller's history: %v", err)
		}
		// Closing the master tells every caller, the duplicate's too.
		if _, err := w.svc.Act(ctx, a, master.ID, workorder.Command{Action: workorder.ActAnswer, Comment: "已转告路灯所，今晚修复"}); err != nil {
			t.Fatal(err)
		}
		pending, _, err := st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 3 intake SMS and 3 triage records + 2 closure SMS (master and its duplicate).
		if pending != 8 {
			t.Fatalf("%d outbox records queued, want 8", pending)
		}
	})
}
