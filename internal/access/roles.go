// Package access decides who may do what to which record. Roles name the jobs people do; scope is
// the part of the tree (a place code prefix) and/or the unit a person acts for.
package access

import (
	"fmt"
	"slices"
	"strings"
)

// Role is a job in the 12345 and grid system.
type Role string

const (
	RoleAgent          Role = "agent"           // 话务员: takes calls, creates orders, answers from the knowledge base
	RoleDispatcher     Role = "dispatcher"      // 派单员: routes orders to units
	RoleHandler        Role = "handler"         // 承办人: works orders for a unit
	RoleUnitLead       Role = "unit_lead"       // 单位负责人: leads a unit, approves its replies and requests
	RoleStreetStaff    Role = "street_staff"    // 街道工作人员
	RoleCommunityStaff Role = "community_staff" // 社区工作人员
	RoleGridWorker     Role = "grid_worker"     // 网格员, with a GridRole
	RoleMediator       Role = "mediator"        // 调解员
	RoleSupervisor     Role = "supervisor"      // 督办
	RoleLeader         Role = "leader"          // 领导: wide read-only view
	RoleAdmin          Role = "admin"           // 管理员
	RoleMachine        Role = "machine"         // a system client with an API key
)

// AllRoles lists every role in the order screens show them.
var AllRoles = []Role{RoleAgent, RoleDispatcher, RoleHandler, RoleUnitLead, RoleStreetStaff, RoleCommunityStaff,
	RoleGridWorker, RoleMediator, RoleSupervisor, RoleLeader, RoleAdmin, RoleMachine}

// ParseRole accepts a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if slices.Contains(AllRoles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q", s)
}

// ParseRoles accepts a comma-separated list of role names.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseRole(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// GridRole is a grid worker's place in "一格一长一警一专多兼".
type GridRole string

const (
	GridLeader     GridRole = "leader"     // 格长
	GridPolice     GridRole = "police"     // 网格警
	GridSpecialist GridRole = "specialist" // 专职网格员
	GridPartTime   GridRole = "part_time"  // 兼职网格员
)

// GridRoles lists the grid roles.
var GridRoles = []GridRole{GridLeader, GridPolice, GridSpecialist, GridPartTime}

// ParseGridRole accepts a grid role name, or "" for none.
func ParseGridRole(s string) (GridRole, error) {
	if s == "" || slices.Contains(GridRoles, GridRole(s)) {
		return GridRole(s), nil
	}
	return "", fmt.Errorf("unknown grid role %q: want leader, police, specialist or part_time", s)
}

// Actor is whoever is acting: a signed-in person or a machine client. Scope is its place code prefix
// (empty for nothing) and its unit.
type Actor struct {
	UserID     string
	Username   string
	Roles      []Role
	UnitID     string
	ScopeCode  string // prefix of every place code the actor may act in; "" when it has no place scope
	GridRole   GridRole
	RemoteAddr string
}

// Has tells whether the actor holds the role.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }
