package store_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

// measureWorld is the scripted lifecycle of the rollup tests: four orders taken in from Monday
// 2026-11-02 09:00 (Shanghai, day D0) and worked by two units over the following days.
type measureWorld struct {
	s    *store.Store
	a, b org.Unit
	base time.Time
}

// rollupOrder is one scripted order: its intake, its steps, and the timers its dispatch sets.
type rollupOrder struct {
	t      workorder.Ticket
	steps  []step
	timers []sla.Timer
}

func newMeasureWorld(t *testing.T, s *store.Store) *measureWorld {
	t.Helper()
	ctx := context.Background()
	storetest.TinyCity(t, s)
	w := &measureWorld{s: s, base: time.Date(2026, 11, 2, 9, 0, 0, 0, workorder.Shanghai)}
	var err error
	if w.a, err = s.CreateUnit(ctx, audit.System, org.Unit{Code: "A", Name: "路灯所", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
		t.Fatal(err)
	}
	if w.b, err = s.CreateUnit(ctx, audit.System, org.Unit{Code: "B", Name: "市政所", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// day is the Shanghai day n days after D0.
func (w *measureWorld) day(n int) measure.Day { return measure.DayOf(w.base).AddDays(n) }

func (w *measureWorld) order(at time.Time, place, category, line string, ch workorder.Channel, typ workorder.RequestType) workorder.Ticket {
	return workorder.Ticket{Channel: ch, LineCode: line, Type: typ, Category: category, Title: "测试工单", Description: "测试",
		Location: workorder.Location{PlaceCode: place}, Urgency: workorder.UrgencyNormal, Status: workorder.StatusNew,
		CreatedBy: "agent", CreatedAt: at, UpdatedAt: at}
}

// script is the four orders of the lifecycle test.
func (w *measureWorld) script() []rollupOrder {
	centre := access.Actor{Username: "centre", Roles: []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor}, ScopeCode: "1503"}
	ha := access.Actor{Username: "ha", UnitID: w.a.ID, Roles: []access.Role{access.RoleHandler}}
	hb := access.Actor{Username: "hb", UnitID: w.b.ID, Roles: []access.Role{access.RoleHandler}}
	yes, no := true, false
	visit := func(resolved *bool, s workorder.Satisfaction) workorder.Command {
		return workorder.Command{Action: workorder.ActVisit, Resolved: resolved, Satisfaction: s}
	}
	reply := workorder.Command{Action: workorder.ActReply, Comment: "已处理。"}
	approve := workorder.Command{Action: workorder.ActApprove}
	accept := workorder.Command{Action: workorder.ActAccept}

	// 1: signed on time by A and sent back; re-dispatched to B, which signs late; unsatisfied → re-handled;
	// closed on D5 after its deadline (D4 09:00).
	o1 := w.order(w.base, "150302001001001", "0101", workorder.MainLine, workorder.ChannelPhone, workorder.TypeComplaint)
	o1.DueSignAt, o1.DueCloseAt = w.base.Add(3*time.Hour), w.base.Add(96*time.Hour)
	// 2: answered on the phone.
	o2 := w.order(w.base.Add(time.Hour), "150303001001002", "0201", "12315", workorder.ChannelWeb, workorder.TypeEnquiry)
	// 3: closed on time by A on D3 (basically satisfied), reopened on D5 and still open.
	o3 := w.order(w.base.Add(23*time.Hour), "150302001001002", "0101", workorder.MainLine, workorder.ChannelPhone, workorder.TypeComplaint)
	o3.DueCloseAt = o3.CreatedAt.Add(7 * 24 * time.Hour)
	// 4: dispatched to A with a closure deadline at D1 12:00, and never closed.
	o4 := w.order(w.base.Add(2*time.Hour), "150302001001001", "0102", workorder.MainLine, workorder.ChannelPhone, workorder.TypeHelp)
	o4.DueCloseAt = w.base.Add(27 * time.Hour)
	return []rollupOrder{
		{t: o1, steps: []step{
			{centre, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.a.ID}, 10 * time.Minute}, // D0 09:10
			{ha, accept, 50 * time.Minute}, // D0 10:00, on time
			{ha, workorder.Command{Action: workorder.ActReturn, Comment: "不属于本单位职责。"}, 30 * time.Minute},                    // D0 10:30
			{centre, workorder.Command{Action: workorder.ActRedispatch, LeadUnitID: w.b.ID}, 22*time.Hour + 30*time.Minute}, // D1 09:00
			{hb, accept, 5 * time.Hour},                                 // D1 14:00, late
			{hb, reply, 20 * time.Hour},                                 // D2 10:00
			{centre, approve, time.Hour},                                // D2 11:00
			{centre, visit(&no, workorder.Unsatisfied), 23 * time.Hour}, // D3 10:00 → re-handled
			{hb, accept, time.Hour},                                     // D3 11:00, late
			{hb, reply, 24 * time.Hour},                                 // D4 11:00
			{centre, approve, time.Hour},                                // D4 12:00
			{centre, visit(&yes, workorder.Satisfied), 22 * time.Hour},  // D5 10:00, closed late
		}},
		{t: o2, steps: []step{{centre, workorder.Command{Action: workorder.ActAnswer, Comment: "已答复。"}, 5 * time.Minute}}},
		{t: o3, steps: []step{
			{centre, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.a.ID}, time.Hour}, // D1 09:00
			{ha, accept, time.Hour},      // D1 10:00, no sign-for deadline: on time
			{ha, reply, 24 * time.Hour},  // D2 10:00
			{centre, approve, time.Hour}, // D2 11:00
			{centre, visit(&yes, workorder.BasicallySatisfied), 23 * time.Hour},                          // D3 10:00, closed on time
			{centre, workorder.Command{Action: workorder.ActReopen, Comment: "市民再次来电。"}, 48 * time.Hour}, // D5 10:00
		}},
		{t: o4, steps: []step{{centre, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: w.a.ID}, 10 * time.Minute}},
			timers: []sla.Timer{{Kind: sla.CloseOverdue, DueAt: o4.DueCloseAt, FireAt: o4.DueCloseAt}}},
	}
}

