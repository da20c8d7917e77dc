package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/web"
)

const fixturePassword = "correct-horse-9"

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
	storetest.TinyCity(t, st)
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

// demoCatalogue gives the fixture's city the demo's category catalogue.
func (f *fixture) demoCatalogue(t *testing.T) {
	t.Helper()
	demo, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.ImportCategories(context.Background(), audit.System, demo); err != nil {
		t.Fatalf("import the demo catalogue: %v", err)
	}
}

// apiStep is one request of a scenario: who calls what, and what must and must not come back.
type apiStep struct {
	name, method, path, as, body string
	status                       int
	contains, absent             []string
}

// check makes the step's request and reports what differs from what it expects. A wrong status
// stops the test, since the steps of a scenario build on each other.
func (f *fixture) check(t *testing.T, s apiStep) {
	t.Helper()
	status, body := f.call(t, s.method, s.path, s.as, s.body)
	if status != s.status {
		t.Fatalf("%s: %s %s: status %d, want %d; body %s", s.name, s.method, s.path, status, s.status, body)
	}
	for _, want := range s.contains {
		if !strings.Contains(body, want) {
			t.Errorf("%s: body lacks %s: %s", s.name, want, body)
		}
	}
	for _, bad := range s.absent {
		if strings.Contains(body, bad) {
			t.Errorf("%s: body must not contain %s: %s", s.name, bad, body)
		}
	}
}
