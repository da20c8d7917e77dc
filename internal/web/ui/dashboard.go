package ui

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// The dashboards: /dash for the centre and leaders (the city, or the leader's own area), /dash/unit
// for a unit's handlers and lead (their own unit). Both show KPI tiles for a period, the trend, the
// matters people call about most, and the orders due soon and overdue; the centre's also ranks the
// units of each tier for the month. Charts are drawn by static/reports.js from JSON the page carries.

// dashForm is the dashboard's choices as typed.
type dashForm struct {
	Period, From, To, Region string
}

// tile is one KPI tile: the measure's name in the measures API's JSON, its label and its value as
// the tables and files show it.
type tile struct {
	Measure string
	Label   string // catalogue key
	Value   string
	Alert   bool // worth a second look (work overdue)
}

// tileSpec says which measure a tile shows.
type tileSpec struct {
	measure string
	col     column
}

var (
	centreTiles = []tileSpec{{"volume", colVolume}, {"first_line_rate", colFirstLine}, {"response_rate", colResponse},
		{"resolution_rate", colResolution}, {"satisfaction_rate", colSatisfaction}, {"on_time_closure_rate", colOnTime},
		{"send_back_rate", colSendBack}, {"rehandle_rate", colRehandle}, {"overdue", colOverdue}}
	unitTiles = []tileSpec{{"dispatched", colDispatched}, {"response_rate", colResponse}, {"resolution_rate", colResolution},
		{"satisfaction_rate", colSatisfaction}, {"on_time_closure_rate", colOnTime}, {"send_back_rate", colSendBack},
		{"rehandle_rate", colRehandle}, {"overdue", colOverdue}, {"handling_mean_hours", colMeanHours}}
)

// rankRow is one unit of a ranking.
type rankRow struct {
	Rank                                      int
	Name                                      string
	Score, Response, Resolution, Satisfaction string
}

// rankTier is the best and worst of one tier of units.
type rankTier struct {
	Kind     org.UnitKind
	Best     []rankRow
	Worst    []rankRow // at most five, none of them among Best
	Unranked int
}

// dashData is a dashboard.
type dashData struct {
	Unit        bool // the unit's own dashboard
	Form        dashForm
	Errors      formErrors
	Scope       string
	PeriodLabel string
	API         string // the measures API's URL for the same numbers
	Regions     []option
	Tiles       []tile
	Trend       string // the trend chart's data, JSON
	TrendWeekly bool
	Top         string // the top categories chart's data, JSON
	TopCount    int
	RankMonth   string
	Ranking     []rankTier
	DueSoon     []ticketRow
	Overdue     []ticketRow
	SoonLink    string
	LateLink    string
}

// TitleKey names the page.
func (d dashData) TitleKey() string {
	if d.Unit {
		return "rp.dash.unit_title"
	}
	return "rp.dash.title"
}

// Kinds are the periods a dashboard offers, with their catalogue keys.
func (dashData) Kinds() []option {
	return []option{{Value: string(export.Today), Label: "rp.kind.today"}, {Value: string(export.Week), Label: "rp.kind.this_week"},
		{Value: string(export.Month), Label: "rp.kind.this_month"}, {Value: string(export.Custom), Label: "rp.kind.custom"}}
}

// dashListSize is how many orders each list of a dashboard shows.
const dashListSize = 8

// dashboard is the centre's and the leaders' dashboard. A unit's people, who may see only their
// own unit, are sent to theirs.
func (u *UI) dashboard(w http.ResponseWriter, r *http.Request, a access.Actor) {
	u.dashPage(w, r, a, false)
}

// unitDashboard is a unit's own dashboard.
func (u *UI) unitDashboard(w http.ResponseWriter, r *http.Request, a access.Actor) {
	u.dashPage(w, r, a, true)
}

