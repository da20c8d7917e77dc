package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// Scope is whose measures a screen shows: the whole city, one place and everything under it, or the
// work of one unit. It is decided once per request by ScopeFor or UnitScope, from the policy.
type Scope struct {
	City  bool
	Place org.Place // the region, when the scope is one
	Unit  org.Unit  // the unit, when the scope is one
}

// prefix is the place-code prefix of the scope's region, or "".
func (sc Scope) prefix() string {
	if sc.Place.Code == "" {
		return ""
	}
	return org.ScopePrefix(sc.Place.Code, sc.Place.Level)
}

// Query is the rollup query of the scope over from..to: the same query GET /api/v1/measures makes
// for the same region or unit, so that a screen and the API always agree.
func (sc Scope) Query(from, to measure.Day) store.RollupQuery {
	return store.RollupQuery{From: from, To: to, PlacePrefix: sc.prefix(), UnitID: sc.Unit.ID}
}

// Load is the work a line of the scope's measures stands for: the orders taken in, or for a unit,
// which takes nothing in, the orders sent to it.
func (sc Scope) Load(m measure.Measures) int64 {
	if sc.Unit.ID != "" {
		return m.Dispatched
	}
	return m.Volume
}

// Tickets narrows an order listing to the scope (the listing adds the actor's own reach).
func (sc Scope) Tickets(f store.TicketFilter) store.TicketFilter {
	f.PlacePrefix = sc.prefix()
	if sc.Unit.ID != "" {
		f.LeadUnitID = sc.Unit.ID
	}
	return f
}

// ScopeFor decides whose measures a leader's or the centre's screen shows the actor: the region
// asked for (a place code), when the policy lets the actor see it; otherwise the whole city if it
// may, else its own area, else its own unit. The city chosen as a region is the whole city. It
// returns a *workorder.FieldError naming "region" for an unknown place, and an error wrapping
// access.ErrForbidden when the actor may see no measures at all.
func ScopeFor(ctx context.Context, st *store.Store, a access.Actor, region string) (Scope, error) {
	if region != "" {
		p, err := st.Place(ctx, region)
		if errors.Is(err, store.ErrNotFound) {
			return Scope{}, &workorder.FieldError{Field: "region", Reason: fmt.Sprintf("unknown place %q", region)}
		}
		if err != nil {
			return Scope{}, err
		}
		if err := access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: p.Code}); err != nil {
			return Scope{}, err
		}
		if p.Level == org.LevelCity {
			return Scope{City: true}, nil
		}
		return Scope{Place: p}, nil
	}
	switch {
	case access.Allow(a, access.ActionViewMeasures, access.Target{}) == nil:
		return Scope{City: true}, nil
	case a.ScopeCode != "" && access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: a.ScopeCode}) == nil:
		p, err := st.Place(ctx, a.ScopeCode)
		if err != nil {
			return Scope{}, fmt.Errorf("scope of %s: %w", a.Username, err)
		}
		return Scope{Place: p}, nil
	}
	return UnitScope(ctx, st, a)
}

// UnitScope is the actor's own unit, for the unit's dashboard.
func UnitScope(ctx context.Context, st *store.Store, a access.Actor) (Scope, error) {
	if a.UnitID == "" {
		return Scope{}, fmt.Errorf("%w: %s belongs to no unit", access.ErrForbidden, a.Username)
	}
	if err := access.Allow(a, access.ActionViewMeasures, access.Target{UnitID: a.UnitID}); err != nil {
		return Scope{}, err
	}
	u, err := st.Unit(ctx, a.UnitID)
	if err != nil {
		return Scope{}, fmt.Errorf("unit of %s: %w", a.Username, err)
	}
	return Scope{Unit: u}, nil
}

// Reader reads the measures the screens show, always from the rollups and the open orders' closure
// timers (store.Rollups, store.OpenOverdue), folded by internal/measure.
type Reader struct {
	Store *store.Store
	Now   func() time.Time // nil: time.Now
}

