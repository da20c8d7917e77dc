package routing

import (
	"errors"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/workorder"
)

var day = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func catalogue() *Catalogue {
	return NewCatalogue([]Rule{
		{ID: "r-city-lamps", Name: "路灯全市", Categories: []string{"0203"}, LeadUnitID: "city-lights", Active: true, AutoDispatch: true},
		{ID: "r-hbw-lamps", Name: "海勃湾路灯", Categories: []string{"020301"}, RegionPrefix: "150302", LeadUnitID: "hbw-urban",
			CoUnitIDs: []string{"power"}, Active: true},
		{ID: "r-stall", Name: "占道经营属地", Categories: []string{"0301"}, Territory: TerritoryStreet, Active: true, AutoDispatch: true},
		{ID: "r-stall-complaint", Name: "占道投诉", Categories: []string{"0301"}, Types: []workorder.RequestType{workorder.TypeComplaint},
			Keywords: []string{"夜市", "烧烤"}, LeadUnitID: "city-urban", Priority: 5, Active: true},
		{ID: "r-old", Name: "过期规则", Categories: []string{"0203"}, LeadUnitID: "old-unit", Priority: 9, Active: true,
			EffectiveTo: day.Add(-time.Hour)},
		{ID: "r-future", Name: "未生效", Categories: []string{"0203"}, LeadUnitID: "future-unit", Priority: 9, Active: true,
			EffectiveFrom: day.Add(time.Hour)},
		{ID: "r-off", Name: "停用", Categories: []string{"0203"}, LeadUnitID: "off-unit", Priority: 99},
	})
}

func TestRoute(t *testing.T) {
	c := catalogue()
	if c.Len() != 6 {
		t.Fatalf("active rules = %d, want 6 (the inactive one left out)", c.Len())
	}
	cases := []struct {
		name    string
		order   Order
		rule    string
		reasons []Reason
	}{
		{"the narrower region wins among equal priorities",
			Order{CategoryPath: []string{"02", "0203", "020301"}, PlaceCode: "150302001001001", At: day}, "r-hbw-lamps",
			[]Reason{{"category", "020301"}, {"region", "150302"}}},
		{"outside that region the city rule applies",
			Order{CategoryPath: []string{"02", "0203", "020301"}, PlaceCode: "150303001001001", At: day}, "r-city-lamps",
			[]Reason{{"category", "0203"}}},
		{"a higher priority beats a more specific rule",
			Order{CategoryPath: []string{"03", "0301", "030101"}, PlaceCode: "150303001001001", Type: workorder.TypeComplaint,
				Text: "楼下烧烤摊油烟很大", At: day}, "r-stall-complaint",
			[]Reason{{"category", "0301"}, {"type", "complaint"}, {"keyword", "烧烤"}}},
		{"without the keyword the territorial rule applies",
			Order{CategoryPath: []string{"03", "0301", "030101"}, PlaceCode: "150303001001001", Type: workorder.TypeComplaint,
				Text: "门口有人摆摊", At: day}, "r-stall", []Reason{{"category", "0301"}}},
	}
	for _, tc := range cases {
		d, ok := c.Route(tc.order)
		if !ok || d.Rule.ID != tc.rule {
			t.Errorf("%s: routed by %q (ok=%v), want %s", tc.name, d.Rule.ID, ok, tc.rule)
			continue
		}
		if len(d.Reasons) != len(tc.reasons) {
			t.Errorf("%s: reasons %v, want %v", tc.name, d.Reasons, tc.reasons)
			continue
		}
		for i := range d.Reasons {
			if d.Reasons[i] != tc.reasons[i] {
				t.Errorf("%s: reasons %v, want %v", tc.name, d.Reasons, tc.reasons)
			}
		}
	}
	if d, ok := c.Route(Order{CategoryPath: []string{"03", "0301"}, At: day}); ok {
		t.Errorf("a territorial rule matched an order with no place: %+v", d.Rule)
	}
	if d, ok := c.Route(Order{CategoryPath: []string{"09", "0901"}, PlaceCode: "150302001001001", At: day}); ok {
		t.Errorf("an order no rule covers was routed by %s: a person must decide", d.Rule.ID)
	}
	d, _ := c.Route(Order{CategoryPath: []string{"02", "0203", "020301"}, PlaceCode: "150302001001001", At: day})
	d.CoUnitIDs[0] = "changed"
	if again, _ := c.Route(Order{CategoryPath: []string{"02", "0203", "020301"}, PlaceCode: "150302001001001", At: day}); again.CoUnitIDs[0] != "power" {
		t.Error("a decision shares its co-handlers with the catalogue")
	}
}

func TestTiesAreBrokenByID(t *testing.T) {
	a := Rule{ID: "a", Name: "a", Categories: []string{"01"}, LeadUnitID: "ua", Active: true}
	b := Rule{ID: "b", Name: "b", Categories: []string{"01"}, LeadUnitID: "ub", Active: true}
	o := Order{CategoryPath: []string{"01"}, At: day}
	for _, rules := range [][]Rule{{a, b}, {b, a}} {
		if d, _ := NewCatalogue(rules).Route(o); d.Rule.ID != "a" {
			t.Errorf("rules %s,%s: chose %s, want a whatever the order", rules[0].ID, rules[1].ID, d.Rule.ID)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Rule{Name: "路灯", Categories: []string{"0203"}, LeadUnitID: "u1", Active: true}
	if err := good.Validate(); err != nil {
		t.Fatalf("a good rule: %v", err)
	}
	long := make([]rune, MaxNameRunes+1)
	for i := range long {
		long[i] = '长'
	}
	for field, change := range map[string]func(*Rule){
		"name":         func(r *Rule) { r.Name = "  " },
		"categories":   func(r *Rule) { r.Categories = []string{"1"} },
		"types":        func(r *Rule) { r.Types = []workorder.RequestType{"gossip"} },
		"keywords":     func(r *Rule) { r.Keywords = []string{""} },
		"lead_unit_id": func(r *Rule) { r.Territory = TerritoryStreet },
		"territory":    func(r *Rule) { r.LeadUnitID, r.Territory = "", "moon" },
		"effective_to": func(r *Rule) { r.EffectiveFrom, r.EffectiveTo = day, day },
		"co_unit_ids":  func(r *Rule) { r.CoUnitIDs = []string{"u1"} },
		"region":       func(r *Rule) { r.RegionPrefix = "1503xx" },
	} {
		r := good
		change(&r)
		var fe *FieldError
		if err := r.Validate(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("bad %s: err = %v", field, err)
		}
	}
	r := good
	r.Name = string(long)
	var fe *FieldError
	if err := r.Validate(); !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("a name of %d characters: %v", len(long), err)
	}
}
