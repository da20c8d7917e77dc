package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web"
	"github.com/cityline/cityline/internal/workorder"
)

// The portal tests share the package's city, add a category of their own, and talk to servers of
// their own: each keeps its attachments in a temporary directory and makes every request come from
// an address of the test's choosing, so that each test has its own submission allowance.

var ptCategories struct {
	once sync.Once
	err  error
}

// ptLamp is the category the portal tests file under.
const ptLamp = "9601"

func ptFixture(t *testing.T) {
	t.Helper()
	ptCategories.once.Do(func() {
		ctx := context.Background()
		for _, c := range []category.Category{
			{Code: "96", Level: 1, Name: "门户测试市政", Group: "门户测试市政", SortOrder: 96, Active: true},
			{Code: ptLamp, Level: 2, ParentCode: "96", Name: "门户测试路灯", Group: "门户测试市政", SortOrder: 1, Active: true},
		} {
			if _, err := site.st.CreateCategory(ctx, audit.System, c); err != nil {
				ptCategories.err = err
				return
			}
		}
	})
	if ptCategories.err != nil {
		t.Fatalf("portal category fixture: %v", ptCategories.err)
	}
}

var ptAddr atomic.Int64

// ptServer starts a server on the shared store whose requests all come from one new address. When
// the test ends, the orders it left waiting for dispatch are cancelled, so that the other screens'
// queues do not fill up with them.
func ptServer(t *testing.T) string {
	t.Helper()
	ptFixture(t)
	t.Cleanup(func() { ptCancelLeftovers(t) })
	srv, err := web.New(web.Config{DataDir: t.TempDir()}, site.st, site.auth)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("198.51.100.%d:40000", ptAddr.Add(1))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = addr
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func ptCancelLeftovers(t *testing.T) {
	ctx := context.Background()
	page, err := site.st.Tickets(ctx, store.TicketFilter{Scope: store.TicketScope{Unrestricted: true},
		Channel: workorder.ChannelWeb, Statuses: []workorder.Status{workorder.StatusNew}, Limit: 500})
	if err != nil {
		t.Error(err)
		return
	}
	staff := newPtStaff(t)
	for _, tk := range page.Items {
		if tk.CreatedBy != ticketing.PortalUsername {
			continue
		}
		if _, err := staff.svc.Act(ctx, staff.agent, tk.ID, workorder.Command{Action: workorder.ActCancel, Comment: "门户测试结束"}); err != nil {
			t.Errorf("cancel %s: %v", tk.Number, err)
		}
	}
}

func ptGet(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return res, readBody(t, res)
}

var ptHidden = regexp.MustCompile(`name="(pt_token|form_id|csrf_token)" value="([^"]*)"`)

// ptOpenForm opens the submission form as a browser would and returns its hidden fields.
func ptOpenForm(t *testing.T, c *http.Client, base string) url.Values {
	t.Helper()
	res, body := ptGet(t, c, base+"/portal/submit")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /portal/submit = %d", res.StatusCode)
	}
	v := url.Values{}
	for _, m := range ptHidden.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("pt_token") == "" || v.Get("form_id") == "" {
		t.Fatal("the form carries no portal token or form id")
	}
	return v
}

// ptToken is the portal token the client holds in its cookie.
func ptToken(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	u, _ := url.Parse(base + "/portal/rate")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cityline_portal" {
			return ck.Value
		}
	}
	t.Fatal("the client holds no portal token")
	return ""
}

// ptFields is a complete, valid submission on top of the form's hidden fields.
func ptFields(hidden url.Values, title string) url.Values {
	v := url.Values{"type": {"complaint"}, "category": {ptLamp}, "title": {title},
		"description": {"小区门口的路灯坏了一周，晚上很黑"}, "address": {"海勃湾区新华社区"},
		"name": {"王五"}, "phone": {"13800001111"}, "lat": {"39.65"}, "lng": {"106.82"}}
	for k, vs := range hidden {
		v[k] = vs
	}
	return v
}

type ptPhoto struct {
	name, ctype string
	body        []byte
}

