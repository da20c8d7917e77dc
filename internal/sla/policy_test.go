package sla_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/workorder"
)

func TestDefaultsAreValidAndFollowTheDomain(t *testing.T) {
	set := sla.Defaults()
	if err := set.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	tree := category.NewTree(cats)
	if err := set.CheckCategories(func(code string) bool { return len(tree.Path(code)) > 0 }); err != nil {
		t.Fatalf("the defaults name a category the demo catalogue lacks: %v", err)
	}
	for code, name := range sla.UtilityOutages {
		if path := tree.Path(code); len(path) == 0 || path[len(path)-1].Name != name {
			t.Errorf("outage category %s should be %s in the demo catalogue, got %v", code, name, path)
		}
	}
	want := map[workorder.RequestType]int{workorder.TypeEnquiry: 2, workorder.TypeHelp: 10, workorder.TypeSuggestion: 10,
		workorder.TypeComplaint: 15, workorder.TypeReport: 15, workorder.TypePraise: 5}
	for typ, days := range want {
		p, ok := set.Match(typ, []string{"15", "1501", "150101"}, workorder.UrgencyNormal)
		if !ok || p.Close != (sla.Limit{Value: days, Unit: sla.WorkingDays}) || p.SignFor != (sla.Limit{Value: 2, Unit: sla.WorkingHours}) {
			t.Errorf("%s: policy %+v, want close %d working days and sign-for 2 working hours", typ, p, days)
		}
	}
	if p, _ := set.Match(workorder.TypeHelp, []string{"11", "1101", "110101"}, workorder.UrgencyNormal); p.Close != (sla.Limit{Value: 24, Unit: sla.Hours}) {
		t.Errorf("a water outage gets %+v, want 24 hours", p)
	}
	if p, _ := set.Match(workorder.TypeComplaint, []string{"02", "0201"}, workorder.UrgencyEmergency); p.Close != (sla.Limit{Value: 2, Unit: sla.Hours}) {
		t.Errorf("an emergency gets %+v, want 2 hours", p)
	}
}

func TestMatchPrefersTheMostSpecificPolicy(t *testing.T) {
	base := func(id string, typ workorder.RequestType, cat string, urg workorder.Urgency) sla.Policy {
		l := sla.Limit{Value: 1, Unit: sla.WorkingDays}
		return sla.Policy{ID: id, Name: id, Type: typ, Category: cat, Urgency: urg, SignFor: l, Reply: l, Close: l, Redispatch: sla.Continue}
	}
	set := sla.Set{WarnPercent: 80, Policies: []sla.Policy{
		base("all", "", "", ""),
		base("complaint", workorder.TypeComplaint, "", ""),
		base("utilities", "", "11", ""),
		base("water", "", "1101", ""),
		base("utilities-complaint", workorder.TypeComplaint, "11", ""),
		base("urgent", "", "", workorder.UrgencyUrgent),
		base("urgent-water", "", "1101", workorder.UrgencyUrgent),
	}}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	water := []string{"11", "1101", "110101"}
	tests := []struct {
		name string
		typ  workorder.RequestType
		path []string
		urg  workorder.Urgency
		want string
	}{
		{"nothing specific", workorder.TypeHelp, []string{"02", "0201"}, workorder.UrgencyNormal, "all"},
		{"type", workorder.TypeComplaint, []string{"02", "0201"}, workorder.UrgencyNormal, "complaint"},
		{"ancestor category beats type", workorder.TypeHelp, []string{"11", "1102"}, workorder.UrgencyNormal, "utilities"},
		{"deeper category beats shallower with type", workorder.TypeComplaint, water, workorder.UrgencyNormal, "water"},
		{"same category, type breaks the tie", workorder.TypeComplaint, []string{"11", "1102"}, workorder.UrgencyNormal, "utilities-complaint"},
		{"urgency beats category", workorder.TypeHelp, []string{"11", "1102"}, workorder.UrgencyUrgent, "urgent"},
		{"urgency and category beat urgency", workorder.TypeHelp, water, workorder.UrgencyUrgent, "urgent-water"},
		{"category applies to its subtree only", workorder.TypeHelp, []string{"1101"}, workorder.UrgencyNormal, "water"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := set.Match(tc.typ, tc.path, tc.urg)
			if !ok || p.ID != tc.want {
				t.Errorf("matched %q (ok=%v), want %q", p.ID, ok, tc.want)
			}
		})
	}
}