// run takes each order in and applies its steps one transaction at a time, as the service does.
func (w *measureWorld) run(t *testing.T, orders []rollupOrder) []workorder.Ticket {
	t.Helper()
	ctx := context.Background()
	var out []workorder.Ticket
	for _, o := range orders {
		states, evs := live(t, o.t, o.steps)
		made, _, err := w.s.CreateTicket(ctx, audit.System, store.NewTicket{Ticket: states[0], Event: evs[0], NumberPrefix: "T"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(states); i++ {
			before, after := states[i-1], states[i]
			before.ID, after.ID, before.Number, after.Number, before.Version = made.ID, made.ID, made.Number, made.Number, i
			c := store.TicketChange{Before: before, After: after, Event: evs[i]}
			if evs[i].Action == workorder.ActDispatch && o.timers != nil {
				c.Clock = &store.ClockChange{Write: true, Timers: o.timers, At: evs[i].At}
			}
			if _, err := w.s.ApplyTicketChange(ctx, audit.System, c); err != nil {
				t.Fatalf("apply %s: %v", evs[i].Action, err)
			}
		}
		made.Status = states[len(states)-1].Status
		out = append(out, made)
	}
	return out
}

// counts builds counters from field/value pairs.
func counts(pairs ...any) measure.Counts {
	var c measure.Counts
	for i := 0; i < len(pairs); i += 2 {
		c[pairs[i].(measure.Field)] = int64(pairs[i+1].(int))
	}
	return c
}

func TestRollupsFollowTheLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newMeasureWorld(t, s)
		w.run(t, w.script())
		A, B := w.a.ID, w.b.ID
		g1, g2, g3 := "150302001001001", "150302001001002", "150303001001002"
		key := func(day int, unit, place, cat, line string, ch workorder.Channel, typ workorder.RequestType) measure.Key {
			return measure.Key{Day: w.day(day), Unit: unit, Place: place, Category: cat, Line: line, Channel: string(ch), Type: string(typ)}
		}
		phone, web, main := workorder.ChannelPhone, workorder.ChannelWeb, workorder.MainLine
		complaint := workorder.TypeComplaint
		h := func(d time.Duration) int { return int(d.Milliseconds()) }
		want := map[measure.Key]measure.Counts{
			key(0, "", g1, "0101", main, phone, complaint):              counts(measure.Taken, 1),
			key(0, "", g3, "0201", "12315", web, workorder.TypeEnquiry): counts(measure.Taken, 1, measure.Answered, 1),
			key(0, "", g1, "0102", main, phone, workorder.TypeHelp):     counts(measure.Taken, 1),
			key(0, A, g1, "0101", main, phone, complaint):               counts(measure.Dispatched, 1, measure.Signed, 1, measure.SignedOnTime, 1, measure.Returned, 1),
			key(0, A, g1, "0102", main, phone, workorder.TypeHelp):      counts(measure.Dispatched, 1),
			key(1, B, g1, "0101", main, phone, complaint):               counts(measure.Dispatched, 1, measure.Signed, 1),
			key(1, "", g2, "0101", main, phone, complaint):              counts(measure.Taken, 1),
			key(1, A, g2, "0101", main, phone, complaint):               counts(measure.Dispatched, 1, measure.Signed, 1, measure.SignedOnTime, 1),
			key(3, B, g1, "0101", main, phone, complaint):               counts(measure.Visited, 1, measure.Unsatisfied, 1, measure.Rehandled, 1, measure.Dispatched, 1, measure.Signed, 1),
			key(3, A, g2, "0101", main, phone, complaint):               counts(measure.Visited, 1, measure.Resolved, 1, measure.Basically, 1, measure.Closed, 1, measure.ClosedWithDeadline, 1, measure.ClosedOnTime, 1, measure.HandleMillis, h(49*time.Hour), measure.Bucket(7), 1),
			key(4, B, g1, "0101", main, phone, complaint):               counts(measure.Overdue, 1),
			key(5, B, g1, "0101", main, phone, complaint):               counts(measure.Visited, 1, measure.Resolved, 1, measure.Satisfied, 1, measure.Closed, 1, measure.ClosedWithDeadline, 1, measure.HandleMillis, h(120*time.Hour+50*time.Minute), measure.Bucket(9), 1),
			key(5, A, g2, "0101", main, phone, complaint):               counts(measure.Rehandled, 1, measure.Dispatched, 1),
		}
		rows, err := s.RollupRowsForTest(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[measure.Key]measure.Counts{}
		for _, r := range rows {
			got[r.Key] = r.Counts
		}
		for k, c := range want {
			if got[k] != c {
				t.Errorf("row %+v:\n got %v\nwant %v", k, got[k], c)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected row %+v: %v", k, got[k])
			}
		}

		// Summed by unit over the week, and read as measures.
		byUnit, err := s.Rollups(ctx, store.RollupQuery{From: w.day(0), To: w.day(6), GroupBy: "unit"})
		if err != nil {
			t.Fatal(err)
		}
		units := map[string]measure.Measures{}
		fromDetail := map[string]measure.Counts{}
		for _, r := range rows {
			c := fromDetail[r.Key.Unit]
			c.Add(r.Counts)
			fromDetail[r.Key.Unit] = c
		}
		for _, r := range byUnit {
			units[r.Key.Unit] = measure.Compute(r.Counts, 0)
			if fromDetail[r.Key.Unit] != r.Counts {
				t.Errorf("unit %q: the area rollups say %v, the detailed ones %v", r.Key.Unit, r.Counts, fromDetail[r.Key.Unit])
			}
		}
		if len(byUnit) != len(fromDetail) {
			t.Errorf("%d units in the area rollups, %d in the detailed ones", len(byUnit), len(fromDetail))
		}
		if m := units[A]; m.Dispatched != 4 || *m.ResponseRate != 0.5 || *m.SendBackRate != 0.25 || *m.SatisfactionRate != 1 || *m.OnTimeClosureRate != 1 {
			t.Errorf("unit A: %+v", m)
		}
		if m := units[B]; m.Dispatched != 2 || *m.ResponseRate != 0 || *m.ResolutionRate != 0.5 || *m.RehandleRate != 0.5 || *m.OnTimeClosureRate != 0 || m.OverdueClosedLate != 1 {
			t.Errorf("unit B: %+v", m)
		}
		if m := units[""]; m.Volume != 4 || *m.FirstLineRate != 0.25 {
			t.Errorf("the centre: %+v", m)
		}

		// One district, by street; a category; a line; a unit in a region.
		for _, c := range []struct {
			name string
			q    store.RollupQuery
			want func(measure.Measures) bool
		}{
			{"district 150303", store.RollupQuery{PlacePrefix: "150303"}, func(m measure.Measures) bool { return m.Volume == 1 && m.Answered == 1 && m.Dispatched == 0 }},
			{"city by its prefix", store.RollupQuery{PlacePrefix: "1503"}, func(m measure.Measures) bool { return m.Volume == 4 && m.Visited == 3 && m.Dispatched == 6 }},
			{"a grid", store.RollupQuery{PlacePrefix: g2}, func(m measure.Measures) bool { return m.Volume == 1 && m.Closed == 1 && m.Rehandled == 1 }},
			{"category 0102", store.RollupQuery{Categories: []string{"0102"}}, func(m measure.Measures) bool { return m.Volume == 1 && m.Dispatched == 1 }},
			{"categories 0101+0102", store.RollupQuery{Categories: []string{"0101", "0102", "0103"}}, func(m measure.Measures) bool { return m.Volume == 3 }},
			{"line 12315", store.RollupQuery{Line: "12315"}, func(m measure.Measures) bool { return m.Volume == 1 && *m.FirstLineRate == 1 }},
			{"web", store.RollupQuery{Channel: "web"}, func(m measure.Measures) bool { return m.Volume == 1 }},
			{"complaints", store.RollupQuery{Type: "complaint"}, func(m measure.Measures) bool { return m.Volume == 2 && m.Closed == 2 }},
			{"unit A in 150302", store.RollupQuery{UnitID: A, PlacePrefix: "150302"}, func(m measure.Measures) bool { return m.Dispatched == 4 }},
			{"unit A in 150303", store.RollupQuery{UnitID: A, PlacePrefix: "150303"}, func(m measure.Measures) bool { return m.Dispatched == 0 && m.ResponseRate == nil }},
			{"D3 only", store.RollupQuery{From: w.day(3), To: w.day(3)}, func(m measure.Measures) bool { return m.Visited == 2 && m.Closed == 1 }},
		} {
			q := c.q
			if q.From == 0 {
				q.From, q.To = w.day(0), w.day(6)
			}
			rows, err := s.Rollups(ctx, q)
			if err != nil || len(rows) != 1 {
				t.Errorf("%s: %d rows, %v", c.name, len(rows), err)
				continue
			}
			if m := measure.Compute(rows[0].Counts, 0); !c.want(m) {
				t.Errorf("%s: %+v", c.name, m)
			}
		}
		byStreet, err := s.Rollups(ctx, store.RollupQuery{From: w.day(0), To: w.day(6), PlacePrefix: "1503", GroupBy: "place", PlaceLen: 6})
		if err != nil || len(byStreet) != 2 {
			t.Fatalf("by district: %+v, %v", byStreet, err)
		}
		byDay, err := s.Rollups(ctx, store.RollupQuery{From: w.day(0), To: w.day(6), UnitID: B, GroupBy: "day"})
		if err != nil || len(byDay) != 4 || byDay[0].Key.Day < w.day(1) {
			t.Errorf("unit B by day: %+v, %v", byDay, err)
		}
		if _, err := s.Rollups(ctx, store.RollupQuery{From: w.day(0), To: w.day(1), PlacePrefix: "15'03"}); !errors.Is(err, store.ErrBadQuery) {
			t.Errorf("a region that is not a code: %v", err)
		}

		// Order 4 is open past its deadline (D1 12:00) from then on; no other order has a closure timer.
		q := store.RollupQuery{From: w.day(0), To: w.day(6)}
		if open, err := s.OpenOverdue(ctx, q, w.base.Add(26*time.Hour)); err != nil || len(open) != 0 {
			t.Errorf("before the deadline: %+v, %v", open, err)
		}
		open, err := s.OpenOverdue(ctx, q, w.day(7).Start())
		if err != nil || len(open) != 1 || open[0].Day != w.day(1) || open[0].Unit != A || open[0].Place != g1 || open[0].Category != "0102" {
			t.Errorf("open overdue: %+v, %v", open, err)
		}
		q.PlacePrefix = "150303"
		if open, err := s.OpenOverdue(ctx, q, w.day(7).Start()); err != nil || len(open) != 0 {
			t.Errorf("open overdue in another district: %+v, %v", open, err)
		}
	})
}

func TestRebuildGivesTheLiveRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newMeasureWorld(t, s)
		w.run(t, w.script())
		read := func() (detail, area []measure.Row) {
			t.Helper()
			var err error
			if detail, err = s.RollupRowsForTest(ctx, false); err != nil {
				t.Fatal(err)
			}
			if area, err = s.RollupRowsForTest(ctx, true); err != nil {
				t.Fatal(err)
			}
			return detail, area
		}
		live, liveArea := read()
		if len(live) == 0 {
			t.Fatal("no live rows")
		}
		// The area rows are the detailed rows summed by day, street and unit.
		sums := map[measure.Key]measure.Counts{}
		for _, r := range live {
			k := measure.Key{Day: r.Key.Day, Unit: r.Key.Unit, Place: r.Key.Place[:9]}
			c := sums[k]
			c.Add(r.Counts)
			sums[k] = c
		}
		if len(sums) != len(liveArea) {
			t.Errorf("%d area rows, want %d", len(liveArea), len(sums))
		}
		for _, r := range liveArea {
			if sums[r.Key] != r.Counts {
				t.Errorf("area row %+v = %v, want the sum of its detailed rows %v", r.Key, r.Counts, sums[r.Key])
			}
		}
		// Damage the rows: one day lost, a counter doubled, in both tables.
		for _, table := range []string{"measure_rollups", "measure_area_rollups"} {
			if _, err := s.ExecForTest(ctx, `DELETE FROM `+table+` WHERE day = $1`, int64(w.day(3))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ExecForTest(ctx, `UPDATE `+table+` SET taken = taken * 2`); err != nil {
				t.Fatal(err)
			}
		}
		from, to := w.day(-40), w.day(40) // a range across three months, most of it empty
		for range 2 {
			stats, err := s.RebuildRollups(ctx, audit.Who{Actor: "admin"}, from, to, nil)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Days != 81 || stats.Rows != len(live) || stats.Orders < 4 {
				t.Errorf("stats %+v, want 81 days and %d rows from at least 4 orders", stats, len(live))
			}
			rebuilt, rebuiltArea := read()
			if !reflect.DeepEqual(rebuilt, live) {
				t.Errorf("rebuilt rows differ from the live ones:\n got %+v\nwant %+v", rebuilt, live)
			}
			if !reflect.DeepEqual(rebuiltArea, liveArea) {
				t.Errorf("rebuilt area rows differ from the live ones:\n got %+v\nwant %+v", rebuiltArea, liveArea)
			}
		}
		// A rebuild of one day leaves the others alone.
		if _, err := s.RebuildRollups(ctx, audit.Who{Actor: "admin"}, w.day(4), w.day(4), nil); err != nil {
			t.Fatal(err)
		}
		if again, againArea := read(); !reflect.DeepEqual(again, live) || !reflect.DeepEqual(againArea, liveArea) {
			t.Errorf("rebuilding D4 alone changed the rows")
		}
		if entries, err := s.AuditEntries(ctx, "measure_rollups", from.String()+".."+from.LastOfMonth().String(), 10); err != nil || len(entries) != 2 || entries[0].Actor != "admin" {
			t.Errorf("rebuilds are audited per month: %+v, %v", entries, err)
		}
		if _, err := s.RebuildRollups(ctx, audit.System, to, from, nil); err == nil {
			t.Error("a range that ends before it starts was accepted")
		}
	})
}

func TestImportedHistoryIsCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newMeasureWorld(t, s)
		day := workorder.NumberDay(w.base)
		var batch []store.HistoryTicket
		for _, o := range w.script() {
			if workorder.NumberDay(o.t.CreatedAt) != day {
				continue // order 3 comes in on D1
			}
			states, evs := live(t, o.t, o.steps)
			batch = append(batch, store.HistoryTicket{Ticket: states[len(states)-1], Events: evs})
		}
		if err := s.ImportHistory(ctx, audit.System, "WH", day, batch); err != nil {
			t.Fatal(err)
		}
		imported, err := s.RollupRowsForTest(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		importedArea, err := s.RollupRowsForTest(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		var total measure.Counts
		for _, r := range imported {
			total.Add(r.Counts)
		}
		m := measure.Compute(total, 0)
		if m.Volume != 3 || m.Answered != 1 || m.Dispatched != 4 || m.Signed != 3 || m.SignedOnTime != 1 || m.Returned != 1 ||
			m.Visited != 2 || m.Closed != 1 || m.OverdueClosedLate != 1 || m.Rehandled != 1 {
			t.Errorf("history counted as %+v", m)
		}
		if _, err := s.RebuildRollups(ctx, audit.System, w.day(0), w.day(10), nil); err != nil {
			t.Fatal(err)
		}
		if rebuilt, _ := s.RollupRowsForTest(ctx, false); !reflect.DeepEqual(rebuilt, imported) {
			t.Errorf("a rebuild of imported history differs from what the import counted:\n got %+v\nwant %+v", rebuilt, imported)
		}
		if rebuilt, _ := s.RollupRowsForTest(ctx, true); !reflect.DeepEqual(rebuilt, importedArea) {
			t.Errorf("a rebuild of imported history differs in the area rows:\n got %+v\nwant %+v", rebuilt, importedArea)
		}
	})
}

