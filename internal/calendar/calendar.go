// Package calendar is the working calendar that time limits (限时办理) count in: China's statutory
// days off and make-up working days, the weekend rule and a working day's hours, and pure arithmetic
// on them — add working days or hours to an instant, measure the working time between two instants.
// Instants go in and come out in UTC; the reasoning is in Asia/Shanghai. See docs/time-limits.md.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // deadlines must not depend on whether the host has a zone database
)

// Shanghai is the zone the calendar reasons in: China Standard Time, UTC+8 all year.
var Shanghai = loadShanghai()

func loadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic("calendar: Asia/Shanghai is missing although time/tzdata is linked in: " + err.Error())
	}
	return loc
}

// chinaOffset is Shanghai's offset from UTC; New checks that it holds on every day the calendar knows,
// which lets the arithmetic find a day and a time of day by division.
const chinaOffset = 8 * 60 * 60

// ErrOutside is returned for instants, dates and limits beyond the years whose holiday arrangements
// the calendar knows: guessing a year's holidays would give wrong deadlines that nobody notices.
var ErrOutside = errors.New("outside the years the calendar knows")

// Config is what a deployment may change. The zero Config is China's calendar with DefaultHours.
type Config struct {
	// Hours of a working day; nil means DefaultHours.
	Hours Hours
	// Extra are the deployment's own arrangements — a new year's before a release embeds it, or local
	// days off. For each date they name, they override the embedded arrangements.
	Extra []Arrangement
}

// Calendar answers questions about working time. It is immutable and safe for concurrent use.
type Calendar struct {
	first, last int   // the years whose arrangements are known, inclusive
	startDay    int64 // day number (see Date.day) of 1 January of first
	start       int64 // Unix time of midnight in Shanghai on that day
	hours       Hours
	perDay      time.Duration // working time in a working day
	closing     time.Duration // when a working day's hours end (18:00)
	days        []dayFact     // what the arrangements say of each day from startDay, after overrides
	// rank[i] is the number of working days before day i, and work[k] the index of the k-th working
	// day: with both, "n working days later" and "working time so far" are lookups, not loops.
	rank    []int32
	work    []int32
	sources map[int][]string
}

// dayFact is what the arrangements say of one day; the zero value says nothing.
type dayFact struct {
	kind Kind
	name string
}

func (f dayFact) String() string { return fmt.Sprintf("%s (%s)", f.kind, f.name) }

// New builds a calendar from the embedded arrangements (China, 2019-2026) and cfg. It refuses
// contradictory entries — the same date both a day off and a working day, or under two names — and a
// gap between the years it knows, naming the date or year.
func New(cfg Config) (*Calendar, error) {
	hours := slices.Clone(cfg.Hours)
	if hours == nil {
		hours = DefaultHours()
	}
	if err := hours.check(); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	embedded, err := base()
	if err != nil {
		return nil, err
	}
	years := map[int][]string{}
	baseDays, err := resolve(embedded, years)
	if err != nil {
		return nil, fmt.Errorf("embedded arrangements: %w", err)
	}
	extraDays, err := resolve(cfg.Extra, years)
	if err != nil {
		return nil, fmt.Errorf("extra arrangements: %w", err)
	}
	c := &Calendar{hours: hours, perDay: hours.total(), closing: hours[len(hours)-1].End, sources: years}
	if err := c.span(); err != nil {
		return nil, err
	}
	for _, layer := range []map[int64]dayFact{baseDays, extraDays} {
		for d, f := range layer {
			if i := d - c.startDay; i >= 0 && i < int64(len(c.days)) {
				c.days[i] = f
			}
		}
	}
	c.count()
	return c, nil
}

// resolve turns one layer of arrangements into what they say of each day, refusing a date the layer
// names twice with different meanings, and records each year's sources in years.
func resolve(arrs []Arrangement, years map[int][]string) (map[int64]dayFact, error) {
	days := map[int64]dayFact{}
	for _, a := range arrs {
		if a.Year < 1000 || a.Year > 9999 {
			return nil, fmt.Errorf("year %d: want four digits", a.Year)
		}
		if len(a.Entries) == 0 {
			return nil, fmt.Errorf("year %d: no entries; every year has days off", a.Year)
		}
		years[a.Year] = append(years[a.Year], a.Sources...)
		for _, e := range a.Entries {
			if err := e.check(a.Year); err != nil {
				return nil, fmt.Errorf("year %d: %w", a.Year, err)
			}
			f := dayFact{e.Kind, e.Name}
			for d := e.First.day(); d <= e.Last.day(); d++ {
				if prev, ok := days[d]; ok && prev != f {
					return nil, fmt.Errorf("%s: %s in one entry and %s in another", dateOfDay(d), prev, f)
				}
				days[d] = f
			}
		}
	}
	return days, nil
}

