package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web"
)

const chromiumPath = "/usr/bin/chromium"

// site is the one server every test of the package talks to: a small city built with store
// methods (city 150300; districts 150302 and 150303, each with a street, a community and two square
// grids), a few units, and users at the city, district and grid levels.
var site struct {
	URL   string
	st    *store.Store
	auth  *auth.Service
	users map[string]access.User // by username
	units map[string]org.Unit    // by code
}

// browser is the Chromium shared by the browser tests; noBrowser says why there is none.
var (
	browser   context.Context
	noBrowser string
)

// password is every fixture user's password.
const password = "lantern-river-42"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cityline-ui-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "ui.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	site.st, site.auth = st, auth.New(st, auth.Options{})
	if err := buildCity(ctx, st); err != nil {
		fmt.Fprintln(os.Stderr, "fixture:", err)
		return 1
	}
	srv, err := web.New(web.Config{}, st, site.auth)
	if err != nil {
		fmt.Fprintln(os.Stderr, "web.New:", err)
		return 1
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	site.URL = ts.URL

	if _, err := os.Stat(chromiumPath); err != nil {
		noBrowser = "Chromium is not installed at " + chromiumPath + " (apt-get install chromium): browser tests skipped"
		return m.Run()
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		noBrowser = "Chromium did not start: " + err.Error()
	} else {
		browser = bctx
	}
	return m.Run()
}

// square is a GeoJSON polygon from (lng0, lat0) to (lng1, lat1).
func square(lng0, lat0, lng1, lat1 float64) []byte {
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		lng0, lat0, lng1, lat0, lng1, lat1, lng0, lat1, lng0, lat0)
}

func place(code, name string, level org.Level, lng0, lng1 float64) org.Place {
	p := org.Place{Code: code, Name: name, Level: level, Boundary: square(lng0, 39.60, lng1, 39.70),
		CenterLng: (lng0 + lng1) / 2, CenterLat: 39.65}
	if level != org.LevelCity {
		p.ParentCode = org.ParentCodeOf(code, level)
	}
	return p
}

func buildCity(ctx context.Context, st *store.Store) error {
	places := []org.Place{
		place("150300", "乌海市", org.LevelCity, 106.80, 107.00),
		place("150302", "海勃湾区", org.LevelDistrict, 106.80, 106.90),
		place("150302001", "新华街道", org.LevelStreet, 106.80, 106.90),
		place("150302001001", "新华社区", org.LevelCommunity, 106.80, 106.90),
		place("150302001001001", "新华一网格", org.LevelGrid, 106.80, 106.85),
		place("150302001001002", "新华二网格", org.LevelGrid, 106.85, 106.90),
		place("150303", "海南区", org.LevelDistrict, 106.90, 107.00),
		place("150303001", "西卓子山街道", org.LevelStreet, 106.90, 107.00),
		place("150303001001", "西卓子山社区", org.LevelCommunity, 106.90, 107.00),
		place("150303001001001", "西卓一网格", org.LevelGrid, 106.90, 106.95),
		place("150303001001002", "西卓二网格", org.LevelGrid, 106.95, 107.00),
	}
	if err := st.InsertPlaces(ctx, audit.System, places, "ui test fixture"); err != nil {
		return err
	}
	site.units = map[string]org.Unit{}
	for _, un := range []org.Unit{
		{Code: "C12345", Name: "乌海市12345热线中心", Kind: org.UnitCentre, PlaceCode: "150300"},
		{Code: "HBW-HOUSING", Name: "海勃湾区住建局", Kind: org.UnitDistrictDepartment, PlaceCode: "150302", ContactName: "周工", ContactPhone: "13900001111"},
		{Code: "HN-CIVIL", Name: "海南区民政局", Kind: org.UnitDistrictDepartment, PlaceCode: "150303"},
		{Code: "STALE-1", Name: "市水务公司", Kind: org.UnitUtility, PlaceCode: "150300"},
	} {
		created, err := st.CreateUnit(ctx, audit.System, un)
		if err != nil {
			return err
		}
		site.units[un.Code] = created
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	site.users = map[string]access.User{}
	for _, u := range []access.User{
		{Username: "admin", DisplayName: "王管理", Roles: []access.Role{access.RoleAdmin}, PlaceCode: "150300"},
		{Username: "hbw-admin", DisplayName: "李区管", Roles: []access.Role{access.RoleAdmin}, PlaceCode: "150302"},
		{Username: "agent1", DisplayName: "赵话务", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150300", UnitID: site.units["C12345"].ID},
		{Username: "hbw-staff", DisplayName: "钱街道", Phone: "13812345678", Roles: []access.Role{access.RoleStreetStaff}, PlaceCode: "150302001"},
		{Username: "hbw-housing", DisplayName: "吴承办", Roles: []access.Role{access.RoleHandler}, UnitID: site.units["HBW-HOUSING"].ID},
		{Username: "hn-staff", DisplayName: "孙街道", Roles: []access.Role{access.RoleStreetStaff}, PlaceCode: "150303001"},
		{Username: "hn-grid", DisplayName: "周网格", Roles: []access.Role{access.RoleGridWorker}, GridRole: access.GridPartTime, PlaceCode: "150303001001001"},
		{Username: "hn-civil", DisplayName: "郑承办", Roles: []access.Role{access.RoleHandler}, UnitID: site.units["HN-CIVIL"].ID},
		{Username: "lockme", DisplayName: "锁定测试", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150302"},
	} {
		created, err := st.CreateUser(ctx, audit.System, u, hash)
		if err != nil {
			return err
		}
		site.users[u.Username] = created
	}
	return nil
}

// client is an HTTP client with its own cookies that does not follow redirects, so tests see them.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signedIn returns a client with a session of username.
func signedIn(t *testing.T, username string) *http.Client {
	t.Helper()
	c := client(t)
	res, err := c.PostForm(site.URL+"/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d, want 303", username, res.StatusCode)
	}
	return c
}

// tab opens a fresh browser context (its own cookies) on the shared Chromium.
func tab(t *testing.T) context.Context {
	t.Helper()
	if browser == nil {
		if os.Getenv("CI") != "" {
			t.Fatal(noBrowser)
		}
		t.Skip(noBrowser)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	// Script errors and Content-Security-Policy refusals fail the test; failed requests do not,
	// since some tests ask for 401 and 404 answers on purpose.
	var mu sync.Mutex
	var problems []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source != "network") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	})
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

// do runs browser steps and fails the test on the first error, naming what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text reads the visible text of the first element that matches the CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// login signs in through the form and waits for the signed-in layout.
func login(t *testing.T, ctx context.Context, username string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.Navigate(site.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-username")),
		chromedp.SendKeys(chromedp.ID("f-username"), username),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("me")))
}

// screenshot saves a full-page PNG to /tmp/cityline-shots when CITYLINE_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("CITYLINE_SCREENSHOTS") == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := "/tmp/cityline-shots"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