func (r Reader) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// fold sums the rollups that q selects as g groups them, with the orders open past a deadline.
func (r Reader) fold(ctx context.Context, q store.RollupQuery, g measure.Grouping) (measure.Report, error) {
	rows, err := r.Store.Rollups(ctx, q)
	if err != nil {
		return measure.Report{}, err
	}
	open, err := r.Store.OpenOverdue(ctx, q, r.now())
	if err != nil {
		return measure.Report{}, err
	}
	return g.Fold(rows, open), nil
}

// Total is the measures of the scope over from..to.
func (r Reader) Total(ctx context.Context, sc Scope, from, to measure.Day) (measure.Measures, error) {
	rep, err := r.fold(ctx, sc.Query(from, to), measure.Grouping{From: from, To: to})
	return rep.Total, err
}

// Trend is the measures of the scope period by period (by is ByDay, ByWeek or ByMonth), every
// period of from..to listed, those without orders too.
func (r Reader) Trend(ctx context.Context, sc Scope, from, to measure.Day, by measure.GroupBy) ([]measure.Group, error) {
	q := sc.Query(from, to)
	q.GroupBy = "day"
	rep, err := r.fold(ctx, q, measure.Grouping{By: by, From: from, To: to})
	return rep.Groups, err
}

// Line is one line of a table of measures: a place, a category or a unit.
type Line struct {
	Key      string // place code, category code or unit id; "" for orders without one
	Name     string // "" when Key is ""
	Measures measure.Measures
}

// Regions is the measures of every place of the level under the scope, in code order, with a last
// line (Key "") for the orders that have no place, when there are any.
func (r Reader) Regions(ctx context.Context, sc Scope, from, to measure.Day, level org.Level) ([]Line, error) {
	q := sc.Query(from, to)
	q.GroupBy, q.PlaceLen = "place", level.CodeLength()
	rep, err := r.fold(ctx, q, measure.Grouping{By: measure.ByRegion, From: from, To: to, RegionLen: level.CodeLength()})
	if err != nil {
		return nil, err
	}
	places, err := r.Store.Places(ctx, store.PlaceFilter{Level: level, CodePrefix: sc.prefix()})
	if err != nil {
		return nil, err
	}
	byKey := groups(rep)
	var out []Line
	for _, p := range places {
		out = append(out, Line{Key: p.Code, Name: p.Name, Measures: take(byKey, p.Code)})
	}
	return append(out, rest(byKey)...), nil
}

// Categories is the measures of every top-level category of the catalogue, in its order, then of
// any code the catalogue no longer holds.
func (r Reader) Categories(ctx context.Context, sc Scope, from, to measure.Day) ([]Line, error) {
	cats, err := r.Store.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	parents := make(map[string]string, len(cats))
	for _, c := range cats {
		parents[c.Code] = c.ParentCode
	}
	rep, err := r.byCategory(ctx, sc, from, to, parents)
	if err != nil {
		return nil, err
	}
	byKey := groups(rep)
	var out []Line
	for _, c := range category.NewTree(cats).Children("") {
		if _, seen := byKey[c.Code]; !c.Active && !seen {
			continue
		}
		out = append(out, Line{Key: c.Code, Name: c.Name, Measures: take(byKey, c.Code)})
	}
	return append(out, rest(byKey)...), nil
}

// TopCategories is the n categories (the catalogue's leaves, the matters people call about) with the
// most work (Scope.Load) in the scope over from..to, most first, with each one's path for a name.
func (r Reader) TopCategories(ctx context.Context, sc Scope, from, to measure.Day, n int) ([]Line, error) {
	cats, err := r.Store.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	// Every code its own group: a catalogue in which every category hangs from the top.
	flat := make(map[string]string, len(cats))
	for _, c := range cats {
		flat[c.Code] = ""
	}
	rep, err := r.byCategory(ctx, sc, from, to, flat)
	if err != nil {
		return nil, err
	}
	tree := category.NewTree(cats)
	var out []Line
	for _, g := range rep.Groups {
		if sc.Load(g.Measures) > 0 {
			out = append(out, Line{Key: g.Key, Name: cmp.Or(tree.PathName(g.Key), g.Key), Measures: g.Measures})
		}
	}
	slices.SortStableFunc(out, func(a, b Line) int { return cmp.Compare(sc.Load(b.Measures), sc.Load(a.Measures)) })
	return out[:min(n, len(out))], nil
}