// ptPost sends a submission as multipart/form-data, the photo last as the page does.
func ptPost(t *testing.T, c *http.Client, base string, fields url.Values, photo *ptPhoto) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if photo != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photo"; filename=%q`, photo.name))
		h.Set("Content-Type", photo.ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(photo.body)
	}
	mw.Close()
	res, err := c.Post(base+"/portal/submit", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatalf("POST /portal/submit: %v", err)
	}
	return res, readBody(t, res)
}

// ptPNG is a real (tiny) PNG file.
var ptPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// ptOrders counts the orders taken in on the web channel.
func ptOrders(t *testing.T) int {
	t.Helper()
	page, err := site.st.Tickets(context.Background(), store.TicketFilter{Scope: store.TicketScope{Unrestricted: true},
		Channel: workorder.ChannelWeb, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

var ptDone = regexp.MustCompile(`id="pt-number">([A-Z0-9]+)<.*?id="pt-code">([A-Z0-9]+)<`)

// ptCodes reads the number and query code from the page that answers a submission.
func ptCodes(t *testing.T, body string) (string, string) {
	t.Helper()
	m := ptDone.FindStringSubmatch(strings.ReplaceAll(body, "\n", " "))
	if m == nil {
		t.Fatalf("no number and query code on the page:\n%s", body)
	}
	return m[1], m[2]
}

// ptSubmit sends a valid report and returns its number and query code.
func ptSubmit(t *testing.T, c *http.Client, base, title string) (string, string) {
	t.Helper()
	res, body := ptPost(t, c, base, ptFields(ptOpenForm(t, c, base), title), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("submission of %q = %d", title, res.StatusCode)
	}
	return ptCodes(t, body)
}

func TestPortalPagesArePublic(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	for path, mark := range map[string]string{"/portal": `id="portal-home"`, "/portal/submit": `id="pt-submit-form"`, "/portal/track": `id="pt-track-form"`} {
		res, body := ptGet(t, c, base+path)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, mark) || !strings.Contains(body, `<html lang="zh-CN">`) {
			t.Errorf("anonymous GET %s = %d, want 200 and a Chinese page with %s", path, res.StatusCode, mark)
		}
		if strings.Contains(body, `id="sidenav"`) {
			t.Errorf("GET %s shows the staff navigation", path)
		}
	}
	res, body := ptGet(t, client(t), base+"/portal/submit")
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "cityline_portal" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/portal" {
		t.Errorf("portal token cookie %+v, want HttpOnly, SameSite=Strict, path /portal", cookie)
	}
	for _, want := range []string{`value="` + ptLamp + `"`, "门户测试路灯", `<optgroup label="门户测试市政">`, `name="photo" type="file"`, "短信"} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
}

func TestPortalSubmitRefusals(t *testing.T) {
	base := ptServer(t)
	tooLarge := append(append([]byte{}, ptPNG...), make([]byte, 10<<20)...)
	tests := []struct {
		name   string
		change func(v url.Values)
		photo  *ptPhoto
		fresh  bool // a client that never opened the form: no token cookie
		status int
		field  string // the control the error is shown on; "" for a refusal of the whole form
		kept   string // text of the input that must be shown again
	}{
		{name: "no token cookie", fresh: true, status: 403, kept: "小区门口的路灯坏了一周"},
		{name: "wrong token", change: func(v url.Values) { v.Set("pt_token", "AAAAAAAAAAAAAAAAAAAAAAAAAA") }, status: 403, kept: "13800001111"},
		{name: "no title", change: func(v url.Values) { v.Set("title", "  ") }, status: 422, field: "title", kept: "小区门口的路灯坏了一周"},
		{name: "title too long", change: func(v url.Values) { v.Set("title", strings.Repeat("灯", 101)) }, status: 422, field: "title", kept: strings.Repeat("灯", 101)},
		{name: "no type", change: func(v url.Values) { v.Del("type") }, status: 422, field: "type", kept: "海勃湾区新华社区"},
		{name: "unknown type", change: func(v url.Values) { v.Set("type", "rant") }, status: 422, field: "type"},
		{name: "no category", change: func(v url.Values) { v.Set("category", "") }, status: 422, field: "category"},
		{name: "unknown category", change: func(v url.Values) { v.Set("category", "9999") }, status: 422, field: "category"},
		{name: "bad phone", change: func(v url.Values) { v.Set("phone", "555-1234x") }, status: 422, field: "phone", kept: "555-1234x"},
		{name: "no description", change: func(v url.Values) { v.Set("description", "") }, status: 422, field: "description"},
		{name: "invalid UTF-8", change: func(v url.Values) { v.Set("description", "路灯\xff\xfe坏了") }, status: 422, field: "description"},
		{name: "control character", change: func(v url.Values) { v.Set("title", "路灯\x07") }, status: 422, field: "title"},
		{name: "location not a number", change: func(v url.Values) { v.Set("lat", "north") }, status: 422, field: "location"},
		{name: "location outside the city", change: func(v url.Values) { v.Set("lat", "30.1"); v.Set("lng", "100.2") }, status: 422, field: "location"},
		{name: "address too long", change: func(v url.Values) { v.Set("address", strings.Repeat("路", 201)) }, status: 422, field: "address"},
		{name: "photo that is HTML", photo: &ptPhoto{"street.jpg", "image/jpeg", []byte("<html><script>alert(1)</script></html>")}, status: 422, field: "photo", kept: "13800001111"},
		{name: "photo named unlike its content", photo: &ptPhoto{"street.pdf", "application/pdf", ptPNG}, status: 422, field: "photo"},
		{name: "photo too large", photo: &ptPhoto{"big.png", "image/png", tooLarge}, status: 422, field: "photo", kept: "小区门口的路灯坏了一周"},
		{name: "field beyond any limit", change: func(v url.Values) { v.Set("description", strings.Repeat("x", 70<<10)) }, status: 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t)
			hidden := url.Values{"pt_token": {"AAAAAAAAAAAAAAAAAAAAAAAAAB"}, "form_id": {"AAAAAAAAAAAAAAAAAAAAAAAAAC"}}
			if !tc.fresh {
				hidden = ptOpenForm(t, c, base)
			}
			v := ptFields(hidden, "路灯不亮 "+tc.name)
			if tc.change != nil {
				tc.change(v)
			}
			before := ptOrders(t)
			res, body := ptPost(t, c, base, v, tc.photo)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if n := ptOrders(t); n != before {
				t.Errorf("%d orders stored by a refused form", n-before)
			}
			if !strings.Contains(body, `id="pt-submit-form"`) {
				t.Fatal("the answer is not the form again")
			}
			if tc.field == "" && !strings.Contains(body, `id="pt-alert"`) {
				t.Error("no alert says why the form was refused")
			}
			if tc.field != "" && !strings.Contains(body, `data-field="`+tc.field+`">`) {
				t.Errorf("no error on %s in:\n%s", tc.field, body)
			}
			if tc.kept != "" && !strings.Contains(body, html.EscapeString(tc.kept)) {
				t.Errorf("the input %q was not kept", tc.kept)
			}
			if tc.photo != nil && !strings.Contains(body, `id="pt-photo-again"`) {
				t.Error("the form does not ask for the photo again")
			}
		})
	}
}

