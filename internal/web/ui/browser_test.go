package ui_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
)

func TestBrowserWrongPasswordShowsError(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, "open the login page",
		chromedp.Navigate(site.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-username")))
	screenshot(t, ctx, "login")
	do(t, ctx, "submit a wrong password",
		chromedp.SendKeys(chromedp.ID("f-username"), "agent1"),
		chromedp.SendKeys(chromedp.ID("f-password"), "not-the-password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-error")))
	if got := text(t, ctx, "#login-error"); got != "用户名或密码不正确。" {
		t.Errorf("error message = %q, want the one that does not say which part was wrong", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-username"))); err != nil || got != "agent1" {
		t.Errorf("username field = %q (%v), want what was typed kept", got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-password"))); err != nil || got != "" {
		t.Errorf("password field = %q (%v), want it empty", got, err)
	}
}

// attrs reads an attribute of every element that matches the CSS selector.
func attrs(t *testing.T, ctx context.Context, css, attr string) []string {
	t.Helper()
	return eval[[]string](t, ctx, `[...document.querySelectorAll(`+strconv.Quote(css)+`)].map(e => e.getAttribute(`+strconv.Quote(attr)+`))`)
}

func TestBrowserAdminSeesAdminNavigation(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "admin")
	screenshot(t, ctx, "home")
	if got, want := attrs(t, ctx, "#sidenav a", "data-nav"), []string{"/", "/kb", "/org", "/admin/users", "/admin/units", "/admin/categories"}; !slices.Equal(got, want) {
		t.Errorf("admin navigation = %v, want %v", got, want)
	}
	if got := text(t, ctx, "#sidenav"); !strings.Contains(got, "用户管理") || !strings.Contains(got, "单位管理") {
		t.Errorf("admin navigation text = %q, want 用户管理 and 单位管理", got)
	}
	if got := text(t, ctx, "#me"); !strings.Contains(got, "王管理") || !strings.Contains(got, "管理员") {
		t.Errorf("top bar = %q, want the display name and the role", got)
	}
	if ok := eval[bool](t, ctx, `JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'] === document.querySelector('input[name="csrf_token"]').value`); !ok {
		t.Error("htmx requests would not carry the session's CSRF token")
	}
	if got := text(t, ctx, "#place-counts"); !strings.Contains(got, "网格") || !strings.Contains(got, "4") {
		t.Errorf("home counts = %q, want the 4 grids counted", got)
	}
}

func TestBrowserAgentDoesNotSeeAdminNavigation(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "agent1")
	if got, want := attrs(t, ctx, "#sidenav a", "data-nav"), []string{"/", "/desk/intake", "/desk/review", "/desk/visits", "/tickets", "/kb", "/org"}; !slices.Equal(got, want) {
		t.Errorf("agent navigation = %v, want %v", got, want)
	}
	if got := eval[int](t, ctx, `document.querySelectorAll('#home-links a[href^="/admin"]').length`); got != 0 {
		t.Errorf("agent home page has %d admin links, want none", got)
	}
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(site.URL+"/admin/users"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 404 {
		t.Errorf("agent GET /admin/users = %d, want 404", res.Status)
	}
}

func TestBrowserLanguageSwitch(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open /org", chromedp.Navigate(site.URL+"/org"), chromedp.WaitVisible(chromedp.ID("org-tree")))
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "zh-CN" {
		t.Errorf("default <html lang> = %q, want zh-CN", got)
	}
	if got := text(t, ctx, "#sidenav"); !strings.Contains(got, "首页") {
		t.Errorf("default navigation = %q, want Chinese", got)
	}
	do(t, ctx, "switch to English",
		chromedp.Click(chromedp.CSS(`#lang-switch a[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lang-switch a[lang="zh-CN"]`)))
	if got := eval[string](t, ctx, `location.pathname`); got != "/org" {
		t.Errorf("after the switch the page is %q, want /org again", got)
	}
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "en" {
		t.Errorf("<html lang> = %q, want en", got)
	}
	if got := text(t, ctx, "#sidenav"); !strings.Contains(got, "Home") || !strings.Contains(got, "Places and grids") || strings.Contains(got, "首页") {
		t.Errorf("English navigation = %q", got)
	}
	if got := text(t, ctx, "#me"); !strings.Contains(got, "Call agent") {
		t.Errorf("English top bar = %q, want the role in English", got)
	}
	do(t, ctx, "switch back to Chinese",
		chromedp.Click(chromedp.CSS(`#lang-switch a[lang="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lang-switch a[lang="en"]`)))
	if got := text(t, ctx, "#sidenav"); !strings.Contains(got, "首页") || strings.Contains(got, "Home") {
		t.Errorf("navigation after switching back = %q, want Chinese", got)
	}
}

// canvasInk counts the pixels of the map's canvas that are not transparent.
const canvasInk = `(() => {
	const c = document.querySelector('#map canvas');
	if (!c || !c.width || !c.height) return 0;
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	let n = 0;
	for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
	return n;
})()`

func TestBrowserOrgTreeAndMap(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open /org and wait for the map",
		chromedp.Navigate(site.URL+"/org"),
		chromedp.WaitVisible(chromedp.CSS(`.tree-node[data-code="150302"]`)),
		chromedp.WaitReady(chromedp.CSS(`#map[data-state="drawn"]`)))
	if got := eval[string](t, ctx, `document.getElementById('map').dataset.regions`); got != "2" {
		t.Errorf("map regions = %q, want the 2 districts", got)
	}
	if ink := eval[int](t, ctx, canvasInk); ink < 1000 {
		t.Errorf("map canvas has %d drawn pixels, want a drawn map", ink)
	}
	if got := eval[int](t, ctx, `document.querySelectorAll('#kids-150302 .tree-node').length`); got != 0 {
		t.Fatalf("district 150302 starts with %d children in the page, want them loaded on demand", got)
	}
	do(t, ctx, "expand district 150302",
		chromedp.Click(chromedp.CSS(`.tree-node[data-code="150302"] > .tree-row > .tree-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#kids-150302 .tree-node[data-code="150302001"]`)))
	if got := text(t, ctx, `#kids-150302`); !strings.Contains(got, "新华街道") {
		t.Errorf("expanded district shows %q, want its street", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('.tree-node[data-code="150302"] > .tree-row > .tree-toggle').getAttribute('aria-expanded')`); got != "true" {
		t.Errorf("expanded toggle aria-expanded = %q, want true", got)
	}
	do(t, ctx, "fold it again",
		chromedp.Click(chromedp.CSS(`.tree-node[data-code="150302"] > .tree-row > .tree-toggle`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#kids-150302`)))
	screenshot(t, ctx, "org")

	// Click the middle of 海南区 on the map: the page drills down to it.
	xy := eval[[]float64](t, ctx, `(() => {
		const el = document.getElementById('map'), r = el.getBoundingClientRect();
		const p = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [106.95, 39.65]);
		return [r.left + p[0], r.top + p[1]];
	})()`)
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.MouseClickXY(xy[0], xy[1]))); err != nil {
		t.Fatalf("click 海南区 on the map: %v", err)
	}
	do(t, ctx, "wait for 海南区's map",
		chromedp.WaitVisible(chromedp.ID("selected-name")),
		chromedp.WaitReady(chromedp.CSS(`#map[data-state="drawn"]`)))
	if got := text(t, ctx, "#selected-name"); !strings.Contains(got, "海南区") {
		t.Errorf("after the click the selected place is %q, want 海南区", got)
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll('#breadcrumb a')].map(a => a.textContent)`); !slices.Equal(got, []string{"乌海市", "海南区"}) {
		t.Errorf("breadcrumb = %q, want 乌海市 › 海南区", got)
	}
}

func TestBrowserAdminCreatesUser(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "admin")
	do(t, ctx, "fill in the new user form",
		chromedp.Navigate(site.URL+"/admin/users/new"),
		chromedp.WaitVisible(chromedp.ID("user-form")),
		chromedp.SendKeys(chromedp.ID("f-username"), "new-agent"),
		chromedp.SendKeys(chromedp.ID("f-display_name"), "冯新人"),
		chromedp.SendKeys(chromedp.ID("f-phone"), "13700001234"),
		chromedp.SetValue(chromedp.ID("f-place_code"), "150302"),
		chromedp.Click(chromedp.CSS(`input[name="roles"][value="agent"]`)),
		chromedp.Click(chromedp.CSS(`input[name="roles"][value="dispatcher"]`)),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("new-password")))
	shown := text(t, ctx, "#new-password")
	u, err := site.st.UserByUsername(context.Background(), "new-agent")
	if err != nil {
		t.Fatalf("the new user is not in the store: %v", err)
	}
	if u.DisplayName != "冯新人" || u.Phone != "13700001234" || u.PlaceCode != "150302" ||
		!slices.Equal(u.Roles, []access.Role{access.RoleAgent, access.RoleDispatcher}) {
		t.Errorf("stored user = %+v", u)
	}
	if _, err := site.auth.Login(context.Background(), "new-agent", shown, "127.0.0.1", auth.APISession); err != nil {
		t.Errorf("the one-time password shown (%q) does not sign the new user in: %v", shown, err)
	}
	do(t, ctx, "back to the list", chromedp.Navigate(site.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")))
	if got := eval[int](t, ctx, `document.querySelectorAll('#users tr[data-username="new-agent"]').length`); got != 1 {
		t.Errorf("the list shows the new user %d times, want once", got)
	}
	screenshot(t, ctx, "users")
}

func TestBrowserDistrictAdminSeesOnlyItsDistrict(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "hbw-admin")
	do(t, ctx, "open the user list", chromedp.Navigate(site.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")))
	got := attrs(t, ctx, "#users tr[data-username]", "data-username")
	for _, want := range []string{"hbw-admin", "hbw-staff", "hbw-housing"} {
		if !slices.Contains(got, want) {
			t.Errorf("district admin's list %v lacks %s (in 150302)", got, want)
		}
	}
	for _, other := range []string{"hn-staff", "hn-grid", "hn-civil", "admin", "agent1"} {
		if slices.Contains(got, other) {
			t.Errorf("district admin's list %v holds %s, which is outside 150302", got, other)
		}
	}
	if phone := text(t, ctx, `#users tr[data-username="hbw-staff"] td.mono`); phone != "138****5678" {
		t.Errorf("phone shown to the district admin = %q, want it masked", phone)
	}
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(site.URL+"/admin/users/"+site.users["hn-staff"].ID))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 404 {
		t.Errorf("district admin GET a 150303 user = %d, want 404", res.Status)
	}
	if got := text(t, ctx, "#error-page h1"); got != "页面不存在" {
		t.Errorf("out-of-scope page says %q, want the 404 page", got)
	}
}

