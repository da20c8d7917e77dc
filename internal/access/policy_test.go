package access_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/access"
)

// matrixActions is the column order of the expectations below.
var matrixActions = []access.Action{
	access.ActionViewOrg, access.ActionManageOrg, access.ActionViewUser, access.ActionManageUser,
	access.ActionManageAPIKeys, access.ActionViewAudit, access.ActionViewPersonalData, access.ActionViewTicket,
	access.ActionViewMeasures, access.ActionViewKB, access.ActionEditKB, access.ActionReviewKB, access.ActionViewDispatch,
}

// TestAllowMatrix checks every role against every action, once for a record inside the actor's
// district (150302, its own unit) and once for a record in the neighbouring district 150303.
// Y = allowed, n = forbidden. The table is written out by hand from the rules, not derived from them.
func TestAllowMatrix(t *testing.T) {
	want := []struct {
		role    access.Role
		in, out string
	}{
		// Columns, in both strings: view org, manage org, view user, manage user, manage API keys,
		// view audit, view personal data, view ticket, view measures, view KB, edit KB, review KB,
		// view dispatch rules.
		// First string: record in scope; second: out of scope.
		{access.RoleAgent, "Y n n n n n Y Y Y Y Y n n", "Y n n n n n n n n Y n n n"},
		{access.RoleDispatcher, "Y n n n n n Y Y Y Y n n Y", "Y n n n n n n n n Y n n n"},
		{access.RoleHandler, "Y n n n n n n Y Y Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleUnitLead, "Y n Y n n n n Y Y Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleStreetStaff, "Y n Y n n n n Y Y Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleCommunityStaff, "Y n Y n n n n Y Y Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleGridWorker, "Y n n n n n n Y n Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleMediator, "Y n n n n n n Y n Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleSupervisor, "Y n Y n n Y Y Y Y Y Y Y Y", "Y n n n n n n n n Y n n n"},
		{access.RoleLeader, "Y n Y n n Y n Y Y Y n n n", "Y n n n n n n n n Y n n n"},
		{access.RoleAdmin, "Y Y Y Y Y n Y n n Y Y n Y", "Y n n n n n n n n Y n n n"},
		{access.RoleMachine, "Y n n n n n n Y n Y n n n", "Y n n n n n n n n Y n n n"},
	}
	rows := map[access.Role]bool{}
	for _, row := range want {
		rows[row.role] = true
	}
	for _, r := range access.AllRoles {
		if !rows[r] {
			t.Errorf("role %s has no row in the matrix", r)
		}
	}
	inside := access.Target{PlaceCode: "150302001001", UnitID: "unit-302"}
	outside := access.Target{PlaceCode: "150303001001", UnitID: "unit-303"}
	for _, row := range want {
		actor := access.Actor{UserID: "u1", Username: "someone", Roles: []access.Role{row.role}, UnitID: "unit-302", ScopeCode: "150302"}
		for _, c := range []struct {
			name   string
			target access.Target
			marks  []string
		}{{"in scope", inside, strings.Fields(row.in)}, {"out of scope", outside, strings.Fields(row.out)}} {
			if len(c.marks) != len(matrixActions) {
				t.Fatalf("%s %s: %d marks for %d actions", row.role, c.name, len(c.marks), len(matrixActions))
			}
			for i, act := range matrixActions {
				err := access.Allow(actor, act, c.target)
				if got := err == nil; got != (c.marks[i] == "Y") {
					t.Errorf("%s, %s, %s: allowed = %v, want %s (err: %v)", row.role, act, c.name, got, c.marks[i], err)
				}
				if err != nil && !errors.Is(err, access.ErrForbidden) {
					t.Errorf("%s, %s, %s: error %v does not wrap ErrForbidden", row.role, act, c.name, err)
				}
			}
		}
	}
}