func (u *UI) dashPage(w http.ResponseWriter, r *http.Request, a access.Actor, unit bool) {
	ctx, t := r.Context(), u.translator(langOf(r))
	q := r.URL.Query()
	d := dashData{Unit: unit, Errors: formErrors{}, Form: dashForm{Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"), Region: q.Get("region")}}
	if d.Form.Period == "" {
		d.Form.Period = string(export.Month)
	}
	p, err := export.DashboardPeriod(d.Form.Period, d.Form.From, d.Form.To, measure.DayOf(time.Now()))
	if err != nil && !d.Errors.problem(t, err) {
		u.failed(w, r, err)
		return
	}
	var sc export.Scope
	if unit {
		sc, err = export.UnitScope(ctx, u.st, a)
	} else {
		sc, err = u.scopeFor(ctx, t, a, d.Form.Region, d.Errors)
	}
	switch {
	case err != nil:
		u.unreachable(w, r, err)
		return
	case !unit && sc.Unit.ID != "":
		http.Redirect(w, r, "/dash/unit", http.StatusSeeOther)
		return
	}
	if !unit {
		if d.Regions, err = u.regionChoices(ctx, a); err != nil {
			u.failed(w, r, err)
			return
		}
	}
	if len(d.Errors) > 0 {
		u.render(w, r, http.StatusBadRequest, "dashboard.html", d)
		return
	}
	if d.Form.Period != string(export.Custom) {
		d.Form.From, d.Form.To = p.From.String(), p.To.String()
	}
	if err := u.fillDashboard(ctx, t, a, sc, p, &d); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "dashboard.html", d)
}

// fillDashboard reads everything a dashboard shows.
func (u *UI) fillDashboard(ctx context.Context, t tr, a access.Actor, sc export.Scope, p export.Period, d *dashData) error {
	rd := export.Reader{Store: u.st}
	var err error
	if d.Scope, err = u.scopeName(ctx, t, sc); err != nil {
		return err
	}
	d.PeriodLabel = periodLabel(p)
	d.API = measuresURL(sc, p.From, p.To)
	total, err := rd.Total(ctx, sc, p.From, p.To)
	if err != nil {
		return err
	}
	specs := centreTiles
	if d.Unit {
		specs = unitTiles
	}
	for _, s := range specs {
		d.Tiles = append(d.Tiles, tile{Measure: s.measure, Label: s.col.head, Value: s.col.cell(total).Text,
			Alert: s.measure == "overdue" && total.Overdue > 0})
	}
	from, to, by := p.Trend()
	trend, err := rd.Trend(ctx, sc, from, to, by)
	if err != nil {
		return err
	}
	d.TrendWeekly = by == measure.ByWeek
	if d.Trend, err = trendChart(t, trend, d.Unit); err != nil {
		return err
	}
	top, err := rd.TopCategories(ctx, sc, p.From, p.To, 10)
	if err != nil {
		return err
	}
	d.TopCount = len(top)
	if d.Top, err = topChart(sc, top); err != nil {
		return err
	}
	if !d.Unit {
		if err := u.fillRanking(ctx, a, sc, p, d); err != nil {
			return err
		}
	}
	return u.fillDashLists(ctx, a, sc, d)
}

// measuresURL is GET /api/v1/measures for the same scope and days.
func measuresURL(sc export.Scope, from, to measure.Day) string {
	q := url.Values{"from": {from.String()}, "to": {to.String()}}
	switch {
	case sc.Unit.ID != "":
		q.Set("unit", sc.Unit.ID)
	case sc.Place.Code != "":
		q.Set("region", sc.Place.Code)
	}
	return "/api/v1/measures?" + q.Encode()
}

// chartSeries is one series of a chart: bars of counts on the left axis, or a line of percentages on
// the right one. A period without a value (no return visit, say) has null.
type chartSeries struct {
	Name string     `json:"name"`
	Kind string     `json:"kind"`
	Data []*float64 `json:"data"`
}

type trendJSON struct {
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

// trendChart is the trend's data for the chart: volume (dispatched for a unit) as bars, the three
// rates as lines.
func trendChart(t tr, groups []measure.Group, unit bool) (string, error) {
	out := trendJSON{Labels: []string{}}
	volume := chartSeries{Name: t.T(colVolume.head), Kind: "bar"}
	volumeOf := colVolume.cell
	if unit {
		volume.Name, volumeOf = t.T(colDispatched.head), colDispatched.cell
	}
	rates := []struct {
		s    chartSeries
		cell func(measure.Measures) export.Cell
	}{
		{chartSeries{Name: t.T(colResponse.head), Kind: "line"}, colResponse.cell},
		{chartSeries{Name: t.T(colResolution.head), Kind: "line"}, colResolution.cell},
		{chartSeries{Name: t.T(colSatisfaction.head), Kind: "line"}, colSatisfaction.cell},
	}
	for _, g := range groups {
		out.Labels = append(out.Labels, strings.TrimPrefix(g.Key[min(len(g.Key), 5):], "-"))
		v := volumeOf(g.Measures).Value
		volume.Data = append(volume.Data, &v)
		for i := range rates {
			rates[i].s.Data = append(rates[i].s.Data, percent(rates[i].cell(g.Measures)))
		}
	}
	out.Series = append(out.Series, volume)
	for _, r := range rates {
		out.Series = append(out.Series, r.s)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// percent is a rate cell as a percentage, or nil when it has no value.
func percent(c export.Cell) *float64 {
	if c.Kind != export.Rate {
		return nil
	}
	v := math.Round(c.Value*1000) / 10
	return &v
}

type topJSON struct {
	Labels []string  `json:"labels"`
	Paths  []string  `json:"paths"`
	Values []float64 `json:"values"`
}

// topChart is the top categories' data for the chart, most first; a category is labelled by its own
// name, its whole path shown on hover.
func topChart(sc export.Scope, top []export.Line) (string, error) {
	out := topJSON{Labels: []string{}, Paths: []string{}, Values: []float64{}}
	for _, l := range top {
		out.Labels = append(out.Labels, l.Name[strings.LastIndex(l.Name, "/")+1:])
		out.Paths = append(out.Paths, l.Name)
		out.Values = append(out.Values, float64(sc.Load(l.Measures)))
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// fillRanking ranks the units the viewer may see for the month the period ends in, as far as it
// has gone: the ranking GET /api/v1/rankings gives for that month.
func (u *UI) fillRanking(ctx context.Context, a access.Actor, sc export.Scope, p export.Period, d *dashData) error {
	first := p.To.FirstOfMonth()
	tiers, err := export.Reader{Store: u.st}.Tiers(ctx, a, sc, first, first.LastOfMonth())
	if err != nil {
		return err
	}
	d.RankMonth = first.MonthLabel()
	for _, tier := range tiers {
		rows := func(ss []measure.Standing) []rankRow {
			out := make([]rankRow, 0, len(ss))
			for _, s := range ss {
				out = append(out, rankRow{Rank: s.Rank, Name: tier.Units[s.Unit].Name, Score: export.RateCell(s.Score).Text,
					Response: colResponse.cell(s.Measures).Text, Resolution: colResolution.cell(s.Measures).Text,
					Satisfaction: colSatisfaction.cell(s.Measures).Text})
			}
			return out
		}
		// The worst five are those below the best five: a tier of eight shows its last three.
		rt := rankTier{Kind: tier.Kind, Best: rows(tier.Ranking.Best(5)), Unranked: len(tier.Ranking.Unranked),
			Worst: rows(tier.Ranking.Worst(min(5, max(0, len(tier.Ranking.Ranked)-5))))}
		d.Ranking = append(d.Ranking, rt)
	}
	return nil
}

// dueSoonPages bounds how far the due-soon list looks: the listing cannot leave out orders already
// overdue, so it reads the newest orders due within a day (the least likely to be overdue) a page at
// a time and keeps those still ahead of their deadline.
const dueSoonPages = 3

// fillDashLists reads a few of the scope's orders due within a day, soonest first, and of those
// overdue, the longest waiting first.
func (u *UI) fillDashLists(ctx context.Context, a access.Actor, sc export.Scope, d *dashData) error {
	n, err := u.names(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	d.Overdue, _, err = u.rows(ctx, a, n, sc.Tickets(store.TicketFilter{Overdue: true, Now: now, Limit: dashListSize, OldestFirst: true}), nil)
	if err != nil {
		return err
	}
	f := sc.Tickets(store.TicketFilter{DueBefore: now.Add(dueSoon), Limit: 50})
	ahead := func(_ access.Actor, t workorder.Ticket) bool { return t.DueCloseAt.After(now) }
	for range dueSoonPages {
		rows, next, err := u.rows(ctx, a, n, f, ahead)
		if err != nil {
			return err
		}
		d.DueSoon = append(d.DueSoon, rows...)
		if next == "" || len(d.DueSoon) >= dashListSize {
			break
		}
		f.Cursor = next
	}
	slices.SortFunc(d.DueSoon, func(x, y ticketRow) int { return x.T.DueCloseAt.Compare(y.T.DueCloseAt) })
	d.DueSoon = d.DueSoon[:min(len(d.DueSoon), dashListSize)]
	if d.Unit {
		d.SoonLink, d.LateLink = "/desk/inbox?tab=soon", "/desk/inbox?tab=overdue"
		return nil
	}
	q := url.Values{"overdue": {"1"}}
	if sc.Place.Code != "" {
		q.Set("region", sc.Place.Code)
	}
	d.LateLink = "/tickets?" + q.Encode()
	return nil
}

// Region is the dashboard's region picker.
func (d dashData) Region(v view) fieldData { return rpRegion(v.tr, d.Form.Region, d.Regions, d.Errors) }

// Day is one end of the dashboard's period ("from" or "to").
func (d dashData) Day(v view, name string) fieldData {
	value := d.Form.From
	if name == "to" {
		value = d.Form.To
	}
	return rpField(v.tr, name, "date", value, d.Errors)
}

// dashList is one list of orders on a dashboard, for the "dash-list" block.
type dashList struct {
	V     view
	Name  string
	Title string
	More  string // the whole list elsewhere, or ""
	Rows  []ticketRow
}

// List is the dashboard's list of orders due soon ("soon") or overdue ("late").
func (d dashData) List(v view, name string) dashList {
	if name == "soon" {
		return dashList{V: v, Name: name, Title: v.T("rp.dash.soon"), More: d.SoonLink, Rows: d.DueSoon}
	}
	return dashList{V: v, Name: name, Title: v.T("rp.dash.late"), More: d.LateLink, Rows: d.Overdue}
}

// viewsMeasures are the roles the centre's dashboard and the reports are for: those who see the
// measures of a whole area (the policy lets units see their own, on their own dashboard).
var viewsMeasures = []access.Role{access.RoleDispatcher, access.RoleSupervisor, access.RoleLeader, access.RoleStreetStaff,
	access.RoleCommunityStaff}
