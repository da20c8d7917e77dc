package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// orders is the work-order fixture on the shared site: the hotlines, a small catalogue of its own
// (level-1 code 81, apart from the other tests' categories), the centre's dispatcher and supervisor,
// and a ticketing service to put orders into the states a test needs.
var orders struct {
	once   sync.Once
	err    error
	svc    *ticketing.Service
	leaf   category.Category // 工单市政/道路设施/井盖缺失
	other  category.Category // 工单市政/道路设施/路面塌陷
	serial atomic.Int64
}

func orderFixture(t *testing.T) {
	t.Helper()
	orders.once.Do(func() { orders.err = buildOrders(context.Background()) })
	if orders.err != nil {
		t.Fatalf("work-order fixture: %v", orders.err)
	}
}

func buildOrders(ctx context.Context) error {
	st := site.st
	if err := st.ReplaceHotlineLines(ctx, audit.System, hotline.Catalogue()); err != nil {
		return err
	}
	add := func(c category.Category) (category.Category, error) {
		c.Active = true
		return st.CreateCategory(ctx, audit.System, c)
	}
	root, err := add(category.Category{Code: "81", Level: 1, Name: "工单市政", Group: "工单市政", SortOrder: 81})
	if err != nil {
		return err
	}
	roads, err := add(category.Category{ParentCode: root.Code, Name: "道路设施", Group: "工单市政", SortOrder: 1})
	if err != nil {
		return err
	}
	if orders.leaf, err = add(category.Category{ParentCode: roads.Code, Name: "井盖缺失", Group: "工单市政", SortOrder: 1,
		Keywords: []string{"窨井"}}); err != nil {
		return err
	}
	if orders.other, err = add(category.Category{ParentCode: roads.Code, Name: "路面塌陷", Group: "工单市政", SortOrder: 2}); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	for _, u := range []access.User{
		{Username: "desk-dispatcher", DisplayName: "冯派单", Roles: []access.Role{access.RoleDispatcher}, PlaceCode: "150300", UnitID: site.units["C12345"].ID},
		{Username: "desk-supervisor", DisplayName: "陈督办", Roles: []access.Role{access.RoleSupervisor}, PlaceCode: "150300", UnitID: site.units["C12345"].ID},
	} {
		created, err := st.CreateUser(ctx, audit.System, u, hash)
		if err != nil {
			return err
		}
		site.users[u.Username] = created
	}
	orders.svc = ticketing.New(st, locate.New(st, time.Minute), ticketing.Config{NumberPrefix: "WH"})
	return nil
}

