package triage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/classify"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/triage"
)

// fixedModel predicts the same thing whatever the text, so that a test controls confidence.
type fixedModel struct{ p classify.Prediction }

func (m fixedModel) Predict(string, string) classify.Prediction { return m.p }

func sure(label string) fixedModel {
	return fixedModel{classify.Prediction{Top: []classify.Scored{{Label: label, Confidence: 0.95}, {Label: "x", Confidence: 0.03}}, Confident: true}}
}

func unsure(label string) fixedModel {
	return fixedModel{classify.Prediction{Top: []classify.Scored{{Label: label, Confidence: 0.45}, {Label: "x", Confidence: 0.40}}}}
}

var at = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func deps(model triage.Predictor, earlier ...triage.Report) triage.Deps {
	tree := category.NewTree([]category.Category{
		{Code: "02", Name: "市政设施", Level: 1, Active: true},
		{Code: "0203", Name: "城市照明", ParentCode: "02", Level: 2, Active: true},
		{Code: "020301", Name: "路灯不亮", ParentCode: "0203", Level: 3, Active: true},
		{Code: "03", Name: "市容", Level: 1, Active: true},
		{Code: "0301", Name: "占道经营", ParentCode: "03", Level: 2, Active: true},
		{Code: "09", Name: "其他", Level: 1, Active: true},
	})
	rules := routing.NewCatalogue([]routing.Rule{
		{ID: "lamps", Name: "路灯", Categories: []string{"0203"}, LeadUnitID: "unit-lights", Active: true, AutoDispatch: true},
		{ID: "stalls", Name: "占道经营属地", Categories: []string{"0301"}, Territory: routing.TerritoryStreet, Active: true},
	})
	return triage.Deps{
		Categories:    func(context.Context) (*category.Tree, error) { return tree, nil },
		CategoryModel: model,
		Rules:         func(context.Context) (*routing.Catalogue, error) { return rules, nil },
		StreetOffice: func(_ context.Context, street string) (string, error) {
			if street == "150302001" {
				return "office-" + street, nil
			}
			return "", triage.ErrNoOffice
		},
		Candidates: func(_ context.Context, q triage.CandidateQuery) ([]triage.Report, error) {
			var out []triage.Report
			for _, r := range earlier {
				if (q.CallerPhone != "" && r.CallerPhone == q.CallerPhone) || (q.StreetCode != "" && strings.HasPrefix(r.PlaceCode, q.StreetCode)) {
					out = append(out, r)
				}
			}
			return out, nil
		},
	}
}

func lamp() triage.Input {
	return triage.Input{Title: "滨河小区门口路灯不亮", Description: "市民来电反映：滨河小区门口的路灯坏了一周，晚上很黑。",
		Address: "海勃湾区滨河街道滨河小区门口", PlaceCode: "150302001001001", Lng: 106.81, Lat: 39.66, At: at}
}

func TestTriage(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		deps  triage.Deps
		in    func() triage.Input
		auto  bool
		human []string
		lead  string
	}{
		{"a confident category under an automatic rule goes at once", deps(sure("020301")), lamp, true, nil, "unit-lights"},
		{"an unsure classifier leaves the category to a person", deps(unsure("020301")), lamp, false, []string{triage.HumanCategory}, ""},
		{"a person's category is certain", deps(unsure("0301")), func() triage.Input { in := lamp(); in.Category = "020301"; return in },
			true, nil, "unit-lights"},
		{"a territorial rule sends to the street office, and asks a person", deps(sure("0301")), lamp, false,
			[]string{triage.HumanManualRule}, "office-150302001"},
		{"a street without an office: no rule applies", deps(sure("0301")), func() triage.Input {
			in := lamp()
			in.PlaceCode = "150303001001001"
			return in
		}, false, []string{triage.HumanNoRule}, ""},
		{"no place for a territorial rule", deps(sure("0301")), func() triage.Input {
			in := lamp()
			in.PlaceCode, in.Address = "", ""
			return in
		}, false, []string{triage.HumanPlace}, ""},
		{"a category no rule covers", deps(sure("09")), lamp, false, []string{triage.HumanNoRule}, ""},
		{"a category the catalogue does not know", deps(sure("7777")), lamp, false, []string{triage.HumanCategory}, ""},
		{"a police matter stops auto-dispatch", deps(sure("020301")), func() triage.Input {
			in := lamp()
			in.Description += "路灯下面有人正在打架。"
			return in
		}, false, []string{triage.HumanPolice}, "unit-lights"},
		{"a duplicate stops auto-dispatch", deps(sure("020301"), triage.Report{ID: "t0", Number: "WH1", Category: "020301",
			Title: "滨河小区门口路灯坏了", Description: "滨河小区门口的路灯不亮好几天了", Address: "海勃湾区滨河街道滨河小区门口",
			PlaceCode: "150302001001001", Lng: 106.8102, Lat: 39.6601, At: at.Add(-3 * time.Hour)}), lamp, false,
			[]string{triage.HumanDuplicate}, "unit-lights"},
		{"without a model everything waits for a person", deps(nil), lamp, false, []string{triage.HumanCategory}, ""},
	}
	for _, tc := range cases {
		r, err := triage.Triage(ctx, tc.deps, tc.in())
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		lead := ""
		if r.Route != nil {
			lead = r.Route.LeadUnitID
		}
		if r.Auto != tc.auto || !slices.Equal(r.Human, tc.human) || lead != tc.lead {
			t.Errorf("%s: auto %v, human %v, lead %q; want %v, %v, %q", tc.name, r.Auto, r.Human, lead, tc.auto, tc.human, tc.lead)
		}
	}
}

// TestTriageOddText never fails and never dispatches on its own for text that says nothing useful.
func TestTriageOddText(t *testing.T) {
	for _, text := range []string{"", "😀😀😀🙏", strings.Repeat("很长的描述", 5000), "The street light is broken 路灯", "路燈不亮，請儘快處理", "\xff\xfe"} {
		r, err := triage.Triage(context.Background(), deps(unsure("020301")), triage.Input{Title: text, Description: text, Address: text, At: at})
		if err != nil || r.Auto || len(r.Human) == 0 {
			t.Errorf("%.30q: auto %v human %v err %v", text, r.Auto, r.Human, err)
		}
	}
}
