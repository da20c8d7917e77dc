package workorder

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
)

var (
	now        = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	agent      = access.Actor{UserID: "u1", Username: "agent", Roles: []access.Role{access.RoleAgent}, ScopeCode: "1503"}
	dispatcher = access.Actor{UserID: "u2", Username: "disp", Roles: []access.Role{access.RoleDispatcher}, ScopeCode: "1503"}
	supervisor = access.Actor{UserID: "u3", Username: "sup", Roles: []access.Role{access.RoleSupervisor}, ScopeCode: "1503"}
	leadUnit   = access.Actor{UserID: "u4", Username: "lead", Roles: []access.Role{access.RoleHandler}, UnitID: "unit-a", ScopeCode: "1503"}
	coUnit     = access.Actor{UserID: "u5", Username: "co", Roles: []access.Role{access.RoleHandler}, UnitID: "unit-b", ScopeCode: "1503"}
	otherUnit  = access.Actor{UserID: "u6", Username: "other", Roles: []access.Role{access.RoleHandler}, UnitID: "unit-c", ScopeCode: "1503"}
	gridWorker = access.Actor{UserID: "u7", Username: "grid", Roles: []access.Role{access.RoleGridWorker}, ScopeCode: "150302001001001"}
	leader     = access.Actor{UserID: "u8", Username: "boss", Roles: []access.Role{access.RoleLeader}, ScopeCode: "1503"}
)

func step(t *testing.T, a access.Actor, tk Ticket, c Command) Ticket {
	t.Helper()
	next, ev, err := Decide(a, tk, c, now)
	if err != nil {
		t.Fatalf("%s by %s in %s: %v", c.Action, a.Username, tk.Status, err)
	}
	if ev.From != tk.Status || ev.To != next.Status || ev.Action != c.Action || ev.Actor != a.Username {
		t.Fatalf("event %+v does not describe %s → %s", ev, tk.Status, next.Status)
	}
	return next
}

func TestHappyPathToClosure(t *testing.T) {
	tk := Ticket{ID: "t1", Status: StatusNew}
	tk = step(t, dispatcher, tk, Command{Action: ActDispatch, LeadUnitID: "unit-a", CoUnitIDs: []string{"unit-b"}})
	tk = step(t, leadUnit, tk, Command{Action: ActAccept})
	tk = step(t, coUnit, tk, Command{Action: ActReply, Comment: "协办意见：已清理"})
	if tk.Status != StatusAccepted {
		t.Fatalf("a co-handler's reply moved the order to %s", tk.Status)
	}
	tk = step(t, leadUnit, tk, Command{Action: ActReply, Comment: "已修复路灯"})
	tk = step(t, agent, tk, Command{Action: ActApprove})
	yes := true
	tk = step(t, agent, tk, Command{Action: ActVisit, Resolved: &yes, Satisfaction: Satisfied})
	if tk.Status != StatusClosed || tk.ClosedAt.IsZero() || tk.Satisfaction != Satisfied {
		t.Fatalf("after a satisfied visit: %+v", tk)
	}
}

func TestUnsatisfiedVisitSendsBackToTheSameUnit(t *testing.T) {
	tk := Ticket{ID: "t1", Status: StatusVisiting, LeadUnitID: "unit-a"}
	yes := true
	tk = step(t, agent, tk, Command{Action: ActVisit, Resolved: &yes, Satisfaction: Unsatisfied, Comment: "没修好"})
	if tk.Status != StatusDispatched || tk.LeadUnitID != "unit-a" || tk.RehandleCount != 1 {
		t.Fatalf("re-handling: %+v", tk)
	}
}

func TestReturnAndObjectionReview(t *testing.T) {
	tk := Ticket{ID: "t1", Status: StatusDispatched, LeadUnitID: "unit-a"}
	tk = step(t, leadUnit, tk, Command{Action: ActReturn, Comment: "不属于我单位职责"})
	if tk.Status != StatusReturned || tk.ReturnCount != 1 {
		t.Fatalf("after return: %+v", tk)
	}
	overruled := step(t, supervisor, tk, Command{Action: ActReviewReturn, Decision: DecisionOverrule, Comment: "属于该单位职责"})
	if overruled.Status != StatusDispatched || overruled.BindingUnitID != "unit-a" {
		t.Fatalf("overruled: %+v", overruled)
	}
	if _, _, err := Decide(leadUnit, overruled, Command{Action: ActReturn, Comment: "再退"}, now); !errors.Is(err, ErrIllegal) {
		t.Fatalf("a bound unit sent the order back again: %v", err)
	}
	upheld := step(t, supervisor, tk, Command{Action: ActReviewReturn, Decision: DecisionUphold, Comment: "退单成立"})
	if upheld.Status != StatusNew || upheld.LeadUnitID != "" {
		t.Fatalf("upheld: %+v", upheld)
	}
	if _, _, err := Decide(supervisor, tk, Command{Action: ActReviewReturn, Decision: "maybe", Comment: "x"}, now); fieldOf(err) != "decision" {
		t.Fatalf("bad decision: %v", err)
	}
	re := step(t, dispatcher, tk, Command{Action: ActRedispatch, LeadUnitID: "unit-c"})
	if re.LeadUnitID != "unit-c" || re.RedispatchCount != 1 || re.Status != StatusDispatched {
		t.Fatalf("redispatch: %+v", re)
	}
}

