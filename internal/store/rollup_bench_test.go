package store_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/democity"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// The KPI benchmark: the rollup rows that 10,000,000 orders over five years of the demo city would
// leave, then one unit's or one region's month read as the measures API reads it. The orders are
// made up and replayed through measure.Replay — the code the live hooks and the rebuild use — so the
// rows are the ones real orders of that mix would produce; only the rows are written.
//
//	go test ./internal/store -run '^$' -bench KPI -benchtime 400x
//
// Generating takes minutes; CITYLINE_BENCH_ROLLUPS=/path/file.db keeps the database between runs.
const (
	benchOrders = 10_000_000
	benchDays   = 5 * 365
)

// kpiCity is what the benchmark's queries pick from.
type kpiCity struct {
	st       *store.Store
	units    []string
	regions  map[org.Level][]string // scope prefixes by level
	months   []measure.Day          // first days
	subtrees [][]string             // the codes under each level-1 category
}

var kpiOnce struct {
	sync.Once
	city *kpiCity
	err  error
}

func BenchmarkKPI(b *testing.B) {
	skipIfShort(b, "10 million orders of rollups take minutes to generate")
	kpiOnce.Do(func() { kpiOnce.city, kpiOnce.err = openKPICity(b) })
	if kpiOnce.err != nil {
		b.Fatal(kpiOnce.err)
	}
	c := kpiOnce.city
	type kind struct {
		name  string
		query func(rng *rand.Rand) store.RollupQuery
	}
	kinds := []kind{{"unit", func(rng *rand.Rand) store.RollupQuery {
		return store.RollupQuery{UnitID: c.units[rng.IntN(len(c.units))]}
	}}}
	for _, lv := range org.Levels {
		rs := c.regions[lv]
		kinds = append(kinds, kind{"region-" + string(lv), func(rng *rand.Rand) store.RollupQuery {
			return store.RollupQuery{PlacePrefix: rs[rng.IntN(len(rs))]}
		}})
	}
	views := kinds
	kinds = append(kinds, kind{"mixed", func(rng *rand.Rand) store.RollupQuery { return views[rng.IntN(len(views))].query(rng) }},
		// Not a KPI view of a unit or a region: a level-1 category's subtree over the whole city,
		// which only the detailed rollups can answer.
		kind{"category-city", func(rng *rand.Rand) store.RollupQuery {
			return store.RollupQuery{Categories: c.subtrees[rng.IntN(len(c.subtrees))]}
		}})
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, uint64(len(k.name))))
			var lat []time.Duration
			for b.Loop() {
				q := k.query(rng)
				q.From = c.months[rng.IntN(len(c.months))]
				q.To = q.From.LastOfMonth()
				start := time.Now()
				if err := kpiView(c.st, q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.95), "p95_ms")
			b.ReportMetric(pct(1), "max_ms")
		})
	}
}

// kpiView is the work of GET /api/v1/measures for one month by day: the rollups, the open overdue
// orders, the report.
func kpiView(st *store.Store, q store.RollupQuery) error {
	ctx := context.Background()
	q.GroupBy = "day"
	rows, err := st.Rollups(ctx, q)
	if err != nil {
		return err
	}
	open, err := st.OpenOverdue(ctx, q, time.Now())
	if err != nil {
		return err
	}
	rep := measure.Grouping{By: measure.ByDay, From: q.From, To: q.To}.Fold(rows, open)
	if len(rep.Groups) < 28 {
		return fmt.Errorf("a month of %d days", len(rep.Groups))
	}
	return nil
}

func openKPICity(b *testing.B) (*kpiCity, error) {
	ctx := context.Background()
	path := os.Getenv("CITYLINE_BENCH_ROLLUPS")
	if path == "" {
		path = b.TempDir() + "/kpi.db"
	}
	st, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	b.Cleanup(func() { st.Close() })
	city, err := democity.Build()
	if err != nil {
		return nil, err
	}
	cats, err := category.Demo()
	if err != nil {
		return nil, err
	}
	gen := newKPIGenerator(city, cats)
	c := &kpiCity{st: st, regions: map[org.Level][]string{}}
	for _, u := range city.Units {
		if u.Kind != org.UnitCentre {
			c.units = append(c.units, u.Code)
		}
	}
	for _, p := range city.Places {
		c.regions[p.Level] = append(c.regions[p.Level], org.ScopePrefix(p.Code, p.Level))
	}
	tree := category.NewTree(cats)
	for _, top := range tree.Children("") {
		codes := []string{top.Code}
		for i := 0; i < len(codes); i++ {
			for _, ch := range tree.Children(codes[i]) {
				codes = append(codes, ch.Code)
			}
		}
		c.subtrees = append(c.subtrees, codes)
	}
	for d := gen.first; d <= gen.last; d = d.LastOfMonth().AddDays(1) {
		c.months = append(c.months, d.FirstOfMonth())
	}
	var n int
	if err := st.QueryRowForTest(ctx, `SELECT COUNT(*) FROM measure_rollups`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		start := time.Now()
		rows, err := gen.write(ctx, st)
		if err != nil {
			return nil, err
		}
		b.Logf("wrote %d rollup rows for %d orders over %d days in %s (%s)", rows, gen.orders, benchDays, time.Since(start).Round(time.Second), path)
	}
	return c, nil
}

