package export_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

func TestScopeFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCity(t, st)
		tests := []struct {
			who, region string
			want        string // "city", a place code, or a unit code
			err         error
			field       string
		}{
			{who: "leader", want: "city"},
			{who: "agent", want: "city"},
			{who: "leader", region: "150300", want: "city"},
			{who: "leader", region: "150303001", want: "150303001"},
			{who: "leader-hbw", want: "150302"},
			{who: "leader-hbw", region: "150302001", want: "150302001"},
			{who: "leader-hbw", region: "150303", err: access.ErrForbidden},
			{who: "leader-hbw", region: "150300", err: access.ErrForbidden},
			{who: "handler-hn", want: "HN-ZJ"},
			{who: "handler-hn", region: "150303", err: access.ErrForbidden},
			{who: "leader", region: "150399", field: "region"},
			{who: "grid", err: access.ErrForbidden},
			{who: "admin", err: access.ErrForbidden},
		}
		for _, tc := range tests {
			sc, err := export.ScopeFor(ctx, st, c.actors[tc.who], tc.region)
			var fe *workorder.FieldError
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Errorf("%s asking for %q: %v, want a %s error", tc.who, tc.region, err, tc.field)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Errorf("%s asking for %q: %v, want %v", tc.who, tc.region, err, tc.err)
				}
			case err != nil:
				t.Errorf("%s asking for %q: %v", tc.who, tc.region, err)
			default:
				got := sc.Place.Code + sc.Unit.Code
				if sc.City {
					got = "city"
				}
				if got != tc.want {
					t.Errorf("%s asking for %q sees %q, want %q", tc.who, tc.region, got, tc.want)
				}
			}
		}
		if _, err := export.UnitScope(ctx, st, c.actors["leader"]); !errors.Is(err, access.ErrForbidden) {
			t.Errorf("the unit dashboard of a leader without a unit: %v", err)
		}
	})
}

func TestReaderTablesAddUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCity(t, st)
		c.closeVia(t, c.order(t, 106.25, "020301", 1), "HBW-ZJ", c.handlerOf(t, "HBW-ZJ"), true)
		c.act(t, c.order(t, 106.75, "020301", 2), "agent", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: c.units["CGJ"].ID})
		c.closeVia(t, c.order(t, 107.75, "020201", 3), "HN-ZJ", "handler-hn", false)
		c.act(t, c.order(t, 107.25, "010101", 4), "agent", workorder.Command{Action: workorder.ActAnswer, Comment: "已答复"})

		r := export.Reader{Store: st}
		today := measure.DayOf(time.Now())
		from, to := today.AddDays(-2), today
		city := export.Scope{City: true}
		total, err := r.Total(ctx, city, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if total.Volume != 4 || total.Answered != 1 || total.Dispatched != 4 || total.Closed != 1 || total.Visited != 2 || total.Rehandled != 1 {
			t.Fatalf("city total %+v: want 4 taken, 1 answered, 4 sent to units (one re-handled), 1 closed, 2 visits", total)
		}

		districts, err := r.Regions(ctx, city, from, to, org.LevelDistrict)
		if err != nil {
			t.Fatal(err)
		}
		if len(districts) != 2 || districts[0].Key != "150302" || districts[0].Name != "区150302" ||
			districts[0].Measures.Volume != 2 || districts[1].Measures.Volume != 2 || districts[1].Measures.Answered != 1 {
			t.Errorf("districts %+v", districts)
		}
		streets, err := r.Regions(ctx, export.Scope{Place: org.Place{Code: "150303", Level: org.LevelDistrict}}, from, to, org.LevelStreet)
		if err != nil {
			t.Fatal(err)
		}
		if len(streets) != 1 || streets[0].Key != "150303001" || streets[0].Measures.Volume != 2 {
			t.Errorf("the streets of 150303: %+v", streets)
		}

		cats, err := r.Categories(ctx, city, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		byKey := map[string]measure.Measures{}
		for _, l := range cats {
			sum += l.Measures.Volume
			byKey[l.Key] = l.Measures
		}
		if len(cats) != 17 || cats[0].Key != "01" || sum != total.Volume || byKey["02"].Volume != 3 || byKey["01"].Volume != 1 {
			t.Errorf("%d top-level categories, %d orders in all, 市政设施 %d: want the catalogue's 17, 4 and 3", len(cats), sum, byKey["02"].Volume)
		}
		if m := byKey["05"]; m.Volume != 0 || m.SatisfactionRate != nil {
			t.Errorf("a category without orders: %+v, want nothing counted and no rate", m)
		}

		top, err := r.TopCategories(ctx, city, from, to, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(top) != 2 || top[0].Key != "020301" || top[0].Measures.Volume != 2 || !strings.Contains(top[0].Name, "路灯不亮") || top[1].Measures.Volume != 1 {
			t.Errorf("top categories %+v, want 路灯不亮 with 2 first", top)
		}

		trend, err := r.Trend(ctx, city, from, to, measure.ByDay)
		if err != nil {
			t.Fatal(err)
		}
		if len(trend) != 3 || trend[2].Key != today.String() || trend[2].Measures.Volume != 4 || trend[0].Measures.Volume != 0 {
			t.Errorf("trend %+v, want three days with today's 4 orders last", trend)
		}

		hbw, err := export.ScopeFor(ctx, st, c.actors["leader-hbw"], "")
		if err != nil {
			t.Fatal(err)
		}
		if m, err := r.Total(ctx, hbw, from, to); err != nil || m.Volume != 2 || m.Dispatched != 2 {
			t.Errorf("the district's total %+v (%v), want 2 orders both dispatched", m, err)
		}
		unit, err := export.ScopeFor(ctx, st, c.actors["handler-hn"], "")
		if err != nil {
			t.Fatal(err)
		}
		if m, err := r.Total(ctx, unit, from, to); err != nil || m.Volume != 0 || m.Dispatched != 2 || m.Visited != 1 || m.Rehandled != 1 {
			t.Errorf("the unit's total %+v (%v), want its 2 dispatches (one a re-handling) and 1 visit", m, err)
		}
	})
}

