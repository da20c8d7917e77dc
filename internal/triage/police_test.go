package triage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/triage"
)

func TestRecognisePolice(t *testing.T) {
	for _, tc := range []struct {
		text   string
		kind   triage.PoliceKind
		urgent bool
	}{
		{"楼下有人正在打架，已经见血了，快来", triage.PoliceOrder, true},
		{"我的电动车昨晚在小区里被盗", triage.PoliceCrime, false},
		{"有人站在楼顶说要跳楼，情况紧急", triage.PoliceDanger, true},
		{"十字路口发生车祸，有人受伤", triage.PoliceTraffic, false},
		{"去年家里被盗，已报警，想问案件进展，现在还没消息", triage.PoliceCrime, false},
		{"楼道里闻到很浓的燃气泄漏味道", triage.PoliceDanger, false},
		{"小区门口路灯不亮，晚上很黑", triage.PoliceNotFound, false},
		{"长期被噪音困扰，晚上睡不着", triage.PoliceNotFound, false},
		{"楼道堆满杂物，存在火灾隐患，一旦发生火灾后果严重", triage.PoliceNotFound, false},
		{"上班途中发生交通事故受伤，想了解工伤认定流程", triage.PoliceNotFound, false},
		{"刚才在路口发生交通事故，想咨询怎么处理", triage.PoliceTraffic, true},
		{"楼里着火了，有人被困在里面", triage.PoliceDanger, false},
		{"", triage.PoliceNotFound, false},
		{"😡😡😡", triage.PoliceNotFound, false},
	} {
		m := triage.RecognisePolice(tc.text)
		if m.Kind != tc.kind || m.Urgent != tc.urgent {
			t.Errorf("%q: kind %q urgent %v (terms %v), want %q urgent %v", tc.text, m.Kind, m.Urgent, m.Terms, tc.kind, tc.urgent)
		}
		if m.Found() != (len(m.Terms) > 0) {
			t.Errorf("%q: found=%v with terms %v", tc.text, m.Found(), m.Terms)
		}
	}
}

// TestPoliceOnOrdinaryMatters runs the recogniser over thousands of made-up demo matters: outside the
// public-security categories (12xx) almost none may be offered to 110, and inside the fights and
// fraud categories most must be.
func TestPoliceOnOrdinaryMatters(t *testing.T) {
	x := demoTexts(t, 5)
	at := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	var ordinary, flagged, police, caught int
	for range 5000 {
		m := x.Matter(at).Intake
		found := triage.RecognisePolice(m.Title + m.Description).Found()
		switch {
		case strings.HasPrefix(m.Category, "120102"), strings.HasPrefix(m.Category, "120103"):
			police++
			if found {
				caught++
			}
		case !strings.HasPrefix(m.Category, "12"):
			ordinary++
			if found {
				flagged++
				if flagged <= 5 {
					t.Logf("flagged %s: %s", m.Category, m.Title)
				}
			}
		}
	}
	t.Logf("ordinary matters flagged %d of %d; fights and fraud caught %d of %d", flagged, ordinary, caught, police)
	if float64(flagged) > 0.01*float64(ordinary) {
		t.Errorf("%d of %d ordinary matters flagged as police matters (want at most 1%%)", flagged, ordinary)
	}
	if police == 0 || float64(caught) < 0.8*float64(police) {
		t.Errorf("only %d of %d fights and frauds recognised (want 80%%)", caught, police)
	}
}

func TestRefer(t *testing.T) {
	for text, want := range map[string]string{
		"法院判决后对方一直不执行，申请执行也没结果": "法院",
		"我要去信访，问一下信访事项怎么提":      "信访",
		"公司不给加班费，想申请劳动仲裁":       "仲裁",
		"举报某局长收受贿赂，请纪委调查":       "纪检监察",
		"小区路灯不亮": "",
	} {
		r, ok := triage.Refer(text)
		if ok != (want != "") || r.Channel != want {
			t.Errorf("%q: referred to %q (%v), want %q", text, r.Channel, ok, want)
		}
		if ok && (r.Script == "" || len(r.Terms) == 0) {
			t.Errorf("%q: a referral without script or terms: %+v", text, r)
		}
	}
}
