package ui_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/xuri/excelize/v2"
)

// measured is the orders the measures screens' tests count: worked to closure, answered at once,
// with the other district, and one long overdue. Other tests add orders of their own to the shared
// city, so the tests compare the screens with the measures API rather than with fixed numbers.
var measured struct {
	once sync.Once
	late workorder.Ticket
}

func reportFixture(t *testing.T) {
	t.Helper()
	orderFixture(t)
	measured.once.Do(func() {
		ctx := context.Background()
		hash, err := auth.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []access.User{
			{Username: "rp-leader", DisplayName: "市领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150300"},
			{Username: "rp-leader-hbw", DisplayName: "区领导", Roles: []access.Role{access.RoleLeader}, PlaceCode: "150302"},
		} {
			created, err := site.st.CreateUser(ctx, audit.System, u, hash)
			if err != nil {
				t.Fatal(err)
			}
			site.users[u.Username] = created
		}
		for i := range 6 {
			tk := dispatched(t, "报表工单")
			tk = step(t, tk, "hbw-housing", workorder.Command{Action: workorder.ActAccept})
			tk = step(t, tk, "hbw-housing", workorder.Command{Action: workorder.ActReply, Comment: "已处理"})
			tk = step(t, tk, "agent1", workorder.Command{Action: workorder.ActApprove})
			verdict, yes := workorder.Satisfied, i != 5
			if i%3 == 2 {
				verdict = workorder.BasicallySatisfied
			}
			if i == 5 {
				verdict = workorder.Unsatisfied
			}
			step(t, tk, "agent1", workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: verdict})
		}
		step(t, newOrder(t, "当场答复"), "agent1", workorder.Command{Action: workorder.ActAnswer, Comment: "已答复"})
		hn := newOrder(t, "海南区的事", func(in *workorder.Intake) { in.Lng = 106.975 })
		step(t, hn, "desk-dispatcher", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: site.units["HN-CIVIL"].ID})
		// An order taken in and dispatched forty days ago is long past its closure deadline.
		orders.svc.SetClock(func() time.Time { return time.Now().AddDate(0, 0, -40) })
		defer orders.svc.SetClock(time.Now)
		measured.late = dispatched(t, "早已超期")
	})
}

func TestMeasuresPagesByWho(t *testing.T) {
	reportFixture(t)
	tests := []struct {
		who, path string
		status    int
		contains  string
	}{
		{"rp-leader", "/dash", 200, `data-measure="volume"`},
		{"rp-leader", "/dash?period=today", 200, `data-measure="first_line_rate"`},
		{"rp-leader", "/dash/unit", 404, ""},
		{"rp-leader-hbw", "/dash", 200, `id="dash-scope">海勃湾区<`},
		{"rp-leader-hbw", "/dash?region=150303", 400, "不在您的管辖范围内"},
		{"hbw-staff", "/dash", 200, `id="dash-scope">新华街道<`},
		{"hbw-housing", "/dash", 303, ""},
		{"hbw-housing", "/dash/unit", 200, `data-measure="dispatched"`},
		{"hbw-housing", "/reports", 200, "海勃湾区住建局"},
		{"admin", "/dash", 404, ""},
		{"hn-grid", "/dash", 404, ""},
		{"hn-grid", "/reports", 404, ""},
		{"rp-leader", "/reports", 200, `data-sheet="summary"`},
		{"rp-leader", "/reports?period=week", 200, `data-sheet="region-street"`},
		{"rp-leader-hbw", "/reports?period=month", 200, `data-sheet="region-street"`},
		{"rp-leader", "/reports?period=year", 400, "统计周期：请选择日报、周报或月报"},
		{"rp-leader", "/reports?date=2026-02-30", 400, "日期：请填写日期"},
		{"rp-leader", "/dash?period=custom&to=2026-11-01", 400, "开始日期：请填写日期"},
		{"rp-leader", "/dash?period=custom&from=2026-11-02&to=2026-11-01", 400, "结束日期：请填写不早于开始日期的日期"},
		{"rp-leader", "/dash?region=150399", 400, "地区：不存在"},
	}
	clients := map[string]*http.Client{}
	for _, tc := range tests {
		c := clients[tc.who]
		if c == nil {
			c = signedIn(t, tc.who)
			clients[tc.who] = c
		}
		res, body := get(t, c, tc.path)
		if res.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.who, tc.path, res.StatusCode, tc.status)
			continue
		}
		if !strings.Contains(body, tc.contains) {
			t.Errorf("%s %s: the page lacks %q", tc.who, tc.path, tc.contains)
		}
	}
	_, body := get(t, clients["rp-leader-hbw"], "/reports?period=month")
	if strings.Contains(body, "西卓子山街道") || !strings.Contains(body, "新华街道") {
		t.Error("a district leader's report shows another district's streets, or not its own")
	}
}

