package measure

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/workorder"
)

var sh = workorder.Shanghai

func TestDays(t *testing.T) {
	cases := []struct {
		name      string
		got, want Day
	}{
		{"16:30 UTC is already the next day in Shanghai", DayOf(time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)), 20261128},
		{"15:59 UTC is still the same day", DayOf(time.Date(2026, 11, 27, 15, 59, 0, 0, time.UTC)), 20261127},
		{"across a month", Day(20261130).AddDays(1), 20261201},
		{"across a year, backwards", Day(20260101).AddDays(-1), 20251231},
		{"a leap February", Day(20280210).LastOfMonth(), 20280229},
		{"a plain February", Day(20260210).LastOfMonth(), 20260228},
		{"first of month", Day(20261128).FirstOfMonth(), 20261101},
		{"Monday of a Saturday", Day(20261128).Monday(), 20261123},
		{"Monday of a Sunday belongs to the week before", Day(20261129).Monday(), 20261123},
		{"Monday of a Monday", Day(20261123).Monday(), 20261123},
		{"a week across the new year", Day(20270101).Monday(), 20261228},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if s := Day(20260305).String(); s != "2026-03-05" {
		t.Errorf("String: %s", s)
	}
	if d, err := ParseDay("2026-11-28"); err != nil || d != 20261128 {
		t.Errorf("ParseDay: %d, %v", d, err)
	}
	for _, bad := range []string{"2026-11-31", "28.11.2026", "", "2026-1-1"} {
		if _, err := ParseDay(bad); err == nil {
			t.Errorf("ParseDay(%q) accepted", bad)
		}
	}
	if a, b, err := ParseMonth("2024-02"); err != nil || a != 20240201 || b != 20240229 {
		t.Errorf("ParseMonth: %d..%d, %v", a, b, err)
	}
	if _, _, err := ParseMonth("2026-13"); err == nil {
		t.Error("ParseMonth accepted month 13")
	}
	if Day(20261131).Valid() || !Day(20261130).Valid() || Day(0).Valid() {
		t.Error("Valid")
	}
	if got := Day(20261128).Start(); !got.Equal(time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start: %v", got)
	}
	if l := Day(20260305).MonthLabel(); l != "2026-03" {
		t.Errorf("MonthLabel: %s", l)
	}
}

func TestColumnsAndMask(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields() {
		if c := f.Column(); c == "" || seen[c] {
			t.Errorf("field %d: column %q is empty or repeated", f, c)
		}
		seen[f.Column()] = true
	}
	if len(seen) != NumFields || Bucket(0).Column() != "h00" || Bucket(HandleBuckets-1).Column() != "h14" || HandleMillis.Column() != "handle_ms" {
		t.Errorf("columns: %v", seen)
	}
	if len(HandleBounds) != HandleBuckets-1 {
		t.Errorf("%d bounds for %d buckets", len(HandleBounds), HandleBuckets)
	}
	var c Counts
	c[Taken], c[Bucket(2)] = 1, 3
	if c.Mask() != 1<<Taken|1<<Bucket(2) || (Counts{}).Mask() != 0 || c.IsZero() || !(Counts{}).IsZero() {
		t.Errorf("mask %b", c.Mask())
	}
}

// at is an instant in Shanghai on 2026-11-02 (a Monday), plus days.
func at(days, hour, min int) time.Time { return time.Date(2026, 11, 2+days, hour, min, 0, 0, sh) }

func counts(pairs ...any) Counts {
	var c Counts
	for i := 0; i < len(pairs); i += 2 {
		c[pairs[i].(Field)] = int64(pairs[i+1].(int))
	}
	return c
}

