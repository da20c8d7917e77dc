package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cityline/cityline/internal/access"
	catalog "github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

// The measures API reads the rollups (docs/measures.md): never the orders themselves.

func (s *Server) registerMeasuresAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/measures", s.signedIn(s.apiMeasures))
	mux.HandleFunc("GET /api/v1/rankings", s.signedIn(s.apiRankings))
}

// maxMeasureDays bounds a custom period: ten years of days.
const maxMeasureDays = 3660

// measuresFilter is what a measures request asks for, checked.
type measuresFilter struct {
	Unit     string `json:"unit,omitempty"`
	Region   string `json:"region,omitempty"`
	Category string `json:"category,omitempty"`
	Line     string `json:"line,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Type     string `json:"type,omitempty"`
}

type measureGroupJSON struct {
	Key      string           `json:"key"`
	Name     string           `json:"name,omitempty"`
	Measures measure.Measures `json:"measures"`
}

type measuresResponse struct {
	From        string             `json:"from"`
	To          string             `json:"to"`
	GroupBy     measure.GroupBy    `json:"group_by,omitempty"`
	Filter      measuresFilter     `json:"filter"`
	Total       measure.Measures   `json:"total"`
	Groups      []measureGroupJSON `json:"groups"`
	Definitions string             `json:"definitions"`
}

// measuresDoc is where every measure is defined in words.
const measuresDoc = "docs/measures.md"

// measuresRequest is a parsed request: the store query, how to fold it, and the names of its groups.
type measuresRequest struct {
	filter   measuresFilter
	query    store.RollupQuery
	grouping measure.Grouping
	place    string // the region's place code, for the policy
	names    map[string]string
}

// period reads from and to (dates, both included), by default this month so far (Shanghai).
func period(q url.Values, now time.Time) (from, to measure.Day, fe *workorder.FieldError) {
	today := measure.DayOf(now)
	from, to = today.FirstOfMonth(), today
	for _, p := range []struct {
		name string
		into *measure.Day
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			d, err := measure.ParseDay(v)
			if err != nil {
				return 0, 0, &workorder.FieldError{Field: p.name, Reason: err.Error()}
			}
			*p.into = d
		}
	}
	switch {
	case to < from:
		return 0, 0, &workorder.FieldError{Field: "to", Reason: "the period ends before it starts"}
	case from.AddDays(maxMeasureDays) < to:
		return 0, 0, &workorder.FieldError{Field: "to", Reason: fmt.Sprintf("a period is at most %d days", maxMeasureDays)}
	}
	return from, to, nil
}

// parseMeasures checks a request's parameters against the catalogue, the tree and the units, and
// fills in whose measures a request without unit and region is about (see defaultReach).
func (s *Server) parseMeasures(r *http.Request, a access.Actor) (measuresRequest, error) {
	ctx := r.Context()
	q := r.URL.Query()
	var m measuresRequest
	from, to, fe := period(q, time.Now())
	if fe != nil {
		return m, fe
	}
	by, err := measure.ParseGroupBy(q.Get("group_by"))
	if err != nil {
		return m, &workorder.FieldError{Field: "group_by", Reason: err.Error()}
	}
	f := measuresFilter{Unit: q.Get("unit"), Region: q.Get("region"), Category: q.Get("category"), Line: q.Get("line"),
		Channel: q.Get("channel"), Type: q.Get("type")}
	if f.Unit == "" && f.Region == "" {
		f.Unit, f.Region = defaultReach(a)
	}
	m = measuresRequest{filter: f, query: store.RollupQuery{From: from, To: to, UnitID: f.Unit, Line: f.Line, Channel: f.Channel, Type: f.Type},
		grouping: measure.Grouping{By: by, From: from, To: to}, place: f.Region, names: map[string]string{}}
	switch {
	case f.Channel != "" && !workorder.ValidChannel(workorder.Channel(f.Channel)):
		return m, &workorder.FieldError{Field: "channel", Reason: fmt.Sprintf("unknown channel %q", f.Channel)}
	case f.Type != "" && !workorder.ValidType(workorder.RequestType(f.Type)):
		return m, &workorder.FieldError{Field: "type", Reason: fmt.Sprintf("unknown request type %q", f.Type)}
	}
	if f.Line != "" && f.Line != workorder.MainLine {
		if _, err := s.st.HotlineLine(ctx, f.Line); err != nil {
			return m, known(err, "line", "unknown hotline %q", f.Line)
		}
	}
	if f.Unit != "" {
		if _, err := s.st.Unit(ctx, f.Unit); err != nil {
			return m, known(err, "unit", "unknown unit %q", f.Unit)
		}
	}
	level := org.LevelCity
	if f.Region != "" {
		p, err := s.st.Place(ctx, f.Region)
		if err != nil {
			return m, known(err, "region", "unknown place %q", f.Region)
		}
		level = p.Level
		if level != org.LevelCity { // the city is everything, orders without a located point too
			m.query.PlacePrefix = org.ScopePrefix(p.Code, p.Level)
		}
	}
	if f.Category != "" || by == measure.ByCategory {
		if err := s.categoryScope(r, &m); err != nil {
			return m, err
		}
	}
	switch by {
	case measure.ByDay, measure.ByWeek, measure.ByMonth:
		m.query.GroupBy = "day"
	case measure.ByUnit:
		m.query.GroupBy = "unit"
		units, err := s.st.Units(ctx, store.UnitFilter{})
		if err != nil {
			return m, err
		}
		for _, u := range units {
			m.names[u.ID] = u.Name
		}
	case measure.ByCategory:
		m.query.GroupBy = "category"
	case measure.ByRegion:
		below := level
		if level != org.LevelGrid {
			below = level.Below()
		}
		m.query.GroupBy, m.query.PlaceLen, m.grouping.RegionLen = "place", below.CodeLength(), below.CodeLength()
		places, err := s.st.Places(ctx, store.PlaceFilter{Level: below, CodePrefix: m.query.PlacePrefix})
		if err != nil {
			return m, err
		}
		for _, p := range places {
			m.names[p.Code] = p.Name
		}
	}
	return m, nil
}

// categoryScope expands the category asked for into its subtree and prepares grouping by category.
func (s *Server) categoryScope(r *http.Request, m *measuresRequest) error {
	all, err := s.st.Categories(r.Context(), store.CategoryFilter{})
	if err != nil {
		return err
	}
	parents := make(map[string]string, len(all))
	for _, c := range all {
		parents[c.Code] = c.ParentCode
		m.names[c.Code] = c.Name
	}
	m.grouping.CategoryParents, m.grouping.CategoryUnder = parents, m.filter.Category
	if m.filter.Category == "" {
		return nil
	}
	if _, ok := parents[m.filter.Category]; !ok {
		return &workorder.FieldError{Field: "category", Reason: fmt.Sprintf("unknown category %q", m.filter.Category)}
	}
	tree := catalog.NewTree(all)
	codes := []string{m.filter.Category}
	for i := 0; i < len(codes); i++ {
		for _, c := range tree.Children(codes[i]) {
			codes = append(codes, c.Code)
		}
	}
	m.query.Categories = codes
	return nil
}

// known turns a failed lookup of something a request named into a 400 naming the field.
func known(err error, field, format string, v string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &workorder.FieldError{Field: field, Reason: fmt.Sprintf(format, v)}
	}
	return err
}

// defaultReach is whose measures a request that names no unit and no region is about: the whole
// city for an actor who may see it, else the actor's own area, else its own unit.
func defaultReach(a access.Actor) (unit, region string) {
	switch {
	case access.Allow(a, access.ActionViewMeasures, access.Target{}) == nil:
		return "", ""
	case a.ScopeCode != "" && access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: a.ScopeCode}) == nil:
		return "", a.ScopeCode
	}
	return a.UnitID, ""
}

// apiMeasures answers GET /api/v1/measures: the measures of the orders a unit, a region, a category,
// a line, a channel or a request type (or any of them together) counted over a period, in total and
// grouped by period, unit, category or region.
func (s *Server) apiMeasures(w http.ResponseWriter, r *http.Request, a access.Actor) {
	m, err := s.parseMeasures(r, a)
	if err == nil {
		err = access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: m.place, UnitID: m.query.UnitID})
	}
	if err != nil {
		ticketError(w, r, err)
		return
	}
	rows, err := s.st.Rollups(r.Context(), m.query)
	if err != nil {
		internalError(w, r, err)
		return
	}
	open, err := s.st.OpenOverdue(r.Context(), m.query, time.Now())
	if err != nil {
		internalError(w, r, err)
		return
	}
	rep := m.grouping.Fold(rows, open)
	out := measuresResponse{From: m.query.From.String(), To: m.query.To.String(), GroupBy: m.grouping.By, Filter: m.filter,
		Total: rep.Total, Groups: make([]measureGroupJSON, 0, len(rep.Groups)), Definitions: measuresDoc}
	for _, g := range rep.Groups {
		out.Groups = append(out.Groups, measureGroupJSON{Key: g.Key, Name: m.names[g.Key], Measures: g.Measures})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

type standingJSON struct {
	measure.Standing
	Name string       `json:"name"`
	Kind org.UnitKind `json:"kind"`
}

type rankingTierJSON struct {
	Kind     org.UnitKind   `json:"kind"`
	Best     []standingJSON `json:"best"`
	Worst    []standingJSON `json:"worst"`
	Ranked   []standingJSON `json:"ranked"`
	Unranked []standingJSON `json:"unranked"`
}

type rankingsResponse struct {
	Month   string `json:"month"`
	Weights struct {
		Response     float64 `json:"response_rate"`
		Resolution   float64 `json:"resolution_rate"`
		Satisfaction float64 `json:"satisfaction_rate"`
	} `json:"weights"`
	MinDispatched int               `json:"min_dispatched"`
	MinVisited    int               `json:"min_visited"`
	Caution       string            `json:"caution"`
	Tiers         []rankingTierJSON `json:"tiers"`
	Definitions   string            `json:"definitions"`
}

// rankedKinds are the tiers units are ranked in; the centre ranks nobody against itself.
var rankedKinds = []org.UnitKind{org.UnitCityDepartment, org.UnitDistrictDepartment, org.UnitUtility, org.UnitStreet}

// apiRankings answers GET /api/v1/rankings: a month's ranking of units, tier by tier, by the
// composite of the three rates, among the units the actor may see (a district sees its own).
func (s *Server) apiRankings(w http.ResponseWriter, r *http.Request, a access.Actor) {
	q := r.URL.Query()
	first := measure.DayOf(time.Now()).FirstOfMonth().AddDays(-1).FirstOfMonth() // last month, the last one complete
	last := first.LastOfMonth()
	if v := q.Get("month"); v != "" {
		var err error
		if first, last, err = measure.ParseMonth(v); err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "month", "month: "+err.Error())
			return
		}
	}
	kinds := rankedKinds
	if v := q.Get("kind"); v != "" {
		k, err := org.ParseUnitKind(v)
		if err != nil || k == org.UnitCentre {
			httpx.WriteError(w, http.StatusBadRequest, "kind", fmt.Sprintf("kind: want one of %v", rankedKinds))
			return
		}
		kinds = []org.UnitKind{k}
	}
	ctx := r.Context()
	all, err := s.st.Units(ctx, store.UnitFilter{})
	if err != nil {
		internalError(w, r, err)
		return
	}
	visible := map[org.UnitKind][]org.Unit{}
	seen := 0
	for _, u := range all {
		if !u.Disabled && access.Allow(a, access.ActionViewMeasures, access.Target{PlaceCode: u.PlaceCode, UnitID: u.ID}) == nil {
			visible[u.Kind] = append(visible[u.Kind], u)
			seen++
		}
	}
	if seen == 0 {
		httpx.WriteError(w, http.StatusForbidden, "", "forbidden: no unit's measures are within your reach")
		return
	}
	query := store.RollupQuery{From: first, To: last, GroupBy: "unit"}
	rows, err := s.st.Rollups(ctx, query)
	if err != nil {
		internalError(w, r, err)
		return
	}
	open, err := s.st.OpenOverdue(ctx, query, time.Now())
	if err != nil {
		internalError(w, r, err)
		return
	}
	perUnit := map[string]measure.Measures{}
	for _, g := range (measure.Grouping{By: measure.ByUnit, From: first, To: last}).Fold(rows, open).Groups {
		perUnit[g.Key] = g.Measures
	}
	out := rankingsResponse{Month: first.MonthLabel(), MinDispatched: measure.MinDispatched, MinVisited: measure.MinVisited,
		Caution: measure.Caution, Tiers: []rankingTierJSON{}, Definitions: measuresDoc}
	out.Weights.Response, out.Weights.Resolution, out.Weights.Satisfaction = measure.WeightResponse, measure.WeightResolution, measure.WeightSatisfaction
	for _, k := range kinds {
		units := visible[k]
		byID := map[string]org.Unit{}
		ids := make([]string, 0, len(units))
		for _, u := range units {
			byID[u.ID] = u
			ids = append(ids, u.ID)
		}
		rk := measure.Rank(ids, perUnit)
		named := func(ss []measure.Standing) []standingJSON {
			out := make([]standingJSON, 0, len(ss))
			for _, st := range ss {
				out = append(out, standingJSON{Standing: st, Name: byID[st.Unit].Name, Kind: k})
			}
			return out
		}
		out.Tiers = append(out.Tiers, rankingTierJSON{Kind: k, Best: named(rk.Best(5)), Worst: named(rk.Worst(5)),
			Ranked: named(rk.Ranked), Unranked: named(rk.Unranked)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
