package ticketing

import (
	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// Visible tells whether the actor may see the order: the policy is asked once for the lead unit and
// once for each co-handling unit, since a unit sees the orders it leads or helps with.
func Visible(a access.Actor, t workorder.Ticket) bool {
	for _, unit := range append([]string{t.LeadUnitID}, t.CoUnitIDs...) {
		if access.Allow(a, access.ActionViewTicket, access.Target{PlaceCode: t.Location.PlaceCode, UnitID: unit}) == nil {
			return true
		}
	}
	return false
}

// ScopeOf turns the actor's reach over orders into the store's scope filter, so that a listing never
// loads what Visible would refuse. It mirrors the ActionViewTicket grants of the policy; a test keeps
// the two in step.
func ScopeOf(a access.Actor) store.TicketScope {
	city := len(a.ScopeCode) == 4
	var sc store.TicketScope
	for _, r := range a.Roles {
		switch r {
		case access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor, access.RoleLeader, access.RoleMachine:
			if city {
				return store.TicketScope{Unrestricted: true}
			}
			sc.PlacePrefix = a.ScopeCode
			sc.UnitID = a.UnitID
		case access.RoleHandler, access.RoleUnitLead:
			sc.UnitID = a.UnitID
		case access.RoleStreetStaff, access.RoleCommunityStaff, access.RoleGridWorker, access.RoleMediator:
			sc.PlacePrefix = a.ScopeCode
		}
	}
	return sc
}