func TestCount(t *testing.T) {
	o := Order{Place: "150302001001001", Category: "0101", Line: "12345", Channel: "phone", Type: "complaint"}
	yes := func(s Step) Step { s.Resolved = true; return s }
	cases := []struct {
		name string
		step Step
		want []Delta // Keys given by day and unit only
	}{
		{"intake", Step{Action: workorder.ActCreate, To: workorder.StatusNew, At: at(0, 9, 0)},
			[]Delta{{Key{Day: 20261102}, counts(Taken, 1)}}},
		{"direct answer", Step{Action: workorder.ActAnswer, From: workorder.StatusNew, To: workorder.StatusClosed, At: at(0, 9, 5)},
			[]Delta{{Key{Day: 20261102}, counts(Answered, 1)}}},
		{"dispatch", Step{Action: workorder.ActDispatch, To: workorder.StatusDispatched, At: at(0, 9, 10), Unit: "A"},
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Dispatched, 1)}}},
		{"sign-for in time", Step{Action: workorder.ActAccept, At: at(0, 11, 0), Unit: "A", DueSign: at(0, 11, 0)},
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Signed, 1, SignedOnTime, 1)}}},
		{"sign-for a minute late", Step{Action: workorder.ActAccept, At: at(0, 11, 1), Unit: "A", DueSign: at(0, 11, 0)},
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Signed, 1)}}},
		{"sign-for without a deadline", Step{Action: workorder.ActAccept, At: at(3, 11, 0), Unit: "A"},
			[]Delta{{Key{Day: 20261105, Unit: "A"}, counts(Signed, 1, SignedOnTime, 1)}}},
		{"send-back", Step{Action: workorder.ActReturn, At: at(0, 12, 0), Unit: "A"},
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Returned, 1)}}},
		{"re-dispatch", Step{Action: workorder.ActRedispatch, To: workorder.StatusDispatched, At: at(1, 9, 0), Unit: "B"},
			[]Delta{{Key{Day: 20261103, Unit: "B"}, counts(Dispatched, 1)}}},
		{"overruled send-back binds the unit again", Step{Action: workorder.ActReviewReturn, From: workorder.StatusReturned, To: workorder.StatusDispatched, At: at(1, 9, 0), Unit: "A"},
			[]Delta{{Key{Day: 20261103, Unit: "A"}, counts(Dispatched, 1)}}},
		{"upheld send-back counts nothing", Step{Action: workorder.ActReviewReturn, From: workorder.StatusReturned, To: workorder.StatusNew, At: at(1, 9, 0)}, nil},
		{"resuming is not a new dispatch", Step{Action: workorder.ActResume, From: workorder.StatusSuspended, To: workorder.StatusDispatched, At: at(1, 9, 0), Unit: "A"}, nil},
		{"a reply counts nothing", Step{Action: workorder.ActReply, From: workorder.StatusAccepted, To: workorder.StatusReplied, At: at(2, 9, 0), Unit: "A"}, nil},
		{"unsatisfied visit: re-handling", Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusDispatched, At: at(3, 9, 0), Unit: "A", Satisfaction: workorder.Unsatisfied},
			[]Delta{{Key{Day: 20261105, Unit: "A"}, counts(Visited, 1, Unsatisfied, 1, Rehandled, 1, Dispatched, 1)}}},
		{"reopening: re-handling", Step{Action: workorder.ActReopen, From: workorder.StatusClosed, To: workorder.StatusDispatched, At: at(3, 9, 0), Unit: "A"},
			[]Delta{{Key{Day: 20261105, Unit: "A"}, counts(Rehandled, 1, Dispatched, 1)}}},
		{"a rating of a direct answer is a visit, not a closure", yes(Step{Action: workorder.ActVisit, From: workorder.StatusClosed, To: workorder.StatusClosed, At: at(1, 9, 0), Satisfaction: workorder.BasicallySatisfied}),
			[]Delta{{Key{Day: 20261103}, counts(Visited, 1, Resolved, 1, Basically, 1)}}},
		{"closure on time, 25 hours after dispatch", yes(Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed, At: at(1, 10, 0), Unit: "A",
			Satisfaction: workorder.Satisfied, DueClose: at(5, 18, 0), FirstDispatch: at(0, 9, 0)}),
			[]Delta{{Key{Day: 20261103, Unit: "A"}, counts(Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, ClosedWithDeadline, 1, ClosedOnTime, 1,
				HandleMillis, int((25 * time.Hour).Milliseconds()), Bucket(6), 1)}}},
		{"closure without a deadline", yes(Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed, At: at(0, 9, 30), Unit: "A",
			Satisfaction: workorder.Satisfied, FirstDispatch: at(0, 9, 0)}),
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, HandleMillis, int((30 * time.Minute).Milliseconds()), Bucket(0), 1)}}},
		{"late closure: overdue on the deadline's day", yes(Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed, At: at(9, 10, 0), Unit: "A",
			Satisfaction: workorder.Satisfied, DueClose: at(7, 18, 0), FirstDispatch: at(0, 9, 0)}),
			[]Delta{{Key{Day: 20261111, Unit: "A"}, counts(Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, ClosedWithDeadline, 1,
				HandleMillis, int((9*24*time.Hour + time.Hour).Milliseconds()), Bucket(10), 1)},
				{Key{Day: 20261109, Unit: "A"}, counts(Overdue, 1)}}},
		{"late the same day: one row", yes(Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed, At: at(0, 19, 0), Unit: "A",
			Satisfaction: workorder.Satisfied, DueClose: at(0, 18, 0), FirstDispatch: at(0, 9, 0)}),
			[]Delta{{Key{Day: 20261102, Unit: "A"}, counts(Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, ClosedWithDeadline, 1, Overdue, 1,
				HandleMillis, int((10 * time.Hour).Milliseconds()), Bucket(4), 1)}}},
		{"beyond 30 days: the open bucket", yes(Step{Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed, At: at(40, 9, 0), Unit: "A",
			Satisfaction: workorder.Satisfied, FirstDispatch: at(0, 9, 0)}),
			[]Delta{{Key{Day: 20261212, Unit: "A"}, counts(Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, HandleMillis, int((40 * 24 * time.Hour).Milliseconds()), Bucket(14), 1)}}},
	}
	for _, c := range cases {
		got := Count(o, c.step)
		want := slices.Clone(c.want)
		for i := range want {
			k := &want[i].Key
			k.Place, k.Category, k.Line, k.Channel, k.Type = o.Place, o.Category, o.Line, o.Channel, o.Type
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, want)
		}
	}
}

