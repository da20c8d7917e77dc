package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
)

// shownTiles reads the dashboard's KPI tiles: measure → the value shown.
func shownTiles(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	return eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('#dash-tiles [data-measure]')]
		.map(e => [e.dataset.measure, e.querySelector('.rp-tile-value').textContent.trim()]))`)
}

// apiTiles asks the measures API what the dashboard's link to it says, as the user, and writes each
// number as a tile writes it.
func apiTiles(t *testing.T, c *http.Client, path string) map[string]string {
	t.Helper()
	_, body := get(t, c, path)
	var out struct {
		Total map[string]*float64 `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body)
	}
	shown := map[string]string{}
	for k, v := range out.Total {
		switch {
		case strings.HasSuffix(k, "_rate"):
			shown[k] = export.RateCell(v).Text
		case strings.HasSuffix(k, "_hours"):
			shown[k] = export.HoursCell(v).Text
		default:
			shown[k] = export.CountCell(int64(*v)).Text
		}
	}
	return shown
}

// tilesMatchAPI checks every tile of the dashboard in the tab against the measures API.
func tilesMatchAPI(t *testing.T, ctx context.Context, c *http.Client, want int) {
	t.Helper()
	tiles := shownTiles(t, ctx)
	api := apiTiles(t, c, eval[string](t, ctx, `document.getElementById('dash-api').getAttribute('href')`))
	if len(tiles) != want {
		t.Errorf("%d tiles %v, want %d", len(tiles), tiles, want)
	}
	for m, v := range tiles {
		if w, ok := api[m]; !ok || v != w {
			t.Errorf("tile %s shows %q, the measures API %q", m, v, w)
		}
	}
}

// inked counts the painted pixels of the chart in the element.
func inked(t *testing.T, ctx context.Context, id string) int {
	t.Helper()
	return eval[int](t, ctx, `(() => {
		const c = document.querySelector('#`+id+` canvas');
		if (!c) return 0;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
		return n;
	})()`)
}

// chartsDrawn waits for the dashboard's charts and checks that they painted something.
func chartsDrawn(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "wait for the charts",
		chromedp.WaitReady(chromedp.CSS(`#dash-trend[data-state="drawn"]`)),
		chromedp.WaitReady(chromedp.CSS(`#dash-top[data-state="drawn"]`)))
	for _, id := range []string{"dash-trend", "dash-top"} {
		if n := inked(t, ctx, id); n < 2000 {
			t.Errorf("the chart %s painted %d pixels", id, n)
		}
	}
}

