// Package sla holds the time limits (限时办理) of work orders: the policies administrators edit (which
// limits apply to which orders), the clock rules that turn a policy and an order's steps into due
// times, and the timers that warn before a limit runs out and raise a supervision notice when it has.
// It is pure: the working calendar comes from internal/calendar, storage and delivery from the
// callers. The rules are written down in docs/time-limits.md.
package sla

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/workorder"
)

// Unit is what a limit counts. Working days and working hours count on the working calendar; plain
// hours and minutes count every hour of the clock — nights, weekends and holidays too — and are meant
// for matters that cannot wait for Monday: emergencies and outages of water, power, gas and heating.
type Unit string

const (
	WorkingDays  Unit = "working_days"
	WorkingHours Unit = "working_hours"
	Hours        Unit = "hours"
	Minutes      Unit = "minutes"
)

// Units lists every unit, in the order forms offer them.
var Units = []Unit{WorkingDays, WorkingHours, Hours, Minutes}

// maxValue bounds each unit, so that a slip of the keyboard (1500 working days) is refused.
var maxValue = map[Unit]int{WorkingDays: 250, WorkingHours: 2000, Hours: 24 * 366, Minutes: 24 * 60 * 31}

// Limit is one time limit: Value units.
type Limit struct {
	Value int  `json:"value"`
	Unit  Unit `json:"unit"`
}

// Working tells whether the limit counts working time (and so pauses shift it by working time).
func (l Limit) Working() bool { return l.Unit == WorkingDays || l.Unit == WorkingHours }

func (l Limit) String() string {
	return fmt.Sprintf("%d %s", l.Value, strings.ReplaceAll(string(l.Unit), "_", " "))
}

