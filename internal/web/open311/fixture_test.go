package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/open311"
	"github.com/cityline/cityline/internal/workorder"
)

const grid = "150302001001001"

// fixture is a small city (one district down to one grid), a street-lighting catalogue with one
// retired service, a lighting unit, the centre's staff, and an Open311 client with a working key
// and one whose key was revoked. Every answer the server gives is kept, so that a test can prove
// no personal data ever left.
type fixture struct {
	st      *store.Store
	svc     *ticketing.Service
	srv     *httptest.Server
	key     string
	revoked string
	unit    org.Unit
	actors  map[string]access.Actor

	mu      sync.Mutex
	answers []string
}

func square(lng0, lat0, lng1, lat1 float64) []byte {
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		lng0, lat0, lng1, lat0, lng1, lat1, lng0, lat1, lng0, lat0)
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	box := square(106, 39, 107, 40)
	must(st.InsertPlaces(ctx, audit.System, []org.Place{
		{Code: "150300", Name: "乌海市", Level: org.LevelCity},
		{Code: "150302", Name: "海勃湾区", Level: org.LevelDistrict, ParentCode: "150300", Boundary: box},
		{Code: "150302001", Name: "新华街道", Level: org.LevelStreet, ParentCode: "150302", Boundary: box},
		{Code: "150302001001", Name: "新华社区", Level: org.LevelCommunity, ParentCode: "150302001", Boundary: box},
		{Code: grid, Name: "第1网格", Level: org.LevelGrid, ParentCode: "150302001001", Boundary: box, CenterLng: 106.5, CenterLat: 39.5},
	}, "fixture"))
	must(st.ImportCategories(ctx, audit.System, []category.Category{
		{Code: "02", Name: "市政设施", Level: 1, Active: true},
		{Code: "0203", Name: "城市照明", ParentCode: "02", Level: 2, Active: true},
		{Code: "020301", Name: "路灯不亮", ParentCode: "0203", Level: 3, Active: true, Description: "路灯不亮、闪烁、白天常亮",
			Keywords: []string{"路灯", "不亮"}, Attributes: []category.Attribute{
				{Code: "lamp_count", Datatype: category.Number, Description: "大约几盏灯有问题", Order: 3},
				{Code: "fault", Datatype: category.SingleValueList, Required: true, Description: "路灯怎么了", Order: 1,
					Values: []category.Value{{Key: "off", Name: "不亮"}, {Key: "flashing", Name: "闪烁"}}},
				{Code: "pole_number", Datatype: category.String, Description: "灯杆编号", Order: 2},
			}},
		{Code: "020302", Name: "灯杆损坏", ParentCode: "0203", Level: 3, Active: true, Group: "照明设施"},
		{Code: "020303", Name: "旧分类", ParentCode: "0203", Level: 3, Active: false},
	}))
	unit, err := st.CreateUnit(ctx, audit.System, org.Unit{Code: "LIGHT", Name: "路灯管理所", Kind: org.UnitCityDepartment, PlaceCode: "150300"})
	must(err)
	au := auth.New(st, auth.Options{})
	f := &fixture{st: st, unit: unit, actors: map[string]access.Actor{}}
	for _, u := range []access.User{
		{Username: "open311-client", DisplayName: "Open311 客户端", Machine: true, Roles: []access.Role{access.RoleMachine}, PlaceCode: "150300"},
		{Username: "old-client", DisplayName: "停用的客户端", Machine: true, Roles: []access.Role{access.RoleMachine}, PlaceCode: "150300"},
		{Username: "agent", DisplayName: "话务员", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150300"},
		{Username: "dispatcher", DisplayName: "派单员", Roles: []access.Role{access.RoleDispatcher}, PlaceCode: "150300"},
		{Username: "handler", DisplayName: "路灯所承办人", Roles: []access.Role{access.RoleHandler}, UnitID: unit.ID},
	} {
		created, err := st.CreateUser(ctx, audit.System, u, "")
		must(err)
		f.actors[u.Username], err = au.ActorFor(ctx, created)
		must(err)
	}
	f.key, _, err = au.CreateAPIKey(ctx, audit.System, "open311-client", "test")
	must(err)
	var old auth.APIKey
	f.revoked, old, err = au.CreateAPIKey(ctx, audit.System, "old-client", "test")
	must(err)
	must(au.RevokeAPIKey(ctx, audit.System, old.ID))

	f.svc = ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	// Steps a second apart, ending before now, so that timelines order plainly and default windows hold them.
	var clockMu sync.Mutex
	clock := time.Now().Add(-time.Hour)
	f.svc.SetClock(func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	})
	mux := http.NewServeMux()
	// Stands for the UI's catch-all, which the Open311 patterns must not conflict with.
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	open311.New(open311.Deps{Store: st, Auth: au, Tickets: f.svc}).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request and returns the status, the body, and the response headers; the body is kept.
func (f *fixture) do(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.answers = append(f.answers, string(body))
	f.mu.Unlock()
	return resp.StatusCode, string(body), resp.Header
}