// actor is a fixture user as the service sees them.
func actor(t *testing.T, username string) access.Actor {
	t.Helper()
	a, err := site.auth.ActorFor(context.Background(), site.users[username])
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newOrder takes in an order as agent1, in the grid 新华一网格, with a title no other order has.
func newOrder(t *testing.T, title string, change ...func(*workorder.Intake)) workorder.Ticket {
	t.Helper()
	in := workorder.Intake{Channel: workorder.ChannelPhone, Type: workorder.TypeComplaint, Category: orders.leaf.Code,
		Title: fmt.Sprintf("%s%d", title, orders.serial.Add(1)), Description: "新华街道路口的井盖丢了，晚上有人差点掉进去",
		Caller: workorder.Caller{Name: "张三丰", Phone: "13812345678"}, Address: "新华街道新华路与人民路路口",
		Lng: 106.825, Lat: 39.65}
	for _, c := range change {
		c(&in)
	}
	tk, _, err := orders.svc.Create(context.Background(), actor(t, "agent1"), in, ticketing.Idempotency{})
	if err != nil {
		t.Fatalf("create %s: %v", in.Title, err)
	}
	return tk
}

// step acts on an order through the service as a fixture user, with the version it has now.
func step(t *testing.T, tk workorder.Ticket, username string, c workorder.Command) workorder.Ticket {
	t.Helper()
	c.Version = tk.Version
	next, err := orders.svc.Act(context.Background(), actor(t, username), tk.Number, c)
	if err != nil {
		t.Fatalf("%s by %s on %s: %v", c.Action, username, tk.Number, err)
	}
	return next
}

// dispatched takes in an order and sends it to the 海勃湾区住建局 (hbw-housing's unit).
func dispatched(t *testing.T, title string, co ...string) workorder.Ticket {
	t.Helper()
	return step(t, newOrder(t, title), "desk-dispatcher", workorder.Command{Action: workorder.ActDispatch,
		LeadUnitID: site.units["HBW-HOUSING"].ID, CoUnitIDs: co})
}

func stored(t *testing.T, number string) workorder.Ticket {
	t.Helper()
	tk, err := site.st.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTicketPagesByWho(t *testing.T) {
	orderFixture(t)
	tk := dispatched(t, "谁能看")
	tests := []pageCase{
		{"agent1", "/desk/intake", 200},
		{"agent1", "/desk/review", 200},
		{"agent1", "/desk/visits", 200},
		{"agent1", "/desk/dispatch", 404},
		{"agent1", "/desk/inbox", 404},
		{"agent1", "/tickets", 200},
		{"agent1", "/tickets/" + tk.Number, 200},
		{"agent1", "/tickets/WH20000101999999", 404},
		{"desk-dispatcher", "/desk/dispatch", 200},
		{"desk-dispatcher", "/desk/dispatch?tab=returned", 200},
		{"desk-supervisor", "/desk/dispatch", 200},
		{"hbw-housing", "/desk/inbox", 200},
		{"hbw-housing", "/desk/inbox?tab=co", 200},
		{"hbw-housing", "/desk/intake", 404},
		{"hbw-housing", "/desk/dispatch", 404},
		{"hbw-housing", "/desk/review", 404},
		{"hbw-housing", "/tickets/" + tk.Number, 200},
		{"hbw-housing", "/tickets/" + tk.Number + "/panel", 200},
		{"hn-civil", "/tickets/" + tk.Number, 404},
		{"hn-civil", "/tickets/" + tk.Number + "/panel", 404},
		{"hn-grid", "/tickets/" + tk.Number, 404},
		{"hbw-staff", "/tickets/" + tk.Number, 200},
		{"admin", "/tickets", 404},
		{"admin", "/desk/intake", 404},
		{"hn-grid", "/tickets", 200},
		{"hn-grid", "/desk/intake/history?caller_phone=13812345678", 404},
	}
	checkPages(t, tests)
	res, _ := get(t, client(t), "/desk/intake")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous GET /desk/intake = %d to %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
}

// intakeForm is a complete console form; tests change what they need.
func intakeForm(token, key, title string) url.Values {
	return url.Values{"csrf_token": {token}, "key": {key}, "caller_phone": {"13900007777"}, "caller_name": {"李四"},
		"line": {"12345"}, "type": {"complaint"}, "urgency": {"normal"}, "category": {orders.leaf.Code},
		"title": {title}, "description": {"路口井盖缺失，很危险"}, "district": {"150302"}, "street": {"150302001"},
		"community": {"150302001001"}, "grid": {"150302001001002"}, "address": {"新华路 8 号"}}
}

func countTitled(t *testing.T, word string) int {
	t.Helper()
	page, err := site.st.Tickets(context.Background(), store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Query: word, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func newestOrder(t *testing.T) workorder.Ticket {
	t.Helper()
	page, err := site.st.Tickets(context.Background(), store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("newest order: %v", err)
	}
	return page.Items[0]
}

var createdLocation = regexp.MustCompile(`^/desk/intake/(WH\d{14})$`)

func TestIntakeTakesTheCallOnceAndPlacesIt(t *testing.T) {
	orderFixture(t)
	c := signedIn(t, "agent1")
	token := csrf(t, c)
	form := intakeForm(token, "key-once-1", "窨井盖被偷走")
	res, _ := post(t, c, "/desk/intake", form)
	m := createdLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("POST /desk/intake = %d to %q, want 303 to the new order", res.StatusCode, res.Header.Get("Location"))
	}
	again, _ := post(t, c, "/desk/intake", form)
	if again.Header.Get("Location") != res.Header.Get("Location") {
		t.Errorf("the same form sent twice led to %q, then %q: want the same order", res.Header.Get("Location"), again.Header.Get("Location"))
	}
	if n := countTitled(t, "窨井盖被偷走"); n != 1 {
		t.Errorf("%d orders stored for one call, want 1", n)
	}
	tk := stored(t, m[1])
	if tk.Location.PlaceCode != "150302001001002" || tk.Channel != workorder.ChannelPhone || tk.CreatedBy != "agent1" ||
		tk.Caller.Phone != "13900007777" || tk.Category != orders.leaf.Code || tk.Status != workorder.StatusNew {
		t.Errorf("stored order = %+v", tk)
	}
	_, body := get(t, c, "/desk/intake/"+tk.Number)
	for _, want := range []string{tk.Number, tk.QueryCode, `id="act-answer"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the created page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="act-dispatch"`) {
		t.Error("the created page offers dispatch; the console offers only the first-line answer")
	}
	// A different form under the same key is not a retry.
	changed := intakeForm(token, "key-once-1", "窨井盖被偷走了两个")
	if res, body := post(t, c, "/desk/intake", changed); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "已经提交过") {
		t.Errorf("reused key with other content = %d, want 422 and the resubmission message", res.StatusCode)
	}
}

func TestIntakeErrorsNameTheFieldAndKeepTheInput(t *testing.T) {
	orderFixture(t)
	c := signedIn(t, "agent1")
	token := csrf(t, c)
	tests := []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"no title", func(f url.Values) { f.Set("title", "  ") }, "标题：必填"},
		{"bad phone", func(f url.Values) { f.Set("caller_phone", "12345") }, "来电号码：请填写 11 位手机号"},
		{"no category", func(f url.Values) { f.Del("category") }, "诉求分类：请搜索并选择"},
		{"unknown line", func(f url.Values) { f.Set("line", "nope") }, "热线：请从列表中选择"},
		{"bad ID", func(f url.Values) { f.Set("caller_id_number", "110101199003071234") }, "身份证号：请填写 18 位"},
		{"unknown place", func(f url.Values) { f.Set("grid", "150399999999999") }, "发生地点："},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := intakeForm(token, "key-bad-"+tc.name, "<b>坏</b>表单"+tc.name)
			form.Set("description", "描述 <script>alert(1)</script>")
			tc.change(form)
			res, body := post(t, c, "/desk/intake", form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Errorf("status %d; want 422 and %q in the page", res.StatusCode, tc.want)
			}
			if !strings.Contains(body, "描述 &lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>alert(1)") {
				t.Error("the description was not kept, escaped")
			}
			if !strings.Contains(body, `value="13900007777"`) && tc.name != "bad phone" {
				t.Error("the caller's number was not kept")
			}
			if newest := newestOrder(t); strings.Contains(newest.Title, "表单") {
				t.Errorf("a refused form was stored as %s", newest.Number)
			}
		})
	}
	res, body := post(t, c, "/desk/intake", func() url.Values {
		f := intakeForm(token, "key-en", "")
		return f
	}())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-title"`) {
		t.Errorf("empty title = %d, want the title field marked", res.StatusCode)
	}
}