func (r Reader) byCategory(ctx context.Context, sc Scope, from, to measure.Day, parents map[string]string) (measure.Report, error) {
	q := sc.Query(from, to)
	q.GroupBy = "category"
	return r.fold(ctx, q, measure.Grouping{By: measure.ByCategory, From: from, To: to, CategoryParents: parents})
}

// groups indexes a report's groups by key.
func groups(rep measure.Report) map[string]measure.Measures {
	out := make(map[string]measure.Measures, len(rep.Groups))
	for _, g := range rep.Groups {
		out[g.Key] = g.Measures
	}
	return out
}

// take removes key's measures from byKey and returns them: a key without orders has the measures of
// nothing (counts zero, rates without value).
func take(byKey map[string]measure.Measures, key string) measure.Measures {
	m, ok := byKey[key]
	if !ok {
		return measure.Compute(measure.Counts{}, 0)
	}
	delete(byKey, key)
	return m
}

// rest is the lines of the keys nobody took, with the key as their name, in key order but for the
// empty key (orders without a place or category), which comes last.
func rest(byKey map[string]measure.Measures) []Line {
	var out []Line
	for k, m := range byKey {
		out = append(out, Line{Key: k, Name: k, Measures: m})
	}
	slices.SortFunc(out, func(a, b Line) int {
		if (a.Key == "") != (b.Key == "") {
			return cmp.Compare(len(b.Key), len(a.Key))
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// RankedKinds are the tiers units are ranked in; the centre ranks nobody against itself.
var RankedKinds = []org.UnitKind{org.UnitCityDepartment, org.UnitDistrictDepartment, org.UnitUtility, org.UnitStreet}

// Tier is the units of one kind that a viewer may see, ranked by the composite of the three rates
// (measure.Rank) over a period.
type Tier struct {
	Kind    org.UnitKind
	Units   map[string]org.Unit // by id
	Ranking measure.Ranking
}

// Tiers ranks, tier by tier, the units whose measures the actor may see and that serve the scope
// (all of them for the city; those whose place lies in the region; the unit itself), each by its
// work anywhere in the city over from..to: the ranking GET /api/v1/rankings gives for a month.
// Tiers without such units are left out.
func (r Reader) Tiers(ctx context.Context, a access.Actor, sc Scope, from, to measure.Day) ([]Tier, error) {
	all, err := r.Store.Units(ctx, store.UnitFilter{})
	if err != nil {
		return nil, err
	}
	prefix := sc.prefix()
	byKind := map[org.UnitKind][]org.Unit{}
	for _, u := range all {
		switch {
		case u.Disabled, sc.Unit.ID != "" && u.ID != sc.Unit.ID, prefix != "" && !strings.HasPrefix(u.PlaceCode, prefix),
			access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: u.PlaceCode, UnitID: u.ID}) != nil:
			continue
		}
		byKind[u.Kind] = append(byKind[u.Kind], u)
	}
	q := store.RollupQuery{From: from, To: to, GroupBy: "unit"}
	rep, err := r.fold(ctx, q, measure.Grouping{By: measure.ByUnit, From: from, To: to})
	if err != nil {
		return nil, err
	}
	perUnit := groups(rep)
	var out []Tier
	for _, k := range RankedKinds {
		units := byKind[k]
		if len(units) == 0 {
			continue
		}
		t := Tier{Kind: k, Units: make(map[string]org.Unit, len(units))}
		ids := make([]string, len(units))
		for i, u := range units {
			t.Units[u.ID], ids[i] = u, u.ID
		}
		t.Ranking = measure.Rank(ids, perUnit)
		out = append(out, t)
	}
	return out, nil
}

// Standings is the tier's units in ranking order: the ranked best first, then the unranked.
func (t Tier) Standings() []measure.Standing {
	return append(slices.Clone(t.Ranking.Ranked), t.Ranking.Unranked...)
}
