package ui

import (
	"testing"

	"github.com/cityline/cityline/internal/workorder"
)

// The vocabulary maps are written out by hand so that the catalogue check sees every key; this test
// keeps them complete as the work-order vocabulary grows.
func TestEveryWorkOrderWordHasAKey(t *testing.T) {
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	check := func(kind, value, key string) {
		t.Helper()
		if key == "" {
			t.Errorf("%s %q has no catalogue key", kind, value)
			return
		}
		for lang, c := range cats {
			if _, ok := c[key]; !ok {
				t.Errorf("%s %q: %s is missing from %s", kind, value, key, lang)
			}
		}
	}
	for _, s := range workorder.Statuses {
		check("status", string(s), statusKeys[s])
	}
	for _, a := range append([]workorder.Action{workorder.ActCreate}, workorder.Actions...) {
		check("action", string(a), actionKeys[a])
	}
	for _, r := range workorder.RequestTypes {
		check("type", string(r), typeKeys[r])
	}
	for _, c := range workorder.Channels {
		check("channel", string(c), channelKeys[c])
	}
	for _, u := range workorder.Urgencies {
		check("urgency", string(u), urgencyKeys[u])
	}
	for _, s := range workorder.Satisfactions {
		check("satisfaction", string(s), satisfactionKeys[s])
	}
	for field, r := range actionRules {
		if field != "comment" {
			check("action field", field, r.Label)
		}
		check("action rule", field, r.Rule)
	}
	for _, v := range choices {
		for _, c := range v {
			if decisionKeys[c] == "" && resolvedKeys[c] == "" && satisfactionKeys[workorder.Satisfaction(c)] == "" {
				t.Errorf("choice %q has no words", c)
			}
		}
	}
}
