package ticketing_test

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
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// portalIntake is what a citizen types on the portal.
func portalIntake(title string) workorder.Intake {
	in := intake(title)
	in.Channel = workorder.ChannelPhone // the portal must put its own channel in
	in.Caller = workorder.Caller{Name: "李四", Phone: "13811112222"}
	return in
}

func kinds(steps []ticketing.CitizenStep) []ticketing.StepKind {
	var out []ticketing.StepKind
	for _, s := range steps {
		out = append(out, s.Kind)
	}
	return out
}

// toVisit takes an order to the street-light office and through its reply and the centre's approval,
// to where it waits for the return visit.
func (w *world) toVisit(t *testing.T, id, reply string) {
	t.Helper()
	for _, step := range []struct {
		who string
		c   workorder.Command
	}{
		{"dispatcher", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["LIGHT"].ID}},
		{"light", workorder.Command{Action: workorder.ActAccept}},
		{"light", workorder.Command{Action: workorder.ActReply, Comment: reply}},
		{"agent", workorder.Command{Action: workorder.ActApprove}},
	} {
		if _, err := w.svc.Act(context.Background(), w.actor[step.who], id, step.c); err != nil {
			t.Fatalf("%s: %v", step.c.Action, err)
		}
	}
}

func TestPortalActorIsMadeOnceForTheWholeCity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		a, err := w.svc.PortalActor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != ticketing.PortalUsername || a.ScopeCode != "1503" || !slices.Equal(a.Roles, []access.Role{access.RoleMachine}) {
			t.Fatalf("portal actor %+v, want citizen-portal, machine, scope 1503", a)
		}
		again, err := w.svc.PortalActor(ctx)
		if err != nil || again.UserID != a.UserID {
			t.Fatalf("second call gave %+v (%v), want the same account", again, err)
		}
		u, err := st.UserByUsername(ctx, ticketing.PortalUsername)
		if err != nil || !u.Machine || u.PlaceCode != "150300" {
			t.Fatalf("stored account %+v (%v), want a machine user placed at the city", u, err)
		}
		u.Disabled = true
		if _, err := st.UpdateUser(ctx, audit.System, u); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SubmitFromPortal(ctx, portalIntake("门户关闭"), "192.0.2.1", ticketing.Idempotency{}); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("submission while the portal account is disabled: %v", err)
		}
	})
}

func TestSubmitFromPortalCountsPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		svc := ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH", PortalLimit: 3})
		tk, err := svc.SubmitFromPortal(ctx, portalIntake("路灯不亮"), "192.0.2.7", ticketing.Idempotency{Key: "form-1", RequestHash: "h1"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != workorder.ChannelWeb || tk.CreatedBy != ticketing.PortalUsername || tk.QueryCode == "" ||
			tk.Location.PlaceCode != "150302001001001" || tk.Caller.Phone != "13811112222" {
			t.Fatalf("portal order %+v", tk)
		}
		_, evs, err := w.svc.Timeline(ctx, w.actor["agent"], tk.ID)
		if err != nil || len(evs) != 1 || evs[0].Actor != ticketing.PortalUsername {
			t.Fatalf("timeline %+v (%v), want the intake by citizen-portal", evs, err)
		}
		// A form sent twice (a double tap, a reload) gives the same order and costs nothing.
		again, err := svc.SubmitFromPortal(ctx, portalIntake("路灯不亮"), "192.0.2.7", ticketing.Idempotency{Key: "form-1", RequestHash: "h1"})
		if err != nil || again.ID != tk.ID {
			t.Fatalf("the retried form made %s (%v), want %s again", again.Number, err, tk.Number)
		}
		// Bad input is refused with its field and costs nothing either.
		for field, mutate := range map[string]func(*workorder.Intake){
			"title":        func(in *workorder.Intake) { in.Title = "" },
			"caller.phone": func(in *workorder.Intake) { in.Caller.Phone = "12345" },
			"category":     func(in *workorder.Intake) { in.Category = "0102" },
			"lat":          func(in *workorder.Intake) { in.Lat, in.Lng = 30, 100 },
		} {
			in := portalIntake("坏输入")
			mutate(&in)
			var fe *workorder.FieldError
			if _, err := svc.SubmitFromPortal(ctx, in, "192.0.2.7", ticketing.Idempotency{}); !errors.As(err, &fe) || fe.Field != field {
				t.Errorf("bad %s: %v", field, err)
			}
		}
		for i := range 2 {
			if _, err := svc.SubmitFromPortal(ctx, portalIntake(fmt.Sprint("第", i+2, "件")), "192.0.2.7", ticketing.Idempotency{}); err != nil {
				t.Fatalf("submission %d of 3: %v", i+2, err)
			}
		}
		var le *ticketing.LimitError
		if _, err := svc.SubmitFromPortal(ctx, portalIntake("第四件"), "192.0.2.7", ticketing.Idempotency{}); !errors.As(err, &le) || le.Limit != 3 {
			t.Fatalf("a fourth submission within the hour: %v", err)
		}
		if _, err := svc.SubmitFromPortal(ctx, portalIntake("邻居"), "192.0.2.8", ticketing.Idempotency{}); err != nil {
			t.Fatalf("another address was refused: %v", err)
		}
		// An IPv6 address counts with its /64: another address of the same block shares the allowance.
		for i, addr := range []string{"2001:db8:1:2::10", "2001:db8:1:2:aaaa::1", "2001:db8:1:2::ffff"} {
			if _, err := svc.SubmitFromPortal(ctx, portalIntake("IPv6"), addr, ticketing.Idempotency{}); err != nil {
				t.Fatalf("IPv6 submission %d: %v", i+1, err)
			}
		}
		if _, err := svc.SubmitFromPortal(ctx, portalIntake("IPv6"), "2001:db8:1:2:bbbb::2", ticketing.Idempotency{}); !errors.As(err, &le) {
			t.Fatalf("a fourth submission from the same /64: %v", err)
		}
		if _, err := svc.SubmitFromPortal(ctx, portalIntake("IPv6"), "2001:db8:1:3::1", ticketing.Idempotency{}); err != nil {
			t.Fatalf("the next /64 was refused: %v", err)
		}
		page, err := w.svc.List(ctx, w.actor["agent"], store.TicketFilter{Channel: workorder.ChannelWeb})
		if err != nil || len(page.Items) != 8 {
			t.Fatalf("%d web orders stored (%v), want 8", len(page.Items), err)
		}
	})
}

func TestCitizenFollowsAndRatesAnOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		tk, err := w.svc.SubmitFromPortal(ctx, portalIntake("路灯不亮"), "192.0.2.9", ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		act := func(who string, c workorder.Command) {
			t.Helper()
			if _, err := w.svc.Act(ctx, w.actor[who], tk.ID, c); err != nil {
				t.Fatalf("%s by %s: %v", c.Action, who, err)
			}
		}
		view := func() ticketing.CitizenTicket {
			t.Helper()
			v, err := w.svc.CitizenView(ctx, tk.Number, tk.QueryCode)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v := view()
		if v.Stage != ticketing.StageReceived || v.Title != "路灯不亮" || v.CategoryName != "路灯" || v.CanRate || len(v.Steps) != 1 {
			t.Fatalf("fresh order seen as %+v", v)
		}
		// Wrong number, wrong code, an id instead of a number, markup: all the same not-found.
		want := ""
		for _, probe := range [][2]string{{tk.Number, "WRONGCOD"}, {"WH20000101000001", tk.QueryCode}, {tk.ID, tk.QueryCode},
			{"<script>", "\x00\xff"}, {"", ""}} {
			_, err := w.svc.CitizenView(ctx, probe[0], probe[1])
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("probe %q: %v, want not found", probe, err)
			}
			if want == "" {
				want = err.Error()
			} else if err.Error() != want {
				t.Errorf("probe %q says %q, unlike %q: the answer tells which half was wrong", probe, err, want)
			}
		}
		typed := strings.ToLower(tk.QueryCode[:4]) + " " + tk.QueryCode[4:]
		if _, err := w.svc.CitizenView(ctx, " "+strings.ToLower(tk.Number)+" ", typed); err != nil {
			t.Errorf("the codes typed in lower case with a space: %v", err)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, true, workorder.Satisfied, ""); !errors.Is(err, ticketing.ErrNotRatable) {
			t.Fatalf("rating before any reply: %v", err)
		}

		act("dispatcher", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.units["LIGHT"].ID, CoUnitIDs: []string{w.units["WATER"].ID}})
		act("light", workorder.Command{Action: workorder.ActAccept})
		act("water", workorder.Command{Action: workorder.ActReply, Comment: "水务局内部意见"})
		act("light", workorder.Command{Action: workorder.ActReply, Comment: "第一版答复"})
		if v := view(); v.Stage != ticketing.StageHandling || slices.Contains(kinds(v.Steps), ticketing.StepReplied) {
			t.Fatalf("a reply under review is public: %+v", v)
		}
		act("agent", workorder.Command{Action: workorder.ActReject, Comment: "答复不完整"})
		act("light", workorder.Command{Action: workorder.ActReply, Comment: "已更换灯泡，今晚恢复照明"})
		act("agent", workorder.Command{Action: workorder.ActApprove})
		v = view()
		wantKinds := []ticketing.StepKind{"received", "dispatched", "accepted", "replied"}
		if v.Stage != ticketing.StageReplied || !v.CanRate || !slices.Equal(kinds(v.Steps), wantKinds) {
			t.Fatalf("after approval: stage %s, can rate %v, steps %v, want replied, true, %v", v.Stage, v.CanRate, kinds(v.Steps), wantKinds)
		}
		if got := v.Steps[1].Units; !slices.Equal(got, []string{"路灯所", "水务局"}) {
			t.Errorf("dispatched to %v, want the lead and the co-handler by name", got)
		}
		if r := v.Steps[3]; r.Text != "已更换灯泡，今晚恢复照明" || !slices.Equal(r.Units, []string{"路灯所"}) {
			t.Errorf("public reply %+v, want the approved text from 路灯所", r)
		}
		shown := fmt.Sprintf("%+v", v)
		for _, secret := range []string{"李四", "13811112222", "agent", "dispatcher", "light", "water", "水务局内部意见", "第一版答复", "答复不完整", "滨河小区"} {
			if strings.Contains(shown, secret) {
				t.Errorf("the citizen view shows %q: %s", secret, shown)
			}
		}

		var fe *workorder.FieldError
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, true, "great", ""); !errors.As(err, &fe) || fe.Field != "satisfaction" {
			t.Fatalf("an unknown satisfaction: %v", err)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, "WRONGCOD", true, workorder.Satisfied, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rating with a wrong code: %v", err)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, true, workorder.Satisfied, "<b>谢谢</b>"); err != nil {
			t.Fatal(err)
		}
		v = view()
		if v.Stage != ticketing.StageClosed || v.CanRate || v.Satisfaction != workorder.Satisfied || v.Resolved == nil || !*v.Resolved {
			t.Fatalf("after the rating: %+v", v)
		}
		if got := kinds(v.Steps)[4:]; !slices.Equal(got, []ticketing.StepKind{"rated", "closed"}) {
			t.Errorf("steps after the rating %v, want rated, closed", got)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, false, workorder.Unsatisfied, ""); !errors.Is(err, ticketing.ErrAlreadyRated) {
			t.Fatalf("rating twice: %v", err)
		}
		_, evs, _ := w.svc.Timeline(ctx, w.actor["agent"], tk.ID)
		last := evs[len(evs)-1]
		if last.Action != workorder.ActVisit || last.Actor != ticketing.PortalUsername || last.Comment != "<b>谢谢</b>" {
			t.Fatalf("the visit on the timeline: %+v", last)
		}
		if n, broken, err := st.VerifyAudit(ctx); err != nil || broken != nil || n == 0 {
			t.Fatalf("audit chain: %d, %v, %v", n, broken, err)
		}
	})
}

func TestCitizenUnsatisfiedSendsTheOrderBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		tk, err := w.svc.SubmitFromPortal(ctx, portalIntake("路灯还是不亮"), "192.0.2.10", ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		w.toVisit(t, tk.ID, "已修复")
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, false, workorder.Unsatisfied, "晚上还是黑的"); err != nil {
			t.Fatal(err)
		}
		got, err := st.Ticket(ctx, tk.ID)
		if err != nil || got.Status != workorder.StatusDispatched || got.RehandleCount != 1 || got.LeadUnitID != w.units["LIGHT"].ID {
			t.Fatalf("after an unsatisfied rating: %+v (%v), want re-handling by the same unit", got, err)
		}
		v, err := w.svc.CitizenView(ctx, tk.Number, tk.QueryCode)
		if err != nil || v.Stage != ticketing.StageHandling || v.CanRate || kinds(v.Steps)[len(v.Steps)-1] != ticketing.StepRehandling {
			t.Fatalf("view after re-handling: %+v (%v)", v, err)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, true, workorder.Satisfied, ""); !errors.Is(err, ticketing.ErrNotRatable) {
			t.Fatalf("rating again while the unit works on it: %v", err)
		}
	})
}

func TestCitizenRatesADirectAnswerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		tk, err := w.svc.SubmitFromPortal(ctx, portalIntake("路灯归谁管"), "192.0.2.11", ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Act(ctx, w.actor["agent"], tk.ID, workorder.Command{Action: workorder.ActAnswer, Comment: "路灯由路灯所负责"}); err != nil {
			t.Fatal(err)
		}
		v, err := w.svc.CitizenView(ctx, tk.Number, tk.QueryCode)
		if err != nil || !v.CanRate || v.Resolved != nil || !slices.Equal(kinds(v.Steps), []ticketing.StepKind{"received", "answered", "closed"}) {
			t.Fatalf("answered order seen as %+v (%v)", v, err)
		}
		if v.Steps[1].Text != "路灯由路灯所负责" {
			t.Errorf("answer text %q", v.Steps[1].Text)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, false, workorder.BasicallySatisfied, "还想知道电话"); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Ticket(ctx, tk.ID)
		if got.Status != workorder.StatusClosed || got.Satisfaction != workorder.BasicallySatisfied || got.Resolved == nil || *got.Resolved {
			t.Fatalf("after rating the answer: %+v, want closed, basically satisfied, not resolved", got)
		}
		if err := w.svc.RateFromPortal(ctx, tk.Number, tk.QueryCode, true, workorder.Satisfied, ""); !errors.Is(err, ticketing.ErrAlreadyRated) {
			t.Fatalf("rating the answer twice: %v", err)
		}
		v, _ = w.svc.CitizenView(ctx, tk.Number, tk.QueryCode)
		if v.CanRate || v.Satisfaction != workorder.BasicallySatisfied || kinds(v.Steps)[3] != ticketing.StepRated {
			t.Fatalf("view after rating the answer: %+v", v)
		}
	})
}

func TestCitizenOfAMergedDuplicateSeesTheMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		master, _, err := w.svc.Create(ctx, w.actor["agent"], intake("主单：滨河小区路灯"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		dup, err := w.svc.SubmitFromPortal(ctx, portalIntake("小区路灯坏了"), "192.0.2.12", ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Act(ctx, w.actor["dispatcher"], dup.ID, workorder.Command{Action: workorder.ActMerge, MasterID: master.Number}); err != nil {
			t.Fatal(err)
		}
		w.toVisit(t, master.ID, "整条路的路灯已修复")
		yes := true
		if _, err := w.svc.Act(ctx, w.actor["agent"], master.ID, workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: workorder.Satisfied}); err != nil {
			t.Fatal(err)
		}
		v, err := w.svc.CitizenView(ctx, dup.Number, dup.QueryCode)
		if err != nil {
			t.Fatal(err)
		}
		if v.Stage != ticketing.StageMerged || v.CanRate || v.Master == nil || v.Title != "小区路灯坏了" {
			t.Fatalf("duplicate seen as %+v", v)
		}
		if got, want := kinds(v.Master.Steps), []ticketing.StepKind{"received", "dispatched", "accepted", "replied", "closed"}; v.Master.Stage != ticketing.StageClosed || !slices.Equal(got, want) {
			t.Fatalf("master progress %s %v, want closed %v (without the other caller's rating)", v.Master.Stage, got, want)
		}
		if v.Master.Steps[3].Text != "整条路的路灯已修复" {
			t.Errorf("the master's reply %q", v.Master.Steps[3].Text)
		}
		if strings.Contains(fmt.Sprintf("%+v", v), "主单") {
			t.Error("the duplicate's caller sees the master's title")
		}
		if err := w.svc.RateFromPortal(ctx, dup.Number, dup.QueryCode, true, workorder.Satisfied, ""); !errors.Is(err, ticketing.ErrNotRatable) {
			t.Fatalf("rating a merged duplicate: %v", err)
		}
	})
}