func TestPortalSubmitShowsTheCodesAndKeepsMarkupAsText(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	hidden := ptOpenForm(t, c, base)
	v := ptFields(hidden, `<script>alert("x")</script>路灯坏了`)
	res, body := ptPost(t, c, base, v, &ptPhoto{"路灯.png", "image/png", ptPNG})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("submission = %d:\n%s", res.StatusCode, body)
	}
	number, code := ptCodes(t, body)
	if !strings.Contains(body, `id="pt-keep"`) || !strings.Contains(body, "138****1111") {
		t.Error("the answer lacks the warning to keep the codes or the masked SMS number")
	}
	tk, err := site.st.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.QueryCode != code || tk.Channel != workorder.ChannelWeb || tk.CreatedBy != ticketing.PortalUsername ||
		tk.Title != `<script>alert("x")</script>路灯坏了` || tk.Location.PlaceCode != "150302001001001" {
		t.Errorf("stored order %+v", tk)
	}
	files, err := site.st.AttachmentsOf(context.Background(), tk.ID)
	if err != nil || len(files) != 1 || files[0].ContentType != "image/png" || files[0].FileName != "路灯.png" {
		t.Errorf("attachments %+v (%v), want the PNG", files, err)
	}
	// Sending the same form again (a reload, a double tap) answers with the same order.
	_, again := ptPost(t, c, base, v, &ptPhoto{"路灯.png", "image/png", ptPNG})
	if n, _ := ptCodes(t, again); n != number {
		t.Errorf("the form sent twice made %s and %s", number, n)
	}
	// The same form with other content is not a retry: it is refused, and the form gets a new id.
	v.Set("title", "改过的标题")
	res, body = ptPost(t, c, base, v, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="pt-alert"`) || strings.Contains(body, v.Get("form_id")) {
		t.Errorf("a reused form id with other content = %d, want 409 and a fresh form id", res.StatusCode)
	}
	res, body = ptGet(t, c, base+"/portal/track?"+url.Values{"number": {number}, "code": {code}}.Encode())
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="pt-status"`) {
		t.Fatalf("track = %d", res.StatusCode)
	}
	if strings.Contains(body, `<script>alert`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;路灯坏了`) {
		t.Error("the title is not shown escaped")
	}
	for _, secret := range []string{"王五", "13800001111", "138****1111", "新华社区"} {
		if strings.Contains(body, secret) {
			t.Errorf("the progress page shows %q", secret)
		}
	}
}

func TestPortalSubmissionLimitPerAddress(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	for i := range ticketing.DefaultPortalLimit {
		res, body := ptPost(t, c, base, ptFields(ptOpenForm(t, c, base), fmt.Sprint("限额测试 ", i)), nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("submission %d = %d:\n%s", i+1, res.StatusCode, body)
		}
	}
	before := ptOrders(t)
	res, body := ptPost(t, c, base, ptFields(ptOpenForm(t, c, base), "限额测试 超出"), nil)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `id="pt-alert"`) || !strings.Contains(body, "每小时最多提交 10 件") {
		t.Fatalf("submission over the limit = %d, want 429 with the limit explained", res.StatusCode)
	}
	if !strings.Contains(body, "限额测试 超出") {
		t.Error("the refused form lost its input")
	}
	if ptOrders(t) != before {
		t.Error("the refused submission was stored")
	}
}

func TestPortalWorksForSignedInStaffToo(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	res, err := c.PostForm(base+"/login", url.Values{"username": {"agent1"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	hidden := ptOpenForm(t, c, base)
	if hidden.Get("csrf_token") == "" {
		t.Fatal("the portal form of a signed-in visitor lacks the session's CSRF token")
	}
	res, body := ptPost(t, c, base, ptFields(hidden, "工作人员代填"), &ptPhoto{"a.png", "image/png", ptPNG})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("signed-in submission = %d:\n%s", res.StatusCode, body)
	}
	ptCodes(t, body)
}

// ptStaff acts on the portal's orders as the centre and the housing bureau, through the service.
type ptStaff struct {
	svc           *ticketing.Service
	agent, bureau access.Actor
}

func newPtStaff(t *testing.T) ptStaff {
	t.Helper()
	ctx := context.Background()
	agent, err := site.auth.ActorFor(ctx, site.users["agent1"])
	if err != nil {
		t.Fatal(err)
	}
	bureau, err := site.auth.ActorFor(ctx, site.users["hbw-housing"])
	if err != nil {
		t.Fatal(err)
	}
	return ptStaff{svc: ticketing.New(site.st, locate.New(site.st, time.Minute), ticketing.Config{NumberPrefix: "WH"}), agent: agent, bureau: bureau}
}

// handle takes an order through dispatch, signing, reply and approval, up to the return visit.
func (s ptStaff) handle(t *testing.T, number, reply string) {
	t.Helper()
	for _, step := range []struct {
		who access.Actor
		c   workorder.Command
	}{
		{s.agent, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: site.units["HBW-HOUSING"].ID}},
		{s.bureau, workorder.Command{Action: workorder.ActAccept}},
		{s.bureau, workorder.Command{Action: workorder.ActReply, Comment: reply}},
		{s.agent, workorder.Command{Action: workorder.ActApprove}},
	} {
		if _, err := s.svc.Act(context.Background(), step.who, number, step.c); err != nil {
			t.Fatalf("%s: %v", step.c.Action, err)
		}
	}
}

func TestPortalTrackAndRateRefusals(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	number, code := ptSubmit(t, c, base, "评价测试")
	track := func(q url.Values) (*http.Response, string) { return ptGet(t, c, base+"/portal/track?"+q.Encode()) }

	res, body := track(url.Values{"number": {number}, "code": {""}})
	if res.StatusCode != 422 || !strings.Contains(body, `data-field="code"`) || !strings.Contains(body, number) {
		t.Errorf("track without a code = %d, want 422 naming the code and keeping the number", res.StatusCode)
	}
	var alerts []string
	for _, q := range []url.Values{{"number": {number}, "code": {"WRONGCOD"}}, {"number": {"WH19990101000001"}, "code": {code}},
		{"number": {"<b>x</b>"}, "code": {"\xff"}}} {
		res, body := track(q)
		if res.StatusCode != 404 || !strings.Contains(body, `id="pt-track-form"`) {
			t.Errorf("track %v = %d, want 404 with the form", q, res.StatusCode)
		}
		alerts = append(alerts, regexp.MustCompile(`id="pt-alert">[^<]*`).FindString(body))
	}
	if alerts[0] == "" || alerts[0] != alerts[1] || alerts[1] != alerts[2] {
		t.Errorf("wrong number and wrong code answer differently: %q", alerts)
	}
	res, body = track(url.Values{"number": {strings.ToLower(number)}, "code": {strings.ToLower(code)}})
	if res.StatusCode != 200 || strings.Contains(body, `id="pt-rate-form"`) {
		t.Fatalf("track in lower case = %d; a new order must not offer the rating", res.StatusCode)
	}
	token := ptToken(t, c, base)

	rate := func(form url.Values) (*http.Response, string) {
		t.Helper()
		res, err := c.PostForm(base+"/portal/rate", form)
		if err != nil {
			t.Fatal(err)
		}
		return res, readBody(t, res)
	}
	good := url.Values{"pt_token": {token}, "number": {number}, "code": {code}, "resolved": {"yes"}, "satisfaction": {"satisfied"}, "comment": {"谢谢"}}
	res, body = rate(good)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "还不能评价") {
		t.Errorf("rating before the reply = %d, want 409 explained", res.StatusCode)
	}
	newPtStaff(t).handle(t, number, "已更换灯泡")
	for name, tc := range map[string]struct {
		change func(url.Values)
		status int
		field  string
	}{
		"wrong token":        {func(v url.Values) { v.Set("pt_token", "AAAAAAAAAAAAAAAAAAAAAAAAAA") }, 403, ""},
		"no verdict":         {func(v url.Values) { v.Del("resolved") }, 422, "resolved"},
		"no satisfaction":    {func(v url.Values) { v.Set("satisfaction", "") }, 422, "satisfaction"},
		"unknown rating":     {func(v url.Values) { v.Set("satisfaction", "ecstatic") }, 422, "satisfaction"},
		"comment too long":   {func(v url.Values) { v.Set("comment", strings.Repeat("好", 2001)) }, 422, "comment"},
		"wrong code":         {func(v url.Values) { v.Set("code", "WRONGCOD") }, 404, ""},
		"comment not UTF-8":  {func(v url.Values) { v.Set("comment", "\xff") }, 422, "comment"},
		"verdict not yes/no": {func(v url.Values) { v.Set("resolved", "maybe") }, 422, "resolved"},
		"body beyond limit":  {func(v url.Values) { v.Set("comment", strings.Repeat("x", 70<<10)) }, 413, ""},
	} {
		form := url.Values{}
		for k, vs := range good {
			form[k] = vs
		}
		tc.change(form)
		res, body := rate(form)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, tc.status)
		}
		if tc.field != "" && (!strings.Contains(body, `data-field="`+tc.field+`">`) || !strings.Contains(body, `id="pt-rate-form"`)) {
			t.Errorf("%s: no error on %s in the rating form", name, tc.field)
		}
	}
	if tk, _ := site.st.Ticket(context.Background(), number); tk.Status != workorder.StatusVisiting {
		t.Fatalf("refused ratings changed the order to %s", tk.Status)
	}
	res, _ = rate(good)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "rated=1") {
		t.Fatalf("rating = %d to %q, want 303 back to the progress", res.StatusCode, res.Header.Get("Location"))
	}
	if tk, _ := site.st.Ticket(context.Background(), number); tk.Status != workorder.StatusClosed || tk.Satisfaction != workorder.Satisfied {
		t.Fatalf("after the rating the order is %s/%s", tk.Status, tk.Satisfaction)
	}
	res, body = rate(good)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "已经评价过") {
		t.Errorf("rating twice = %d, want 409 explained", res.StatusCode)
	}
}

func TestPortalClosedWhenItsAccountIsDisabled(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	number, code := ptSubmit(t, c, base, "关闭前提交")
	hidden := ptOpenForm(t, c, base)
	ctx := context.Background()
	setDisabled := func(off bool) {
		u, err := site.st.UserByUsername(ctx, ticketing.PortalUsername)
		if err != nil {
			t.Fatal(err)
		}
		u.Disabled = off
		if _, err := site.st.UpdateUser(ctx, audit.System, u); err != nil {
			t.Fatal(err)
		}
	}
	setDisabled(true)
	t.Cleanup(func() { setDisabled(false) })
	before := ptOrders(t)
	res, body := ptPost(t, c, base, ptFields(hidden, "门户关闭时提交"), nil)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "12345 热线") || !strings.Contains(body, "门户关闭时提交") {
		t.Fatalf("submission to a closed portal = %d, want 503 sending the citizen to the phone line, with the input kept", res.StatusCode)
	}
	if ptOrders(t) != before {
		t.Error("a closed portal stored the order")
	}
	res, _ = ptPost(t, c, base, ptFields(hidden, "门户关闭时带照片"), &ptPhoto{"a.png", "image/png", ptPNG})
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a photo sent to a closed portal = %d, want 503", res.StatusCode)
	}
	res, err := c.PostForm(base+"/portal/rate", url.Values{"pt_token": {ptToken(t, c, base)}, "number": {number}, "code": {code},
		"resolved": {"yes"}, "satisfaction": {"satisfied"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, res); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `id="pt-status"`) {
		t.Errorf("a rating sent to a closed portal = %d, want 503 with the progress still shown", res.StatusCode)
	}
}

func TestPortalShowsTheMasterOfAMergedReport(t *testing.T) {
	base := ptServer(t)
	c := client(t)
	master, _ := ptSubmit(t, c, base, "主单：北门路灯")
	dup, code := ptSubmit(t, c, base, "北门那边也黑")
	staff := newPtStaff(t)
	if _, err := staff.svc.Act(context.Background(), staff.agent, dup, workorder.Command{Action: workorder.ActMerge, MasterID: master}); err != nil {
		t.Fatal(err)
	}
	staff.handle(t, master, "北门一带的路灯线路已修复")
	res, body := ptGet(t, c, base+"/portal/track?"+url.Values{"number": {dup}, "code": {code}}.Encode())
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="pt-master"`) || !strings.Contains(body, "北门一带的路灯线路已修复") ||
		!strings.Contains(body, "已合并办理") {
		t.Fatalf("the merged report's page = %d without the master's progress:\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, "主单：北门路灯") || strings.Contains(body, `id="pt-rate-form"`) {
		t.Error("the merged report shows the master's title or offers a rating")
	}
}