func TestBrowserStaleUnitEditShowsConflict(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "admin")
	un := site.units["STALE-1"]
	do(t, ctx, "open the unit form",
		chromedp.Navigate(site.URL+"/admin/units/"+un.ID),
		chromedp.WaitVisible(chromedp.ID("unit-form")))

	// Someone else saves the unit while the form is open.
	current, err := site.st.Unit(context.Background(), un.ID)
	if err != nil {
		t.Fatal(err)
	}
	current.Name = "市水务集团"
	if _, err := site.st.UpdateUnit(context.Background(), audit.System, current); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, "save the stale form",
		chromedp.Clear(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "市自来水公司"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("conflict")))
	if got := text(t, ctx, "#conflict"); !strings.Contains(got, "他人已修改") {
		t.Errorf("conflict message = %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-name"))); got != "市自来水公司" {
		t.Errorf("name field after the conflict = %q, want what was typed", got)
	}
	stored, err := site.st.Unit(context.Background(), un.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "市水务集团" {
		t.Errorf("stored name = %q: the stale edit overwrote the other one", stored.Name)
	}
}

func TestBrowserFormErrorsNameTheField(t *testing.T) {
	ctx := tab(t)
	login(t, ctx, "admin")
	submitBad := func() {
		do(t, ctx, "submit a bad new user",
			chromedp.Navigate(site.URL+"/admin/users/new"),
			chromedp.WaitVisible(chromedp.ID("user-form")),
			chromedp.SendKeys(chromedp.ID("f-username"), "Bad Name!"),
			chromedp.SendKeys(chromedp.ID("f-display_name"), "陈错误"),
			chromedp.Click(chromedp.CSS(`input[name="roles"][value="agent"]`)),
			chromedp.Click(chromedp.ID("save")),
			chromedp.WaitVisible(chromedp.ID("e-username")))
	}
	submitBad()
	if got := text(t, ctx, "#e-username"); !strings.HasPrefix(got, "用户名：") {
		t.Errorf("username error = %q, want it to name the field in Chinese", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-username"))); got != "Bad Name!" {
		t.Errorf("username field = %q, want what was typed", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-display_name"))); got != "陈错误" {
		t.Errorf("display name field = %q, want what was typed", got)
	}
	if got := eval[bool](t, ctx, `document.querySelector('input[name="roles"][value="agent"]').checked`); !got {
		t.Error("the ticked role was lost")
	}

	do(t, ctx, "switch to English", chromedp.Navigate(site.URL+"/lang?to=en&next=/"), chromedp.WaitVisible(chromedp.ID("me")))
	submitBad()
	if got := text(t, ctx, "#e-username"); !strings.HasPrefix(got, "Username: ") {
		t.Errorf("English username error = %q, want it to name the field", got)
	}

	do(t, ctx, "submit a unit without a name",
		chromedp.Navigate(site.URL+"/admin/units/new"),
		chromedp.WaitVisible(chromedp.ID("unit-form")),
		chromedp.SendKeys(chromedp.ID("f-code"), "NO-NAME"),
		chromedp.SetValue(chromedp.ID("f-kind"), "utility"),
		chromedp.SetValue(chromedp.ID("f-place_code"), "150300"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("e-name")))
	if got := text(t, ctx, "#e-name"); !strings.HasPrefix(got, "Unit name: ") {
		t.Errorf("unit name error = %q, want it to name the field", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-code"))); got != "NO-NAME" {
		t.Errorf("code field = %q, want what was typed", got)
	}
}
