package ui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/auth"
)

// get fetches path and returns the response with its body read.
func get(t *testing.T, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(site.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res, readBody(t, res)
}

func post(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(site.URL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return res, readBody(t, res)
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page, as a browser form would carry it.
func csrf(t *testing.T, c *http.Client) string {
	t.Helper()
	_, body := get(t, c, "/")
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF field on the home page")
	}
	return m[1]
}

func TestAnonymousVisitorsAreSentToLogin(t *testing.T) {
	c := client(t)
	for _, path := range []string{"/", "/org?code=150302", "/admin/users", "/admin/units/new", "/ui/geo/150300"} {
		res, _ := get(t, c, path)
		want := "/login?next=" + url.QueryEscape(path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("anonymous GET %s = %d to %q, want 303 to %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	res, body := get(t, c, "/login")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Errorf("GET /login = %d; want 200 and a Chinese page", res.StatusCode)
	}
}

// pageCase is one page a user opens and the status it must get.
type pageCase struct {
	who, path string
	want      int
}

// checkPages opens each page as its user (signing each user in once) and checks the status; a page
// that is not found must show the error page (the /ui/ fragments answer bare). It returns the
// signed-in clients by username for further checks.
func checkPages(t *testing.T, cases []pageCase) map[string]*http.Client {
	t.Helper()
	clients := map[string]*http.Client{}
	for _, tc := range cases {
		c, ok := clients[tc.who]
		if !ok {
			c = signedIn(t, tc.who)
			clients[tc.who] = c
		}
		res, body := get(t, c, tc.path)
		if res.StatusCode != tc.want {
			t.Errorf("%s GET %s = %d, want %d", tc.who, tc.path, res.StatusCode, tc.want)
		}
		if tc.want == 404 && !strings.HasPrefix(tc.path, "/ui/") && !strings.Contains(body, `id="error-page"`) {
			t.Errorf("%s GET %s: 404 without the error page", tc.who, tc.path)
		}
	}
	return clients
}

func TestPagesByWho(t *testing.T) {
	tests := []pageCase{
		{"agent1", "/", 200},
		{"agent1", "/org", 200},
		{"agent1", "/org?code=150303001001002", 200},
		{"agent1", "/org?code=999999", 404},
		{"agent1", "/ui/tree/150302", 200},
		{"agent1", "/ui/tree/999999", 404},
		{"agent1", "/ui/geo/150300", 200},
		{"agent1", "/ui/geo/999999", 404},
		{"agent1", "/admin/users", 404},
		{"agent1", "/admin/users/new", 404},
		{"agent1", "/admin/units", 404},
		{"agent1", "/no/such/page", 404},
		{"hbw-admin", "/admin/users", 200},
		{"hbw-admin", "/admin/users/new", 200},
		{"hbw-admin", "/admin/users/" + site.users["hbw-staff"].ID, 200},
		{"hbw-admin", "/admin/users/" + site.users["hbw-housing"].ID, 200},
		{"hbw-admin", "/admin/users/" + site.users["hn-staff"].ID, 404},
		{"hbw-admin", "/admin/users/" + site.users["hn-civil"].ID, 404},
		{"hbw-admin", "/admin/users/" + site.users["admin"].ID, 404},
		{"hbw-admin", "/admin/units", 200},
		{"hbw-admin", "/admin/units/" + site.units["HBW-HOUSING"].ID, 200},
		{"hbw-admin", "/admin/units/" + site.units["HN-CIVIL"].ID, 404},
		{"admin", "/admin/users/" + site.users["hn-staff"].ID, 200},
		{"admin", "/admin/units/" + site.units["HN-CIVIL"].ID, 200},
		{"admin", "/admin/users/no-such-id", 404},
	}
	clients := checkPages(t, tests)
	res, body := get(t, clients["agent1"], "/api/v1/no-such-thing")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown API path = %d %s %q, want a JSON 404", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

func TestLoginRedirectsOnlyToLocalPaths(t *testing.T) {
	for next, want := range map[string]string{
		"/org?code=150302":        "/org?code=150302",
		"//evil.example/x":        "/",
		"https://evil.example/":   "/",
		`/\evil.example`:          "/",
		"/login?next=/admin":      "/",
		"":                        "/",
		"org":                     "/",
		"/admin/users?notice=x#y": "/admin/users?notice=x#y",
	} {
		c := client(t)
		res, _ := post(t, c, "/login", url.Values{"username": {"agent1"}, "password": {password}, "next": {next}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("login with next=%q = %d to %q, want 303 to %q", next, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	c := client(t)
	res, _ := get(t, c, "/lang?to=en&next=//evil.example")
	if res.Header.Get("Location") != "/" {
		t.Errorf("language switch with a foreign next went to %q", res.Header.Get("Location"))
	}
}

func TestLoginFailureAndLockout(t *testing.T) {
	c := client(t)
	res, body := post(t, c, "/login", url.Values{"username": {"agent1"}, "password": {"wrong-password"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不正确") {
		t.Errorf("wrong password = %d, want 401 with the message", res.StatusCode)
	}
	res, body = post(t, c, "/login", url.Values{"username": {""}, "password": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "用户名：必填") || !strings.Contains(body, "密码：必填") {
		t.Errorf("empty form = %d, want 422 naming both fields", res.StatusCode)
	}
	locked := false
	for i := 0; i < 8 && !locked; i++ {
		res, _ = post(t, c, "/login", url.Values{"username": {"lockme"}, "password": {"wrong-password"}})
		locked = res.StatusCode == http.StatusTooManyRequests
	}
	if !locked {
		t.Fatal("no lockout after 8 wrong passwords")
	}
	res, body = post(t, c, "/login", url.Values{"username": {"lockme"}, "password": {password}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "登录失败次数过多") {
		t.Errorf("right password while locked = %d, want 429 with the lockout message", res.StatusCode)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	c := signedIn(t, "agent1")
	res, _ := post(t, c, "/logout", url.Values{"csrf_token": {csrf(t, c)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get(t, c, "/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout GET / = %d, want a redirect to the login page", res.StatusCode)
	}
}

var assetURL = regexp.MustCompile(`/static/[0-9a-f]{16}/[a-z./]+\.(?:css|js)`)

func TestStaticFilesAreChecksummedAndCached(t *testing.T) {
	c := signedIn(t, "agent1")
	_, page := get(t, c, "/org")
	urls := assetURL.FindAllString(page, -1)
	if len(urls) != 5 {
		t.Fatalf("the org page links %v, want app.css, htmx, app.js, echarts and orgmap.js", urls)
	}
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, u := range urls {
		req, _ := http.NewRequest(http.MethodGet, site.URL+u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, res)
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d, Cache-Control %q", u, res.StatusCode, res.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(u, "echarts.min.js") && res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("ECharts is sent without gzip to a browser that accepts it")
		}
	}
	stale := regexp.MustCompile(`/static/[0-9a-f]{16}/`).ReplaceAllString(urls[0], "/static/0000000000000000/")
	if res, _ := get(t, c, stale); res.StatusCode != 404 {
		t.Errorf("GET %s with a wrong hash = %d, want 404", stale, res.StatusCode)
	}
}

// geoCodes fetches a place's map and returns the codes of its features.
func geoCodes(t *testing.T, c *http.Client, code string) []string {
	t.Helper()
	res, body := get(t, c, "/ui/geo/"+code)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("GET /ui/geo/%s = %d %s", code, res.StatusCode, res.Header.Get("Content-Type"))
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string `json:"type"`
			Properties struct{ Code string }
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(body), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" {
		t.Errorf("type = %q", fc.Type)
	}
	var codes []string
	for _, f := range fc.Features {
		if f.Type != "Feature" || !strings.Contains(string(f.Geometry), `"Polygon"`) {
			t.Errorf("feature %s is %q with geometry %s", f.Properties.Code, f.Type, f.Geometry)
		}
		codes = append(codes, f.Properties.Code)
	}
	return codes
}

func TestGeoServesChildrenWithBoundaries(t *testing.T) {
	c := signedIn(t, "agent1")
	if got := geoCodes(t, c, "150300"); !slices.Equal(got, []string{"150302", "150303"}) {
		t.Errorf("city map = %v, want its two districts", got)
	}
	if got := geoCodes(t, c, "150302001001"); !slices.Equal(got, []string{"150302001001001", "150302001001002"}) {
		t.Errorf("community map = %v, want its two grids", got)
	}
	if got := geoCodes(t, c, "150303001001002"); !slices.Equal(got, []string{"150303001001002"}) {
		t.Errorf("grid map = %v, want the grid itself", got)
	}
	res, _ := get(t, c, "/ui/geo/150300")
	req, _ := http.NewRequest(http.MethodGet, site.URL+"/ui/geo/150300", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, again)
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("repeat with the ETag = %d, want 304", again.StatusCode)
	}
}

func TestTreeFragment(t *testing.T) {
	c := signedIn(t, "agent1")
	_, body := get(t, c, "/ui/tree/150302001001")
	for _, want := range []string{`data-code="150302001001001"`, `data-code="150302001001002"`, "新华一网格"} {
		if !strings.Contains(body, want) {
			t.Errorf("community fragment lacks %s", want)
		}
	}
	if strings.Contains(body, "<html") || strings.Contains(body, `hx-get="/ui/tree/150302001001001"`) {
		t.Errorf("fragment is a whole page or offers to open a grid:\n%s", body)
	}
}

func TestDisableEnableAndResetPassword(t *testing.T) {
	ctx := context.Background()
	c := signedIn(t, "admin")
	token := csrf(t, c)
	target := site.users["hn-staff"]
	stored, err := site.st.User(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	version := func(v int) url.Values {
		return url.Values{"csrf_token": {token}, "version": {strconv.Itoa(v)}}
	}
	res, _ := post(t, c, "/admin/users/"+target.ID+"/disable", version(stored.Version))
	if loc := res.Header.Get("Location"); loc != "/admin/users?notice=disabled" {
		t.Fatalf("disable went to %q", loc)
	}
	if u, _ := site.st.User(ctx, target.ID); !u.Disabled {
		t.Fatal("the user is not disabled in the store")
	}
	res, _ = post(t, c, "/admin/users/"+target.ID+"/enable", version(stored.Version))
	if loc := res.Header.Get("Location"); loc != "/admin/users?notice=conflict" {
		t.Errorf("enable with a stale version went to %q, want the conflict notice", loc)
	}
	res, _ = post(t, c, "/admin/users/"+target.ID+"/enable", version(stored.Version+1))
	if loc := res.Header.Get("Location"); loc != "/admin/users?notice=enabled" {
		t.Errorf("enable went to %q", loc)
	}
	if u, _ := site.st.User(ctx, target.ID); u.Disabled {
		t.Error("the user is still disabled in the store")
	}
	self := site.users["admin"]
	res, _ = post(t, c, "/admin/users/"+self.ID+"/disable", version(self.Version))
	if loc := res.Header.Get("Location"); loc != "/admin/users?notice=self" {
		t.Errorf("disabling oneself went to %q", loc)
	}

	res, body := post(t, c, "/admin/users/"+target.ID+"/password", url.Values{"csrf_token": {token}})
	m := regexp.MustCompile(`id="new-password">([^<]+)<`).FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("reset password = %d without the new password", res.StatusCode)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with the new password may be cached: %q", res.Header.Get("Cache-Control"))
	}
	if _, err := site.auth.Login(ctx, "hn-staff", m[1], "127.0.0.1", auth.APISession); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
}

func TestDistrictAdminCannotPlaceUsersOutsideItsDistrict(t *testing.T) {
	c := signedIn(t, "hbw-admin")
	res, body := post(t, c, "/admin/users", url.Values{"csrf_token": {csrf(t, c)}, "username": {"hn-newcomer"},
		"display_name": {"越界者"}, "roles": {"agent"}, "place_code": {"150303"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "管辖地区：不在您的管辖范围内") {
		t.Errorf("creating a user in 150303 = %d, want 422 naming the area field", res.StatusCode)
	}
	if !strings.Contains(body, `value="hn-newcomer"`) {
		t.Error("the refused form lost the typed username")
	}
	if _, err := site.st.UserByUsername(context.Background(), "hn-newcomer"); err == nil {
		t.Error("the refused user was stored")
	}
}

func TestMaskedPhoneSurvivesAnEdit(t *testing.T) {
	c := signedIn(t, "hbw-admin")
	staff := site.users["hbw-staff"]
	_, page := get(t, c, "/admin/users/"+staff.ID)
	if !strings.Contains(page, `value="138****5678"`) || strings.Contains(page, "13812345678") {
		t.Fatal("the district admin's edit form does not show the phone masked")
	}
	stored, err := site.st.User(context.Background(), staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := post(t, c, "/admin/users/"+staff.ID, url.Values{"csrf_token": {csrf(t, c)}, "version": {strconv.Itoa(stored.Version)},
		"display_name": {"钱街道（改）"}, "phone": {"138****5678"}, "roles": {"street_staff"}, "place_code": {"150302001"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d, want 303", res.StatusCode)
	}
	after, err := site.st.User(context.Background(), staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Phone != "13812345678" || after.DisplayName != "钱街道（改）" {
		t.Errorf("after the edit: phone %q, name %q; want the full phone kept and the name changed", after.Phone, after.DisplayName)
	}
}

func TestDuplicateUnitCodeNamesTheField(t *testing.T) {
	c := signedIn(t, "admin")
	res, body := post(t, c, "/admin/units", url.Values{"csrf_token": {csrf(t, c)}, "code": {"C12345"}, "name": {"重复的中心"},
		"kind": {"centre"}, "place_code": {"150300"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "单位编码：已被使用") {
		t.Errorf("duplicate unit code = %d, want 422 naming the code field", res.StatusCode)
	}
	if !strings.Contains(body, `value="重复的中心"`) {
		t.Error("the refused form lost the typed name")
	}
}