// kpiGenerator makes up the demo city's orders, day by day.
type kpiGenerator struct {
	rng         *rand.Rand
	first, last measure.Day
	grids       []org.Place
	gridWeight  []float64
	leaves      []category.Category
	leafWeight  []float64
	route       map[string]func(grid string) string // leaf code → the unit a matter of it at a grid goes to
	lines       []string
	units       []string
	orders      int
}

func newKPIGenerator(city democity.City, cats []category.Category) *kpiGenerator {
	g := &kpiGenerator{rng: rand.New(rand.NewPCG(2026, 11)), route: map[string]func(string) string{}}
	g.last = measure.MakeDay(2026, 11, 30)
	g.first = g.last.AddDays(-benchDays + 1)
	streets := map[string]string{}
	districtDeps := map[string][]string{}
	var cityDeps, utilities []string
	for _, u := range city.Units {
		g.units = append(g.units, u.Code)
		switch u.Kind {
		case org.UnitStreet:
			streets[u.PlaceCode] = u.Code
		case org.UnitDistrictDepartment:
			districtDeps[u.PlaceCode] = append(districtDeps[u.PlaceCode], u.Code)
		case org.UnitCityDepartment:
			cityDeps = append(cityDeps, u.Code)
		case org.UnitUtility:
			utilities = append(utilities, u.Code)
		}
	}
	for _, p := range city.Places {
		if p.Level == org.LevelGrid {
			g.grids = append(g.grids, p)
			g.gridWeight = append(g.gridWeight, math.Exp(0.8*g.rng.NormFloat64())) // some grids are busy
		}
	}
	parents := map[string]bool{}
	for _, c := range cats {
		parents[c.ParentCode] = true
	}
	for _, c := range cats {
		if parents[c.Code] {
			continue
		}
		rank := float64(len(g.leaves) + 1)
		g.leaves = append(g.leaves, c)
		g.leafWeight = append(g.leafWeight, 1/math.Pow(rank, 0.9)) // a few matters dominate
		switch r := g.rng.Float64(); {
		case r < 0.35:
			g.route[c.Code] = func(grid string) string { return streets[grid[:9]] }
		case r < 0.50:
			i := g.rng.IntN(2)
			g.route[c.Code] = func(grid string) string { return districtDeps[grid[:6]][i] }
		case r < 0.80:
			u := cityDeps[g.rng.IntN(len(cityDeps))]
			g.route[c.Code] = func(string) string { return u }
		default:
			u := utilities[g.rng.IntN(len(utilities))]
			g.route[c.Code] = func(string) string { return u }
		}
	}
	for _, l := range city.Lines {
		g.lines = append(g.lines, l.Code)
	}
	slices.SortStableFunc(g.grids, func(a, b org.Place) int { return strings.Compare(a.Code, b.Code) })
	return g
}

func pickWeighted(rng *rand.Rand, weights []float64, total float64) int {
	r := rng.Float64() * total
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

var (
	kpiChannels = []workorder.Channel{workorder.ChannelPhone, workorder.ChannelMobile, workorder.ChannelWeb, workorder.ChannelGrid,
		workorder.ChannelSMS, workorder.ChannelOpen311, workorder.ChannelPolice, workorder.ChannelEmail, workorder.ChannelSensor,
		workorder.ChannelWalkIn, workorder.ChannelTransfer}
	kpiChannelWeights = []float64{62, 12, 8, 8, 2, 2, 2, 1, 1, 1, 1}
	kpiTypes          = []workorder.RequestType{workorder.TypeEnquiry, workorder.TypeHelp, workorder.TypeComplaint,
		workorder.TypeReport, workorder.TypeSuggestion, workorder.TypePraise}
	kpiTypeWeights = []float64{30, 25, 25, 5, 10, 5}
	kpiAnswered    = []float64{0.72, 0.08, 0.03, 0.01, 0.2, 0.7}
)

// write makes up every day's orders, replays them, and writes the rows of each day once no later
// order can add to it (orders' steps never come before their intake).
func (g *kpiGenerator) write(ctx context.Context, st *store.Store) (int, error) {
	perDay := float64(benchOrders) / benchDays
	var gridTotal, leafTotal, chTotal, typeTotal float64
	for _, w := range g.gridWeight {
		gridTotal += w
	}
	for _, w := range g.leafWeight {
		leafTotal += w
	}
	for _, w := range kpiChannelWeights {
		chTotal += w
	}
	for _, w := range kpiTypeWeights {
		typeTotal += w
	}
	pending := map[measure.Day]map[measure.Key]*measure.Counts{}
	var batch []measure.Row
	written := 0
	flush := func(upTo measure.Day, force bool) error {
		var days []measure.Day
		for d := range pending {
			if d < upTo {
				days = append(days, d)
			}
		}
		slices.Sort(days)
		for _, d := range days {
			for k, c := range pending[d] {
				batch = append(batch, measure.Row{Key: k, Counts: *c})
			}
			delete(pending, d)
		}
		if len(batch) < 200_000 && !force {
			return nil
		}
		slices.SortFunc(batch, func(a, b measure.Row) int { return a.Key.Compare(b.Key) })
		if err := st.BulkRollupsForTest(ctx, batch); err != nil {
			return err
		}
		written += len(batch)
		batch = batch[:0]
		return nil
	}
	for d := g.first; d <= g.last; d = d.AddDays(1) {
		load := 1.0
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			load = 0.7
		}
		n := int(perDay * load * 1.086 * (1 + 0.05*g.rng.NormFloat64()))
		for range n {
			t, evs := g.order(d, gridTotal, leafTotal, chTotal, typeTotal)
			for _, delta := range measure.Replay(t, evs) {
				if delta.Key.Day > g.last {
					continue // after the present
				}
				m := pending[delta.Key.Day]
				if m == nil {
					m = map[measure.Key]*measure.Counts{}
					pending[delta.Key.Day] = m
				}
				measure.Sum([]measure.Delta{delta}, m)
			}
			g.orders++
		}
		if err := flush(d, false); err != nil {
			return written, err
		}
	}
	return written, flush(g.last.AddDays(1), true)
}

