package workorder

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cityline/cityline/internal/access"
)

// Status is where an order stands in its lifecycle.
type Status string

const (
	StatusNew         Status = "new"         // 已受理, waiting for dispatch
	StatusDispatched  Status = "dispatched"  // 已派单, waiting for the lead unit to sign for it
	StatusAccepted    Status = "accepted"    // 办理中, signed for and being handled
	StatusReturned    Status = "returned"    // 已退单, sent back by the unit, waiting for the centre
	StatusReplied     Status = "replied"     // 已答复, waiting for the centre's review
	StatusVisiting    Status = "visiting"    // 待回访, reply approved, waiting for the return visit
	StatusSuspended   Status = "suspended"   // 已挂起, the clock is paused
	StatusClosed      Status = "closed"      // 已办结
	StatusCancelled   Status = "cancelled"   // 已撤单
	StatusMerged      Status = "merged"      // 已并单, follows its master order
	StatusTransferred Status = "transferred" // 已转110
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusNew, StatusDispatched, StatusAccepted, StatusReturned, StatusReplied, StatusVisiting,
	StatusSuspended, StatusClosed, StatusCancelled, StatusMerged, StatusTransferred}

// Terminal tells whether no more work is expected (reopening a closed order is still possible).
func (s Status) Terminal() bool {
	return s == StatusClosed || s == StatusCancelled || s == StatusMerged || s == StatusTransferred
}

// Action is a step someone takes on an order. Each is one API action and one button.
type Action string

const (
	ActAnswer       Action = "answer"        // 一线办结: answered from the knowledge base
	ActDispatch     Action = "dispatch"      // 派单
	ActAccept       Action = "accept"        // 签收
	ActReturn       Action = "return"        // 退单
	ActRedispatch   Action = "redispatch"    // 改派
	ActReviewReturn Action = "review-return" // objection review of a send-back: binding decision
	ActReply        Action = "reply"         // 答复 (a co-handler's reply goes to the lead unit)
	ActApprove      Action = "approve"       // 审核通过
	ActReject       Action = "reject"        // 审核驳回
	ActVisit        Action = "visit"         // 回访
	ActReopen       Action = "reopen"        // 重新打开 after closure
	ActSupervise    Action = "supervise"     // 督办
	ActExtendAsk    Action = "extend-request"
	ActExtendDecide Action = "extend-decide"
	ActSuspend      Action = "suspend"
	ActResume       Action = "resume"
	ActMerge        Action = "merge"  // 并单: this order becomes a duplicate of a master
	ActCancel       Action = "cancel" // 撤单
	ActTransfer110  Action = "transfer-110"
	// ActCreate marks the intake on the timeline; it is not an action one takes on an existing order.
	ActCreate Action = "create"
)

// Actions lists every action, in the order the API documents them.
var Actions = []Action{ActAnswer, ActDispatch, ActAccept, ActReturn, ActRedispatch, ActReviewReturn, ActReply,
	ActApprove, ActReject, ActVisit, ActReopen, ActSupervise, ActExtendAsk, ActExtendDecide, ActSuspend,
	ActResume, ActMerge, ActCancel, ActTransfer110}

// ParseAction accepts an action name from a URL.
func ParseAction(s string) (Action, error) {
	a := Action(s)
	if !slices.Contains(Actions, a) {
		return "", fmt.Errorf("unknown action %q", s)
	}
	return a, nil
}

// Who is the part an actor plays towards one order; it decides which actions it may take.
type Who int

const (
	// Centre is the 12345 centre: agents, dispatchers and supervisors acting city-wide.
	Centre Who = iota
	// LeadUnit is a handler or lead of the order's lead unit (主办).
	LeadUnit
	// CoUnit is a handler or lead of one of the co-handling units (协办).
	CoUnit
	// Bystander may see the order but takes no action on it.
	Bystander
)

// rule says from which statuses an action may be taken, by whom, and (for fixed outcomes) where the
// order goes. Actions whose outcome depends on the input (visit, review-return, reply by a co-handler…)
// compute the target in Decide.
type rule struct {
	from  []Status
	roles []access.Role // centre roles allowed, for Centre actors
	by    []Who
	to    Status // "" when Decide computes it
}

var centreDesk = []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor}
var dispatchDesk = []access.Role{access.RoleDispatcher, access.RoleSupervisor}
var unitRoles = []access.Role{access.RoleHandler, access.RoleUnitLead}