// span sets the years the calendar covers — one run, no gap — and checks that Shanghai is UTC+8 at
// every midnight in it.
func (c *Calendar) span() error {
	ys := make([]int, 0, len(c.sources))
	for y := range c.sources {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	for i := 1; i < len(ys); i++ {
		if ys[i] != ys[i-1]+1 {
			return fmt.Errorf("year %d: no arrangement, yet %d and %d have one", ys[i-1]+1, ys[i-1], ys[i])
		}
	}
	c.first, c.last = ys[0], ys[len(ys)-1]
	c.startDay = Date{c.first, time.January, 1}.day()
	c.start = c.startDay*secondsPerDay - chinaOffset
	n := Date{c.last + 1, time.January, 1}.day() - c.startDay
	for i := range n {
		d := dateOfDay(c.startDay + i)
		if time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Shanghai).Unix() != c.start+i*secondsPerDay {
			return fmt.Errorf("%s: midnight in Asia/Shanghai is not at UTC+8; the calendar needs a zone without daylight saving", d)
		}
	}
	c.days = make([]dayFact, n)
	return nil
}

// count fills rank and work from the weekend rule and the arrangements.
func (c *Calendar) count() {
	c.rank = make([]int32, len(c.days)+1)
	for i, f := range c.days {
		c.rank[i+1] = c.rank[i]
		wd := time.Weekday((c.startDay + int64(i) + 4) % 7) // day 0, 1970-01-01, was a Thursday
		if f.kind == WorkDay || (f.kind != DayOff && wd != time.Saturday && wd != time.Sunday) {
			c.rank[i+1]++
			c.work = append(c.work, int32(i))
		}
	}
}

func (c *Calendar) outside(what string) error {
	return fmt.Errorf("%s: %w, %d to %d; add the arrangement for its year (docs/time-limits.md)", what, ErrOutside, c.first, c.last)
}

// locate finds the day index of t and its time of day in Shanghai.
func (c *Calendar) locate(t time.Time) (int, time.Duration, error) {
	s := t.Unix() - c.start
	if s < 0 || s >= int64(len(c.days))*secondsPerDay {
		return 0, 0, c.outside(t.In(Shanghai).Format(time.RFC3339))
	}
	return int(s / secondsPerDay), time.Duration(s%secondsPerDay)*time.Second + time.Duration(t.Nanosecond()), nil
}

// instant is the time of day tod on day i, in UTC.
func (c *Calendar) instant(i int32, tod time.Duration) time.Time {
	return time.Unix(c.start+int64(i)*secondsPerDay, int64(tod)).UTC()
}

func (c *Calendar) working(i int) bool { return c.rank[i+1] > c.rank[i] }

// clock is the working time from the start of the calendar to time of day tod on day i: a count that
// stands still at night, at lunch and on days off. Every addition and difference goes through it.
func (c *Calendar) clock(i int, tod time.Duration) time.Duration {
	w := time.Duration(c.rank[i]) * c.perDay
	if c.working(i) {
		w += c.hours.worked(tod)
	}
	return w
}

// at is the earliest instant at which the clock reads w, for 0 < w <= all the calendar's working time.
func (c *Calendar) at(w time.Duration) time.Time {
	k, r := w/c.perDay, w%c.perDay
	if r == 0 {
		return c.instant(c.work[k-1], c.closing)
	}
	return c.instant(c.work[k], c.hours.reach(r))
}

// AddWorkingDays is the due instant of a limit of n working days (n >= 1) on work accepted at from,
// by the Guangdong convention: the day of acceptance is the working day of NextWorkingInstant(from) —
// the same day when from is before its working hours end, else the next working day, so that work
// accepted at night, at a weekend or on a holiday counts from the next working day — and the limit
// ends when working hours end on the n-th working day after the day of acceptance. Work accepted on
// Monday at 10:00 with n = 1 is due on Tuesday at 18:00 (with DefaultHours), as is work accepted on
// the Saturday before; work accepted on Monday at 18:00 is due on Wednesday at 18:00.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	if n < 1 {
		return time.Time{}, fmt.Errorf("n: must be at least 1, got %d", n)
	}
	i, tod, err := c.locate(from)
	if err != nil {
		return time.Time{}, err
	}
	k := int(c.rank[i]) // the day of acceptance: i itself if it is a working day, else the next one
	if c.working(i) && tod >= c.closing {
		k++
	}
	if n >= len(c.work)-k {
		return time.Time{}, c.outside(fmt.Sprintf("%d working days from %s", n, from.In(Shanghai).Format(time.RFC3339)))
	}
	return c.instant(c.work[k+n], c.closing), nil
}

