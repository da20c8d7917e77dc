package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web"
)

const fixturePassword = "correct-horse-9"

// square is a GeoJSON polygon for the axis-aligned box [lng0,lng1]×[lat0,lat1].
func square(lng0, lat0, lng1, lat1 float64) []byte {
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		lng0, lat0, lng1, lat0, lng1, lat1, lng0, lat1, lng0, lat0)
}

// fixture is a small city: two districts, each with one street, one community and two grids side by side.
type fixture struct {
	st    *store.Store
	auth  *auth.Service
	srv   *httptest.Server
	units map[string]org.Unit
	users map[string]access.User
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	places := []org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}
	for i, d := range []string{"150302", "150303"} {
		lng := 106.0 + float64(i)
		places = append(places,
			org.Place{Code: d, Name: "区" + d, Level: org.LevelDistrict, ParentCode: "150300", Boundary: square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001", Name: "街道" + d, Level: org.LevelStreet, ParentCode: d, Boundary: square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001001", Name: "社区" + d, Level: org.LevelCommunity, ParentCode: d + "001", Boundary: square(lng, 39, lng+1, 40)},
			org.Place{Code: d + "001001001", Name: "第1网格", Level: org.LevelGrid, ParentCode: d + "001001", Boundary: square(lng, 39, lng+0.5, 40), CenterLng: lng + 0.25, CenterLat: 39.5},
			org.Place{Code: d + "001001002", Name: "第2网格", Level: org.LevelGrid, ParentCode: d + "001001", Boundary: square(lng+0.5, 39, lng+1, 40), CenterLng: lng + 0.75, CenterLat: 39.5},
		)
	}
	if err := st.InsertPlaces(ctx, audit.System, places, "fixture"); err != nil {
		t.Fatalf("fixture places: %v", err)
	}
	if err := st.ReplaceHotlineLines(ctx, audit.System, hotline.Catalogue()); err != nil {
		t.Fatalf("fixture hotlines: %v", err)
	}
	f := &fixture{st: st, auth: auth.New(st, auth.Options{}), units: map[string]org.Unit{}, users: map[string]access.User{}}
	for _, u := range []org.Unit{
		{Code: "CGJ", Name: "市城管局", Kind: org.UnitCityDepartment, PlaceCode: "150300"},
		{Code: "HN-ZJ", Name: "海南区住建局", Kind: org.UnitDistrictDepartment, PlaceCode: "150303"},
	} {
		created, err := st.CreateUnit(ctx, audit.System, u)
		if err != nil {
			t.Fatalf("fixture unit %s: %v", u.Code, err)
		}
		f.units[u.Code] = created
	}
	hash, err := auth.HashPassword(fixturePassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []access.User{
		{Username: "admin", DisplayName: "管理员", Roles: []access.Role{access.RoleAdmin}, PlaceCode: "150300", Phone: "13800000001"},
		{Username: "admin-hbw", DisplayName: "海勃湾管理员", Roles: []access.Role{access.RoleAdmin}, PlaceCode: "150302"},
		{Username: "agent", DisplayName: "话务员", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150300"},
		{Username: "handler-hn", DisplayName: "海南承办人", Roles: []access.Role{access.RoleHandler}, UnitID: f.units["HN-ZJ"].ID, Phone: "13912345678"},
		{Username: "grid-hn", DisplayName: "海南网格员", Roles: []access.Role{access.RoleGridWorker}, GridRole: access.GridLeader, PlaceCode: "150303001001001"},
		{Username: "gone", DisplayName: "已停用", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150300", Disabled: true},
	} {
		created, err := st.CreateUser(ctx, audit.System, u, hash)
		if err != nil {
			t.Fatalf("fixture user %s: %v", u.Username, err)
		}
		f.users[u.Username] = created
	}
	srv, err := web.New(web.Config{Version: "test", DataDir: t.TempDir()}, st, f.auth)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	f.srv = httptest.NewServer(srv)
	t.Cleanup(f.srv.Close)
	return f
}
