package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// TestMeasuresAPI takes three orders in through the API and works them, then reads the measures as
// callers of every reach: the counts come from the rollups the orders' own transactions wrote.
func TestMeasuresAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		f.demoCatalogue(t)
		hash, err := auth.HashPassword(fixturePassword)
		if err != nil {
			t.Fatal(err)
		}
		cgj, hn := f.units["CGJ"].ID, f.units["HN-ZJ"].ID
		for _, u := range []access.User{
			{Username: "leader-city", DisplayName: "市领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150300"},
			{Username: "leader-hbw", DisplayName: "海勃湾区领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150302"},
			{Username: "lead-cgj", DisplayName: "城管局负责人", Roles: []access.Role{access.RoleUnitLead}, UnitID: cgj},
		} {
			if _, err := st.CreateUser(ctx, audit.System, u, hash); err != nil {
				t.Fatal(err)
			}
		}
		tok := map[string]string{}
		for _, u := range []string{"agent", "admin", "handler-hn", "grid-hn", "leader-city", "leader-hbw", "lead-cgj"} {
			tok[u] = f.login(t, u)
		}
		agent := tok["agent"]
		create := func(lng float64) string {
			t.Helper()
			status, body := f.call(t, "POST", "/api/v1/tickets", agent, `{"channel":"phone","type":"complaint","category":"020301",
				"title":"路灯不亮","description":"小区门口路灯一周不亮","lat":39.5,"lng":`+jsonNumber(lng)+`}`)
			if status != 201 {
				t.Fatalf("create: %d %s", status, body)
			}
			var tk struct{ ID string }
			if err := json.Unmarshal([]byte(body), &tk); err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		act := func(id, action, as, body string) {
			t.Helper()
			if status, out := f.call(t, "POST", "/api/v1/tickets/"+id+"/actions/"+action, as, body); status != 200 {
				t.Fatalf("%s: %d %s", action, status, out)
			}
		}
		t1 := create(107.75) // grid 150303001001002: handled by 海南区住建局 and closed
		act(t1, "dispatch", agent, `{"lead_unit_id":"`+hn+`"}`)
		act(t1, "accept", tok["handler-hn"], `{}`)
		act(t1, "reply", tok["handler-hn"], `{"comment":"已修复。"}`)
		act(t1, "approve", agent, `{}`)
		act(t1, "visit", agent, `{"resolved":true,"satisfaction":"satisfied"}`)
		t2 := create(106.25) // grid 150302001001001: answered on the phone
		act(t2, "answer", agent, `{"comment":"已解答。"}`)
		t3 := create(106.75) // grid 150302001001002: with 市城管局
		act(t3, "dispatch", agent, `{"lead_unit_id":"`+cgj+`"}`)

		today := measure.DayOf(time.Now())
		span := "from=" + today.AddDays(-1).String() + "&to=" + today.AddDays(1).String()
		m := "/api/v1/measures?" + span
		tests := []struct {
			name, path, as string
			status         int
			contains       []string
		}{
			{"anonymous", m, "", 401, nil},
			{"the centre sees the city", m, agent, 200, []string{`"volume":3`, `"answered":1`, `"dispatched":2`, `"signed_on_time":1`,
				`"visited":1`, `"satisfaction_rate":1`, `"closed":1`, `"first_line_rate":0.3333`, `"response_rate":0.5`, `"definitions":"docs/measures.md"`}},
			{"by region", m + "&group_by=region", tok["leader-city"], 200, []string{`"key":"150302","name":"区150302","measures":{"volume":2`,
				`"key":"150303","name":"区150303","measures":{"volume":1`}},
			{"one district", m + "&region=150303", agent, 200, []string{`"volume":1`, `"closed":1`}},
			{"a grid", m + "&region=150302001001002", agent, 200, []string{`"volume":1`, `"dispatched":1`, `"answered":0`}},
			{"by category below 02", m + "&category=02&group_by=category", agent, 200, []string{`"key":"0203",`, `"volume":3`}},
			{"another category", m + "&category=01", agent, 200, []string{`"volume":0`, `"response_rate":null`}},
			{"by unit", m + "&group_by=unit", agent, 200, []string{`"key":"` + cgj + `","name":"市城管局"`, `"key":"` + hn + `","name":"海南区住建局"`}},
			{"by day has every day", m + "&group_by=day", agent, 200, []string{`"key":"` + today.AddDays(-1).String() + `"`, `"key":"` + today.AddDays(1).String() + `"`}},
			{"a unit sees its own by default", m, tok["handler-hn"], 200, []string{`"unit":"` + hn + `"`, `"dispatched":1`, `"volume":0`, `"closed":1`}},
			{"a unit lead too", m, tok["lead-cgj"], 200, []string{`"unit":"` + cgj + `"`, `"dispatched":1`, `"signed":0`}},
			{"not another unit", m + "&unit=" + cgj, tok["handler-hn"], 403, nil},
			{"not a region", m + "&region=150303", tok["handler-hn"], 403, nil},
			{"a district sees its own by default", m, tok["leader-hbw"], 200, []string{`"region":"150302"`, `"volume":2`}},
			{"a district by its streets", m + "&group_by=region", tok["leader-hbw"], 200, []string{`"key":"150302001","name":"街道150302","measures":{"volume":2`}},
			{"not the neighbouring district", m + "&region=150303", tok["leader-hbw"], 403, nil},
			{"not the whole city", m + "&region=150300", tok["leader-hbw"], 403, nil},
			{"not a city department everywhere", m + "&unit=" + cgj, tok["leader-hbw"], 403, nil},
			{"a city department in the district", m + "&unit=" + cgj + "&region=150302", tok["leader-hbw"], 200, []string{`"dispatched":1`}},
			{"admins run the system, not the numbers", m, tok["admin"], 403, nil},
			{"grid workers see no measures", m, tok["grid-hn"], 403, nil},
			{"bad date", "/api/v1/measures?from=2026-13-01", agent, 400, []string{`"field":"from"`}},
			{"ends before it starts", "/api/v1/measures?from=2026-11-02&to=2026-11-01", agent, 400, []string{`"field":"to"`}},
			{"too long", "/api/v1/measures?from=2000-01-01&to=2026-11-01", agent, 400, []string{`"field":"to"`}},
			{"bad grouping", m + "&group_by=year", agent, 400, []string{`"field":"group_by"`}},
			{"bad channel", m + "&channel=fax", agent, 400, []string{`"field":"channel"`}},
			{"bad type", m + "&type=rant", agent, 400, []string{`"field":"type"`}},
			{"unknown line", m + "&line=99999", agent, 400, []string{`"field":"line"`}},
			{"unknown place", m + "&region=150399", agent, 400, []string{`"field":"region"`}},
			{"unknown unit", m + "&unit=nope", agent, 400, []string{`"field":"unit"`}},
			{"unknown category", m + "&category=99", agent, 400, []string{`"field":"category"`}},
			{"main line", m + "&line=12345&channel=phone&type=complaint", agent, 200, []string{`"volume":3`}},

			{"rankings", "/api/v1/rankings?month=" + today.MonthLabel(), tok["leader-city"], 200, []string{`"caution":"排名仅供参考`,
				`"kind":"city_department"`, `"kind":"district_department"`, `"unranked":[{"unit_id":"` + cgj + `"`, `"min_dispatched":10`,
				`"weights":{"response_rate":0.2,"resolution_rate":0.4,"satisfaction_rate":0.4}`}},
			{"one tier", "/api/v1/rankings?month=" + today.MonthLabel() + "&kind=district_department", tok["leader-city"], 200, []string{`"unit_id":"` + hn + `"`}},
			{"a unit ranks itself only", "/api/v1/rankings?month=" + today.MonthLabel(), tok["handler-hn"], 200, []string{`"unit_id":"` + hn + `"`}},
			{"bad month", "/api/v1/rankings?month=2026-13", agent, 400, []string{`"field":"month"`}},
			{"the centre is not ranked", "/api/v1/rankings?kind=centre", agent, 400, []string{`"field":"kind"`}},
			{"rankings for admins", "/api/v1/rankings", tok["admin"], 403, nil},
		}
		for _, tc := range tests {
			status, body := f.call(t, "GET", tc.path, tc.as, "")
			if status != tc.status {
				t.Errorf("%s: status %d, want %d; body %s", tc.name, status, tc.status, body)
				continue
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("%s: body lacks %s: %s", tc.name, s, body)
				}
			}
		}
		if _, body := f.call(t, "GET", "/api/v1/rankings?month="+today.MonthLabel(), tok["handler-hn"], ""); strings.Contains(body, cgj) {
			t.Errorf("a unit's ranking shows another unit: %s", body)
		}
	})
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
