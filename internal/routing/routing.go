// Package routing is the dispatch catalogue (派单目录): rules over category × region × request type
// (× keywords) that name the unit to lead an order and the units to help, with priorities and
// effective dates. Every decision carries the rule and the conditions that chose it, so that an order
// can say why it went where it went, and a rule says whether its matches may be dispatched without a
// person (auto-dispatch) or only suggested to the dispatcher.
package routing

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/workorder"
)

// Territorial targets: instead of a fixed unit, the rule sends the order to the office of the place
// where the matter is (属地), found from the order's grid.
const (
	// TerritoryStreet is the street or town office (街道/乡镇) whose area holds the order: direct
	// dispatch to streets (直派) for local matters.
	TerritoryStreet = "street"
)

// Rule is one line of the dispatch catalogue.
type Rule struct {
	ID   string
	Name string
	// Categories the rule covers, each with every category under it. Empty covers every category.
	Categories []string
	// RegionPrefix limits the rule to orders whose place code starts with it ("" is the whole city).
	RegionPrefix string
	// Types limits the rule to these request types; empty takes any.
	Types []workorder.RequestType
	// Keywords, when given, require the order's text to hold at least one of them.
	Keywords []string
	// LeadUnitID is the unit that leads; Territory, when set instead, names the office of the place.
	LeadUnitID string
	Territory  string
	CoUnitIDs  []string
	// Priority decides between rules that all match: the higher wins; among equals, the more
	// specific rule (deeper category, narrower region, more conditions) wins.
	Priority int
	// EffectiveFrom and EffectiveTo bound when the rule applies ([From, To)); zero is open-ended.
	EffectiveFrom, EffectiveTo time.Time
	// AutoDispatch lets an order this rule matches be dispatched without a person, when the triage
	// is confident of the order's category.
	AutoDispatch bool
	Active       bool
	Version      int
}

// FieldError names the field of a rule that is wrong.
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Limits on a rule's fields.
const (
	MaxNameRunes    = 100
	MaxKeywords     = 30
	MaxKeywordRunes = 20
	MaxCoUnits      = 10
	MaxListed       = 50 // categories or types one rule may name
)

// Validate checks a rule on its own; that its units and categories exist is the store's and the
// catalogue's to check.
func (r Rule) Validate() error {
	name := strings.TrimSpace(r.Name)
	switch {
	case name == "":
		return &FieldError{"name", "required"}
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return &FieldError{"name", fmt.Sprintf("at most %d characters", MaxNameRunes)}
	case len(r.Categories) > MaxListed:
		return &FieldError{"categories", fmt.Sprintf("at most %d", MaxListed)}
	case len(r.Types) > MaxListed:
		return &FieldError{"types", fmt.Sprintf("at most %d", MaxListed)}
	case len(r.Keywords) > MaxKeywords:
		return &FieldError{"keywords", fmt.Sprintf("at most %d", MaxKeywords)}
	case len(r.CoUnitIDs) > MaxCoUnits:
		return &FieldError{"co_unit_ids", fmt.Sprintf("at most %d", MaxCoUnits)}
	case (r.LeadUnitID == "") == (r.Territory == ""):
		return &FieldError{"lead_unit_id", "name either a lead unit or a territory (street), not both"}
	case r.Territory != "" && r.Territory != TerritoryStreet:
		return &FieldError{"territory", fmt.Sprintf("unknown territory %q: want street", r.Territory)}
	case !r.EffectiveTo.IsZero() && !r.EffectiveTo.After(r.EffectiveFrom):
		return &FieldError{"effective_to", "must be after effective_from"}
	case slices.Contains(r.CoUnitIDs, r.LeadUnitID) && r.LeadUnitID != "":
		return &FieldError{"co_unit_ids", "the lead unit cannot also be a co-handler"}
	}
	for _, c := range r.Categories {
		if !category.ValidCode(c) {
			return &FieldError{"categories", fmt.Sprintf("%q is not a category code", c)}
		}
	}
	for _, t := range r.Types {
		if !workorder.ValidType(t) {
			return &FieldError{"types", fmt.Sprintf("unknown request type %q", t)}
		}
	}
	for _, k := range r.Keywords {
		if n := utf8.RuneCountInString(strings.TrimSpace(k)); n == 0 || n > MaxKeywordRunes {
			return &FieldError{"keywords", fmt.Sprintf("each keyword 1 to %d characters", MaxKeywordRunes)}
		}
	}
	if r.RegionPrefix != "" && strings.Trim(r.RegionPrefix, "0123456789") != "" {
		return &FieldError{"region", "a place code (digits)"}
	}
	return nil
}

