package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

// step is one action on an order after its intake: who acts, what they do, how long after the previous step.
type step struct {
	who   access.Actor
	cmd   workorder.Command
	after time.Duration
}

func historyFixture(t *testing.T, s *store.Store) (lamps, roads org.Unit) {
	t.Helper()
	ctx := context.Background()
	if err := s.InsertPlaces(ctx, audit.System, []org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}, "test"); err != nil {
		t.Fatal(err)
	}
	var err error
	if lamps, err = s.CreateUnit(ctx, audit.System, org.Unit{Code: "LAMPS", Name: "路灯所", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
		t.Fatal(err)
	}
	if roads, err = s.CreateUnit(ctx, audit.System, org.Unit{Code: "ROADS", Name: "市政所", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
		t.Fatal(err)
	}
	return lamps, roads
}

func historyOrder(at time.Time, title string) workorder.Ticket {
	return workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: "urban", Type: workorder.TypeComplaint, Category: "020301",
		Title: title, Description: "市民来电反映：滨河大道与人民路交叉口的路灯已经一个星期不亮了。",
		Caller:   workorder.Caller{Name: "王先生", Phone: "13900001234"},
		Location: workorder.Location{Address: "海勃湾区滨河大道与人民路交叉口", Lng: 106.8, Lat: 39.66, PlaceCode: "150302001001001"},
		Urgency:  workorder.UrgencyNormal, Status: workorder.StatusNew, CreatedBy: "agent1", CreatedAt: at, UpdatedAt: at}
}

// live decides the steps with the state machine, as the history generator does, returning the order
// after each step and the events.
func live(t *testing.T, tk workorder.Ticket, steps []step) ([]workorder.Ticket, []workorder.Event) {
	t.Helper()
	states := []workorder.Ticket{tk}
	evs := []workorder.Event{{At: tk.CreatedAt, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: tk.CreatedBy,
		Data: map[string]any{"channel": tk.Channel}}}
	at := tk.CreatedAt
	for _, st := range steps {
		at = at.Add(st.after)
		next, ev, err := workorder.Decide(st.who, states[len(states)-1], st.cmd, at)
		if err != nil {
			t.Fatalf("%s: %v", st.cmd.Action, err)
		}
		states, evs = append(states, next), append(evs, ev)
	}
	return states, evs
}

func TestImportHistoryReadsLikeServiceOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lamps, roads := historyFixture(t, s)
		centre := func(name string, r access.Role) access.Actor {
			return access.Actor{Username: name, Roles: []access.Role{r}, ScopeCode: "1503"}
		}
		agent, dispatcher := centre("agent1", access.RoleAgent), centre("dispatcher", access.RoleDispatcher)
		lampMan := access.Actor{Username: "handler-lamps", UnitID: lamps.ID, Roles: []access.Role{access.RoleHandler}}
		roadMan := access.Actor{Username: "handler-roads", UnitID: roads.ID, Roles: []access.Role{access.RoleHandler}}
		yes := true
		steps := []step{
			{dispatcher, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: lamps.ID, CoUnitIDs: []string{roads.ID}}, 30 * time.Minute},
			{lampMan, workorder.Command{Action: workorder.ActAccept}, 2 * time.Hour},
			{roadMan, workorder.Command{Action: workorder.ActReply, Comment: "已配合完成现场核查。"}, 20 * time.Hour},
			{lampMan, workorder.Command{Action: workorder.ActReply, Comment: "经现场核实，已更换灯具，路灯恢复正常。"}, 30 * time.Hour},
			{agent, workorder.Command{Action: workorder.ActApprove}, 3 * time.Hour},
			{agent, workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: workorder.Satisfied, Comment: "满意"}, 16 * time.Hour},
		}
		at := time.Date(2026, 11, 20, 9, 15, 0, 0, workorder.Shanghai)
		day := workorder.NumberDay(at)

		// The service's way: intake, then one transaction per action.
		states, evs := live(t, historyOrder(at, "滨河大道路灯不亮"), steps)
		made, _, err := s.CreateTicket(ctx, audit.Who{Actor: "agent1"}, store.NewTicket{Ticket: states[0], Event: evs[0], NumberPrefix: "WH"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(states); i++ {
			before, after := states[i-1], states[i]
			before.ID, after.ID, before.Number, after.Number, before.Version = made.ID, made.ID, made.Number, made.Number, i
			if _, err := s.ApplyTicketChange(ctx, audit.Who{Actor: evs[i].Actor}, store.TicketChange{Before: before, After: after, Event: evs[i]}); err != nil {
				t.Fatalf("apply %s: %v", evs[i].Action, err)
			}
		}

		// The history's way: the same order, written whole.
		hStates, hEvs := live(t, historyOrder(at.Add(time.Minute), "滨河大道路灯不亮"), steps)
		batch := []store.HistoryTicket{{Ticket: hStates[len(hStates)-1], Events: hEvs}}
		if err := s.ImportHistory(ctx, audit.System, "WH", day, batch); err != nil {
			t.Fatal(err)
		}
		imported := batch[0].Ticket
		if want := "WH" + day + "000002"; imported.Number != want {
			t.Errorf("history number %s, want %s: it follows the order taken in earlier that day", imported.Number, want)
		}

		a, err := s.Ticket(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Ticket(ctx, imported.Number)
		if err != nil {
			t.Fatal(err)
		}
		if b.ID != imported.ID || b.Status != workorder.StatusClosed || b.Version != len(hEvs) {
			t.Errorf("imported order read back as %s, status %s, version %d", b.ID, b.Status, b.Version)
		}
		// Apart from identity and the minute it came in, the two read back the same.
		b.ID, b.Number, b.QueryCode = a.ID, a.Number, a.QueryCode
		for _, tk := range []*workorder.Ticket{&a, &b} {
			tk.CreatedAt, tk.UpdatedAt, tk.ClosedAt = tk.CreatedAt.Truncate(time.Hour), tk.UpdatedAt.Truncate(time.Hour), tk.ClosedAt.Truncate(time.Hour)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("imported order differs from the service's:\n got %+v\nwant %+v", b, a)
		}

		ta, err := s.Timeline(ctx, made.ID)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := s.Timeline(ctx, imported.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tb) != len(steps)+1 || len(ta) != len(tb) {
			t.Fatalf("timelines: service %d steps, history %d, want %d", len(ta), len(tb), len(steps)+1)
		}
		for i := range tb {
			if tb[i].Seq != i+1 || tb[i].TicketID != imported.ID || tb[i].ID == "" {
				t.Errorf("history step %d: seq %d, ticket %s, id %q", i, tb[i].Seq, tb[i].TicketID, tb[i].ID)
			}
			if tb[i].At.Sub(ta[i].At) != time.Minute {
				t.Errorf("step %d at %s, the service's at %s: want one minute later", i, tb[i].At, ta[i].At)
			}
			ta[i].ID, ta[i].TicketID, ta[i].At = "", "", time.Time{}
			tb[i].ID, tb[i].TicketID, tb[i].At = "", "", time.Time{}
			if !reflect.DeepEqual(ta[i], tb[i]) {
				t.Errorf("step %d differs:\n got %+v\nwant %+v", i, tb[i], ta[i])
			}
		}

		// Full-text search and the unit filters find both.
		for _, f := range []store.TicketFilter{{Query: "路灯 交叉口"}, {Query: "人民路"}, {UnitID: roads.ID}, {LeadUnitID: lamps.ID},
			{Statuses: []workorder.Status{workorder.StatusClosed}, Category: "0203"}} {
			f.Scope = store.TicketScope{Unrestricted: true}
			page, err := s.Tickets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 2 {
				t.Errorf("filter %+v found %d orders, want both", f, len(page.Items))
			}
		}

		// The day's counter moved on: the next intake that day does not collide.
		later := historyOrder(at.Add(5*time.Hour), "又一盏路灯不亮")
		next, _, err := s.CreateTicket(ctx, audit.Who{Actor: "agent1"}, store.NewTicket{Ticket: later,
			Event: workorder.Event{At: later.CreatedAt, Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "agent1"}, NumberPrefix: "WH"})
		if err != nil {
			t.Fatalf("intake after the history: %v", err)
		}
		if want := "WH" + day + "000003"; next.Number != want {
			t.Errorf("next number %s, want %s", next.Number, want)
		}

		entries, err := s.AuditEntries(ctx, "ticket_day", day, 10)
		if err != nil || len(entries) != 1 || entries[0].Action != "history.import" || !strings.Contains(entries[0].Detail, `"orders":1`) {
			t.Errorf("audit of the day: %+v (%v), want one history.import entry", entries, err)
		}
		if n, broken, err := s.VerifyAudit(ctx); err != nil || broken != nil {
			t.Errorf("audit chain of %d entries: broken %+v, %v", n, broken, err)
		}
	})
}

func TestImportHistoryMergesAndRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lamps, _ := historyFixture(t, s)
		agent := access.Actor{Username: "agent1", Roles: []access.Role{access.RoleAgent}, ScopeCode: "1503"}
		at := time.Date(2026, 11, 21, 10, 0, 0, 0, workorder.Shanghai)
		day := workorder.NumberDay(at)
		masterStates, masterEvs := live(t, historyOrder(at, "主工单"), []step{
			{agent, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: lamps.ID}, time.Hour}})
		master := masterStates[len(masterStates)-1]
		master.ID = "0192f7a0-0000-7000-8000-000000000001"
		childStates, childEvs := live(t, historyOrder(at.Add(2*time.Hour), "重复工单"), []step{
			{agent, workorder.Command{Action: workorder.ActMerge, MasterID: master.ID, Comment: "重复来电"}, 10 * time.Minute}})
		batch := []store.HistoryTicket{{Ticket: master, Events: masterEvs}, {Ticket: childStates[len(childStates)-1], Events: childEvs}}

		wrong := []store.HistoryTicket{batch[0], {Ticket: historyOrder(at.AddDate(0, 0, 1), "明天的"), Events: childEvs[:1]}}
		if err := s.ImportHistory(ctx, audit.System, "WH", day, wrong); err == nil {
			t.Error("an order of another day was accepted")
		}
		reversed := []store.HistoryTicket{batch[1], batch[0]}
		if err := s.ImportHistory(ctx, audit.System, "WH", day, reversed); err == nil {
			t.Error("orders out of time order were accepted")
		}
		if page, _ := s.Tickets(ctx, store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}}); len(page.Items) != 0 {
			t.Fatalf("refused imports wrote %d orders", len(page.Items))
		}

		if err := s.ImportHistory(ctx, audit.System, "WH", day, batch); err != nil {
			t.Fatal(err)
		}
		children, err := s.MergedInto(ctx, master.ID)
		if err != nil || len(children) != 1 || children[0].Status != workorder.StatusMerged {
			t.Fatalf("merged into the master: %+v (%v)", children, err)
		}
		tl, err := s.Timeline(ctx, children[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := tl[len(tl)-1].Data["master_number"]; got != batch[0].Ticket.Number {
			t.Errorf("merge step names master %v, want %s as the service records it", got, batch[0].Ticket.Number)
		}
	})
}
