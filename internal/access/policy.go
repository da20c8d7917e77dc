package access

import (
	"errors"
	"fmt"
	"strings"
)

// Action is what a handler is about to do, in the words of the policy.
type Action string

const (
	ActionViewOrg          Action = "org.view"      // see places and units (reference data)
	ActionManageOrg        Action = "org.manage"    // create and edit units, import boundaries
	ActionViewUser         Action = "user.view"     // see user accounts
	ActionManageUser       Action = "user.manage"   // create, disable, re-role users, reset passwords
	ActionManageAPIKeys    Action = "apikey.manage" // create and revoke API keys
	ActionViewAudit        Action = "audit.view"    // read the audit log
	ActionViewPersonalData Action = "personal.view" // see phone numbers, ID numbers and names in full
	ActionViewTicket       Action = "ticket.view"   // see a work order (what one may do to it is the workorder state machine's)
	ActionViewMeasures     Action = "measure.view"  // see the measures (三率 and the rest) and rankings of a unit or a region
	ActionViewKB           Action = "kb.view"       // read the published knowledge base (reference data, like the org tree)
	ActionEditKB           Action = "kb.edit"       // write knowledge-base articles and ask for their review
	ActionReviewKB         Action = "kb.review"     // publish, send back and retire knowledge-base articles
	ActionViewDispatch     Action = "dispatch.view" // read the dispatch catalogue (派单目录) the orders are routed by
)

// Target is where the record an action touches sits. The zero Target stands for city-wide things
// (a city department, the whole audit log).
type Target struct {
	PlaceCode string
	UnitID    string
}

// ErrForbidden is wrapped by every refusal of Allow.
var ErrForbidden = errors.New("forbidden")

// reach is how far a grant extends from the actor.
type reach int

const (
	reachScope reach = iota // places under the actor's scope code, or the actor's own unit
	reachUnit               // the actor's own unit only
	reachPlace              // places under the actor's scope code only
)

type grant struct {
	role  Role
	reach reach
}

// grants is the policy table that Allow documents; ActionViewOrg and ActionViewKB need no grant.
var grants = map[Action][]grant{
	ActionManageOrg:     {{RoleAdmin, reachScope}},
	ActionManageUser:    {{RoleAdmin, reachScope}},
	ActionManageAPIKeys: {{RoleAdmin, reachScope}},
	ActionViewUser: {{RoleAdmin, reachScope}, {RoleSupervisor, reachScope}, {RoleLeader, reachScope},
		{RoleUnitLead, reachUnit}, {RoleStreetStaff, reachPlace}, {RoleCommunityStaff, reachPlace}},
	ActionViewAudit: {{RoleSupervisor, reachScope}, {RoleLeader, reachScope}},
	ActionViewPersonalData: {{RoleAgent, reachScope}, {RoleDispatcher, reachScope}, {RoleAdmin, reachScope},
		{RoleSupervisor, reachScope}},
	ActionViewTicket: {{RoleAgent, reachScope}, {RoleDispatcher, reachScope}, {RoleSupervisor, reachScope},
		{RoleLeader, reachScope}, {RoleMachine, reachScope}, {RoleHandler, reachUnit}, {RoleUnitLead, reachUnit},
		{RoleStreetStaff, reachPlace}, {RoleCommunityStaff, reachPlace}, {RoleGridWorker, reachPlace},
		{RoleMediator, reachPlace}},
	ActionViewMeasures: {{RoleAgent, reachScope}, {RoleDispatcher, reachScope}, {RoleSupervisor, reachScope},
		{RoleLeader, reachScope}, {RoleHandler, reachUnit}, {RoleUnitLead, reachUnit},
		{RoleStreetStaff, reachPlace}, {RoleCommunityStaff, reachPlace}},
	ActionEditKB:       {{RoleAgent, reachScope}, {RoleSupervisor, reachScope}, {RoleAdmin, reachScope}},
	ActionReviewKB:     {{RoleSupervisor, reachScope}},
	ActionViewDispatch: {{RoleDispatcher, reachScope}, {RoleSupervisor, reachScope}, {RoleAdmin, reachScope}},
}