func TestActionsRefuseStaleVersionsAndBadInput(t *testing.T) {
	orderFixture(t)
	dispatcher := signedIn(t, "desk-dispatcher")
	token := csrf(t, dispatcher)
	tk := newOrder(t, "两人同时派单")
	// Someone else dispatches first; the page still holds version 1.
	first := step(t, tk, "desk-supervisor", workorder.Command{Action: workorder.ActDispatch, LeadUnitID: site.units["HN-CIVIL"].ID})
	res, body := post(t, dispatcher, "/tickets/"+tk.Number+"/act/dispatch", url.Values{"csrf_token": {token},
		"version": {fmt.Sprint(tk.Version)}, "lead_unit_id": {site.units["HBW-HOUSING"].ID}, "comment": {"派给住建"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="tk-problem"`) || !strings.Contains(body, "未保存") {
		t.Errorf("stale dispatch = %d, want 409 with the conflict message", res.StatusCode)
	}
	if !strings.Contains(body, "派给住建") {
		t.Error("the stale form lost what was typed")
	}
	if now := stored(t, tk.Number); now.LeadUnitID != site.units["HN-CIVIL"].ID || now.Version != first.Version {
		t.Errorf("after the stale dispatch the order is %+v: it was overwritten", now)
	}

	fresh := newOrder(t, "没有主办单位")
	res, body = post(t, dispatcher, "/tickets/"+fresh.Number+"/act/dispatch", url.Values{"csrf_token": {token},
		"version": {fmt.Sprint(fresh.Version)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "主办单位：请选择一个在用的单位") {
		t.Errorf("dispatch without a unit = %d, want 422 naming the lead unit", res.StatusCode)
	}
	res, _ = post(t, dispatcher, "/tickets/"+fresh.Number+"/act/dispatch", url.Values{"csrf_token": {token},
		"version": {fmt.Sprint(fresh.Version)}, "lead_unit_id": {site.units["HBW-HOUSING"].ID}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tickets/"+fresh.Number+"?done=dispatch" {
		t.Errorf("dispatch = %d to %q, want back to the order", res.StatusCode, res.Header.Get("Location"))
	}

	dup := newOrder(t, "重复来电")
	res, body = post(t, dispatcher, "/tickets/"+dup.Number+"/act/merge", url.Values{"csrf_token": {token},
		"version": {fmt.Sprint(dup.Version)}, "master": {"WH20000101999999"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "主工单号：请填写另一张仍在办理中的工单号") {
		t.Errorf("merge into an unknown order = %d, want 422 naming the master", res.StatusCode)
	}
	res, _ = post(t, dispatcher, "/tickets/"+dup.Number+"/act/merge", url.Values{"csrf_token": {token},
		"version": {fmt.Sprint(dup.Version)}, "master": {fresh.Number}})
	if merged := stored(t, dup.Number); res.StatusCode != http.StatusSeeOther || merged.Status != workorder.StatusMerged || merged.MasterID != fresh.ID {
		t.Errorf("merge by number = %d, order now %s following %q", res.StatusCode, merged.Status, merged.MasterID)
	}
	if _, body := get(t, dispatcher, "/tickets/"+fresh.Number); !strings.Contains(body, `href="/tickets/`+dup.Number+`"`) {
		t.Error("the master's page does not list the order merged into it")
	}

	handler := signedIn(t, "hbw-housing")
	hcsrf := csrf(t, handler)
	sent := stored(t, fresh.Number)
	res, body = post(t, handler, "/tickets/"+fresh.Number+"/act/return", url.Values{"csrf_token": {hcsrf}, "version": {fmt.Sprint(sent.Version)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "理由：必填") {
		t.Errorf("send-back without a reason = %d, want 422 naming the reason", res.StatusCode)
	}
	// An action the order's status does not allow, and one the user may not take.
	res, body = post(t, handler, "/tickets/"+fresh.Number+"/act/reply", url.Values{"csrf_token": {hcsrf},
		"version": {fmt.Sprint(sent.Version)}, "comment": {"已处理"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "当前的状态不允许") {
		t.Errorf("reply before signing for = %d, want 409 with the status message", res.StatusCode)
	}
	res, _ = post(t, handler, "/tickets/"+fresh.Number+"/act/cancel", url.Values{"csrf_token": {hcsrf},
		"version": {fmt.Sprint(sent.Version)}, "comment": {"不想办"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("a unit cancelling = %d, want 404", res.StatusCode)
	}
	if now := stored(t, fresh.Number); now.Status != workorder.StatusDispatched || now.Version != sent.Version {
		t.Errorf("refused actions changed the order: %+v", now)
	}
	res, _ = post(t, handler, "/tickets/"+fresh.Number+"/act/fly", url.Values{"csrf_token": {hcsrf}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown action = %d, want 404", res.StatusCode)
	}
	signed := step(t, sent, "hbw-housing", workorder.Command{Action: workorder.ActAccept})
	res, body = post(t, handler, "/tickets/"+fresh.Number+"/act/extend-request", url.Values{"csrf_token": {hcsrf},
		"version": {fmt.Sprint(signed.Version)}, "comment": {"需要协调"}, "due_at": {"明天"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "期限：请选择晚于现在的时间") || !strings.Contains(body, "需要协调") {
		t.Errorf("extension with an unreadable date = %d, want 422 naming the deadline and keeping the reason", res.StatusCode)
	}
	later := time.Now()
	if signed.DueCloseAt.After(later) {
		later = signed.DueCloseAt // an extension must go past the deadline a time-limit policy set
	}
	res, _ = post(t, handler, "/tickets/"+fresh.Number+"/act/extend-request", url.Values{"csrf_token": {hcsrf},
		"version": {fmt.Sprint(signed.Version)}, "comment": {"需要协调"},
		"due_at": {later.Add(72 * time.Hour).In(workorder.Shanghai).Format("2006-01-02T15:04")}})
	if res.StatusCode != http.StatusSeeOther || !stored(t, fresh.Number).ExtensionAsked {
		t.Errorf("extension request = %d, want it stored", res.StatusCode)
	}
}

func TestOrderPageShowsTheCallerAsTheRulesSay(t *testing.T) {
	orderFixture(t)
	tk := step(t, newOrder(t, "保密来电", func(in *workorder.Intake) { in.Caller.Confidential = true }), "desk-dispatcher",
		workorder.Command{Action: workorder.ActDispatch, LeadUnitID: site.units["HBW-HOUSING"].ID})
	before, err := site.st.AuditEntries(context.Background(), "ticket", tk.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, signedIn(t, "hbw-housing"), "/tickets/"+tk.Number)
	if !strings.Contains(body, "来电人要求保密") || strings.Contains(body, "5678") || strings.Contains(body, "张") {
		t.Error("the unit's page of a confidential order shows something of the caller")
	}
	if strings.Contains(body, tk.QueryCode) {
		t.Error("the unit sees the query code")
	}
	_, body = get(t, signedIn(t, "agent1"), "/tickets/"+tk.Number)
	if !strings.Contains(body, "13812345678") || !strings.Contains(body, "张三丰") || !strings.Contains(body, tk.QueryCode) {
		t.Error("the centre's page lacks the caller in full or the query code")
	}
	after, err := site.st.AuditEntries(context.Background(), "ticket", tk.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 || after[0].Action != "ticket.personal_read" || after[0].Actor != "agent1" {
		t.Errorf("want one audited read, the centre's (the unit saw nothing personal): %d entries before, newest now %+v", len(before), after[0])
	}

	open := dispatched(t, "街道可见")
	_, body = get(t, signedIn(t, "hbw-staff"), "/tickets/"+open.Number)
	if !strings.Contains(body, "138****5678") || strings.Contains(body, "13812345678") || !strings.Contains(body, "张*丰") {
		t.Error("street staff do not see the caller masked")
	}
}

func TestTicketListFiltersAndPages(t *testing.T) {
	orderFixture(t)
	c := signedIn(t, "agent1")
	for i := 0; i < 31; i++ {
		newOrder(t, "翻页测试")
	}
	first := newOrder(t, "翻页测试", func(in *workorder.Intake) { in.Type = workorder.TypeSuggestion })
	_, body := get(t, c, "/tickets?q=翻页测试")
	if n := strings.Count(body, `<tr data-number=`); n != 30 {
		t.Fatalf("first page shows %d orders, want 30", n)
	}
	if !strings.Contains(body, `data-number="`+first.Number+`"`) {
		t.Error("the newest order is not on the first page")
	}
	next := regexp.MustCompile(`href="([^"]+)" id="tk-next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, body = get(t, c, strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(body, `<tr data-number=`); n != 2 {
		t.Errorf("second page shows %d orders, want 2", n)
	}
	if strings.Contains(body, `id="tk-next"`) {
		t.Error("the last page offers a next page")
	}
	_, body = get(t, c, "/tickets?q=翻页测试&type=suggestion&status=new&category="+orders.leaf.Code[:2]+"&region=150302")
	if n := strings.Count(body, `<tr data-number=`); n != 1 || !strings.Contains(body, first.Number) {
		t.Errorf("type filter shows %d orders, want only %s", n, first.Number)
	}
	_, body = get(t, c, "/tickets?q=翻页测试&region=150303")
	if n := strings.Count(body, `<tr data-number=`); n != 0 {
		t.Errorf("another district shows %d orders, want none", n)
	}
	today := time.Now().In(workorder.Shanghai).Format("2006-01-02")
	_, body = get(t, c, "/tickets?q=翻页测试&type=suggestion&from="+today+"&to="+today)
	if !strings.Contains(body, first.Number) {
		t.Error("an order taken in today is not found between today and today")
	}
	res, body := get(t, c, "/tickets?from=yesterday&status=nope")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "受理日期从：请填写日期") || !strings.Contains(body, "状态：") ||
		!strings.Contains(body, `value="yesterday"`) {
		t.Errorf("bad filters = %d, want 400 naming the fields and keeping the input", res.StatusCode)
	}
}

func TestDeskFragments(t *testing.T) {
	orderFixture(t)
	c := signedIn(t, "agent1")
	earlier := newOrder(t, "来电弹屏", func(in *workorder.Intake) { in.Caller.Phone = "13900001357" })
	_, body := get(t, c, "/desk/intake/history?caller_phone=13900001357")
	if !strings.Contains(body, earlier.Number) || !strings.Contains(body, "1 张历史工单") {
		t.Errorf("history of a known number lacks %s: %s", earlier.Number, body)
	}
	_, body = get(t, c, "/desk/intake/history?caller_phone=1390000")
	if !strings.Contains(body, "请输入完整号码") {
		t.Errorf("history of half a number = %s", body)
	}
	_, body = get(t, c, "/desk/intake/history?caller_phone=13900002468")
	if !strings.Contains(body, "首次来电") {
		t.Errorf("history of a new number = %s", body)
	}
	_, body = get(t, c, "/desk/intake/categories?category_q=窨井")
	if !strings.Contains(body, `value="`+orders.leaf.Code+`"`) || !strings.Contains(body, "工单市政/道路设施/井盖缺失") || strings.Contains(body, orders.other.Code) {
		t.Errorf("searching the keyword 窨井 = %s", body)
	}
	_, body = get(t, c, "/desk/intake/categories?category_q=塌陷&category="+orders.leaf.Code)
	if strings.Index(body, orders.leaf.Code) > strings.Index(body, orders.other.Code) || !strings.Contains(body, "checked") {
		t.Errorf("a new search lost the chosen category or put it below the matches: %s", body)
	}
	_, body = get(t, c, "/desk/intake/places?district=150303&street=150302001")
	if !strings.Contains(body, `value="150303001"`) || strings.Contains(body, `value="150302001001"`) ||
		!strings.Contains(body, `<option value="150303" selected>`) {
		t.Errorf("place picker after choosing 海南区 with a stale street = %s", body)
	}
}