// Due is when the limit runs out for a clock started at from: working days by the calendar's
// Guangdong convention (AddWorkingDays), working hours by AddWorkingHours, plain time by the clock.
func (l Limit) Due(cal *calendar.Calendar, from time.Time) (time.Time, error) {
	switch l.Unit {
	case WorkingDays:
		return cal.AddWorkingDays(from, l.Value)
	case WorkingHours:
		return cal.AddWorkingHours(from, time.Duration(l.Value)*time.Hour)
	case Hours:
		return from.Add(time.Duration(l.Value) * time.Hour).UTC(), nil
	case Minutes:
		return from.Add(time.Duration(l.Value) * time.Minute).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unit: unknown %q", l.Unit)
}

func (l Limit) check(field string) error {
	max, ok := maxValue[l.Unit]
	switch {
	case !ok:
		return fieldErr(field+".unit", "want one of %s, got %q", joinUnits(), l.Unit)
	case l.Value < 1:
		return fieldErr(field+".value", "must be at least 1 (a limit of %d %s leaves no time at all)", l.Value, l.Unit)
	case l.Value > max:
		return fieldErr(field+".value", "at most %d %s", max, l.Unit)
	}
	return nil
}

func joinUnits() string {
	names := make([]string, len(Units))
	for i, u := range Units {
		names[i] = string(u)
	}
	return strings.Join(names, ", ")
}

// Redispatch says what a re-dispatch (改派) does to the clock.
type Redispatch string

const (
	// Continue keeps the reply and closure due times: the citizen waits no longer because the centre
	// routed the matter to the wrong unit first. The new unit's sign-for clock starts afresh.
	Continue Redispatch = "continue"
	// Restart starts every clock again at the re-dispatch, from the policy then in force.
	Restart Redispatch = "restart"
)

// Policy gives the limits for the orders it matches. Type, Category and Urgency each narrow the
// match; an empty one matches anything. A category matches itself and every category under it.
type Policy struct {
	ID       string                `json:"id"`
	Name     string                `json:"name"`
	Type     workorder.RequestType `json:"type,omitempty"`
	Category string                `json:"category,omitempty"`
	Urgency  workorder.Urgency     `json:"urgency,omitempty"`
	// SignFor is the limit for the lead unit to sign for (签收) a dispatched order.
	SignFor Limit `json:"sign_for"`
	// Reply is the limit for the lead unit's reply (答复).
	Reply Limit `json:"reply"`
	// Close is the limit for closure (办结), the one the on-time closure rate measures.
	Close      Limit      `json:"close"`
	Redispatch Redispatch `json:"redispatch"`
}

// describe says which orders the policy matches, for error messages.
func (p Policy) describe() string {
	or := func(v, none string) string {
		if v == "" {
			return none
		}
		return v
	}
	return fmt.Sprintf("type %s, category %s, urgency %s", or(string(p.Type), "any"), or(p.Category, "any"), or(string(p.Urgency), "any"))
}

// Set is the whole policy set in force: administrators edit it as one, each edit a new version.
type Set struct {
	Version int `json:"version"`
	// WarnPercent is the share of a limit's time after which the early warning (yellow) comes.
	WarnPercent int       `json:"warn_percent"`
	Policies    []Policy  `json:"policies"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
}

// DefaultWarnPercent is when the early warning comes unless a deployment says otherwise: with a
// fifth of the limit left there is still time to act.
const DefaultWarnPercent = 80

// UtilityOutages are the demo catalogue's categories (category.Demo) for outages of water, power,
// gas and heating, which the defaults give 24 hours.
var UtilityOutages = map[string]string{"110101": "停水", "110201": "停电", "110301": "燃气停气", "110401": "暖气不热"}

// GasLeak is the demo catalogue's category for a smell of gas: a risk to life, limited like an emergency.
const GasLeak = "110302"

// Defaults is the policy set a new deployment starts with, after the domain's good practice
// (Guangdong's rules): enquiries 2 working days; help requests and suggestions 10; complaints and
// reports 15; praise 5 (the thanks are passed on and the order closed within a week); emergencies 2
// hours; outages of water, power, gas and heating 24 hours. Units sign for an order within 2 working
// hours, for emergencies within 30 minutes and for outages within 2 hours. A unit replies by the
// closure limit; a re-dispatch continues the clock.
func Defaults() Set {
	days := func(n int) Limit { return Limit{n, WorkingDays} }
	sign := Limit{2, WorkingHours}
	byType := []struct {
		t    workorder.RequestType
		name string
		days int
	}{
		{workorder.TypeEnquiry, "咨询", 2}, {workorder.TypeHelp, "求助", 10}, {workorder.TypeSuggestion, "建议", 10},
		{workorder.TypeComplaint, "投诉", 15}, {workorder.TypeReport, "举报", 15}, {workorder.TypePraise, "表扬", 5},
	}
	set := Set{Version: 1, WarnPercent: DefaultWarnPercent}
	for _, b := range byType {
		set.Policies = append(set.Policies, Policy{ID: string(b.t), Name: b.name, Type: b.t, SignFor: sign,
			Reply: days(b.days), Close: days(b.days), Redispatch: Continue})
	}
	twoHours := Limit{2, Hours}
	set.Policies = append(set.Policies,
		Policy{ID: "emergency", Name: "紧急事项", Urgency: workorder.UrgencyEmergency, SignFor: Limit{30, Minutes},
			Reply: twoHours, Close: twoHours, Redispatch: Continue},
		Policy{ID: "gas-leak", Name: "燃气泄漏", Category: GasLeak, SignFor: Limit{30, Minutes},
			Reply: twoHours, Close: twoHours, Redispatch: Continue})
	for _, code := range []string{"110101", "110201", "110301", "110401"} {
		set.Policies = append(set.Policies, Policy{ID: "outage-" + code, Name: UtilityOutages[code], Category: code,
			SignFor: twoHours, Reply: Limit{24, Hours}, Close: Limit{24, Hours}, Redispatch: Continue})
	}
	return set
}

var policyID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// maxPolicies bounds a set: matching walks every policy on every dispatch.
const maxPolicies = 500

// Validate refuses a set that cannot be applied, naming the field: no policies, a bad or repeated
// id, a name missing, an unknown type or urgency, a malformed category code, a zero, negative or
// absurd limit, two policies that match the same orders, or a request type that no policy covers
// whatever its category and urgency (every order must get limits).
func (s Set) Validate() error {
	if s.WarnPercent < 1 || s.WarnPercent > 99 {
		return fieldErr("warn_percent", "must be between 1 and 99, got %d", s.WarnPercent)
	}
	if len(s.Policies) == 0 {
		return fieldErr("policies", "at least one policy is required")
	}
	if len(s.Policies) > maxPolicies {
		return fieldErr("policies", "at most %d policies", maxPolicies)
	}
	ids := map[string]int{}
	matchers := map[Policy]int{}
	for i, p := range s.Policies {
		f := fmt.Sprintf("policies[%d]", i)
		if !policyID.MatchString(p.ID) {
			return fieldErr(f+".id", "want 1-64 lower-case letters, digits, - or _, starting with a letter or digit; got %q", p.ID)
		}
		if j, dup := ids[p.ID]; dup {
			return fieldErr(f+".id", "%q is already the id of policies[%d]", p.ID, j)
		}
		ids[p.ID] = i
		if name := strings.TrimSpace(p.Name); name == "" || utf8.RuneCountInString(name) > 50 || !utf8.ValidString(p.Name) {
			return fieldErr(f+".name", "required, at most 50 characters")
		}
		if p.Type != "" && !workorder.ValidType(p.Type) {
			return fieldErr(f+".type", "unknown request type %q", p.Type)
		}
		if p.Urgency != "" && !slices.Contains(workorder.Urgencies, p.Urgency) {
			return fieldErr(f+".urgency", "unknown urgency %q", p.Urgency)
		}
		if p.Category != "" && !category.ValidCode(p.Category) {
			return fieldErr(f+".category", "%q is not a category code (two digits per level, such as 1101)", p.Category)
		}
		for _, l := range []struct {
			name  string
			limit Limit
		}{{"sign_for", p.SignFor}, {"reply", p.Reply}, {"close", p.Close}} {
			if err := l.limit.check(f + "." + l.name); err != nil {
				return err
			}
		}
		if p.Reply.Unit == p.Close.Unit && p.Reply.Value > p.Close.Value {
			return fieldErr(f+".reply", "%s is later than the closure limit %s", p.Reply, p.Close)
		}
		if p.Redispatch != Continue && p.Redispatch != Restart {
			return fieldErr(f+".redispatch", "want %q or %q, got %q", Continue, Restart, p.Redispatch)
		}
		key := Policy{Type: p.Type, Category: p.Category, Urgency: p.Urgency}
		if j, dup := matchers[key]; dup {
			return fieldErr(f, "matches the same orders as policies[%d] (%s)", j, p.describe())
		}
		matchers[key] = i
	}
	for _, t := range workorder.RequestTypes {
		_, forType := matchers[Policy{Type: t}]
		_, forAll := matchers[Policy{}]
		if !forType && !forAll {
			return fieldErr("policies", "request type %s is not covered: add a policy for type %s with no category and no urgency, so that every %s order gets limits", t, t, t)
		}
	}
	return nil
}

// CheckCategories refuses policies that name a category the catalogue does not hold, so that a typing
// mistake does not leave a policy that never applies. Seeding skips it: the defaults name the demo's
// categories, which another city's catalogue may lack.
func (s Set) CheckCategories(known func(code string) bool) error {
	for i, p := range s.Policies {
		if p.Category != "" && !known(p.Category) {
			return fieldErr(fmt.Sprintf("policies[%d].category", i), "unknown category %q", p.Category)
		}
	}
	return nil
}

// Match picks the policy for an order of type t filed under the category whose path from the top of
// the catalogue is path (codes, the order's own category last) with urgency u. The most specific
// matching policy wins, in this order: a policy naming the urgency beats one that does not; then one
// naming a category deeper in the path (closer to the order's own) beats a shallower one or none;
// then one naming the type beats one that does not. Validate makes the winner unique. ok is false only
// for a set that failed Validate.
func (s Set) Match(t workorder.RequestType, path []string, u workorder.Urgency) (p Policy, ok bool) {
	best := -1
	for _, c := range s.Policies {
		if (c.Type != "" && c.Type != t) || (c.Urgency != "" && c.Urgency != u) {
			continue
		}
		score := 0
		if c.Category != "" {
			depth := -1
			for i, code := range path {
				if code == c.Category {
					depth = i
				}
			}
			if depth < 0 {
				continue
			}
			score += 2 * (depth + 1)
		}
		if c.Urgency != "" {
			score += 2 * (category.MaxLevel + 1)
		}
		if c.Type != "" {
			score++
		}
		if score > best {
			best, p = score, c
		}
	}
	return p, best >= 0
}

func fieldErr(field, format string, args ...any) error {
	return &workorder.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
