package ui_test

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/web"
	"github.com/cityline/cityline/internal/workorder"
)

// deskServer is a server of its own over the shared store, with a temporary data directory: replies
// upload files, which the shared server would write beside the test's source. A browser signed in on
// the shared server is signed in here too: cookies are kept by host, not by port, and the session
// lives in the shared database.
func deskServer(t *testing.T) string {
	t.Helper()
	orderFixture(t)
	srv, err := web.New(web.Config{DataDir: t.TempDir()}, site.st, site.auth)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// pick chooses a value in a <select> as a person would: the page hears a change event.
func pick(t *testing.T, ctx context.Context, css, value string) {
	t.Helper()
	ok := eval[bool](t, ctx, `(() => {
		const s = document.querySelector(`+strconv.Quote(css)+`);
		if (!s) return false;
		for (const o of s.options) if (o.value === `+strconv.Quote(value)+`) o.selected = true;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`)
	if !ok {
		t.Fatalf("no select %s", css)
	}
}

// unfold opens the form of an action in the panel (clicking its summary would fold an open one).
func unfold(t *testing.T, ctx context.Context, action string) {
	t.Helper()
	if !eval[bool](t, ctx, `(() => { const d = document.getElementById('act-`+action+`'); if (!d) return false; d.open = true; return true })()`) {
		t.Fatalf("the panel offers no %s", action)
	}
}

func rowOf(number string) string { return `#tk-rows tr[data-number="` + number + `"]` }

// openPanel clicks an order of a queue and waits for its panel.
func openPanel(t *testing.T, ctx context.Context, number string) {
	t.Helper()
	do(t, ctx, "open the panel of "+number,
		chromedp.WaitVisible(chromedp.CSS(rowOf(number))),
		chromedp.Click(chromedp.CSS(rowOf(number)+" a.tk-open")),
		chromedp.WaitVisible(chromedp.CSS(`#tk-panel .tk-panel[data-number="`+number+`"]`)))
}

// photo writes a small PNG to upload.
func photo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for x := 0; x < 48; x++ {
		for y := 0; y < 32; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 5), G: 120, B: uint8(y * 7), A: 255})
		}
	}
	path := filepath.Join(t.TempDir(), "井盖照片.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBrowserCallDesk(t *testing.T) {
	orderFixture(t)
	earlier := newOrder(t, "上次来电", func(in *workorder.Intake) { in.Caller.Phone = "13900002222" })
	line := hotline.Catalogue()[0]
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open the call desk", chromedp.Navigate(site.URL+"/desk/intake"), chromedp.WaitVisible(chromedp.ID("intake-form")))
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-caller_phone" {
		t.Errorf("the desk opens with the cursor on %q, want the caller's number", got)
	}
	do(t, ctx, "type the caller's number and see their history",
		chromedp.SendKeys(chromedp.ID("f-caller_phone"), "13900002222"),
		chromedp.WaitVisible(chromedp.CSS(`#tk-history-list li[data-number="`+earlier.Number+`"]`)))
	do(t, ctx, "a stray Enter does not send the form",
		chromedp.SendKeys(chromedp.ID("f-caller_name"), "王五"+kb.Enter))
	if got := eval[string](t, ctx, `location.pathname`); got != "/desk/intake" {
		t.Fatalf("Enter in the name field went to %s", got)
	}
	pick(t, ctx, "#f-line", line.Code)
	do(t, ctx, "choose the type and find the category",
		chromedp.Click(chromedp.ID("f-type-help")),
		chromedp.SendKeys(chromedp.ID("f-category_q"), "窨井"),
		chromedp.WaitVisible(chromedp.CSS(`#tk-cat-results input[value="`+orders.leaf.Code+`"]`)),
		chromedp.SendKeys(chromedp.ID("f-category_q"), kb.Enter))
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "f-title" {
		t.Errorf("after Enter in the category search the cursor is on %q, want the title", got)
	}
	do(t, ctx, "type the matter",
		chromedp.SendKeys(chromedp.ID("f-title"), "井盖又丢了"),
		chromedp.SendKeys(chromedp.ID("f-description"), "新华路口的井盖又不见了，请尽快处理"))
	do(t, ctx, "the triage panel answers what was typed", chromedp.WaitVisible(chromedp.CSS("#triage-human, #triage-auto")))
	pick(t, ctx, "#f-district", "150302")
	do(t, ctx, "the streets follow", chromedp.WaitReady(chromedp.CSS(`#f-street option[value="150302001"]`)))
	pick(t, ctx, "#f-street", "150302001")
	do(t, ctx, "the communities follow", chromedp.WaitReady(chromedp.CSS(`#f-community option[value="150302001001"]`)))
	pick(t, ctx, "#f-community", "150302001001")
	do(t, ctx, "the grids follow", chromedp.WaitReady(chromedp.CSS(`#f-grid option[value="150302001001002"]`)))
	pick(t, ctx, "#f-grid", "150302001001002")
	do(t, ctx, "the grid is chosen", chromedp.WaitReady(chromedp.CSS(`#f-grid option[value="150302001001002"][selected]`)))
	do(t, ctx, "the triage panel follows the place chosen",
		chromedp.Poll[chromedp.Void](`((document.getElementById("triage-human") || {}).textContent || "").includes("派单目录无对应规则")`,
			chromedp.WithPollingTimeout(10*time.Second)))
	screenshot(t, ctx, "tk-intake")
	do(t, ctx, "send it with Ctrl+Enter from the description",
		chromedp.Focus(chromedp.ID("f-description")),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.ID("tk-readback")))
	number := text(t, ctx, "#tk-number")
	tk := stored(t, number)
	if tk.Caller.Name != "王五" || tk.Caller.Phone != "13900002222" || tk.LineCode != line.Code || tk.Type != workorder.TypeHelp ||
		tk.Category != orders.leaf.Code || tk.Location.PlaceCode != "150302001001002" || tk.Title != "井盖又丢了" {
		t.Errorf("stored order = %+v", tk)
	}
	if got := text(t, ctx, "#tk-query-code"); got != tk.QueryCode {
		t.Errorf("query code shown %q, stored %q", got, tk.QueryCode)
	}
	screenshot(t, ctx, "tk-created")
	do(t, ctx, "answer it at once",
		chromedp.SendKeys(chromedp.ID("f-answer-comment"), "已告知市民：井盖由市政养护所负责，已转告，今日补装。"),
		chromedp.Click(chromedp.ID("do-answer")),
		chromedp.WaitVisible(chromedp.ID("tk-notice")))
	if got := text(t, ctx, "#tk-status"); got != "已办结" {
		t.Errorf("after the answer the page says %q, want 已办结", got)
	}
	if got := stored(t, number); got.Status != workorder.StatusClosed {
		t.Errorf("answered order is %s, want closed", got.Status)
	}
}