func (f *fixture) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, body, _ := f.do(t, req)
	return status, body
}

func (f *fixture) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body, _ := f.do(t, req)
	return status, body
}

// lampForm is a complete, valid report of a street light that is out.
func (f *fixture) lampForm() url.Values {
	return url.Values{"api_key": {f.key}, "jurisdiction_id": {"wuhai"}, "service_code": {"020301"},
		"lat": {"39.5"}, "long": {"106.25"}, "description": {"海北大街与人民路路口的路灯整夜不亮，已经三天了"},
		"attribute[fault]": {"off"}, "attribute[lamp_count]": {"3"}}
}

// create files a report and returns its service_request_id.
func (f *fixture) create(t *testing.T, form url.Values) string {
	t.Helper()
	status, body := f.post(t, "/open311/v2/requests.json", form)
	if status != http.StatusOK {
		t.Fatalf("POST requests: %d %s", status, body)
	}
	var got []struct {
		ID string `json:"service_request_id"`
	}
	decode(t, body, &got)
	if len(got) != 1 || got[0].ID == "" {
		t.Fatalf("POST requests answered %s", body)
	}
	return got[0].ID
}

// act takes a step on an order through the service, as the staff member named.
func (f *fixture) act(t *testing.T, who, id string, c workorder.Command) {
	t.Helper()
	if _, err := f.svc.Act(context.Background(), f.actors[who], id, c); err != nil {
		t.Fatalf("%s %s: %v", who, c.Action, err)
	}
}

// stored counts the orders in the database.
func (f *fixture) stored(t *testing.T) int {
	t.Helper()
	page, err := f.svc.List(context.Background(), f.actors["dispatcher"], store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// neverShown fails if any answer so far holds one of the values.
func (f *fixture) neverShown(t *testing.T, values ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, answer := range f.answers {
		for _, v := range values {
			if strings.Contains(answer, v) {
				t.Errorf("an answer holds %q: %s", v, answer)
			}
		}
	}
}

func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

func decodeXML(t *testing.T, body string, v any) {
	t.Helper()
	if !strings.HasPrefix(body, "<?xml") {
		t.Errorf("XML answer without a declaration: %.80s", body)
	}
	if err := xml.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode XML %s: %v", body, err)
	}
}

// apiErrors is the spec's error list in JSON.
type apiErrors []struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// xmlErrors is the spec's error list in XML; the XMLName makes decoding fail on another root.
type xmlErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

// wantError checks an answer in the spec's error format, with the status as its code and a
// description that starts with prefix.
func wantError(t *testing.T, what string, status int, body string, xmlFormat bool, wantStatus int, prefix string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d (%s)", what, status, wantStatus, body)
		return
	}
	var code int
	var desc string
	if xmlFormat {
		var e xmlErrors
		decodeXML(t, body, &e)
		if len(e.Errors) != 1 {
			t.Fatalf("%s: %s", what, body)
		}
		code, desc = e.Errors[0].Code, e.Errors[0].Description
	} else {
		var e apiErrors
		decode(t, body, &e)
		if len(e) != 1 {
			t.Fatalf("%s: %s", what, body)
		}
		code, desc = e[0].Code, e[0].Description
	}
	if code != wantStatus || !strings.HasPrefix(desc, prefix) {
		t.Errorf("%s: error %d %q, want %d starting %q", what, code, desc, wantStatus, prefix)
	}
}
