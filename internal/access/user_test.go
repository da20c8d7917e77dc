package access

import "testing"

func TestUserTarget(t *testing.T) {
	placed := User{PlaceCode: "150302001", UnitID: "u1"}
	if got := placed.Target("150303"); got != (Target{PlaceCode: "150302001", UnitID: "u1"}) {
		t.Errorf("a user with a place sits at it, not at its unit's: %+v", got)
	}
	unitOnly := User{UnitID: "u1"}
	if got := unitOnly.Target("150303"); got != (Target{PlaceCode: "150303", UnitID: "u1"}) {
		t.Errorf("a unit's user sits where its unit serves: %+v", got)
	}
}
