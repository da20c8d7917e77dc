package ticketing_test

import (
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

func TestCallerForMasksByRoleAndHidesConfidentialCallers(t *testing.T) {
	caller := workorder.Caller{Name: "张三丰", Phone: "13812345678", IDNumber: "11010119900307123X"}
	order := workorder.Ticket{Caller: caller, LeadUnitID: "unit-1", Location: workorder.Location{PlaceCode: "150302001001001"}}
	secret := order
	secret.Caller.Confidential = true
	agent := access.Actor{UserID: "a", Username: "agent", Roles: []access.Role{access.RoleAgent}, ScopeCode: "1503"}
	handler := access.Actor{UserID: "h", Username: "handler", Roles: []access.Role{access.RoleHandler}, UnitID: "unit-1", ScopeCode: "150302"}
	street := access.Actor{UserID: "s", Username: "street", Roles: []access.Role{access.RoleStreetStaff}, ScopeCode: "150302001"}
	masked := workorder.Caller{Name: "张*丰", Phone: "138****5678", IDNumber: "110101********123X"}
	tests := []struct {
		name  string
		a     access.Actor
		t     workorder.Ticket
		full  bool
		want  workorder.Caller
		query bool
	}{
		{"centre in full", agent, order, true, caller, true},
		{"centre in a list", agent, order, false, masked, true},
		{"centre, confidential", agent, secret, true, secret.Caller, true},
		{"unit", handler, order, true, masked, false},
		{"unit, confidential", handler, secret, true, workorder.Caller{Confidential: true}, false},
		{"street staff", street, order, true, masked, false},
	}
	for _, tc := range tests {
		if got := ticketing.CallerFor(tc.a, tc.t, tc.full); got != tc.want {
			t.Errorf("%s: caller %+v, want %+v", tc.name, got, tc.want)
		}
		if got := ticketing.ShowsQueryCode(tc.a, tc.t); got != tc.query {
			t.Errorf("%s: shows the query code %v, want %v", tc.name, got, tc.query)
		}
	}
}
