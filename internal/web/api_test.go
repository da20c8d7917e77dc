package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// call makes one request; as is a bearer token or "".
func (f *fixture) call(t *testing.T, method, path, as, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+as)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *fixture) login(t *testing.T, username string) string {
	t.Helper()
	status, body := f.call(t, "POST", "/api/v1/login", "", `{"username":"`+username+`","password":"`+fixturePassword+`"}`)
	if status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, status, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Token) < 22 {
		t.Fatalf("login %s: bad token in %s", username, body)
	}
	return out.Token
}

// TestAPIScenarios walks the API as each kind of caller: method, path, who, body, and what must come back.
func TestAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		tokens := map[string]string{}
		for _, u := range []string{"admin", "admin-hbw", "agent", "handler-hn", "grid-hn"} {
			tokens[u] = f.login(t, u)
		}
		key, _, err := f.auth.CreateAPIKey(context.Background(), audit.System, "admin", "scenario key")
		if err != nil {
			t.Fatalf("create api key: %v", err)
		}
		tokens["apikey"] = key
		hnUser := f.users["handler-hn"].ID
		unauthorized := `{"error":"unauthorized"}`
		tests := []apiStep{
			{"health", "GET", "/healthz", "", "", 200, []string{"ok"}, nil},
			{"ready", "GET", "/readyz", "", "", 200, []string{"ready"}, nil},
			{"openapi public", "GET", "/api/v1/openapi.json", "", "", 200, []string{`"openapi"`, "/api/v1/org/locate"}, nil},
			{"login wrong password", "POST", "/api/v1/login", "", `{"username":"admin","password":"wrong-password"}`, 401, []string{unauthorized}, []string{"password"}},
			{"login unknown user", "POST", "/api/v1/login", "", `{"username":"nobody","password":"wrong-password"}`, 401, []string{unauthorized}, nil},
			{"login disabled user", "POST", "/api/v1/login", "", `{"username":"gone","password":"` + fixturePassword + `"}`, 401, []string{unauthorized}, []string{"disabled"}},
			{"login missing password", "POST", "/api/v1/login", "", `{"username":"admin"}`, 400, []string{`"field":"password"`}, nil},
			{"login unknown field", "POST", "/api/v1/login", "", `{"username":"admin","password":"x","extra":1}`, 400, []string{`"field":"extra"`}, nil},
			{"login wrong type", "POST", "/api/v1/login", "", `{"username":5,"password":"x"}`, 400, []string{`"field":"username"`}, nil},
			{"login malformed", "POST", "/api/v1/login", "", `{"username":`, 400, []string{"malformed JSON"}, nil},
			{"login invalid utf8", "POST", "/api/v1/login", "", "{\"username\":\"\xff\",\"password\":\"x\"}", 400, []string{"UTF-8"}, nil},
			{"me anonymous", "GET", "/api/v1/me", "", "", 401, []string{unauthorized}, nil},
			{"me bad token", "GET", "/api/v1/me", "not-a-real-token-at-all-000000", "", 401, []string{unauthorized}, nil},
			{"me admin", "GET", "/api/v1/me", tokens["admin"], "", 200, []string{`"username":"admin"`, `"scope_code":"1503"`}, nil},
			{"me district admin", "GET", "/api/v1/me", tokens["admin-hbw"], "", 200, []string{`"scope_code":"150302"`}, nil},
			{"me api key", "GET", "/api/v1/me", tokens["apikey"], "", 200, []string{`"username":"admin"`}, nil},
			{"districts", "GET", "/api/v1/org/units?level=district", tokens["agent"], "", 200, []string{`"code":"150302"`, `"code":"150303"`, `"parent":"150300"`, `"level":"district"`}, []string{`"boundary"`}},
			{"children of a community", "GET", "/api/v1/org/units?parent=150302001001", tokens["grid-hn"], "", 200, []string{`"code":"150302001001001"`, `"code":"150302001001002"`}, []string{`"150303`}},
			{"with geometry", "GET", "/api/v1/org/units?level=grid&geometry=true", tokens["agent"], "", 200, []string{`"boundary":{"type":"Polygon"`}, nil},
			{"bad level", "GET", "/api/v1/org/units?level=planet", tokens["agent"], "", 400, []string{`"field":"level"`}, nil},
			{"bad geometry flag", "GET", "/api/v1/org/units?geometry=maybe", tokens["agent"], "", 400, []string{`"field":"geometry"`}, nil},
			{"one place", "GET", "/api/v1/org/units/150303001001002", tokens["agent"], "", 200, []string{`"chain":[`, `"code":"150300"`, `"boundary"`}, nil},
			{"unknown place", "GET", "/api/v1/org/units/150309", tokens["agent"], "", 404, nil, nil},
			{"locate", "GET", "/api/v1/org/locate?lat=39.5&lng=107.75", tokens["agent"], "", 200, []string{`"grid":{"code":"150303001001002"`, `"code":"150303001001"`, `"code":"150303001"`, `"code":"150303"`, `"code":"150300"`}, nil},
			{"locate outside", "GET", "/api/v1/org/locate?lat=30&lng=100", tokens["agent"], "", 404, nil, nil},
			{"locate missing lat", "GET", "/api/v1/org/locate?lng=107", tokens["agent"], "", 400, []string{`"field":"lat"`}, nil},
			{"locate lat not a number", "GET", "/api/v1/org/locate?lat=north&lng=107", tokens["agent"], "", 400, []string{`"field":"lat"`}, nil},
			{"locate lat out of range", "GET", "/api/v1/org/locate?lat=106.8&lng=39.6", tokens["agent"], "", 400, []string{`"field":"lat"`}, nil},
			{"locate anonymous", "GET", "/api/v1/org/locate?lat=39.5&lng=107.75", "", "", 401, nil, nil},
			{"departments", "GET", "/api/v1/org/departments", tokens["agent"], "", 200, []string{`"code":"CGJ"`, `"code":"HN-ZJ"`}, nil},
			{"departments by kind", "GET", "/api/v1/org/departments?kind=district_department", tokens["agent"], "", 200, []string{`"code":"HN-ZJ"`}, []string{`"code":"CGJ"`}},
			{"departments bad kind", "GET", "/api/v1/org/departments?kind=ministry", tokens["agent"], "", 400, []string{`"field":"kind"`}, nil},
			{"hotlines", "GET", "/api/v1/hotlines", tokens["agent"], "", 200, []string{`"former_number":"12315"`, `"former_number":"12333"`}, nil},
			{"hotlines anonymous", "GET", "/api/v1/hotlines", "", "", 401, nil, nil},
			{"users as city admin", "GET", "/api/v1/users", tokens["admin"], "", 200, []string{`"username":"admin-hbw"`, `"username":"handler-hn"`, `"phone":"13912345678"`}, nil},
			{"users as district admin", "GET", "/api/v1/users", tokens["admin-hbw"], "", 200, []string{`"username":"admin-hbw"`}, []string{"handler-hn", "grid-hn"}},
			{"out-of-scope user is 404", "GET", "/api/v1/users/" + hnUser, tokens["admin-hbw"], "", 404, nil, []string{"handler-hn"}},
			{"in-scope user", "GET", "/api/v1/users/" + hnUser, tokens["admin"], "", 200, []string{`"username":"handler-hn"`}, nil},
			{"agent sees no users", "GET", "/api/v1/users", tokens["agent"], "", 200, []string{`"items":[]`}, nil},
			{"grid worker sees no users", "GET", "/api/v1/users/" + f.users["admin"].ID, tokens["grid-hn"], "", 404, nil, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { f.check(t, tc) })
		}
	})
}

func TestLogoutAndRevokedCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		token := f.login(t, "agent")
		if status, _ := f.call(t, "POST", "/api/v1/logout", token, ""); status != http.StatusNoContent {
			t.Fatalf("logout: %d", status)
		}
		if status, _ := f.call(t, "GET", "/api/v1/me", token, ""); status != http.StatusUnauthorized {
			t.Fatalf("token after logout: %d, want 401", status)
		}
		key, info, err := f.auth.CreateAPIKey(ctx, audit.System, "admin", "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := f.call(t, "GET", "/api/v1/me", key, ""); status != http.StatusOK {
			t.Fatalf("fresh key: %d", status)
		}
		if err := f.auth.RevokeAPIKey(ctx, audit.System, info.ID); err != nil {
			t.Fatal(err)
		}
		if status, _ := f.call(t, "GET", "/api/v1/me", key, ""); status != http.StatusUnauthorized {
			t.Fatalf("revoked key: %d, want 401", status)
		}
		// Disabling a user cuts off the sessions it already has.
		token = f.login(t, "admin-hbw")
		u := f.users["admin-hbw"]
		u.Disabled = true
		if _, err := st.UpdateUser(ctx, audit.System, u); err != nil {
			t.Fatal(err)
		}
		if status, _ := f.call(t, "GET", "/api/v1/me", token, ""); status != http.StatusUnauthorized {
			t.Fatalf("disabled user's token: %d, want 401", status)
		}
	})
}

// TestOpenAPIDescribesEveryRoute keeps the document and the mux in step: every /api/v1 route in the
// server source is described, and every described path is served.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	src, err := readSources(".")
	if err != nil {
		t.Fatal(err)
	}
	routeRe := regexp.MustCompile(`mux\.HandleFunc\("(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^"]*)"`)
	var routes []string
	for _, m := range routeRe.FindAllStringSubmatch(src, -1) {
		routes = append(routes, strings.ToLower(m[1])+" "+m[2])
	}
	if len(routes) < 8 {
		t.Fatalf("found only %d routes in the source: %v", len(routes), routes)
	}
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	status, body := f.call(t, "GET", "/api/v1/openapi.json", "", "")
	if status != 200 {
		t.Fatalf("openapi: %d", status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			described = append(described, method+" "+path)
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s has no responses", method, path)
			}
		}
	}
	for _, r := range routes {
		if !slices.Contains(described, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range described {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json describes %s, which is not served", d)
		}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	f.call(t, "GET", "/api/v1/org/units?level=district", f.login(t, "agent"), "")
	status, body := f.call(t, "GET", "/metrics", "", "")
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	for _, want := range []string{`cityline_http_requests_total{code="200",route="GET /api/v1/org/units"} 1`, "go_goroutines", "process_resident_memory_bytes", "cityline_outbox_pending 0", "cityline_outbox_dead 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestSecurityHeadersAndCrossSiteRefusal(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	resp, err := http.Get(f.srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/login", bytes.NewBufferString(`{"username":"admin","password":"`+fixturePassword+`"}`))
	req.Header.Set("Origin", "https://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
}