// TestGroupedIntakesAreCountedOnce sends intakes at once, so that on SQLite they share transactions
// (their counts summed before the commit), with some that fail and make the group be written again
// without them: each order that was stored is counted once, and no other.
func TestGroupedIntakesAreCountedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 40
		var wg sync.WaitGroup
		var stored atomic.Int64
		release := make(chan struct{})
		held := make(chan error, 1)
		go func() { held <- s.WriteForTest(ctx, func() { <-release }) }()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := intake(i, "", "")
				in.Ticket.Location.PlaceCode = []string{"150302001001001", "150303001001002"}[i%2]
				if i%8 == 5 {
					in.Event.Attachments = []string{"no-such-upload"} // fails after its order was written
				}
				if _, _, err := s.CreateTicket(ctx, audit.System, in); err == nil {
					stored.Add(1)
				}
			}()
		}
		time.Sleep(100 * time.Millisecond)
		close(release)
		wg.Wait()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		if stored.Load() != n-5 {
			t.Fatalf("%d orders stored, want %d", stored.Load(), n-5)
		}
		day := measure.DayOf(intake(0, "", "").Ticket.CreatedAt)
		for _, q := range []store.RollupQuery{{From: day, To: day}, {From: day, To: day, Channel: "phone"}} {
			rows, err := s.Rollups(ctx, q)
			if err != nil || len(rows) != 1 || rows[0].Counts[measure.Taken] != stored.Load() {
				t.Errorf("%+v: %+v, %v; want %d taken", q, rows, err, stored.Load())
			}
		}
		byStreet, err := s.Rollups(ctx, store.RollupQuery{From: day, To: day, GroupBy: "place", PlaceLen: 6})
		if err != nil || len(byStreet) != 2 || byStreet[0].Counts[measure.Taken]+byStreet[1].Counts[measure.Taken] != stored.Load() {
			t.Errorf("by district: %+v, %v", byStreet, err)
		}
	})
}
