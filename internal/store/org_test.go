package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

var tree = []org.Place{
	{Code: "150300", Name: "乌海市", Level: org.LevelCity},
	{Code: "150302", Name: "海勃湾区", Level: org.LevelDistrict, ParentCode: "150300", Boundary: []byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`), CenterLng: 0.5, CenterLat: 0.5},
	{Code: "150303", Name: "海南区", Level: org.LevelDistrict, ParentCode: "150300"},
	{Code: "150302001", Name: "凤凰岭街道", Level: org.LevelStreet, ParentCode: "150302"},
}

func TestPlacesAreStoredWholeOrNotAtAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.InsertPlaces(ctx, audit.System, tree, "test"); err != nil {
			t.Fatal(err)
		}
		// A batch with one bad row (unknown parent) stores nothing.
		bad := []org.Place{
			{Code: "150303001", Name: "拉僧仲街道", Level: org.LevelStreet, ParentCode: "150303"},
			{Code: "150304001", Name: "无主街道", Level: org.LevelStreet, ParentCode: "150304"},
		}
		if err := s.InsertPlaces(ctx, audit.System, bad, "bad"); err == nil {
			t.Fatal("insert with an unknown parent succeeded")
		}
		if _, err := s.Place(ctx, "150303001"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("first row of a failed batch was stored: %v", err)
		}
		dup := []org.Place{{Code: "150302001", Name: "重复", Level: org.LevelStreet, ParentCode: "150302"}}
		if err := s.InsertPlaces(ctx, audit.System, dup, "dup"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate code: err = %v, want ErrConflict", err)
		}

		p, err := s.Place(ctx, "150302")
		if err != nil || p.Name != "海勃湾区" || string(p.Boundary) != string(tree[1].Boundary) || p.CenterLat != 0.5 {
			t.Fatalf("Place = %+v, %v", p, err)
		}
		districts, err := s.Places(ctx, store.PlaceFilter{Level: org.LevelDistrict})
		if err != nil || len(districts) != 2 || districts[0].Boundary != nil {
			t.Fatalf("districts = %+v, %v (boundaries must be left out unless asked for)", districts, err)
		}
		under, err := s.Places(ctx, store.PlaceFilter{CodePrefix: "150302"})
		if err != nil || len(under) != 2 {
			t.Fatalf("under 150302 = %+v, %v", under, err)
		}
		chain, err := s.PlaceChain(ctx, "150302001")
		if err != nil || len(chain) != 3 || chain[2].Code != "150300" {
			t.Fatalf("chain = %+v, %v", chain, err)
		}
		counts, err := s.CountPlaces(ctx)
		if err != nil || counts[org.LevelDistrict] != 2 || counts[org.LevelStreet] != 1 {
			t.Fatalf("counts = %v, %v", counts, err)
		}
		v1, _ := s.PlacesVersion(ctx)
		if err := s.ReplaceBoundaries(ctx, audit.System, []org.Place{{Code: "150303", Boundary: tree[1].Boundary, CenterLng: 1, CenterLat: 1}}, "outline"); err != nil {
			t.Fatal(err)
		}
		if v2, _ := s.PlacesVersion(ctx); v2 == v1 {
			t.Errorf("PlacesVersion did not change after a boundary was replaced (%s)", v1)
		}
		if err := s.ReplaceBoundaries(ctx, audit.System, []org.Place{{Code: "150399", Boundary: tree[1].Boundary}}, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("replace boundary of unknown place: %v", err)
		}
	})
}

func TestUnitsVersionCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.InsertPlaces(ctx, audit.System, tree, "test"); err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "CGJ", Name: "城管局", Kind: org.UnitCityDepartment, PlaceCode: "150300"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "CGJ", Name: "另一个", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate unit code: %v", err)
		}
		child, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "HBW-CG", Name: "海勃湾城管", Kind: org.UnitDistrictDepartment, ParentID: u.ID, PlaceCode: "150302"})
		if err != nil {
			t.Fatal(err)
		}
		alice, bob := u, u
		alice.ContactName = "张三"
		if alice, err = s.UpdateUnit(ctx, audit.System, alice); err != nil || alice.Version != 2 {
			t.Fatalf("first edit: %+v %v", alice, err)
		}
		bob.ContactName = "李四"
		if _, err := s.UpdateUnit(ctx, audit.System, bob); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale edit: err = %v, want ErrConflict", err)
		}
		got, err := s.Unit(ctx, u.ID)
		if err != nil || got.ContactName != "张三" {
			t.Fatalf("stale edit overwrote the first: %+v %v", got, err)
		}
		ghost := u
		ghost.ID = "no-such-unit"
		if _, err := s.UpdateUnit(ctx, audit.System, ghost); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing unit: %v", err)
		}
		under, err := s.Units(ctx, store.UnitFilter{PlacePrefix: "150302"})
		if err != nil || len(under) != 1 || under[0].ID != child.ID {
			t.Fatalf("units under 150302 = %+v %v", under, err)
		}
		family, err := s.Units(ctx, store.UnitFilter{UnitID: u.ID})
		if err != nil || len(family) != 2 {
			t.Fatalf("unit and its children = %+v %v", family, err)
		}
		if _, err := s.Unit(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing unit: %v", err)
		}
	})
}

func TestUsersRolesScopeAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.InsertPlaces(ctx, audit.System, tree, "test"); err != nil {
			t.Fatal(err)
		}
		unit, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "HN", Name: "海南区住建局", Kind: org.UnitDistrictDepartment, PlaceCode: "150303"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateUser(ctx, audit.System, access.User{Username: "ann", DisplayName: "安", Roles: []access.Role{access.RoleAgent, access.RoleDispatcher}, PlaceCode: "150302001"}, "h1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, audit.System, access.User{Username: "hn", DisplayName: "海南", Roles: []access.Role{access.RoleHandler}, UnitID: unit.ID}, "h2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, audit.System, access.User{Username: "ann", DisplayName: "又一个", Roles: []access.Role{access.RoleAgent}}, "h"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate username: %v", err)
		}
		if _, err := s.CreateUser(ctx, audit.System, access.User{Username: "Bad Name", DisplayName: "x", Roles: []access.Role{access.RoleAgent}}, "h"); err == nil {
			t.Fatal("bad username accepted")
		}
		got, hash, err := s.PasswordHash(ctx, "ann")
		if err != nil || hash != "h1" || len(got.Roles) != 2 {
			t.Fatalf("PasswordHash = %+v %q %v", got, hash, err)
		}
		if _, _, err := s.PasswordHash(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		inHBW, err := s.Users(ctx, store.UserFilter{PlacePrefix: "150302"})
		if err != nil || len(inHBW) != 1 || inHBW[0].Username != "ann" || len(inHBW[0].Roles) != 2 {
			t.Fatalf("users in 150302 = %+v %v", inHBW, err)
		}
		inHN, err := s.Users(ctx, store.UserFilter{PlacePrefix: "150303"})
		if err != nil || len(inHN) != 1 || inHN[0].Username != "hn" {
			t.Fatalf("users in 150303 (by unit) = %+v %v", inHN, err)
		}
		dispatchers, err := s.Users(ctx, store.UserFilter{Role: access.RoleDispatcher})
		if err != nil || len(dispatchers) != 1 {
			t.Fatalf("dispatchers = %+v %v", dispatchers, err)
		}
		stale := a
		a.Roles = []access.Role{access.RoleSupervisor}
		if a, err = s.UpdateUser(ctx, audit.System, a); err != nil {
			t.Fatal(err)
		}
		stale.DisplayName = "过期"
		if _, err := s.UpdateUser(ctx, audit.System, stale); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale user edit: %v", err)
		}
		again, err := s.UserByUsername(ctx, "ann")
		if err != nil || len(again.Roles) != 1 || again.Roles[0] != access.RoleSupervisor || again.DisplayName != "安" {
			t.Fatalf("after update = %+v %v", again, err)
		}
		if err := s.SetPasswordHash(ctx, audit.System, a.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		if _, hash, _ := s.PasswordHash(ctx, "ann"); hash != "h3" {
			t.Fatalf("hash after reset = %q", hash)
		}
		if err := s.SetPasswordHash(ctx, audit.System, "missing", "h"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reset missing user: %v", err)
		}
	})
}