func TestValidateRefusesBadSetsNamingTheField(t *testing.T) {
	edit := func(f func(s *sla.Set)) sla.Set {
		s := sla.Defaults()
		f(&s)
		return s
	}
	tests := []struct {
		name  string
		set   sla.Set
		field string
		says  string
	}{
		{"zero limit", edit(func(s *sla.Set) { s.Policies[0].Close.Value = 0 }), "policies[0].close.value", "at least 1"},
		{"negative limit", edit(func(s *sla.Set) { s.Policies[2].SignFor.Value = -3 }), "policies[2].sign_for.value", "at least 1"},
		{"absurd limit", edit(func(s *sla.Set) { s.Policies[1].Close.Value = 1500 }), "policies[1].close.value", "at most 250"},
		{"unknown unit", edit(func(s *sla.Set) { s.Policies[0].Reply.Unit = "fortnights" }), "policies[0].reply.unit", "fortnights"},
		{"reply after close", edit(func(s *sla.Set) { s.Policies[3].Reply.Value = 20 }), "policies[3].reply", "later than the closure limit"},
		{"bad id", edit(func(s *sla.Set) { s.Policies[0].ID = "Bad Id" }), "policies[0].id", "lower-case"},
		{"repeated id", edit(func(s *sla.Set) { s.Policies[1].ID = s.Policies[0].ID }), "policies[1].id", "already the id"},
		{"no name", edit(func(s *sla.Set) { s.Policies[0].Name = " " }), "policies[0].name", "required"},
		{"unknown type", edit(func(s *sla.Set) { s.Policies[0].Type = "gossip" }), "policies[0].type", "gossip"},
		{"unknown urgency", edit(func(s *sla.Set) { s.Policies[6].Urgency = "whenever" }), "policies[6].urgency", "whenever"},
		{"bad category code", edit(func(s *sla.Set) { s.Policies[7].Category = "1x" }), "policies[7].category", "not a category code"},
		{"bad redispatch rule", edit(func(s *sla.Set) { s.Policies[0].Redispatch = "" }), "policies[0].redispatch", "continue"},
		{"same matcher twice", edit(func(s *sla.Set) { s.Policies[1].Type = s.Policies[0].Type }), "policies[1]", "same orders as policies[0]"},
		{"type left uncovered", edit(func(s *sla.Set) { s.Policies = s.Policies[:5] }), "policies", "praise is not covered"},
		{"type covered only for a category", edit(func(s *sla.Set) { s.Policies[5].Category = "17" }), "policies", "praise is not covered"},
		{"no policies", sla.Set{WarnPercent: 80}, "policies", "at least one"},
		{"warn share zero", edit(func(s *sla.Set) { s.WarnPercent = 0 }), "warn_percent", "between 1 and 99"},
		{"warn share whole limit", edit(func(s *sla.Set) { s.WarnPercent = 100 }), "warn_percent", "between 1 and 99"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.set.Validate()
			var fe *workorder.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a field error", err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Reason, tc.says) {
				t.Errorf("got %q: %q, want %q mentioning %q", fe.Field, fe.Reason, tc.field, tc.says)
			}
		})
	}
	catchAll := sla.Defaults()
	catchAll.Policies = append(catchAll.Policies[:5:5], sla.Policy{ID: "all", Name: "其他", SignFor: catchAll.Policies[0].SignFor,
		Reply: catchAll.Policies[0].Reply, Close: catchAll.Policies[0].Close, Redispatch: sla.Restart})
	if err := catchAll.Validate(); err != nil {
		t.Errorf("a policy with no type covers every type: %v", err)
	}
}

func TestCheckCategoriesRefusesUnknownCodes(t *testing.T) {
	set := sla.Defaults()
	err := set.CheckCategories(func(code string) bool { return code != "110201" })
	var fe *workorder.FieldError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, ".category") || !strings.Contains(fe.Reason, "110201") {
		t.Errorf("got %v, want the unknown category named", err)
	}
}