// order makes up one order taken in on day d and its timeline: answered on the phone, or dispatched
// to the unit its matter and place call for, signed for (mostly in time), sometimes sent back and
// re-dispatched, replied to after days, visited, sometimes re-handled, closed (mostly in time).
func (g *kpiGenerator) order(d measure.Day, gridTotal, leafTotal, chTotal, typeTotal float64) (workorder.Ticket, []workorder.Event) {
	rng := g.rng
	grid := g.grids[pickWeighted(rng, g.gridWeight, gridTotal)].Code
	leaf := g.leaves[pickWeighted(rng, g.leafWeight, leafTotal)].Code
	line := workorder.MainLine
	if rng.Float64() < 0.25 {
		line = g.lines[int(float64(len(g.lines))*math.Pow(rng.Float64(), 2))]
	}
	ti := pickWeighted(rng, kpiTypeWeights, typeTotal)
	at := d.Start().Add(time.Duration(7*3600+rng.IntN(14*3600)) * time.Second)
	t := workorder.Ticket{Channel: kpiChannels[pickWeighted(rng, kpiChannelWeights, chTotal)], LineCode: line, Type: kpiTypes[ti],
		Category: leaf, Location: workorder.Location{PlaceCode: grid}, CreatedAt: at}
	evs := []workorder.Event{{At: at, Action: workorder.ActCreate, To: workorder.StatusNew}}
	step := func(after time.Duration, act workorder.Action, from, to workorder.Status, data map[string]any) {
		at = at.Add(after)
		evs = append(evs, workorder.Event{At: at, Action: act, From: from, To: to, Data: data})
	}
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
	if rng.Float64() < kpiAnswered[ti] {
		step(minutes(2, 15), workorder.ActAnswer, workorder.StatusNew, workorder.StatusClosed, nil)
		return t, evs
	}
	unit := g.route[leaf](grid)
	step(minutes(10, 90), workorder.ActDispatch, workorder.StatusNew, workorder.StatusDispatched, map[string]any{"lead_unit_id": unit})
	t.DueCloseAt = at.Add(10 * 24 * time.Hour)
	t.DueSignAt = at.Add(2 * time.Hour)
	if rng.Float64() < 0.05 {
		step(minutes(30, 240), workorder.ActReturn, workorder.StatusDispatched, workorder.StatusReturned, nil)
		unit = g.units[rng.IntN(len(g.units))]
		step(minutes(60, 1200), workorder.ActRedispatch, workorder.StatusReturned, workorder.StatusDispatched, map[string]any{"lead_unit_id": unit})
	}
	for round := 0; ; round++ {
		step(time.Duration(float64(80*time.Minute)*math.Exp(0.7*rng.NormFloat64())), workorder.ActAccept, workorder.StatusDispatched, workorder.StatusAccepted, nil)
		step(time.Duration(float64(50*time.Hour)*math.Exp(0.8*rng.NormFloat64())), workorder.ActReply, workorder.StatusAccepted, workorder.StatusReplied, nil)
		step(minutes(30, 300), workorder.ActApprove, workorder.StatusReplied, workorder.StatusVisiting, nil)
		resolved, sat := true, workorder.Satisfied
		switch r := rng.Float64(); {
		case r < 0.05 && round == 0:
			resolved, sat = false, workorder.Unsatisfied
		case r < 0.12:
			sat = workorder.BasicallySatisfied
		}
		next := workorder.StatusClosed
		if !resolved {
			next = workorder.StatusDispatched
		}
		step(minutes(120, 1800), workorder.ActVisit, workorder.StatusVisiting, next, map[string]any{"resolved": resolved, "satisfaction": string(sat)})
		if resolved {
			return t, evs
		}
	}
}
