package measure

import (
	"fmt"
	"slices"
)

// GroupBy says how a report splits its orders: by period (day, week from Monday to Sunday, month, all
// in Shanghai time), by lead unit, by category one level below the category asked for, or by place
// one level below the region asked for. The empty GroupBy reports the total only.
type GroupBy string

const (
	ByNone     GroupBy = ""
	ByDay      GroupBy = "day"
	ByWeek     GroupBy = "week"
	ByMonth    GroupBy = "month"
	ByUnit     GroupBy = "unit"
	ByCategory GroupBy = "category"
	ByRegion   GroupBy = "region"
)

// ParseGroupBy accepts a grouping named in a request.
func ParseGroupBy(s string) (GroupBy, error) {
	g := GroupBy(s)
	if !slices.Contains([]GroupBy{ByNone, ByDay, ByWeek, ByMonth, ByUnit, ByCategory, ByRegion}, g) {
		return "", fmt.Errorf("%q: want day, week, month, unit, category or region", s)
	}
	return g, nil
}

// Periodic tells whether the grouping is by time.
func (g GroupBy) Periodic() bool { return g == ByDay || g == ByWeek || g == ByMonth }

// Row is a rollup row, or a sum of rows: counters under a key. A store that sums rows by one column
// fills only that column of the key.
type Row struct {
	Key    Key
	Counts Counts
}

// Grouping folds rows into the groups of a report.
type Grouping struct {
	By       GroupBy
	From, To Day // the period, both days included
	// RegionLen is the length of the place codes that name the groups, for ByRegion.
	RegionLen int
	// CategoryParents maps every category code to its parent's ("" at the top), for ByCategory;
	// CategoryUnder is the category asked for ("" for the whole catalogue): each group is one of its
	// children, and its own orders (if it has any) form a group of their own.
	CategoryParents map[string]string
	CategoryUnder   string
}

// Group is one line of a report.
type Group struct {
	Key      string   `json:"key"`
	Measures Measures `json:"measures"`
}

// Report is the measures of a set of orders in a period: the total and, when grouped, the groups in
// order (periods by time, all other groups by key).
type Report struct {
	Total  Measures `json:"total"`
	Groups []Group  `json:"groups"`
}

// KeyOf names the group a row belongs to.
func (g Grouping) KeyOf(k Key) string {
	switch g.By {
	case ByDay:
		return k.Day.String()
	case ByWeek:
		return k.Day.Monday().String()
	case ByMonth:
		return k.Day.MonthLabel()
	case ByUnit:
		return k.Unit
	case ByRegion:
		if len(k.Place) > g.RegionLen {
			return k.Place[:g.RegionLen]
		}
		return k.Place
	case ByCategory:
		return g.categoryGroup(k.Category)
	}
	return ""
}

// categoryGroup is the child of CategoryUnder on the path to code, or code itself when code is
// CategoryUnder or lies outside it (a catalogue edited meanwhile).
func (g Grouping) categoryGroup(code string) string {
	for c, hops := code, 0; c != "" && hops <= 8; hops++ {
		parent, known := g.CategoryParents[c]
		if !known {
			return code
		}
		if parent == g.CategoryUnder {
			return c
		}
		c = parent
	}
	return code
}

// Fold builds the report from rollup rows and the keys of the orders still open past a closure
// deadline in the period (one key each, its Day the deadline's). A report by period lists every
// period from From to To, those without orders too, so that a trend has no gaps.
func (g Grouping) Fold(rows []Row, openOverdue []Key) Report {
	var total Counts
	groups := map[string]*Counts{}
	open := map[string]int64{}
	var order []string
	add := func(key string) *Counts {
		c := groups[key]
		if c == nil {
			c = new(Counts)
			groups[key] = c
			order = append(order, key)
		}
		return c
	}
	if g.By.Periodic() {
		for d := g.From; d <= g.To; d = d.AddDays(1) {
			add(g.KeyOf(Key{Day: d}))
		}
	}
	for _, r := range rows {
		total.Add(r.Counts)
		if g.By != ByNone {
			add(g.KeyOf(r.Key)).Add(r.Counts)
		}
	}
	for _, k := range openOverdue {
		if g.By != ByNone {
			key := g.KeyOf(k)
			add(key)
			open[key]++
		}
	}
	rep := Report{Total: Compute(total, int64(len(openOverdue))), Groups: []Group{}}
	if !g.By.Periodic() {
		slices.Sort(order)
	}
	for _, key := range order {
		rep.Groups = append(rep.Groups, Group{Key: key, Measures: Compute(*groups[key], open[key])})
	}
	return rep
}