var rules = map[Action]rule{
	ActAnswer:       {from: []Status{StatusNew}, roles: centreDesk, by: []Who{Centre}, to: StatusClosed},
	ActDispatch:     {from: []Status{StatusNew}, roles: centreDesk, by: []Who{Centre}, to: StatusDispatched},
	ActAccept:       {from: []Status{StatusDispatched}, by: []Who{LeadUnit}, to: StatusAccepted},
	ActReturn:       {from: []Status{StatusDispatched, StatusAccepted}, by: []Who{LeadUnit}, to: StatusReturned},
	ActRedispatch:   {from: []Status{StatusDispatched, StatusAccepted, StatusReturned}, roles: dispatchDesk, by: []Who{Centre}, to: StatusDispatched},
	ActReviewReturn: {from: []Status{StatusReturned}, roles: []access.Role{access.RoleSupervisor}, by: []Who{Centre}},
	ActReply:        {from: []Status{StatusAccepted}, by: []Who{LeadUnit, CoUnit}},
	ActApprove:      {from: []Status{StatusReplied}, roles: centreDesk, by: []Who{Centre}, to: StatusVisiting},
	ActReject:       {from: []Status{StatusReplied}, roles: centreDesk, by: []Who{Centre}, to: StatusAccepted},
	ActVisit:        {from: []Status{StatusVisiting}, roles: centreDesk, by: []Who{Centre}},
	ActReopen:       {from: []Status{StatusClosed}, roles: centreDesk, by: []Who{Centre}, to: StatusDispatched},
	ActSupervise:    {from: []Status{StatusDispatched, StatusAccepted, StatusReturned, StatusReplied, StatusSuspended}, roles: []access.Role{access.RoleSupervisor}, by: []Who{Centre}},
	ActExtendAsk:    {from: []Status{StatusAccepted}, by: []Who{LeadUnit}},
	ActExtendDecide: {from: []Status{StatusAccepted, StatusSuspended}, roles: dispatchDesk, by: []Who{Centre}},
	ActSuspend:      {from: []Status{StatusDispatched, StatusAccepted}, roles: dispatchDesk, by: []Who{Centre}, to: StatusSuspended},
	ActResume:       {from: []Status{StatusSuspended}, roles: dispatchDesk, by: []Who{Centre}},
	ActMerge:        {from: []Status{StatusNew, StatusDispatched, StatusAccepted}, roles: centreDesk, by: []Who{Centre}, to: StatusMerged},
	ActCancel:       {from: []Status{StatusNew, StatusDispatched, StatusReturned}, roles: centreDesk, by: []Who{Centre}, to: StatusCancelled},
	ActTransfer110:  {from: []Status{StatusNew}, roles: centreDesk, by: []Who{Centre}, to: StatusTransferred},
}

// ErrIllegal is wrapped by every refusal of a transition that the order's state forbids (the action
// does not apply in its status). A refusal because of who is acting wraps access.ErrForbidden instead.
var ErrIllegal = errors.New("action not allowed")

// PartOf says what part the actor plays towards the order.
func PartOf(a access.Actor, t Ticket) Who {
	switch {
	case a.UnitID != "" && a.UnitID == t.LeadUnitID && (a.Has(access.RoleHandler) || a.Has(access.RoleUnitLead)):
		return LeadUnit
	case a.UnitID != "" && slices.Contains(t.CoUnitIDs, a.UnitID) && (a.Has(access.RoleHandler) || a.Has(access.RoleUnitLead)):
		return CoUnit
	case a.ScopeCode != "" && len(a.ScopeCode) <= 4 && hasAnyRole(a, centreDesk):
		return Centre
	}
	return Bystander
}

func hasAnyRole(a access.Actor, roles []access.Role) bool {
	return slices.ContainsFunc(roles, a.Has)
}

// Available lists the actions the actor may take on the order now, for the buttons on its page.
func Available(a access.Actor, t Ticket) []Action {
	var out []Action
	for _, act := range Actions {
		if check(a, t, act) == nil {
			out = append(out, act)
		}
	}
	return out
}

// check answers whether the actor may take the action in the order's current status.
func check(a access.Actor, t Ticket, act Action) error {
	r, ok := rules[act]
	if !ok {
		return fmt.Errorf("%w: unknown action %q", ErrIllegal, act)
	}
	if !slices.Contains(r.from, t.Status) {
		return fmt.Errorf("%w: %s is not possible while the order is %s", ErrIllegal, act, t.Status)
	}
	part := PartOf(a, t)
	if !slices.Contains(r.by, part) {
		return fmt.Errorf("%w: %s is for %s", access.ErrForbidden, act, describeBy(r.by))
	}
	if part == Centre && !hasAnyRole(a, r.roles) {
		return fmt.Errorf("%w: %s needs one of the roles %v", access.ErrForbidden, act, r.roles)
	}
	switch {
	case act == ActReturn && t.BindingUnitID != "" && t.BindingUnitID == t.LeadUnitID:
		return fmt.Errorf("%w: an objection review bound this unit to handle the order; it cannot be sent back again", ErrIllegal)
	case act == ActExtendAsk && t.ExtensionAsked:
		return fmt.Errorf("%w: an extension request is already waiting for a decision", ErrIllegal)
	case act == ActExtendDecide && !t.ExtensionAsked:
		return fmt.Errorf("%w: there is no extension request to decide", ErrIllegal)
	case act == ActReply && t.Status == StatusAccepted && part == CoUnit && t.LeadUnitID == "":
		return fmt.Errorf("%w: the order has no lead unit to reply to", ErrIllegal)
	}
	return nil
}

func describeBy(by []Who) string {
	names := map[Who]string{Centre: "the 12345 centre", LeadUnit: "the lead unit", CoUnit: "a co-handling unit", Bystander: "nobody"}
	out := ""
	for i, w := range by {
		if i > 0 {
			out += " or "
		}
		out += names[w]
	}
	return out
}