func TestBrowserCentreDashboard(t *testing.T) {
	reportFixture(t)
	ctx := tab(t)
	login(t, ctx, "rp-leader")
	c := signedIn(t, "rp-leader")
	do(t, ctx, "open the dashboard", chromedp.Navigate(site.URL+"/dash"), chromedp.WaitVisible(chromedp.ID("dash-tiles")))
	tilesMatchAPI(t, ctx, c, 9)
	chartsDrawn(t, ctx)
	if got := attrs(t, ctx, "#dash-late tr[data-number]", "data-number"); !slices.Contains(got, measured.late.Number) {
		t.Errorf("the overdue list %v lacks %s", got, measured.late.Number)
	}
	for _, n := range attrs(t, ctx, "#dash-soon tr[data-number]", "data-number") {
		if tk := stored(t, n); !tk.Open() || tk.DueCloseAt.Before(tk.UpdatedAt) {
			t.Errorf("%s is listed as due soon: %+v", n, tk)
		}
	}

	// The ranking is the rankings API's for the same month, tier by tier.
	_, body := get(t, c, "/api/v1/rankings?month="+measure.DayOf(time.Now()).MonthLabel())
	var api struct {
		Tiers []struct {
			Kind string
			Best []struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Tiers) == 0 {
		t.Fatalf("rankings: %s", body)
	}
	for _, tier := range api.Tiers {
		shown := eval[[]string](t, ctx, `[...document.querySelectorAll('#dash-ranking [data-kind="`+tier.Kind+`"] tr.rp-best td:nth-child(2)')].map(e => e.textContent)`)
		var want []string
		for _, b := range tier.Best {
			want = append(want, b.Name)
		}
		if !slices.Equal(shown, want) {
			t.Errorf("tier %s: the dashboard ranks %v first, the API %v", tier.Kind, shown, want)
		}
	}
	screenshot(t, ctx, "rp-dash-centre")

	do(t, ctx, "pick today", chromedp.Click(chromedp.CSS(`input[name="period"][value="today"] + span`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="period"][value="today"][checked]`)), chromedp.WaitVisible(chromedp.ID("dash-tiles")))
	if api := eval[string](t, ctx, `document.getElementById('dash-api').getAttribute('href')`); !strings.Contains(api, "from="+measure.DayOf(time.Now()).String()) {
		t.Errorf("after picking today the page reads %s", api)
	}
	tilesMatchAPI(t, ctx, c, 9)
	chartsDrawn(t, ctx)

	do(t, ctx, "switch to English", chromedp.Navigate(site.URL+"/lang?to=en&next=/dash"), chromedp.WaitVisible(chromedp.ID("dash-tiles")))
	if got := text(t, ctx, `[data-measure="satisfaction_rate"] .rp-tile-label`); got != "Satisfaction rate" {
		t.Errorf("the English tile says %q", got)
	}
	chartsDrawn(t, ctx)
	screenshot(t, ctx, "rp-dash-centre-en")
}

func TestBrowserDistrictAndUnitDashboards(t *testing.T) {
	reportFixture(t)
	ctx := tab(t)
	login(t, ctx, "rp-leader-hbw")
	do(t, ctx, "open the district's dashboard", chromedp.Navigate(site.URL+"/dash"), chromedp.WaitVisible(chromedp.ID("dash-tiles")))
	if got := text(t, ctx, "#dash-scope"); got != "海勃湾区" {
		t.Errorf("the district leader sees %q", got)
	}
	tilesMatchAPI(t, ctx, signedIn(t, "rp-leader-hbw"), 9)
	regions := attrs(t, ctx, "#f-region option", "value")
	if slices.ContainsFunc(regions, func(v string) bool { return strings.HasPrefix(v, "150303") }) || !slices.Contains(regions, "150302001") {
		t.Errorf("the district leader may pick %v", regions)
	}
	chartsDrawn(t, ctx)
	screenshot(t, ctx, "rp-dash-district")

	unit := tab(t)
	login(t, unit, "hbw-housing")
	do(t, unit, "the centre's dashboard leads a unit to its own", chromedp.Navigate(site.URL+"/dash"), chromedp.WaitVisible(chromedp.ID("dash-tiles")))
	if got := eval[string](t, unit, `location.pathname`); got != "/dash/unit" {
		t.Errorf("a handler opening /dash lands on %s", got)
	}
	tilesMatchAPI(t, unit, signedIn(t, "hbw-housing"), 9)
	if got := attrs(t, unit, "#dash-late tr[data-number]", "data-number"); !slices.Contains(got, measured.late.Number) {
		t.Errorf("the unit's overdue list %v lacks %s", got, measured.late.Number)
	}
	if n := eval[int](t, unit, `document.querySelectorAll('#dash-ranking, #f-region').length`); n != 0 {
		t.Error("a unit's dashboard shows the ranking or a region picker")
	}
	chartsDrawn(t, unit)
	screenshot(t, unit, "rp-dash-unit")
}

func TestBrowserReportMatchesItsExcel(t *testing.T) {
	reportFixture(t)
	ctx := tab(t)
	login(t, ctx, "rp-leader")
	do(t, ctx, "open the monthly report", chromedp.Navigate(site.URL+"/reports?period=month"), chromedp.WaitVisible(chromedp.ID("rp-heading")))
	type table struct {
		ID   string     `json:"id"`
		Rows [][]string `json:"rows"`
	}
	shown := eval[[]table](t, ctx, `[...document.querySelectorAll('table.rp-table')].map(tb => ({id: tb.dataset.sheet,
		rows: [...tb.querySelectorAll('tr')].map(tr => [...tr.children].map(td => td.textContent.trim()))}))`)
	ids, tables := []string{}, map[string][][]string{}
	for _, tb := range shown {
		ids = append(ids, tb.ID)
		tables[tb.ID] = tb.Rows
	}
	if len(ids) < 5 {
		t.Fatalf("the monthly report shows %d tables", len(ids))
	}
	href := eval[string](t, ctx, `document.getElementById('rp-export').getAttribute('href')`)
	book, _ := download(t, signedIn(t, "rp-leader"), site.URL, href)
	compareWorkbook(t, book, ids, tables)
	screenshot(t, ctx, "rp-report-month")

	heading := text(t, ctx, "#rp-heading")
	do(t, ctx, "go to the weekly report", chromedp.Click(chromedp.CSS(`input[name="period"][value="week"] + span`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="period"][value="week"][checked]`)))
	if got := text(t, ctx, "#rp-heading"); got == heading || !strings.HasPrefix(got, "周报") {
		t.Errorf("after choosing the weekly report the heading is %q", got)
	}
	do(t, ctx, "go back a week", chromedp.Click(chromedp.ID("rp-prev")), chromedp.WaitVisible(chromedp.ID("rp-heading")))
	if got := eval[string](t, ctx, `new URL(location.href).searchParams.get('period')`); got != "week" {
		t.Errorf("the previous report is a %q report", got)
	}
}

