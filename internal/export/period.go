package export

import (
	"fmt"

	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/workorder"
)

// PeriodKind names a period the screens offer. Reports cover a whole day, week (Monday to Sunday) or
// month; dashboards look at today, this week or this month so far, or a custom range of days.
type PeriodKind string

const (
	Day    PeriodKind = "day"
	Week   PeriodKind = "week"
	Month  PeriodKind = "month"
	Today  PeriodKind = "today"
	Custom PeriodKind = "custom"
)

// Period is a range of Shanghai days, both ends included, and the kind of period it is.
type Period struct {
	Kind     PeriodKind
	From, To measure.Day
}

// MaxCustomDays bounds a custom range: a year of days, which a trend still shows week by week.
const MaxCustomDays = 366

// ReportPeriod is the day, week or month that holds date ("" is today).
func ReportPeriod(kind, date string, today measure.Day) (Period, error) {
	d := today
	if date != "" {
		var err error
		if d, err = measure.ParseDay(date); err != nil {
			return Period{}, &workorder.FieldError{Field: "date", Reason: err.Error()}
		}
	}
	switch PeriodKind(kind) {
	case Day, "":
		return Period{Kind: Day, From: d, To: d}, nil
	case Week:
		return Period{Kind: Week, From: d.Monday(), To: d.Monday().AddDays(6)}, nil
	case Month:
		return Period{Kind: Month, From: d.FirstOfMonth(), To: d.LastOfMonth()}, nil
	}
	return Period{}, &workorder.FieldError{Field: "period", Reason: fmt.Sprintf("%q: want day, week or month", kind)}
}

// DashboardPeriod is today, this week or this month up to today, or the custom days from..to.
func DashboardPeriod(kind, from, to string, today measure.Day) (Period, error) {
	switch PeriodKind(kind) {
	case Today:
		return Period{Kind: Today, From: today, To: today}, nil
	case Week:
		return Period{Kind: Week, From: today.Monday(), To: today}, nil
	case Month, "":
		return Period{Kind: Month, From: today.FirstOfMonth(), To: today}, nil
	case Custom:
		return CustomPeriod(from, to)
	}
	return Period{}, &workorder.FieldError{Field: "period", Reason: fmt.Sprintf("%q: want today, week, month or custom", kind)}
}

// CustomPeriod is the days from..to, both required, at most MaxCustomDays of them.
func CustomPeriod(from, to string) (Period, error) {
	p := Period{Kind: Custom}
	for _, f := range []struct {
		name, value string
		into        *measure.Day
	}{{"from", from, &p.From}, {"to", to, &p.To}} {
		if f.value == "" {
			return Period{}, &workorder.FieldError{Field: f.name, Reason: "required"}
		}
		d, err := measure.ParseDay(f.value)
		if err != nil {
			return Period{}, &workorder.FieldError{Field: f.name, Reason: err.Error()}
		}
		*f.into = d
	}
	switch {
	case p.To < p.From:
		return Period{}, &workorder.FieldError{Field: "to", Reason: "the period ends before it starts"}
	case p.From.AddDays(MaxCustomDays-1) < p.To:
		return Period{}, &workorder.FieldError{Field: "to", Reason: fmt.Sprintf("a period is at most %d days", MaxCustomDays)}
	}
	return p, nil
}

// Days is the number of days in the period.
func (p Period) Days() int {
	n := 0
	for d := p.From; d <= p.To; d = d.AddDays(1) {
		n++
	}
	return n
}

// Shift is the report period n periods later (earlier for a negative n), of the same kind.
func (p Period) Shift(n int) Period {
	switch p.Kind {
	case Week:
		return Period{Kind: Week, From: p.From.AddDays(7 * n), To: p.To.AddDays(7 * n)}
	case Month:
		y, m, _ := p.From.Parts()
		first := measure.MakeDay(y, m, 1)
		for ; n > 0; n-- {
			first = first.LastOfMonth().AddDays(1)
		}
		for ; n < 0; n++ {
			first = first.AddDays(-1).FirstOfMonth()
		}
		return Period{Kind: Month, From: first, To: first.LastOfMonth()}
	}
	return Period{Kind: p.Kind, From: p.From.AddDays(n * p.Days()), To: p.To.AddDays(n * p.Days())}
}

// minTrendDays is the shortest span a trend chart shows: a day or a week alone has no shape, so its
// trend reaches back to the two weeks that end with it.
const minTrendDays = 14

// Trend is the days a trend chart of the period covers and how it groups them: by day up to two
// months, by week beyond.
func (p Period) Trend() (from, to measure.Day, by measure.GroupBy) {
	from, to = p.From, p.To
	if p.Days() < minTrendDays {
		from = to.AddDays(1 - minTrendDays)
	}
	if (Period{From: from, To: to}).Days() <= 62 {
		return from, to, measure.ByDay
	}
	return from, to, measure.ByWeek
}
