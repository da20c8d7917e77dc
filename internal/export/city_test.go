package export_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// city is storetest.TinyCity with the demo catalogue, a few units and people of every reach, and
// orders taken in and worked through the ticketing service, so that the rollups are the ones real
// steps write.
type city struct {
	st     *store.Store
	auth   *auth.Service
	svc    *ticketing.Service
	units  map[string]org.Unit
	actors map[string]access.Actor
}

func newCity(t testing.TB, st *store.Store) *city {
	t.Helper()
	ctx := context.Background()
	storetest.TinyCity(t, st)
	if err := st.ReplaceHotlineLines(ctx, audit.System, hotline.Catalogue()); err != nil {
		t.Fatal(err)
	}
	demo, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ImportCategories(ctx, audit.System, demo); err != nil {
		t.Fatal(err)
	}
	c := &city{st: st, auth: auth.New(st, auth.Options{}), units: map[string]org.Unit{}, actors: map[string]access.Actor{}}
	c.svc = ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	for _, u := range []org.Unit{
		{Code: "CGJ", Name: "市城管局", Kind: org.UnitCityDepartment, PlaceCode: "150300"},
		{Code: "HBW-ZJ", Name: "海勃湾区住建局", Kind: org.UnitDistrictDepartment, PlaceCode: "150302"},
		{Code: "HN-ZJ", Name: "海南区住建局", Kind: org.UnitDistrictDepartment, PlaceCode: "150303"},
		{Code: "WATER", Name: "市水务公司", Kind: org.UnitUtility, PlaceCode: "150300"},
	} {
		created, err := st.CreateUnit(ctx, audit.System, u)
		if err != nil {
			t.Fatal(err)
		}
		c.units[u.Code] = created
	}
	for _, u := range []access.User{
		{Username: "agent", DisplayName: "话务员", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150300"},
		{Username: "supervisor", DisplayName: "督办员", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300"},
		{Username: "leader", DisplayName: "市领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150300"},
		{Username: "leader-hbw", DisplayName: "区领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150302"},
		{Username: "handler-hn", DisplayName: "承办人", Roles: []access.Role{access.RoleHandler}, UnitID: c.units["HN-ZJ"].ID},
		{Username: "grid", DisplayName: "网格员", Roles: []access.Role{access.RoleGridWorker}, GridRole: access.GridLeader, PlaceCode: "150302001001001"},
		{Username: "admin", DisplayName: "管理员", Roles: []access.Role{access.RoleAdmin}, PlaceCode: "150300"},
	} {
		created, err := st.CreateUser(ctx, audit.System, u, "")
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.auth.ActorFor(ctx, created)
		if err != nil {
			t.Fatal(err)
		}
		c.actors[u.Username] = a
	}
	return c
}

// order takes an order in at lng (TinyCity: 106.25 is 150302's first grid, 107.75 150303's second).
func (c *city) order(t *testing.T, lng float64, cat string, n int) workorder.Ticket {
	t.Helper()
	in := workorder.Intake{Channel: workorder.ChannelPhone, Type: workorder.TypeComplaint, Category: cat,
		Title: fmt.Sprintf("路灯不亮%d", n), Description: "小区门口的路灯一周不亮", Address: "人民路 1 号",
		Caller: workorder.Caller{Name: "张三丰", Phone: "13812345678"}, Lng: lng, Lat: 39.5}
	tk, _, err := c.svc.Create(context.Background(), c.actors["agent"], in, ticketing.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// act takes one step on an order.
func (c *city) act(t *testing.T, tk workorder.Ticket, who string, cmd workorder.Command) workorder.Ticket {
	t.Helper()
	cmd.Version = tk.Version
	next, err := c.svc.Act(context.Background(), c.actors[who], tk.ID, cmd)
	if err != nil {
		t.Fatalf("%s by %s: %v", cmd.Action, who, err)
	}
	return next
}

// closeVia dispatches the order to unit (whose handler is handler) and works it to closure.
func (c *city) closeVia(t *testing.T, tk workorder.Ticket, unit, handler string, satisfied bool) {
	t.Helper()
	tk = c.act(t, tk, "agent", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: c.units[unit].ID})
	tk = c.act(t, tk, handler, workorder.Command{Action: workorder.ActAccept})
	tk = c.act(t, tk, handler, workorder.Command{Action: workorder.ActReply, Comment: "已修复。"})
	tk = c.act(t, tk, "agent", workorder.Command{Action: workorder.ActApprove})
	verdict := workorder.Satisfied
	if !satisfied {
		verdict = workorder.Unsatisfied
	}
	yes := true
	c.act(t, tk, "agent", workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: verdict})
}

// handlerOf adds a handler for a unit and returns its username.
func (c *city) handlerOf(t *testing.T, unit string) string {
	t.Helper()
	name := "h-" + strings.ToLower(unit)
	if _, ok := c.actors[name]; ok {
		return name
	}
	u, err := c.st.CreateUser(context.Background(), audit.System, access.User{Username: name, DisplayName: "承办",
		Roles: []access.Role{access.RoleHandler}, UnitID: c.units[unit].ID}, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.auth.ActorFor(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	c.actors[name] = a
	return name
}