func TestBrowserOrderExportShowsProgressAndTheFile(t *testing.T) {
	reportFixture(t)
	base := deskServer(t)
	ctx := tab(t)
	login(t, ctx, "rp-leader")
	today := measure.DayOf(time.Now())
	from := measure.DayOf(measured.late.CreatedAt)
	do(t, ctx, "open the reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(chromedp.ID("rp-orders-form")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#o-full_caller').length`); n != 0 {
		t.Error("a leader is offered callers in full")
	}
	eval[bool](t, ctx, `(() => { document.getElementById('f-from').value = `+strconv.Quote(from.String())+`;
		document.getElementById('f-to').value = `+strconv.Quote(today.String())+`; return true })()`)
	do(t, ctx, "start the export and wait for the file",
		chromedp.Click(chromedp.ID("rp-orders-start")),
		chromedp.WaitVisible(chromedp.CSS(`#rp-jobs .rp-job[data-status="done"] a[data-file]`)))
	screenshot(t, ctx, "rp-orders-export")
	href := eval[string](t, ctx, `document.querySelector('#rp-jobs .rp-job[data-status="done"] a[data-file]').getAttribute('href')`)
	book, res := download(t, signedIn(t, "rp-leader"), base, href)
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=utf-8''") {
		t.Errorf("Content-Disposition %q, want the UTF-8 name", cd)
	}
	rows, err := book.GetRows(book.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 || rows[0][0] != "工单号" {
		t.Fatalf("%d rows, heading %v", len(rows), rows[0])
	}
	phone := slices.Index(export.OrderColumns, export.ColCallerPhone)
	var late bool
	masked := 0
	for _, r := range rows[1:] {
		switch {
		case len(r) <= phone:
		case r[phone] == "13812345678":
			t.Errorf("the leader's file shows a caller's number in full: %v", r)
		case r[phone] == access.MaskPhone("13812345678"):
			masked++
		}
		late = late || r[0] == measured.late.Number
	}
	if !late || masked == 0 {
		t.Errorf("the file lacks %s, taken in on the first day, or shows no masked number (%d)", measured.late.Number, masked)
	}
	if got := text(t, ctx, `#rp-jobs .rp-job[data-status="done"] a[data-file]`); !strings.Contains(got, strconv.Itoa(len(rows)-1)) {
		t.Errorf("the link says %q for %d orders", got, len(rows)-1)
	}
}
