package web_test

import (
	"testing"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// TestCategoryAPIScenarios walks the catalogue API in order: the steps build on each other (a
// category is created, edited, retired and moved), so the table is run top to bottom.
func TestCategoryAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.demoCatalogue(t)
		admin, district, agent := f.login(t, "admin"), f.login(t, "admin-hbw"), f.login(t, "agent")
		steps := []apiStep{
			{"list anonymous", "GET", "/api/v1/categories", "", "", 401, nil, nil},
			{"list", "GET", "/api/v1/categories", agent, "", 200,
				[]string{`"code":"020301"`, `"path":"市政设施/城市照明/路灯不亮"`, `"parent":"0203"`, `"code":"pole_number"`, `"datatype":"singlevaluelist"`, `"group":"市政设施"`}, nil},
			{"list bad active flag", "GET", "/api/v1/categories?active=maybe", agent, "", 400, []string{`"field":"active"`}, nil},
			{"list bad level", "GET", "/api/v1/categories?level=9", agent, "", 400, []string{`"field":"level"`}, nil},
			{"list bad parent", "GET", "/api/v1/categories?parent=lights", agent, "", 400, []string{`"field":"parent"`}, nil},
			{"children", "GET", "/api/v1/categories?parent=0203", agent, "", 200, []string{`"code":"020301"`, `"code":"020302"`}, []string{`"code":"0203"`, `"code":"020201"`}},
			{"level 1", "GET", "/api/v1/categories?level=1", agent, "", 200, []string{`"code":"01"`, `"code":"17"`}, []string{`"level":2`}},
			{"one", "GET", "/api/v1/categories/040301", agent, "", 200, []string{`"code":"time_of_day"`, `"key":"night"`, `"version":1`}, nil},
			{"unknown", "GET", "/api/v1/categories/9999", agent, "", 404, nil, nil},

			{"create anonymous", "POST", "/api/v1/categories", "", `{"parent":"0203","name":"景观灯不亮"}`, 401, nil, nil},
			{"create as agent", "POST", "/api/v1/categories", agent, `{"parent":"0203","name":"景观灯不亮"}`, 403, nil, nil},
			{"create as district admin", "POST", "/api/v1/categories", district, `{"parent":"0203","name":"景观灯不亮"}`, 403, nil, nil},
			{"create numbered by the store", "POST", "/api/v1/categories", admin, `{"parent":"0203","name":" 景观灯不亮 ","keywords":["景观灯"]}`, 201,
				[]string{`"code":"020303"`, `"path":"市政设施/城市照明/景观灯不亮"`, `"level":3`, `"active":true`, `"version":1`, `"keywords":["景观灯"]`}, nil},
			{"create sibling with the same name", "POST", "/api/v1/categories", admin, `{"parent":"0203","name":"景观灯不亮"}`, 400, []string{`"field":"name"`}, nil},
			{"create taken code", "POST", "/api/v1/categories", admin, `{"code":"020301","name":"另一个"}`, 409, nil, nil},
			{"create code outside its parent", "POST", "/api/v1/categories", admin, `{"code":"020399","parent":"0204","name":"错位"}`, 400, []string{`"field":"code"`}, nil},
			{"create under a missing parent", "POST", "/api/v1/categories", admin, `{"parent":"99","name":"孤儿"}`, 400, []string{`"field":"parent"`}, nil},
			{"create with a slash in the name", "POST", "/api/v1/categories", admin, `{"parent":"0203","name":"灯/杆"}`, 400, []string{`"field":"name"`}, nil},
			{"create without a name", "POST", "/api/v1/categories", admin, `{"parent":"0203"}`, 400, []string{`"field":"name"`, `name: required`}, nil},
			{"create with a bad attribute", "POST", "/api/v1/categories", admin,
				`{"parent":"0203","name":"灯箱","attributes":[{"code":"size","datatype":"integer","required":false,"description":"尺寸","order":1}]}`, 400,
				[]string{`"field":"attributes[0].datatype"`}, nil},
			{"create with an unknown field", "POST", "/api/v1/categories", admin, `{"parent":"0203","name":"灯箱","colour":"red"}`, 400, []string{`"field":"colour"`}, nil},
			{"create with invalid UTF-8", "POST", "/api/v1/categories", admin, "{\"parent\":\"0203\",\"name\":\"\xff\"}", 400, []string{"UTF-8"}, nil},
			{"markup is kept as text", "POST", "/api/v1/categories", admin, `{"parent":"1702","name":"<img src=x onerror=alert(1)>"}`, 201,
				[]string{`"code":"170203"`, `"name":"\u003cimg src=x onerror=alert(1)\u003e"`}, []string{"<img"}},

			{"edit without version", "PATCH", "/api/v1/categories/020303", admin, `{"name":"景观亮化不亮"}`, 400, []string{`"field":"version"`}, nil},
			{"edit as agent", "PATCH", "/api/v1/categories/020303", agent, `{"version":1,"name":"景观亮化不亮"}`, 403, nil, nil},
			{"edit unknown", "PATCH", "/api/v1/categories/029999", admin, `{"version":1,"name":"无"}`, 404, nil, nil},
			{"rename and retire", "PATCH", "/api/v1/categories/020303", admin, `{"version":1,"name":"景观亮化不亮","active":false}`, 200,
				[]string{`"name":"景观亮化不亮"`, `"active":false`, `"version":2`, `"keywords":["景观灯"]`}, nil},
			{"stale version", "PATCH", "/api/v1/categories/020303", admin, `{"version":1,"name":"又改"}`, 409, []string{"changed by someone else"}, nil},
			{"pickers do not offer it", "GET", "/api/v1/categories?active=true", agent, "", 200, []string{`"code":"020301"`}, []string{`"code":"020303"`}},
			{"old orders still find it", "GET", "/api/v1/categories/020303", agent, "", 200, []string{`"active":false`}, nil},
			{"move", "PATCH", "/api/v1/categories/020303", admin, `{"version":2,"parent":"0204"}`, 200,
				[]string{`"code":"020303"`, `"parent":"0204"`, `"path":"市政设施/园林绿化/景观亮化不亮"`, `"version":3`}, nil},
			{"move to another level", "PATCH", "/api/v1/categories/020303", admin, `{"version":3,"parent":"02"}`, 400, []string{`"field":"parent"`}, nil},
			{"list without values", "PATCH", "/api/v1/categories/020303", admin,
				`{"version":3,"attributes":[{"code":"kind","datatype":"singlevaluelist","required":true,"description":"哪种灯","order":1}]}`, 400,
				[]string{`"field":"attributes[0].values"`}, nil},
			{"retiring a parent hides its branch", "PATCH", "/api/v1/categories/0203", admin, `{"version":1,"active":false}`, 200, nil, nil},
			{"branch hidden", "GET", "/api/v1/categories?active=true", agent, "", 200, []string{`"code":"0202"`}, []string{`"code":"0203"`, `"code":"020301"`}},
			{"documented", "GET", "/api/v1/openapi.json", "", "", 200, []string{`"/api/v1/categories/{code}"`, `"CategoryPatch"`}, nil},
		}
		for _, tc := range steps {
			f.check(t, tc)
		}
	})
}