// AddWorkingHours is the due instant of a limit of d working time (d > 0; hours, minutes or any
// duration) started at from: the earliest instant by which d of working time has passed since from,
// counting only the working hours of working days — nights, lunch, weekends and days off do not
// count, make-up Saturdays and Sundays do. A limit that ends with a period ends at its close (12:00,
// 18:00), not when the next period opens. Adding a then b is the same as adding a+b.
func (c *Calendar) AddWorkingHours(from time.Time, d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, fmt.Errorf("d: must be positive, got %s", d)
	}
	i, tod, err := c.locate(from)
	if err != nil {
		return time.Time{}, err
	}
	now := c.clock(i, tod)
	if d > time.Duration(len(c.work))*c.perDay-now {
		return time.Time{}, c.outside(fmt.Sprintf("%s of working time from %s", d, from.In(Shanghai).Format(time.RFC3339)))
	}
	return c.at(now + d), nil
}

// WorkingTimeBetween is the working time from a to b, counted as AddWorkingHours counts it, so that
// WorkingTimeBetween(t, AddWorkingHours(t, d)) == d. It is negative when b is before a. Pauses and
// measures (how long a unit took, in working hours) use it.
func (c *Calendar) WorkingTimeBetween(a, b time.Time) (time.Duration, error) {
	i, tod, err := c.locate(a)
	if err != nil {
		return 0, err
	}
	j, tod2, err := c.locate(b)
	if err != nil {
		return 0, err
	}
	return c.clock(j, tod2) - c.clock(i, tod), nil
}

// NextWorkingInstant is t itself if it falls within working hours, else the moment working hours
// next begin: when work received then starts being worked on.
func (c *Calendar) NextWorkingInstant(t time.Time) (time.Time, error) {
	i, tod, err := c.locate(t)
	if err != nil {
		return time.Time{}, err
	}
	if c.working(i) {
		for _, p := range c.hours {
			switch {
			case tod < p.Start:
				return c.instant(int32(i), p.Start), nil
			case tod < p.End:
				return t.UTC(), nil
			}
		}
	}
	k := c.rank[i+1]
	if int(k) >= len(c.work) {
		return time.Time{}, c.outside("the working day after " + t.In(Shanghai).Format(time.RFC3339))
	}
	return c.instant(c.work[k], c.hours[0].Start), nil
}

// IsWorkingDay reports whether d is worked: a weekday that is not a day off, or a make-up day.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	if !d.valid() {
		return false, fmt.Errorf("%s: no such date", d)
	}
	i := d.day() - c.startDay
	if i < 0 || i >= int64(len(c.days)) {
		return false, c.outside(d.String())
	}
	return c.working(int(i)), nil
}

// Hours are the calendar's working hours.
func (c *Calendar) Hours() Hours { return slices.Clone(c.hours) }

// Year is what the calendar holds for calendar year y, for people to check: the days off and working
// days that the arrangements name (after the deployment's overrides), as runs of days, and the
// sources of y's arrangement.
func (c *Calendar) Year(y int) (Arrangement, error) {
	if y < c.first || y > c.last {
		return Arrangement{}, c.outside(fmt.Sprint(y))
	}
	a := Arrangement{Year: y, Sources: slices.Clone(c.sources[y])}
	for d := (Date{y, time.January, 1}); d.Year == y; d = d.AddDays(1) {
		if f := c.days[d.day()-c.startDay]; f.kind != 0 {
			a.Entries = appendDay(a.Entries, d, f)
		}
	}
	return a, nil
}

// appendDay adds day d to entries, extending the last entry when d follows it with the same meaning.
func appendDay(entries []Entry, d Date, f dayFact) []Entry {
	if n := len(entries); n > 0 {
		if last := &entries[n-1]; last.Kind == f.kind && last.Name == f.name && last.Last.AddDays(1) == d {
			last.Last = d
			return entries
		}
	}
	return append(entries, Entry{First: d, Last: d, Kind: f.kind, Name: f.name})
}
