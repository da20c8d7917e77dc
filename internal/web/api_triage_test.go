package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// TestTriageAPIScenarios manages the dispatch catalogue and asks for suggestions: the steps build on
// each other (a rule is made, edited, then routes sample text).
func TestTriageAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.demoCatalogue(t)
		admin, district, agent, handler := f.login(t, "admin"), f.login(t, "admin-hbw"), f.login(t, "agent"), f.login(t, "handler-hn")
		cgj := f.units["CGJ"].ID
		rule := `{"name":"路灯不亮","categories":["020301"],"lead_unit_id":"` + cgj + `","auto_dispatch":true,"active":true}`
		for _, s := range []apiStep{
			{"rules anonymous", "GET", "/api/v1/dispatch-rules", "", "", 401, nil, nil},
			{"handlers may not read the catalogue", "GET", "/api/v1/dispatch-rules", handler, "", 403, nil, nil},
			{"agents may not add rules", "POST", "/api/v1/dispatch-rules", agent, rule, 403, nil, nil},
			{"district admins may not add rules", "POST", "/api/v1/dispatch-rules", district, rule, 403, nil, nil},
			{"no name", "POST", "/api/v1/dispatch-rules", admin, `{"categories":["020301"],"lead_unit_id":"` + cgj + `"}`, 400, []string{`"field":"name"`}, nil},
			{"unknown unit", "POST", "/api/v1/dispatch-rules", admin, `{"name":"x","lead_unit_id":"nope"}`, 400, []string{`"field":"lead_unit_id"`}, nil},
			{"unknown category", "POST", "/api/v1/dispatch-rules", admin, `{"name":"x","categories":["9999"],"lead_unit_id":"` + cgj + `"}`, 400,
				[]string{`"field":"categories"`}, nil},
			{"both lead and territory", "POST", "/api/v1/dispatch-rules", admin, `{"name":"x","lead_unit_id":"` + cgj + `","territory":"street"}`, 400,
				[]string{`"field":"lead_unit_id"`}, nil},
			{"unknown field", "POST", "/api/v1/dispatch-rules", admin, `{"name":"x","colour":"red"}`, 400, []string{`"field":"colour"`}, nil},
			{"add", "POST", "/api/v1/dispatch-rules", admin, rule, 201, []string{`"name":"路灯不亮"`, `"version":1`, `"auto_dispatch":true`}, nil},
			{"listed", "GET", "/api/v1/dispatch-rules", agent, "", 403, nil, nil},
			{"triage without text or category", "POST", "/api/v1/triage", agent, `{}`, 200, []string{`"human":["category_unsure"]`, `"auto":false`}, nil},
			{"triage routes by the rule", "POST", "/api/v1/triage", agent, `{"title":"路灯不亮","category":"020301"}`, 200,
				[]string{`"rule_name":"路灯不亮"`, `"lead_unit_id":"` + cgj + `"`, `"auto":true`}, nil},
			{"a police matter", "POST", "/api/v1/triage", agent, `{"title":"有人打架","description":"楼下正在打架","category":"020301"}`, 200,
				[]string{`"police"`, `"kind":"public_order"`, `"auto":false`}, nil},
			{"a referral", "POST", "/api/v1/triage", agent, `{"title":"法院判决不执行","description":"申请执行一年了"}`, 200,
				[]string{`"channel":"法院"`, `"referral"`}, nil},
			{"title too long", "POST", "/api/v1/triage", agent, `{"title":"` + strings.Repeat("长", 101) + `"}`, 400, []string{`"field":"title"`}, nil},
			{"bad type", "POST", "/api/v1/triage", agent, `{"title":"x","type":"gossip"}`, 400, []string{`"field":"type"`}, nil},
			{"units may not triage", "POST", "/api/v1/triage", handler, `{"title":"路灯"}`, 403, nil, nil},
		} {
			f.check(t, s)
		}
		status, body := f.call(t, "GET", "/api/v1/dispatch-rules", admin, "")
		var rules []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &rules) != nil || len(rules) != 1 {
			t.Fatalf("list: %d %s", status, body)
		}
		path := "/api/v1/dispatch-rules/" + rules[0].ID
		retired := `{"name":"路灯不亮","categories":["020301"],"lead_unit_id":"` + cgj + `","active":false,"version":1}`
		for _, s := range []apiStep{
			{"edit without version", "PUT", path, admin, `{"name":"路灯不亮","lead_unit_id":"` + cgj + `"}`, 400, []string{`"field":"version"`}, nil},
			{"retire", "PUT", path, admin, retired, 200, []string{`"active":false`, `"version":2`}, nil},
			{"a stale edit", "PUT", path, admin, retired, 409, nil, nil},
			{"no such rule", "PUT", "/api/v1/dispatch-rules/nope", admin, retired, 404, nil, nil},
			{"a retired rule routes nothing", "POST", "/api/v1/triage", agent, `{"title":"路灯不亮","category":"020301"}`, 200,
				[]string{`"human":["place_unknown"]`}, []string{`"route"`}},
			{"the triage of an order never triaged", "GET", "/api/v1/tickets/WH00000000000000/triage", agent, "", 404, nil, nil},
		} {
			f.check(t, s)
		}
	})
}