// pageTables reads the report tables of a page as text, cell by cell, headings first.
var (
	tablePattern = regexp.MustCompile(`(?s)<table class="table rp-table" data-sheet="([^"]+)">(.*?)</table>`)
	rowPattern   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellPattern  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

func pageTables(page string) map[string][][]string {
	out := map[string][][]string{}
	for _, tm := range tablePattern.FindAllStringSubmatch(page, -1) {
		var rows [][]string
		for _, rm := range rowPattern.FindAllStringSubmatch(tm[2], -1) {
			var cells []string
			for _, cm := range cellPattern.FindAllStringSubmatch(rm[1], -1) {
				cells = append(cells, html.UnescapeString(strings.TrimSpace(cm[1])))
			}
			rows = append(rows, cells)
		}
		out[tm[1]] = rows
	}
	return out
}

// compareWorkbook checks that the workbook's sheets hold, in order and cell by cell, the tables the
// page shows (ids in page order).
func compareWorkbook(t *testing.T, book *excelize.File, ids []string, tables map[string][][]string) {
	t.Helper()
	sheets := book.GetSheetList()
	if len(sheets) != len(ids) {
		t.Fatalf("the file has %d sheets %v, the page %d tables %v", len(sheets), sheets, len(ids), ids)
	}
	for i, id := range ids {
		rows, err := book.GetRows(sheets[i])
		if err != nil {
			t.Fatal(err)
		}
		want := tables[id]
		if len(rows) != len(want) {
			t.Errorf("sheet %s: %d rows, the page's table %s has %d", sheets[i], len(rows), id, len(want))
			continue
		}
		for r := range want {
			if len(rows[r]) != len(want[r]) {
				t.Errorf("sheet %s row %d: %d cells, the page %d", sheets[i], r+1, len(rows[r]), len(want[r]))
				continue
			}
			for c := range want[r] {
				if rows[r][c] != want[r][c] {
					t.Errorf("sheet %s cell %s: file %q, page %q", sheets[i], cellName(c, r), rows[r][c], want[r][c])
				}
			}
		}
	}
}

func cellName(c, r int) string {
	n, _ := excelize.CoordinatesToCellName(c+1, r+1)
	return n
}

// download fetches a file and opens it as a workbook.
func download(t *testing.T, c *http.Client, base, path string) (*excelize.File, *http.Response) {
	t.Helper()
	res, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	book, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	return book, res
}

var exportLink = regexp.MustCompile(`id="rp-export" href="([^"]+)"`)

func TestReportExcelHoldsThePage(t *testing.T) {
	reportFixture(t)
	for _, tc := range []struct{ who, query string }{
		{"rp-leader", "period=month"},
		{"rp-leader", "period=day"},
		{"rp-leader", "period=week&region=150302"},
		{"rp-leader-hbw", "period=month"},
		{"hbw-housing", "period=month"},
	} {
		t.Run(tc.who+"?"+tc.query, func(t *testing.T) {
			c := signedIn(t, tc.who)
			res, page := get(t, c, "/reports?"+tc.query)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			var ids []string
			for _, m := range tablePattern.FindAllStringSubmatch(page, -1) {
				ids = append(ids, m[1])
			}
			tables := pageTables(page)
			if len(ids) < 2 || len(tables["summary"]) != 2 {
				t.Fatalf("tables %v", ids)
			}
			link := exportLink.FindStringSubmatch(page)
			if link == nil {
				t.Fatal("the page offers no Excel export")
			}
			book, res := download(t, c, site.URL, html.UnescapeString(link[1]))
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
				t.Errorf("Content-Disposition %q", cd)
			}
			compareWorkbook(t, book, ids, tables)
		})
	}
}

func TestReportNumbersAreTheAPIs(t *testing.T) {
	reportFixture(t)
	c := signedIn(t, "rp-leader")
	_, page := get(t, c, "/reports?period=month")
	summary := pageTables(page)["summary"]
	heads, cells := summary[0], summary[1]
	today := measure.DayOf(time.Now())
	_, body := get(t, c, "/api/v1/measures?from="+today.FirstOfMonth().String()+"&to="+today.LastOfMonth().String())
	var api struct{ Total measure.Measures }
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"受理量": export.CountCell(api.Total.Volume).Text, "派件量": export.CountCell(api.Total.Dispatched).Text,
		"满意率": export.RateCell(api.Total.SatisfactionRate).Text, "响应率": export.RateCell(api.Total.ResponseRate).Text,
		"超期": export.CountCell(api.Total.Overdue).Text, "平均办理时长(小时)": export.HoursCell(api.Total.HandlingMeanHours).Text}
	found := 0
	for i, h := range heads {
		if w, ok := want[h]; ok {
			found++
			if cells[i] != w {
				t.Errorf("%s: the report says %s, the API %s", h, cells[i], w)
			}
		}
	}
	if found != len(want) || api.Total.Volume < 8 || api.Total.Overdue < 1 {
		t.Errorf("found %d of the columns; the API counts %d orders, %d overdue", found, api.Total.Volume, api.Total.Overdue)
	}
}

func TestOrderExportFormNamesTheField(t *testing.T) {
	reportFixture(t)
	base := deskServer(t)
	c := signedIn(t, "rp-leader")
	token := csrf(t, c)
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"from": {""}, "to": {"2026-11-01"}}, "开始日期：请填写日期"},
		{url.Values{"from": {"2026-11-02"}, "to": {"2026-11-01"}}, "结束日期：请填写不早于开始日期的日期"},
		{url.Values{"from": {"2026-11-01"}, "to": {"2026-11-02"}, "status": {"lost"}}, "状态：不存在"},
		{url.Values{"from": {"2026-11-01"}, "to": {"2026-11-02"}, "full_caller": {"1"}}, "您的角色无权查看来电人完整信息"},
	} {
		tc.form.Set("csrf_token", token)
		for _, htmx := range []bool{false, true} {
			req, err := http.NewRequest("POST", base+"/reports/orders", strings.NewReader(tc.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			want := map[bool]int{false: 400, true: 200}[htmx]
			if res.StatusCode != want || !strings.Contains(string(b), tc.want) {
				t.Errorf("%v (htmx %v): %d, want %d naming %q", tc.form, htmx, res.StatusCode, want, tc.want)
			}
		}
	}
}