// cityScopeLen is the length of a whole city's scope code (org.ScopePrefix keeps a city code's first
// four digits, which every district of the city shares).
const cityScopeLen = 4

// Allow is the one answer to "may this actor do this action to this record". Handlers call it and
// never improvise checks of their own. It returns nil, or an error wrapping ErrForbidden that says why.
//
// The org tree and the published knowledge base are reference data: any signed-in actor may view
// them. Every other action needs a role granted below AND a target within the grant's reach:
//
//	action                  roles                                   reach
//	ActionViewOrg           any signed-in actor                     anywhere
//	ActionViewKB            any signed-in actor                     anywhere
//	ActionManageOrg         admin                                   scope
//	ActionManageUser        admin                                   scope
//	ActionManageAPIKeys     admin                                   scope
//	ActionViewUser          admin, supervisor, leader               scope
//	                        unit_lead                               own unit
//	                        street_staff, community_staff           place
//	ActionViewAudit         supervisor, leader                      scope
//	ActionViewPersonalData  agent, dispatcher, admin, supervisor    scope
//	                        (everyone else sees masked values)
//	ActionViewTicket        agent, dispatcher, supervisor, leader,  scope
//	                        machine
//	                        handler, unit_lead                      own unit (lead or co-handler)
//	                        street_staff, community_staff,          place
//	                        grid_worker, mediator
//	                        (the admin runs the system, not the cases: no ticket view)
//	ActionViewMeasures      agent, dispatcher, supervisor, leader   scope
//	                        handler, unit_lead                      own unit
//	                        street_staff, community_staff           place
//	ActionEditKB            agent, supervisor, admin                scope
//	                        (agents propose; every version is reviewed)
//	ActionReviewKB          supervisor                              scope
//	ActionViewDispatch      dispatcher, supervisor, admin           scope
//	                        (editing the catalogue is ActionManageOrg)
//
// Reaches: "place" covers targets whose PlaceCode starts with the actor's ScopeCode; "own unit"
// covers targets whose UnitID is the actor's UnitID; "scope" covers either. A target without a place
// (the zero Target: city-wide things such as a city department) is within "place" and "scope" only
// for an actor whose scope is the whole city. The admin may not read the audit log: the people who
// change the system are not the ones who review what was changed.
func Allow(a Actor, act Action, t Target) error {
	if a.UserID == "" {
		return fmt.Errorf("%w: %s needs a signed-in user", ErrForbidden, act)
	}
	if act == ActionViewOrg || act == ActionViewKB {
		return nil
	}
	gs, ok := grants[act]
	if !ok {
		return fmt.Errorf("%w: unknown action %q", ErrForbidden, act)
	}
	var roles []string
	held := false
	for _, g := range gs {
		roles = append(roles, string(g.role))
		if !a.Has(g.role) {
			continue
		}
		held = true
		if g.reach.covers(a, t) {
			return nil
		}
	}
	if !held {
		return fmt.Errorf("%w: %s needs one of the roles %s", ErrForbidden, act, strings.Join(roles, ", "))
	}
	return fmt.Errorf("%w: %s: the record is outside %s's scope", ErrForbidden, act, a.Username)
}

func (r reach) covers(a Actor, t Target) bool {
	ownUnit := a.UnitID != "" && t.UnitID == a.UnitID
	var underPlace bool
	if t.PlaceCode == "" {
		underPlace = len(a.ScopeCode) == cityScopeLen
	} else {
		underPlace = a.ScopeCode != "" && strings.HasPrefix(t.PlaceCode, a.ScopeCode)
	}
	switch r {
	case reachUnit:
		return ownUnit
	case reachPlace:
		return underPlace
	default:
		return ownUnit || underPlace
	}
}