// Order is what routing looks at in an order.
type Order struct {
	// CategoryPath is the order's category and every category above it (any order).
	CategoryPath []string
	PlaceCode    string
	Type         workorder.RequestType
	Text         string // title, description and address
	At           time.Time
}

// Reason is one condition that made a rule match, for the explanation an order carries.
type Reason struct {
	Kind  string `json:"kind"` // "category", "region", "type", "keyword", "default"
	Value string `json:"value"`
}

// Decision is where an order should go and why.
type Decision struct {
	Rule       Rule
	LeadUnitID string // for a territorial rule, filled in by the caller from the place
	CoUnitIDs  []string
	Reasons    []Reason
}

// Catalogue is a set of rules ready to route with. It is immutable: build a new one when rules change.
type Catalogue struct {
	rules []Rule
}

// NewCatalogue keeps the active rules.
func NewCatalogue(rules []Rule) *Catalogue {
	c := &Catalogue{}
	for _, r := range rules {
		if r.Active {
			c.rules = append(c.rules, r)
		}
	}
	return c
}

// Len is the number of active rules.
func (c *Catalogue) Len() int { return len(c.rules) }

// Route finds the rule for o: of the rules in effect at o.At whose every condition holds, the one
// with the highest priority, then the most specific, then the lowest ID (so the answer never depends
// on the order rules were stored in). ok is false when no rule matches: a person decides.
func (c *Catalogue) Route(o Order) (d Decision, ok bool) {
	best, bestSpecificity := -1, 0
	var bestReasons []Reason
	for i, r := range c.rules {
		reasons, specificity, match := r.matches(o)
		if !match {
			continue
		}
		if best >= 0 {
			b := c.rules[best]
			if r.Priority < b.Priority || r.Priority == b.Priority && (specificity < bestSpecificity ||
				specificity == bestSpecificity && r.ID > b.ID) {
				continue
			}
		}
		best, bestSpecificity, bestReasons = i, specificity, reasons
	}
	if best < 0 {
		return Decision{}, false
	}
	r := c.rules[best]
	return Decision{Rule: r, LeadUnitID: r.LeadUnitID, CoUnitIDs: slices.Clone(r.CoUnitIDs), Reasons: bestReasons}, true
}

// matches reports whether every condition of r holds for o, the conditions that did, and how
// specific the rule is: the depth of the category matched, the length of the region, one point for a
// type condition and one for a keyword condition.
func (r Rule) matches(o Order) (reasons []Reason, specificity int, ok bool) {
	if !r.EffectiveFrom.IsZero() && o.At.Before(r.EffectiveFrom) || !r.EffectiveTo.IsZero() && !o.At.Before(r.EffectiveTo) {
		return nil, 0, false
	}
	if len(r.Categories) > 0 {
		matched := "" // the deepest of the rule's categories on the order's path
		for _, c := range r.Categories {
			if len(c) > len(matched) && slices.Contains(o.CategoryPath, c) {
				matched = c
			}
		}
		if matched == "" {
			return nil, 0, false
		}
		reasons = append(reasons, Reason{"category", matched})
		specificity += len(matched) * 10
	}
	if r.RegionPrefix != "" {
		if !strings.HasPrefix(o.PlaceCode, r.RegionPrefix) {
			return nil, 0, false
		}
		reasons = append(reasons, Reason{"region", r.RegionPrefix})
		specificity += len(r.RegionPrefix)
	}
	if r.Territory != "" && len(o.PlaceCode) < 9 {
		return nil, 0, false // an order without a place has no street office to go to
	}
	if len(r.Types) > 0 {
		if !slices.Contains(r.Types, o.Type) {
			return nil, 0, false
		}
		reasons = append(reasons, Reason{"type", string(o.Type)})
		specificity++
	}
	if len(r.Keywords) > 0 {
		i := slices.IndexFunc(r.Keywords, func(k string) bool { return strings.Contains(o.Text, strings.TrimSpace(k)) })
		if i < 0 {
			return nil, 0, false
		}
		reasons = append(reasons, Reason{"keyword", r.Keywords[i]})
		specificity++
	}
	if len(reasons) == 0 {
		reasons = append(reasons, Reason{"default", ""})
	}
	return reasons, specificity, true
}