func TestTiersRankWhatTheViewerMaySee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCity(t, st)
		// Two district departments with enough work to be ranked: 海南区 closes everything to
		// satisfaction; 海勃湾区 leaves its citizens unsatisfied half the time.
		for i := range measure.MinDispatched {
			c.closeVia(t, c.order(t, 107.75, "020301", i), "HN-ZJ", "handler-hn", true)
			c.closeVia(t, c.order(t, 106.25, "020301", 100+i), "HBW-ZJ", c.handlerOf(t, "HBW-ZJ"), i%2 == 0)
		}
		today := measure.DayOf(time.Now())
		r := export.Reader{Store: st}
		tiers, err := r.Tiers(ctx, c.actors["leader"], export.Scope{City: true}, today.FirstOfMonth(), today)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []org.UnitKind
		var district export.Tier
		for _, tr := range tiers {
			kinds = append(kinds, tr.Kind)
			if tr.Kind == org.UnitDistrictDepartment {
				district = tr
			}
		}
		if len(kinds) != 3 || kinds[0] != org.UnitCityDepartment || kinds[2] != org.UnitUtility {
			t.Fatalf("tiers %v, want city departments, district departments and utilities (no streets in this city)", kinds)
		}
		st0 := district.Standings()
		if len(district.Ranking.Ranked) != 2 || st0[0].Unit != c.units["HN-ZJ"].ID || st0[0].Rank != 1 || st0[1].Rank != 2 {
			t.Fatalf("district departments %+v, want 海南区住建局 ranked above 海勃湾区住建局", st0)
		}

		own, err := r.Tiers(ctx, c.actors["leader-hbw"], export.Scope{Place: org.Place{Code: "150302", Level: org.LevelDistrict}}, today.FirstOfMonth(), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(own) != 1 || len(own[0].Units) != 1 || own[0].Units[c.units["HBW-ZJ"].ID].Code != "HBW-ZJ" {
			t.Errorf("a district leader's tiers %+v, want its own district department alone", own)
		}
	})
}