func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// TestTransitionsTable tries every action from every status as the actor who would normally take it,
// and checks it is allowed exactly where the lifecycle says.
func TestTransitionsTable(t *testing.T) {
	yes := true
	commands := map[Action]struct {
		by  access.Actor
		cmd Command
	}{
		ActAnswer:       {agent, Command{Comment: "答复"}},
		ActDispatch:     {dispatcher, Command{LeadUnitID: "unit-c"}},
		ActAccept:       {leadUnit, Command{}},
		ActReturn:       {leadUnit, Command{Comment: "退"}},
		ActRedispatch:   {dispatcher, Command{LeadUnitID: "unit-c"}},
		ActReviewReturn: {supervisor, Command{Decision: DecisionUphold, Comment: "x"}},
		ActReply:        {leadUnit, Command{Comment: "答复"}},
		ActApprove:      {agent, Command{}},
		ActReject:       {agent, Command{Comment: "不合格"}},
		ActVisit:        {agent, Command{Resolved: &yes, Satisfaction: Satisfied}},
		ActReopen:       {agent, Command{Comment: "市民反映未解决"}},
		ActSupervise:    {supervisor, Command{Comment: "请加快", DueAt: now.Add(24 * time.Hour)}},
		ActExtendAsk:    {leadUnit, Command{Comment: "需采购", DueAt: now.Add(72 * time.Hour)}},
		ActExtendDecide: {dispatcher, Command{Decision: DecisionApprove}},
		ActSuspend:      {dispatcher, Command{Comment: "等待市民补充材料"}},
		ActResume:       {dispatcher, Command{}},
		ActMerge:        {dispatcher, Command{MasterID: "master"}},
		ActCancel:       {agent, Command{Comment: "市民撤回"}},
		ActTransfer110:  {agent, Command{Comment: "涉嫌违法犯罪"}},
	}
	// allowed[action] is the set of statuses it may be taken from, written out by hand.
	allowed := map[Action]string{
		ActAnswer: "new", ActDispatch: "new", ActAccept: "dispatched", ActReturn: "dispatched accepted",
		ActRedispatch: "dispatched accepted returned", ActReviewReturn: "returned", ActReply: "accepted",
		ActApprove: "replied", ActReject: "replied", ActVisit: "visiting", ActReopen: "closed",
		ActSupervise: "dispatched accepted returned replied suspended", ActExtendAsk: "accepted",
		ActExtendDecide: "accepted suspended", ActSuspend: "dispatched accepted", ActResume: "suspended",
		ActMerge: "new dispatched accepted", ActCancel: "new dispatched returned", ActTransfer110: "new",
	}
	for _, act := range Actions {
		c := commands[act]
		c.cmd.Action = act
		for _, st := range Statuses {
			tk := Ticket{ID: "t1", Status: st, LeadUnitID: "unit-a", ResumeStatus: StatusAccepted,
				ExtensionAsked: act == ActExtendDecide, ExtensionDueAt: now.Add(72 * time.Hour)}
			_, _, err := Decide(c.by, tk, c.cmd, now)
			want := strings.Contains(" "+allowed[act]+" ", " "+string(st)+" ")
			if (err == nil) != want {
				t.Errorf("%s from %s by %s: err = %v, want allowed = %v", act, st, c.by.Username, err, want)
			}
			if err != nil && !want && !errors.Is(err, ErrIllegal) {
				t.Errorf("%s from %s: refusal %v does not wrap ErrIllegal", act, st, err)
			}
		}
	}
}

