package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// TestKnowledgeBaseAPIScenarios walks an article through its life: an agent proposes it, a
// supervisor publishes it, handlers read it and the console is offered it, a later edit waits for
// review while agents keep the published version, a stale edit is refused, and retiring it takes
// it off the desk. The steps build on each other.
func TestKnowledgeBaseAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		if err := st.ImportCategories(ctx, audit.System, []category.Category{
			{Code: "02", Level: 1, Name: "市政设施", Active: true},
			{Code: "0203", Level: 2, ParentCode: "02", Name: "城市照明", Active: true},
			{Code: "020301", Level: 3, ParentCode: "0203", Name: "路灯不亮", Active: true},
		}); err != nil {
			t.Fatal(err)
		}
		// The reviewer signs in with an API key: the fixture has no supervisor.
		if _, err := st.CreateUser(ctx, audit.System, access.User{Username: "supervisor", DisplayName: "督办",
			Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300"}, ""); err != nil {
			t.Fatal(err)
		}
		sup, _, err := f.auth.CreateAPIKey(ctx, audit.System, "supervisor", "kb review")
		if err != nil {
			t.Fatal(err)
		}
		agent, handler, admin := f.login(t, "agent"), f.login(t, "handler-hn"), f.login(t, "admin-hbw")
		unit := f.units["CGJ"].ID
		today := kb.Today(time.Now())
		review, past := today.AddDays(90).String(), today.AddDays(-1).String()
		body := func(extra string) string {
			return fmt.Sprintf(`{"category":"020301","title":"路灯不亮找谁修？","answer":"城市道路路灯由城市照明部门维护，一般故障三个工作日内修复。",
				"keywords":["路灯"," 不亮 "],"unit_id":%q,"review_by":%q%s}`, unit, review, extra)
		}
		suggest := "/api/v1/kb/suggest?q=" + "我家门口路灯不亮好几天了&category=020301"
		steps := []apiStep{
			{"list anonymous", "GET", "/api/v1/kb/articles", "", "", 401, nil, nil},
			{"handlers do not write", "POST", "/api/v1/kb/articles", handler, body(""), 403, nil, nil},
			{"district admins do not write the city's", "POST", "/api/v1/kb/articles", admin, body(""), 403, nil, nil},
			{"review date passed", "POST", "/api/v1/kb/articles", agent, body(`,"review_by":"` + past + `"`), 400, []string{`"field":"review_by"`}, nil},
			{"no title", "POST", "/api/v1/kb/articles", agent, `{"category":"020301","answer":"答","unit_id":"` + unit + `","review_by":"` + review + `"}`, 400,
				[]string{`"field":"title"`}, nil},
			{"unknown category", "POST", "/api/v1/kb/articles", agent, `{"category":"9901","title":"问","answer":"答","unit_id":"` + unit + `","review_by":"` + review + `"}`, 400,
				[]string{`"field":"category"`}, nil},
			{"unknown unit", "POST", "/api/v1/kb/articles", agent, `{"category":"020301","title":"问","answer":"答","unit_id":"nope","review_by":"` + review + `"}`, 400,
				[]string{`"field":"unit_id"`}, nil},
			{"a date that is not one", "POST", "/api/v1/kb/articles", agent, body(`,"expires_on":"2026-02-30"`), 400, []string{`"field":"expires_on"`}, nil},
			{"unknown field", "POST", "/api/v1/kb/articles", agent, body(`,"colour":"red"`), 400, []string{`"field":"colour"`}, nil},
			{"an agent proposes", "POST", "/api/v1/kb/articles", agent, body(`,"note":"常见咨询"`), 201,
				[]string{`"id":"KB00001"`, `"state":"draft"`, `"version":1`, `"live_version":0`, `"keywords":["路灯","不亮"]`, `"category_path":"市政设施/城市照明/路灯不亮"`}, nil},
			{"editors see the draft", "GET", "/api/v1/kb/articles/KB00001", agent, "", 200, []string{`"state":"draft"`, `"note":"常见咨询"`, `"versions":[`}, nil},
			{"readers do not", "GET", "/api/v1/kb/articles/KB00001", handler, "", 404, nil, nil},
			{"nor in the list", "GET", "/api/v1/kb/articles", handler, "", 200, []string{`"items":[]`}, nil},
			{"nor on the console", "GET", suggest, agent, "", 200, []string{`"items":[]`}, nil},
			{"a step without version", "POST", "/api/v1/kb/articles/KB00001/actions/submit", agent, `{}`, 400, []string{`"field":"version"`}, nil},
			{"an unknown step", "POST", "/api/v1/kb/articles/KB00001/actions/approve", sup, `{"version":1}`, 404, nil, nil},
			{"ask for review", "POST", "/api/v1/kb/articles/KB00001/actions/submit", agent, `{"version":1}`, 200, []string{`"state":"review"`}, nil},
			{"agents do not publish", "POST", "/api/v1/kb/articles/KB00001/actions/publish", agent, `{"version":1}`, 403, nil, nil},
			{"publish", "POST", "/api/v1/kb/articles/KB00001/actions/publish", sup, `{"version":1}`, 200, []string{`"state":"published"`, `"live_version":1`}, nil},
			{"publish twice", "POST", "/api/v1/kb/articles/KB00001/actions/publish", sup, `{"version":1}`, 409, nil, nil},
			{"readers read it", "GET", "/api/v1/kb/articles/KB00001", handler, "", 200, []string{`"shown_version":1`, `"published_by":"supervisor"`}, nil},
			{"and find it", "GET", "/api/v1/kb/articles?q=路灯", handler, "", 200, []string{`"id":"KB00001"`}, nil},
			{"the console is offered it", "GET", suggest, agent, "", 200, []string{`"id":"KB00001"`, `"matched":["路灯不亮"]`}, nil},
			{"an edit names the version", "PATCH", "/api/v1/kb/articles/KB00001", agent, `{"answer":"新答复"}`, 400, []string{`"field":"version"`}, nil},
			{"an edit", "PATCH", "/api/v1/kb/articles/KB00001", agent, `{"version":1,"answer":"城市道路路灯由城市照明部门维护，报修后两个工作日内修复。","note":"时限缩短"}`, 200,
				[]string{`"version":2`, `"state":"draft"`, `"live_version":1`, `两个工作日`}, nil},
			{"a stale edit is refused", "PATCH", "/api/v1/kb/articles/KB00001", agent, `{"version":1,"title":"路灯坏了"}`, 409, []string{"changed by someone else"}, nil},
			{"readers keep the published version", "GET", "/api/v1/kb/articles/KB00001", handler, "", 200, []string{`三个工作日`, `"shown_version":1`}, []string{`两个工作日`, `时限缩短`}},
			{"editors see what agents see on asking", "GET", "/api/v1/kb/articles?live=true&q=工作日", agent, "", 200, []string{`三个工作日`}, []string{`两个工作日`}},
			{"a bad filter", "GET", "/api/v1/kb/articles?state=lost", agent, "", 400, []string{`"field":"state"`}, nil},
			{"submit the edit", "POST", "/api/v1/kb/articles/KB00001/actions/submit", agent, `{"version":2}`, 200, nil, nil},
			{"sending back needs a note", "POST", "/api/v1/kb/articles/KB00001/actions/return", sup, `{"version":2}`, 400, []string{`"field":"note"`}, nil},
			{"send it back", "POST", "/api/v1/kb/articles/KB00001/actions/return", sup, `{"version":2,"note":"请附上依据"}`, 200,
				[]string{`"state":"draft"`, `"review_note":"请附上依据"`}, nil},
			{"retire", "POST", "/api/v1/kb/articles/KB00001/actions/retire", sup, `{"version":2}`, 200, []string{`"state":"retired"`, `"live_version":0`}, nil},
			{"off the console", "GET", suggest, agent, "", 200, []string{`"items":[]`}, nil},
			{"a bad category to suggest for", "GET", "/api/v1/kb/suggest?q=路灯&category=lights", agent, "", 400, []string{`"field":"category"`}, nil},
			{"documented", "GET", "/api/v1/openapi.json", "", "", 200, []string{`"/api/v1/kb/suggest"`, `"ArticlePatch"`}, nil},
		}
		for _, tc := range steps {
			f.check(t, tc)
		}
	})
}