func TestReplayFollowsTheLeadUnit(t *testing.T) {
	tk := workorder.Ticket{Location: workorder.Location{PlaceCode: "150302001001001"}, Category: "0101", LineCode: "12345",
		Channel: workorder.ChannelPhone, Type: workorder.TypeComplaint, DueCloseAt: at(10, 18, 0)}
	evs := []workorder.Event{
		{At: at(0, 9, 0), Action: workorder.ActCreate, To: workorder.StatusNew},
		{At: at(0, 9, 30), Action: workorder.ActDispatch, From: workorder.StatusNew, To: workorder.StatusDispatched, Data: map[string]any{"lead_unit_id": "A"}},
		{At: at(0, 10, 0), Action: workorder.ActReturn, From: workorder.StatusDispatched, To: workorder.StatusReturned},
		{At: at(1, 9, 0), Action: workorder.ActReviewReturn, From: workorder.StatusReturned, To: workorder.StatusNew},
		{At: at(1, 10, 0), Action: workorder.ActDispatch, From: workorder.StatusNew, To: workorder.StatusDispatched, Data: map[string]any{"lead_unit_id": "B"}},
		{At: at(1, 11, 0), Action: workorder.ActAccept, From: workorder.StatusDispatched, To: workorder.StatusAccepted},
		{At: at(2, 9, 0), Action: workorder.ActReply, From: workorder.StatusAccepted, To: workorder.StatusReplied},
		{At: at(2, 10, 0), Action: workorder.ActApprove, From: workorder.StatusReplied, To: workorder.StatusVisiting},
		// As read back from the database, the verdict is plain JSON; as the service writes it, Go values.
		{At: at(2, 9, 30), Action: workorder.ActVisit, From: workorder.StatusVisiting, To: workorder.StatusClosed,
			Data: map[string]any{"resolved": true, "satisfaction": workorder.Satisfied}},
	}
	sums := map[Key]*Counts{}
	Sum(Replay(tk, evs), sums)
	byUnit := map[string]Counts{}
	for k, c := range sums {
		u := byUnit[k.Unit]
		u.Add(*c)
		byUnit[k.Unit] = u
	}
	want := map[string]Counts{
		"":  counts(Taken, 1),
		"A": counts(Dispatched, 1, Returned, 1),
		"B": counts(Dispatched, 1, Signed, 1, SignedOnTime, 1, Visited, 1, Resolved, 1, Satisfied, 1, Closed, 1, ClosedWithDeadline, 1,
			ClosedOnTime, 1, HandleMillis, int((48 * time.Hour).Milliseconds()), Bucket(6), 1),
	}
	if len(byUnit) != len(want) {
		t.Errorf("units %v", byUnit)
	}
	for u, c := range want {
		if byUnit[u] != c {
			t.Errorf("unit %q:\n got %v\nwant %v", u, byUnit[u], c)
		}
	}
	evs[8].Data["satisfaction"] = "unsatisfied"
	sums = map[Key]*Counts{}
	Sum(Replay(tk, evs), sums)
	var total Counts
	for _, c := range sums {
		total.Add(*c)
	}
	if total[Unsatisfied] != 1 || total[Satisfied] != 0 {
		t.Errorf("a verdict read as JSON text: %v", total)
	}
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestCompute(t *testing.T) {
	m := Compute(Counts{}, 0)
	for name, r := range map[string]*float64{"first line": m.FirstLineRate, "response": m.ResponseRate, "resolution": m.ResolutionRate,
		"satisfaction": m.SatisfactionRate, "on time": m.OnTimeClosureRate, "send-back": m.SendBackRate, "re-handling": m.RehandleRate,
		"mean": m.HandlingMeanHours, "p90": m.HandlingP90Hours} {
		if r != nil {
			t.Errorf("%s of nothing is %v, want none", name, *r)
		}
	}
	c := counts(Taken, 1000, Answered, 300, Dispatched, 800, SignedOnTime, 760, Signed, 790, Returned, 40, Visited, 500, Resolved, 480,
		Satisfied, 450, Basically, 40, Unsatisfied, 10, Rehandled, 12, Closed, 100, ClosedWithDeadline, 80, ClosedOnTime, 72, Overdue, 5)
	// 100 closures: 50 within 1h, 40 in (24h, 48h], 10 in (72h, 120h].
	c[Bucket(0)], c[Bucket(6)], c[Bucket(8)] = 50, 40, 10
	c[HandleMillis] = int64(50*30*time.Minute/time.Millisecond + 40*36*time.Hour/time.Millisecond + 10*100*time.Hour/time.Millisecond)
	m = Compute(c, 3)
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"first line", m.FirstLineRate, 0.3}, {"response", m.ResponseRate, 0.95}, {"resolution", m.ResolutionRate, 0.96},
		{"satisfaction", m.SatisfactionRate, 0.98}, {"on time", m.OnTimeClosureRate, 0.9}, {"send-back", m.SendBackRate, 0.05},
		{"re-handling", m.RehandleRate, 0.024}, {"mean hours", m.HandlingMeanHours, (50*0.5 + 40*36 + 10*100) / 100.0},
		// the 90th of 100 is the last of the (24h, 48h] bucket: its upper bound
		{"p90 hours", m.HandlingP90Hours, 48},
	}
	for _, ch := range checks {
		if !near(ch.got, ch.want) {
			t.Errorf("%s: %v, want %v", ch.name, deref(ch.got), ch.want)
		}
	}
	if m.Overdue != 8 || m.OverdueClosedLate != 5 || m.OverdueOpen != 3 || m.Volume != 1000 || m.Basically != 40 {
		t.Errorf("counts: %+v", m)
	}
	// Interpolated inside a bucket: 10 closures all in (4h, 8h]; the 9th of 10 sits at 90% of it.
	var d Counts
	d[Bucket(3)], d[HandleMillis] = 10, int64(10*6*time.Hour/time.Millisecond)
	if p := Compute(d, 0).HandlingP90Hours; !near(p, 4+0.9*4) {
		t.Errorf("p90 inside a bucket: %v", deref(p))
	}
	d = Counts{}
	d[Bucket(HandleBuckets-1)], d[HandleMillis] = 4, int64(4*40*24*time.Hour/time.Millisecond)
	if p := Compute(d, 0).HandlingP90Hours; !near(p, 720) {
		t.Errorf("p90 in the open bucket is its lower bound (30 days): %v", deref(p))
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFold(t *testing.T) {
	row := func(day Day, unit, place, cat string, pairs ...any) Row {
		return Row{Key: Key{Day: day, Unit: unit, Place: place, Category: cat}, Counts: counts(pairs...)}
	}
	rows := []Row{
		row(20261101, "A", "150302001001001", "010101", Taken, 1),         // a Sunday: the week of Oct 26
		row(20261102, "A", "150302001002001", "010102", Taken, 2),         // Monday
		row(20261108, "B", "150303001001001", "0102", Taken, 4),           // Sunday
		row(20261109, "B", "150303001001001", "01", Taken, 8, Visited, 1), // the next Monday; filed at the top itself
	}
	open := []Key{{Day: 20261103, Unit: "A", Place: "150302001001001", Category: "010101"}}
	parents := map[string]string{"01": "", "0101": "01", "010101": "0101", "010102": "0101", "0102": "01"}
	keys := func(r Report) []string {
		var out []string
		for _, g := range r.Groups {
			out = append(out, g.Key)
		}
		return out
	}
	vols := func(r Report) []int64 {
		var out []int64
		for _, g := range r.Groups {
			out = append(out, g.Measures.Volume)
		}
		return out
	}
	cases := []struct {
		name  string
		g     Grouping
		keys  []string
		vols  []int64
		total int64
	}{
		{"total only", Grouping{From: 20261101, To: 20261110}, nil, nil, 15},
		{"weeks from Monday", Grouping{By: ByWeek, From: 20261101, To: 20261110}, []string{"2026-10-26", "2026-11-02", "2026-11-09"}, []int64{1, 6, 8}, 15},
		{"days, with the quiet ones", Grouping{By: ByDay, From: 20261101, To: 20261109}, []string{"2026-11-01", "2026-11-02", "2026-11-03",
			"2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07", "2026-11-08", "2026-11-09"}, []int64{1, 2, 0, 0, 0, 0, 0, 4, 8}, 15},
		{"months", Grouping{By: ByMonth, From: 20261030, To: 20261102}, []string{"2026-10", "2026-11"}, []int64{0, 15}, 15},
		{"units", Grouping{By: ByUnit}, []string{"A", "B"}, []int64{3, 12}, 15},
		{"streets", Grouping{By: ByRegion, RegionLen: 9}, []string{"150302001", "150303001"}, []int64{3, 12}, 15},
		{"communities", Grouping{By: ByRegion, RegionLen: 12}, []string{"150302001001", "150302001002", "150303001001"}, []int64{1, 2, 12}, 15},
		{"top-level categories", Grouping{By: ByCategory, CategoryParents: parents}, []string{"01"}, []int64{15}, 15},
		{"under 01", Grouping{By: ByCategory, CategoryParents: parents, CategoryUnder: "01"}, []string{"01", "0101", "0102"}, []int64{8, 3, 4}, 15},
	}
	for _, c := range cases {
		r := c.g.Fold(rows, open)
		if !slices.Equal(keys(r), c.keys) || !slices.Equal(vols(r), c.vols) || r.Total.Volume != c.total || r.Total.OverdueOpen != 1 {
			t.Errorf("%s: keys %v volumes %v total %d open %d", c.name, keys(r), vols(r), r.Total.Volume, r.Total.OverdueOpen)
		}
	}
	// Under a level-2 category its leaves are the groups (the store hands over only rows inside it).
	r := Grouping{By: ByCategory, CategoryParents: parents, CategoryUnder: "0101"}.Fold(rows[:2], open)
	if !slices.Equal(keys(r), []string{"010101", "010102"}) || !slices.Equal(vols(r), []int64{1, 2}) {
		t.Errorf("under 0101: %v %v", keys(r), vols(r))
	}
	r = Grouping{By: ByDay, From: 20261101, To: 20261109}.Fold(rows, open)
	if r.Groups[2].Measures.OverdueOpen != 1 || r.Groups[2].Measures.Overdue != 1 || r.Groups[1].Measures.OverdueOpen != 0 {
		t.Errorf("the open overdue order belongs to its deadline's day: %+v", r.Groups)
	}
	if g, err := ParseGroupBy("week"); err != nil || g != ByWeek {
		t.Errorf("ParseGroupBy: %v, %v", g, err)
	}
	if _, err := ParseGroupBy("year"); err == nil {
		t.Error("ParseGroupBy accepted year")
	}
}

func TestRank(t *testing.T) {
	unit := func(dispatched, signedOnTime, visited, resolved, satisfied int) Measures {
		return Compute(counts(Dispatched, dispatched, SignedOnTime, signedOnTime, Visited, visited, Resolved, resolved, Satisfied, satisfied), 0)
	}
	ms := map[string]Measures{
		"a": unit(100, 100, 50, 50, 50),     // 1.0
		"b": unit(100, 90, 50, 45, 45),      // 0.2*0.9 + 0.4*0.9 + 0.4*0.9 = 0.9
		"c": unit(100, 100, 50, 40, 50),     // 0.2 + 0.32 + 0.4 = 0.92
		"d": unit(100, 50, 50, 50, 50),      // 0.1 + 0.4 + 0.4 = 0.9: ties with b, more satisfied
		"e": unit(9, 9, 9, 9, 9),            // too few dispatches
		"f": unit(100, 100, 4, 4, 4),        // too few visits
		"g": unit(1000, 900, 500, 450, 450), // 0.9 as b, same satisfaction, more work
	}
	r := Rank([]string{"a", "b", "c", "d", "e", "f", "g", "h"}, ms)
	var order []string
	for i, s := range r.Ranked {
		order = append(order, s.Unit)
		if s.Rank != i+1 {
			t.Errorf("%s has rank %d at place %d", s.Unit, s.Rank, i+1)
		}
	}
	if !slices.Equal(order, []string{"a", "c", "d", "g", "b"}) {
		t.Errorf("ranked %v", order)
	}
	var unranked []string
	for _, s := range r.Unranked {
		unranked = append(unranked, s.Unit)
		if s.Score != nil || s.Rank != 0 {
			t.Errorf("unranked %s has a score or a rank", s.Unit)
		}
	}
	if !slices.Equal(unranked, []string{"e", "f", "h"}) {
		t.Errorf("unranked %v", unranked)
	}
	if !near(r.Ranked[1].Score, 0.92) {
		t.Errorf("c's score %v", deref(r.Ranked[1].Score))
	}
	best, worst := r.Best(2), r.Worst(2)
	if best[0].Unit != "a" || best[1].Unit != "c" || worst[0].Unit != "b" || worst[1].Unit != "g" || len(r.Best(9)) != 5 {
		t.Errorf("best %v worst %v", best, worst)
	}
}

func TestKeyOrder(t *testing.T) {
	keys := []Key{
		{Day: 20261102, Place: "150302", Unit: "B"},
		{Day: 20261101, Place: "150303", Unit: "A"},
		{Day: 20261102, Place: "150302", Unit: "A", Type: "help"},
		{Day: 20261102, Place: "150302", Unit: "A", Category: "01"},
		{Day: 20261102, Place: "150302", Unit: "A"},
	}
	slices.SortFunc(keys, Key.Compare)
	want := []Key{
		{Day: 20261101, Place: "150303", Unit: "A"},
		{Day: 20261102, Place: "150302", Unit: "A"},
		{Day: 20261102, Place: "150302", Unit: "A", Type: "help"},
		{Day: 20261102, Place: "150302", Unit: "A", Category: "01"},
		{Day: 20261102, Place: "150302", Unit: "B"},
	}
	if !slices.Equal(keys, want) {
		t.Errorf("sorted %+v", keys)
	}
}