func TestBrowserDispatchQueue(t *testing.T) {
	orderFixture(t)
	fresh := newOrder(t, "派单队列新单")
	back := step(t, dispatched(t, "被退回的单"), "hbw-housing", workorder.Command{Action: workorder.ActReturn,
		Comment: "该路段不归住建局管理，应由城管局负责"})
	ctx := tab(t)
	login(t, ctx, "desk-dispatcher")
	do(t, ctx, "open the queue", chromedp.Navigate(site.URL+"/desk/dispatch"), chromedp.WaitVisible(chromedp.CSS(rowOf(fresh.Number))))
	numbers := attrs(t, ctx, "#tk-rows tr[data-number]", "data-number")
	if !slices.IsSorted(numbers) {
		t.Errorf("queue order %v: want the oldest first", numbers)
	}
	openPanel(t, ctx, fresh.Number)
	if !eval[bool](t, ctx, `document.getElementById('act-dispatch').open`) {
		t.Error("the dispatch form is not unfolded in the dispatcher's panel")
	}
	pick(t, ctx, "#f-dispatch-lead", site.units["HN-CIVIL"].ID)
	pick(t, ctx, "#f-dispatch-co", site.units["HBW-HOUSING"].ID)
	do(t, ctx, "dispatch",
		chromedp.SendKeys(chromedp.ID("f-dispatch-comment"), "请海南区民政局牵头"),
		chromedp.Click(chromedp.ID("do-dispatch")),
		chromedp.WaitVisible(chromedp.ID("tk-notice")),
		chromedp.WaitNotPresent(chromedp.CSS(rowOf(fresh.Number))))
	if got := stored(t, fresh.Number); got.Status != workorder.StatusDispatched || got.LeadUnitID != site.units["HN-CIVIL"].ID ||
		!slices.Equal(got.CoUnitIDs, []string{site.units["HBW-HOUSING"].ID}) {
		t.Errorf("dispatched order = %+v", got)
	}
	screenshot(t, ctx, "tk-dispatch")

	do(t, ctx, "open the sent-back tab", chromedp.Navigate(site.URL+"/desk/dispatch?tab=returned"), chromedp.WaitVisible(chromedp.CSS(rowOf(back.Number))))
	if got := text(t, ctx, rowOf(back.Number)+" .tk-note"); !strings.Contains(got, "应由城管局负责") {
		t.Errorf("the sent-back row says %q, want the unit's reason", got)
	}
	openPanel(t, ctx, back.Number)
	if got := text(t, ctx, "#tk-reason"); !strings.Contains(got, "应由城管局负责") {
		t.Errorf("the panel's reason = %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#act-redispatch').length - document.querySelectorAll('#act-review-return').length`); n != 1 {
		t.Error("a dispatcher should be offered redispatch and not the objection review")
	}
	screenshot(t, ctx, "tk-dispatch-returned")

	sup := tab(t)
	login(t, sup, "desk-supervisor")
	do(t, sup, "open the sent-back tab", chromedp.Navigate(site.URL+"/desk/dispatch?tab=returned"))
	openPanel(t, sup, back.Number)
	unfold(t, sup, "review-return")
	do(t, sup, "overrule the send-back",
		chromedp.Click(chromedp.ID("f-review-return-decision-overrule")),
		chromedp.SendKeys(chromedp.ID("f-review-return-comment"), "该路段养护合同在住建局，退单不成立"),
		chromedp.Click(chromedp.ID("do-review-return")),
		chromedp.WaitVisible(chromedp.ID("tk-notice")))
	if got := stored(t, back.Number); got.Status != workorder.StatusDispatched || got.BindingUnitID != site.units["HBW-HOUSING"].ID {
		t.Errorf("after the review the order is %s bound to %q, want dispatched and bound to the unit", got.Status, got.BindingUnitID)
	}
}

func TestBrowserUnitInbox(t *testing.T) {
	base := deskServer(t)
	tk := dispatched(t, "承办单位办理", site.units["HN-CIVIL"].ID)
	lead := tab(t)
	login(t, lead, "hbw-housing")
	do(t, lead, "sign for it from the list",
		chromedp.Navigate(base+"/desk/inbox"),
		chromedp.WaitVisible(chromedp.CSS(rowOf(tk.Number)+` button[data-quick="accept"]`)),
		chromedp.Click(chromedp.CSS(rowOf(tk.Number)+` button[data-quick="accept"]`)),
		chromedp.WaitVisible(chromedp.ID("tk-notice")),
		chromedp.WaitNotPresent(chromedp.CSS(rowOf(tk.Number))))
	if got := text(t, lead, "#tk-panel-status"); got != "办理中" {
		t.Errorf("after signing the panel says %q, want 办理中", got)
	}

	co := tab(t)
	login(t, co, "hn-civil")
	do(t, co, "open the co-handling tab", chromedp.Navigate(base+"/desk/inbox?tab=co"))
	openPanel(t, co, tk.Number)
	unfold(t, co, "reply")
	do(t, co, "reply to the lead unit",
		chromedp.SendKeys(chromedp.ID("f-reply-comment"), "民政局已核实：路口附近无低保户受影响"),
		chromedp.Click(chromedp.ID("do-reply")),
		chromedp.WaitVisible(chromedp.ID("tk-notice")))
	screenshot(t, co, "tk-inbox-co")
	if got := stored(t, tk.Number); got.Status != workorder.StatusAccepted {
		t.Errorf("after the co-handler's reply the order is %s, want still accepted", got.Status)
	}

	// The lead's panel was loaded before the co-handler replied: sending from it would overwrite.
	do(t, lead, "reply from the stale panel",
		chromedp.Navigate(base+"/desk/inbox?tab=doing"))
	openPanel(t, lead, tk.Number)
	if got := text(t, lead, "#tk-panel .tk-co-reply"); !strings.Contains(got, "民政局已核实") || !strings.Contains(got, "海南区民政局") {
		t.Errorf("the lead unit's panel shows the co-handler's reply as %q", got)
	}
	step(t, stored(t, tk.Number), "hn-civil", workorder.Command{Action: workorder.ActReply, Comment: "补充：已通知社区"})
	do(t, lead, "send the reply with a photo",
		chromedp.SendKeys(chromedp.ID("f-reply-comment"), "已安排维修队补装井盖"),
		chromedp.SetUploadFiles(chromedp.ID("f-reply-files"), []string{photo(t)}),
		chromedp.WaitVisible(chromedp.CSS(`#act-reply [data-uploads] li[data-id]`)),
		chromedp.Click(chromedp.ID("do-reply")),
		chromedp.WaitVisible(chromedp.ID("tk-problem")))
	if got := eval[string](t, lead, `document.getElementById('f-reply-comment').value`); got != "已安排维修队补装井盖" {
		t.Errorf("after the conflict the reply field holds %q, want what was typed", got)
	}
	if got := text(t, lead, `#act-reply [data-uploads] li[data-id]`); got != "井盖照片.png" {
		t.Errorf("after the conflict the uploaded photo shows as %q, want its name", got)
	}
	if got := stored(t, tk.Number); got.Status != workorder.StatusAccepted {
		t.Errorf("the stale reply changed the order to %s", got.Status)
	}
	openPanel(t, lead, tk.Number)
	do(t, lead, "reply again on the fresh panel",
		chromedp.SendKeys(chromedp.ID("f-reply-comment"), "已安排维修队补装井盖，附现场照片"),
		chromedp.SetUploadFiles(chromedp.ID("f-reply-files"), []string{photo(t)}),
		chromedp.WaitVisible(chromedp.CSS(`#act-reply [data-uploads] li[data-id]`)))
	screenshot(t, lead, "tk-inbox")
	do(t, lead, "send", chromedp.Click(chromedp.ID("do-reply")), chromedp.WaitVisible(chromedp.ID("tk-notice")))
	got := stored(t, tk.Number)
	if got.Status != workorder.StatusReplied {
		t.Errorf("after the lead's reply the order is %s, want replied", got.Status)
	}
	files, err := site.st.AttachmentsOf(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].EventID == "" || files[0].ContentType != "image/png" {
		t.Errorf("files of the order = %+v, want the one photo on the reply", files)
	}
}

func TestBrowserReviewAndReturnVisit(t *testing.T) {
	orderFixture(t)
	tk := dispatched(t, "审核与回访")
	tk = step(t, tk, "hbw-housing", workorder.Command{Action: workorder.ActAccept})
	tk = step(t, tk, "hbw-housing", workorder.Command{Action: workorder.ActReply, Comment: "已补装井盖并设置警示标志"})
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open the review queue", chromedp.Navigate(site.URL+"/desk/review"))
	openPanel(t, ctx, tk.Number)
	if got := text(t, ctx, "#tk-reply"); !strings.Contains(got, "已补装井盖并设置警示标志") {
		t.Errorf("the panel shows the reply as %q", got)
	}
	screenshot(t, ctx, "tk-review")
	do(t, ctx, "approve", chromedp.Click(chromedp.ID("do-approve")), chromedp.WaitVisible(chromedp.ID("tk-notice")),
		chromedp.WaitNotPresent(chromedp.CSS(rowOf(tk.Number))))
	if got := stored(t, tk.Number); got.Status != workorder.StatusVisiting {
		t.Fatalf("approved order is %s, want visiting", got.Status)
	}
	do(t, ctx, "open the return visits", chromedp.Navigate(site.URL+"/desk/visits"))
	openPanel(t, ctx, tk.Number)
	if got := text(t, ctx, "#tk-panel .tk-facts"); !strings.Contains(got, "13812345678") {
		t.Errorf("the visit panel does not give the number to call: %q", got)
	}
	do(t, ctx, "a visit without answers is refused",
		chromedp.Click(chromedp.ID("do-visit")),
		chromedp.WaitVisible(chromedp.CSS(`#act-visit [data-field="resolved"]`)))
	if got := text(t, ctx, `#act-visit [data-field="resolved"]`); !strings.HasPrefix(got, "是否解决：") {
		t.Errorf("the visit's error says %q, want it to name the field", got)
	}
	do(t, ctx, "record the visit",
		chromedp.Click(chromedp.ID("f-visit-resolved-yes")),
		chromedp.Click(chromedp.ID("f-visit-satisfaction-satisfied")),
		chromedp.SendKeys(chromedp.ID("f-visit-comment"), "市民表示井盖已补好，很满意"))
	screenshot(t, ctx, "tk-visits")
	do(t, ctx, "send", chromedp.Click(chromedp.ID("do-visit")), chromedp.WaitVisible(chromedp.ID("tk-notice")))
	if got := stored(t, tk.Number); got.Status != workorder.StatusClosed || got.Satisfaction != workorder.Satisfied {
		t.Errorf("after the visit the order is %s, %s; want closed, satisfied", got.Status, got.Satisfaction)
	}
}

func TestBrowserOrderPageAndSearch(t *testing.T) {
	orderFixture(t)
	done := dispatched(t, "全过程工单")
	for _, s := range []struct {
		who string
		cmd workorder.Command
	}{
		{"hbw-housing", workorder.Command{Action: workorder.ActAccept}},
		{"hbw-housing", workorder.Command{Action: workorder.ActReply, Comment: "已补装"}},
		{"agent1", workorder.Command{Action: workorder.ActApprove}},
		{"agent1", workorder.Command{Action: workorder.ActVisit, Resolved: new(bool), Satisfaction: workorder.Unsatisfied, Comment: "市民说还没补"}},
	} {
		done = step(t, done, s.who, s.cmd)
	}
	ctx := tab(t)
	login(t, ctx, "desk-dispatcher")
	do(t, ctx, "open the order", chromedp.Navigate(site.URL+"/tickets/"+done.Number), chromedp.WaitVisible(chromedp.ID("tk-timeline")))
	if got := attrs(t, ctx, "#tk-timeline .tk-step", "data-action"); !slices.Equal(got, []string{"create", "dispatch", "accept", "reply", "approve", "visit"}) {
		t.Errorf("timeline = %v", got)
	}
	if got := text(t, ctx, `#tk-timeline .tk-step[data-action="visit"]`); !strings.Contains(got, "不满意") || !strings.Contains(got, "未解决") || !strings.Contains(got, "待签收") {
		t.Errorf("the visit step says %q, want the verdict and the way back to the unit", got)
	}
	want := "—" // due times stay empty where no time-limit policy fills them
	if due := stored(t, done.Number).DueCloseAt; !due.IsZero() {
		want = due.In(workorder.Shanghai).Format("2006-01-02 15:04")
	}
	if got := text(t, ctx, "#tk-due-close"); got != want {
		t.Errorf("the closure deadline shows %q, want %q", got, want)
	}
	screenshot(t, ctx, "tk-detail")

	// A page left open while someone else acts: its step is refused and nothing changes.
	fresh := newOrder(t, "页面过期")
	do(t, ctx, "open a new order", chromedp.Navigate(site.URL+"/tickets/"+fresh.Number), chromedp.WaitVisible(chromedp.ID("act-cancel")))
	step(t, fresh, "desk-supervisor", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: site.units["HBW-HOUSING"].ID})
	unfold(t, ctx, "cancel")
	do(t, ctx, "cancel from the stale page",
		chromedp.SendKeys(chromedp.ID("f-cancel-comment"), "市民来电撤回诉求"),
		chromedp.Click(chromedp.ID("do-cancel")),
		chromedp.WaitVisible(chromedp.ID("tk-problem")))
	if got := stored(t, fresh.Number); got.Status != workorder.StatusDispatched {
		t.Errorf("the stale cancel left the order %s, want it dispatched as the other person left it", got.Status)
	}
	if got := eval[string](t, ctx, `document.getElementById('f-cancel-comment').value`); got != "市民来电撤回诉求" {
		t.Errorf("after the conflict the reason field holds %q", got)
	}
	screenshot(t, ctx, "tk-conflict")

	do(t, ctx, "search",
		chromedp.Navigate(site.URL+"/tickets"),
		chromedp.WaitVisible(chromedp.ID("tk-filters")),
		chromedp.SendKeys(chromedp.ID("f-q"), "全过程工单"),
		chromedp.Click(chromedp.ID("tk-search")),
		chromedp.WaitVisible(chromedp.CSS(`#f-q[value="全过程工单"]`)))
	if got := attrs(t, ctx, "#tk-results tr[data-number]", "data-number"); !slices.Equal(got, []string{done.Number}) {
		t.Errorf("searching 全过程工单 found %v, want only %s", got, done.Number)
	}
	screenshot(t, ctx, "tk-list")
	do(t, ctx, "read it in English",
		chromedp.Navigate(site.URL+"/lang?to=en&next=/tickets/"+done.Number),
		chromedp.WaitVisible(chromedp.ID("tk-timeline")))
	if got := text(t, ctx, "#tk-timeline h2"); got != "Timeline" {
		t.Errorf("English timeline heading = %q", got)
	}
	if got := text(t, ctx, "#tk-status"); got != "Dispatched" {
		t.Errorf("English status = %q", got)
	}
	screenshot(t, ctx, "tk-detail-en")
}
