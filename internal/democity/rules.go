package democity

import (
	"context"
	"fmt"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/store"
)

// SeedDispatchRules stores the demo city's dispatch catalogue (see dispatchRules) in a seeded demo
// city: the seed does, and so can a benchmark's city written before rules existed.
func SeedDispatchRules(ctx context.Context, st *store.Store) error {
	units, err := st.Units(ctx, store.UnitFilter{})
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(units))
	for _, u := range units {
		if !u.Disabled {
			ids[u.Code] = u.ID
		}
	}
	places, err := st.GridsAndAncestors(ctx)
	if err != nil {
		return err
	}
	rules, err := dispatchRules(places, ids)
	if err != nil {
		return err
	}
	if _, err := st.CreateDispatchRules(ctx, audit.System, rules); err != nil {
		return fmt.Errorf("seed dispatch rules: %w", err)
	}
	return nil
}

// dispatchRules writes the demo city's dispatch catalogue from the units its matters go to (the
// ROUTE of matterTemplates): one rule per matter for a city-wide unit, one per district for a
// district's department (with the city's department as the lower-priority fallback), and a
// territorial rule (直派 to the street office) for local matters. unitIDs maps unit codes to ids.
func dispatchRules(places []org.Place, unitIDs map[string]string) ([]routing.Rule, error) {
	leaves, err := parseTemplates(matterTemplates)
	if err != nil {
		return nil, err
	}
	var districts []string
	for _, p := range places {
		if p.Level == org.LevelDistrict {
			districts = append(districts, p.Code)
		}
	}
	var rules []routing.Rule
	add := func(r routing.Rule) {
		r.Active, r.AutoDispatch = true, true
		rules = append(rules, r)
	}
	for _, l := range leaves {
		name := "演示规则 " + l.code
		switch l.lead {
		case "street":
			add(routing.Rule{Name: name + " 属地街道", Categories: []string{l.code}, Territory: routing.TerritoryStreet, Priority: 1})
			if id := unitIDs[cityFallback["street"]]; id != "" {
				add(routing.Rule{Name: name + " 无属地时", Categories: []string{l.code}, LeadUnitID: id})
			}
		case "durban", "dhousing":
			for _, d := range districts {
				if id := unitIDs[unitKinds[l.lead](d)]; id != "" {
					add(routing.Rule{Name: name + " " + d, Categories: []string{l.code}, RegionPrefix: d, LeadUnitID: id, Priority: 1})
				}
			}
			if id := unitIDs[cityFallback[l.lead]]; id != "" {
				add(routing.Rule{Name: name + " 全市", Categories: []string{l.code}, LeadUnitID: id})
			}
		default:
			kind, ok := unitKinds[l.lead]
			if !ok {
				return nil, fmt.Errorf("demo dispatch rules: %s: unknown unit kind %q", l.code, l.lead)
			}
			id := unitIDs[kind("")]
			if id == "" {
				return nil, fmt.Errorf("demo dispatch rules: %s: no unit %q", l.code, kind(""))
			}
			add(routing.Rule{Name: name, Categories: []string{l.code}, LeadUnitID: id})
		}
	}
	return rules, nil
}