func TestAllowReach(t *testing.T) {
	cityAdmin := access.Actor{UserID: "a", Username: "cityadmin", Roles: []access.Role{access.RoleAdmin}, ScopeCode: "1503"}
	districtAdmin := access.Actor{UserID: "b", Username: "districtadmin", Roles: []access.Role{access.RoleAdmin}, ScopeCode: "150302"}
	unitLead := access.Actor{UserID: "c", Username: "lead", Roles: []access.Role{access.RoleUnitLead}, UnitID: "water", ScopeCode: "1503"}
	streetStaff := access.Actor{UserID: "d", Username: "street", Roles: []access.Role{access.RoleStreetStaff}, UnitID: "office", ScopeCode: "150302001"}
	unitOnlyAdmin := access.Actor{UserID: "e", Username: "unitadmin", Roles: []access.Role{access.RoleAdmin}, UnitID: "water"}
	twoRoles := access.Actor{UserID: "f", Username: "both", Roles: []access.Role{access.RoleHandler, access.RoleLeader}, ScopeCode: "150302"}
	cases := []struct {
		name   string
		actor  access.Actor
		action access.Action
		target access.Target
		allow  bool
	}{
		{"city admin creates a city department (zero target)", cityAdmin, access.ActionManageOrg, access.Target{}, true},
		{"district admin cannot act city-wide", districtAdmin, access.ActionManageOrg, access.Target{}, false},
		{"city admin reaches every district", cityAdmin, access.ActionManageUser, access.Target{PlaceCode: "150303001"}, true},
		{"district admin reaches its street", districtAdmin, access.ActionManageUser, access.Target{PlaceCode: "150302001"}, true},
		{"a record known only by a foreign unit is city-wide", districtAdmin, access.ActionManageUser, access.Target{UnitID: "water"}, false},
		{"unit lead sees its unit's users anywhere", unitLead, access.ActionViewUser, access.Target{PlaceCode: "150303001", UnitID: "water"}, true},
		{"unit lead's reach is its unit, not its scope", unitLead, access.ActionViewUser, access.Target{PlaceCode: "150302001", UnitID: "gas"}, false},
		{"unit lead has no city-wide reach", unitLead, access.ActionViewUser, access.Target{}, false},
		{"street staff see users of their street", streetStaff, access.ActionViewUser, access.Target{PlaceCode: "150302001002", UnitID: "other"}, true},
		{"street staff's reach is places, not their unit", streetStaff, access.ActionViewUser, access.Target{PlaceCode: "150302002001", UnitID: "office"}, false},
		{"admin without a place manages its own unit", unitOnlyAdmin, access.ActionManageUser, access.Target{PlaceCode: "150302001", UnitID: "water"}, true},
		{"admin without a place has no place reach", unitOnlyAdmin, access.ActionManageUser, access.Target{PlaceCode: "150302001", UnitID: "gas"}, false},
		{"any role of several may grant", twoRoles, access.ActionViewAudit, access.Target{PlaceCode: "150302"}, true},
		{"the org tree is open to any signed-in actor", access.Actor{UserID: "g", Roles: []access.Role{access.RoleGridWorker}}, access.ActionViewOrg, access.Target{PlaceCode: "150399"}, true},
		{"anonymous may not even view the org tree", access.Actor{}, access.ActionViewOrg, access.Target{}, false},
		{"an unknown action is refused", cityAdmin, access.Action("org.delete_everything"), access.Target{}, false},
		{"the knowledge base is the city's: a city agent writes in it", access.Actor{UserID: "h", Roles: []access.Role{access.RoleAgent}, ScopeCode: "1503"}, access.ActionEditKB, access.Target{}, true},
		{"a district agent does not", access.Actor{UserID: "i", Roles: []access.Role{access.RoleAgent}, ScopeCode: "150302"}, access.ActionEditKB, access.Target{}, false},
		{"anyone signed in reads it", access.Actor{UserID: "j", Roles: []access.Role{access.RoleHandler}, UnitID: "water"}, access.ActionViewKB, access.Target{}, true},
		{"anonymous may not read it", access.Actor{}, access.ActionViewKB, access.Target{}, false},
	}
	for _, c := range cases {
		err := access.Allow(c.actor, c.action, c.target)
		if (err == nil) != c.allow {
			t.Errorf("%s: err = %v, want allowed = %v", c.name, err, c.allow)
		}
		if err != nil && !errors.Is(err, access.ErrForbidden) {
			t.Errorf("%s: %v does not wrap ErrForbidden", c.name, err)
		}
	}
}

func TestAllowSaysWhy(t *testing.T) {
	handler := access.Actor{UserID: "h", Username: "hank", Roles: []access.Role{access.RoleHandler}, ScopeCode: "150302"}
	err := access.Allow(handler, access.ActionViewAudit, access.Target{PlaceCode: "150302001"})
	if err == nil || !strings.Contains(err.Error(), "supervisor, leader") {
		t.Errorf("missing role: err = %v, want it to name the roles that would do", err)
	}
	leader := access.Actor{UserID: "l", Username: "lily", Roles: []access.Role{access.RoleLeader}, ScopeCode: "150302"}
	err = access.Allow(leader, access.ActionViewAudit, access.Target{PlaceCode: "150303001"})
	if err == nil || !strings.Contains(err.Error(), "outside lily's scope") {
		t.Errorf("out of scope: err = %v, want it to say the record is outside the scope", err)
	}
}