func TestWhoMayAct(t *testing.T) {
	dispatched := Ticket{ID: "t1", Status: StatusDispatched, LeadUnitID: "unit-a", CoUnitIDs: []string{"unit-b"}}
	for _, tc := range []struct {
		name string
		a    access.Actor
		tk   Ticket
		cmd  Command
	}{
		{"another unit signs for it", otherUnit, dispatched, Command{Action: ActAccept}},
		{"a co-handler signs for it", coUnit, dispatched, Command{Action: ActAccept}},
		{"a grid worker dispatches", gridWorker, Ticket{Status: StatusNew}, Command{Action: ActDispatch, LeadUnitID: "unit-a"}},
		{"a leader cancels", leader, Ticket{Status: StatusNew}, Command{Action: ActCancel, Comment: "x"}},
		{"an agent redispatches", agent, dispatched, Command{Action: ActRedispatch, LeadUnitID: "unit-c"}},
		{"a dispatcher rules on a send-back", dispatcher, Ticket{Status: StatusReturned, LeadUnitID: "unit-a"}, Command{Action: ActReviewReturn, Decision: DecisionUphold, Comment: "x"}},
		{"the lead unit approves its own reply", leadUnit, Ticket{Status: StatusReplied, LeadUnitID: "unit-a"}, Command{Action: ActApprove}},
	} {
		if _, _, err := Decide(tc.a, tc.tk, tc.cmd, now); !errors.Is(err, access.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", tc.name, err)
		}
	}
	if got := Available(leader, dispatched); len(got) != 0 {
		t.Errorf("a leader (read-only) may take %v", got)
	}
	if got := Available(leadUnit, dispatched); !equalActions(got, []Action{ActAccept, ActReturn}) {
		t.Errorf("lead unit on a dispatched order may take %v", got)
	}
}

func equalActions(a, b []Action) bool {
	return strings.Join(actionNames(a), ",") == strings.Join(actionNames(b), ",")
}

func actionNames(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func TestCommandFieldsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		a     access.Actor
		tk    Ticket
		cmd   Command
		field string
	}{
		{dispatcher, Ticket{Status: StatusNew}, Command{Action: ActDispatch}, "lead_unit_id"},
		{dispatcher, Ticket{Status: StatusNew}, Command{Action: ActDispatch, LeadUnitID: "a", CoUnitIDs: []string{"a"}}, "co_unit_ids"},
		{leadUnit, Ticket{Status: StatusAccepted, LeadUnitID: "unit-a"}, Command{Action: ActReturn}, "comment"},
		{leadUnit, Ticket{Status: StatusAccepted, LeadUnitID: "unit-a"}, Command{Action: ActReply, Comment: strings.Repeat("长", MaxComment+1)}, "comment"},
		{agent, Ticket{Status: StatusVisiting}, Command{Action: ActVisit, Satisfaction: Satisfied}, "resolved"},
		{supervisor, Ticket{Status: StatusAccepted}, Command{Action: ActSupervise, Comment: "x", DueAt: now.Add(-time.Hour)}, "due_at"},
		{leadUnit, Ticket{Status: StatusAccepted, LeadUnitID: "unit-a", DueCloseAt: now.Add(48 * time.Hour)}, Command{Action: ActExtendAsk, Comment: "x", DueAt: now.Add(24 * time.Hour)}, "due_at"},
		{dispatcher, Ticket{ID: "t1", Status: StatusNew}, Command{Action: ActMerge, MasterID: "t1"}, "master_id"},
		{dispatcher, Ticket{Status: StatusAccepted, LeadUnitID: "unit-a"}, Command{Action: ActRedispatch, LeadUnitID: "unit-a"}, "lead_unit_id"},
	} {
		if _, _, err := Decide(tc.a, tc.tk, tc.cmd, now); fieldOf(err) != tc.field {
			t.Errorf("%s: err = %v, want a field error on %s", tc.cmd.Action, err, tc.field)
		}
	}
}

func TestSuspendResumeAndExtension(t *testing.T) {
	tk := Ticket{ID: "t1", Status: StatusAccepted, LeadUnitID: "unit-a", DueCloseAt: now.Add(24 * time.Hour)}
	s := step(t, dispatcher, tk, Command{Action: ActSuspend, Comment: "等待市民"})
	if s.Status != StatusSuspended || s.ResumeStatus != StatusAccepted {
		t.Fatalf("suspended: %+v", s)
	}
	if r := step(t, dispatcher, s, Command{Action: ActResume}); r.Status != StatusAccepted || r.ResumeStatus != "" {
		t.Fatalf("resumed: %+v", r)
	}
	asked := step(t, leadUnit, tk, Command{Action: ActExtendAsk, Comment: "需采购配件", DueAt: now.Add(96 * time.Hour)})
	if _, _, err := Decide(leadUnit, asked, Command{Action: ActExtendAsk, Comment: "again", DueAt: now.Add(120 * time.Hour)}, now); !errors.Is(err, ErrIllegal) {
		t.Fatalf("second pending extension request: %v", err)
	}
	granted := step(t, dispatcher, asked, Command{Action: ActExtendDecide, Decision: DecisionApprove})
	if !granted.DueCloseAt.Equal(now.Add(96*time.Hour)) || granted.ExtensionAsked {
		t.Fatalf("approved extension: %+v", granted)
	}
	denied := step(t, dispatcher, asked, Command{Action: ActExtendDecide, Decision: DecisionDeny})
	if !denied.DueCloseAt.Equal(tk.DueCloseAt) || denied.ExtensionAsked {
		t.Fatalf("denied extension: %+v", denied)
	}
}
