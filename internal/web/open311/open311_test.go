package open311_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

func TestDiscovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		status, body := f.get(t, "/open311/v2/discovery.json")
		var doc struct {
			Changeset, Contact string
			KeyService         string `json:"key_service"`
			Endpoints          []struct {
				Specification, URL, Type string
				Formats                  []string
			}
		}
		decode(t, body, &doc)
		if status != http.StatusOK || len(doc.Endpoints) != 1 || doc.KeyService == "" || doc.Contact == "" || doc.Changeset == "" {
			t.Fatalf("discovery.json: %d %s", status, body)
		}
		ep := doc.Endpoints[0]
		if ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.URL != f.srv.URL+"/open311/v2" ||
			!slices.Contains(ep.Formats, "text/xml") || !slices.Contains(ep.Formats, "application/json") {
			t.Errorf("endpoint %+v", ep)
		}
		status, body = f.get(t, "/open311/v2/discovery.xml")
		var x struct {
			XMLName   xml.Name `xml:"discovery"`
			Endpoints []struct {
				URL     string   `xml:"url"`
				Formats []string `xml:"formats>format"`
			} `xml:"endpoints>endpoint"`
		}
		decodeXML(t, body, &x)
		if status != http.StatusOK || len(x.Endpoints) != 1 || x.Endpoints[0].URL != f.srv.URL+"/open311/v2" || len(x.Endpoints[0].Formats) != 2 {
			t.Errorf("discovery.xml: %d %s", status, body)
		}
	})
}

func TestServices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		status, body := f.get(t, "/open311/v2/services.json")
		var services []struct {
			Code     string `json:"service_code"`
			Name     string `json:"service_name"`
			Metadata bool
			Type     string
			Keywords *string
			Group    *string
		}
		decode(t, body, &services)
		// Only usable leaves: not the retired 020303, not the groups 02 and 0203.
		if status != http.StatusOK || len(services) != 2 || services[0].Code != "020301" || services[1].Code != "020302" {
			t.Fatalf("services.json: %d %s", status, body)
		}
		lamp, pole := services[0], services[1]
		if lamp.Name != "路灯不亮" || !lamp.Metadata || lamp.Type != "realtime" || *lamp.Keywords != "路灯,不亮" || *lamp.Group != "市政设施" {
			t.Errorf("020301 = %+v", lamp)
		}
		if pole.Metadata || pole.Keywords != nil || *pole.Group != "照明设施" {
			t.Errorf("020302 = %+v: want no metadata, null keywords, its own group", pole)
		}
		status, body = f.get(t, "/open311/v2/services.xml")
		var x struct {
			XMLName  xml.Name `xml:"services"`
			Services []struct {
				Code     string `xml:"service_code"`
				Metadata bool   `xml:"metadata"`
				Group    string `xml:"group"`
			} `xml:"service"`
		}
		decodeXML(t, body, &x)
		if status != http.StatusOK || len(x.Services) != 2 || !x.Services[0].Metadata || x.Services[1].Group != "照明设施" {
			t.Errorf("services.xml: %d %s", status, body)
		}
	})
}

func TestServiceDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		status, body := f.get(t, "/open311/v2/services/020301.json")
		var def struct {
			Code       string `json:"service_code"`
			Attributes []struct {
				Variable, Required bool
				Code, Datatype     string
				Order              int
				Description        string
				Values             []struct{ Key, Name string }
			}
		}
		decode(t, body, &def)
		if status != http.StatusOK || def.Code != "020301" || len(def.Attributes) != 3 {
			t.Fatalf("services/020301.json: %d %s", status, body)
		}
		var codes []string
		for _, a := range def.Attributes {
			codes = append(codes, a.Code)
		}
		if !slices.Equal(codes, []string{"fault", "pole_number", "lamp_count"}) {
			t.Errorf("attributes in order %v, want by their order field", codes)
		}
		fault := def.Attributes[0]
		if !fault.Variable || !fault.Required || fault.Datatype != "singlevaluelist" || len(fault.Values) != 2 || fault.Values[1].Name != "闪烁" {
			t.Errorf("fault = %+v", fault)
		}
		status, body = f.get(t, "/open311/v2/services/020301.xml")
		if status != http.StatusOK || strings.Count(body, "<values>") != 1 || strings.Count(body, "<value>") != 2 {
			t.Errorf("services/020301.xml: want one <values> list, for the one list attribute: %s", body)
		}
		status, body = f.get(t, "/open311/v2/services/020302.xml")
		var x struct {
			XMLName    xml.Name `xml:"service_definition"`
			Code       string   `xml:"service_code"`
			Attributes []struct {
				Code string `xml:"code"`
			} `xml:"attributes>attribute"`
		}
		decodeXML(t, body, &x)
		if status != http.StatusOK || x.Code != "020302" || len(x.Attributes) != 0 {
			t.Errorf("services/020302.xml: %d %s", status, body)
		}
		for _, c := range []struct {
			path string
			xml  bool
		}{
			{"/open311/v2/services/020303.json", false}, // retired
			{"/open311/v2/services/0203.xml", true},     // a group, not a service
			{"/open311/v2/services/nope.json", false},
		} {
			status, body := f.get(t, c.path)
			wantError(t, c.path, status, body, c.xml, http.StatusNotFound, "service_code")
		}
	})
}

func TestUnknownURLs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for _, c := range []struct {
			path string
			xml  bool
		}{
			{"/open311/v2/services.csv", false},
			{"/open311/v2/services", false},
			{"/open311/v2/nothing.json", false},
			{"/open311/v2/nothing.xml", true},
			{"/open311/v2/a/b/c.xml", true},
			{"/open311/v2/requests/WH1.html", false},
		} {
			status, body := f.get(t, c.path)
			wantError(t, c.path, status, body, c.xml, http.StatusNotFound, "")
		}
		status, body := f.post(t, "/open311/v2/services.json", f.lampForm())
		wantError(t, "POST services", status, body, false, http.StatusNotFound, "")
	})
}

func TestPostRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		cases := []struct {
			name   string
			edit   func(url.Values)
			status int
			field  string
		}{
			{"no api_key", func(v url.Values) { v.Del("api_key") }, http.StatusForbidden, "api_key"},
			{"revoked key", func(v url.Values) { v.Set("api_key", f.revoked) }, http.StatusForbidden, "api_key"},
			{"made-up key", func(v url.Values) { v.Set("api_key", "clk_ABCDEFGH_notarealsecretnotarealsecret") }, http.StatusForbidden, "api_key"},
			{"no service_code", func(v url.Values) { v.Del("service_code") }, http.StatusBadRequest, "service_code"},
			{"unknown service", func(v url.Values) { v.Set("service_code", "999999") }, http.StatusBadRequest, "service_code"},
			{"retired service", func(v url.Values) { v.Set("service_code", "020303") }, http.StatusBadRequest, "service_code"},
			{"a group", func(v url.Values) { v.Set("service_code", "0203") }, http.StatusBadRequest, "service_code"},
			{"no location", func(v url.Values) { v.Del("lat"); v.Del("long") }, http.StatusBadRequest, "location"},
			{"lat without long", func(v url.Values) { v.Del("long") }, http.StatusBadRequest, "long"},
			{"lat not a number", func(v url.Values) { v.Set("lat", "north") }, http.StatusBadRequest, "lat"},
			{"outside the city", func(v url.Values) { v.Set("lat", "31.2"); v.Set("long", "121.5") }, http.StatusBadRequest, "lat"},
			{"unknown address_id", func(v url.Values) { v.Del("lat"); v.Del("long"); v.Set("address_id", "999") }, http.StatusBadRequest, "address_id"},
			{"required attribute missing", func(v url.Values) { v.Del("attribute[fault]") }, http.StatusBadRequest, "attribute[fault]"},
			{"value not in the list", func(v url.Values) { v.Set("attribute[fault]", "exploded") }, http.StatusBadRequest, "attribute[fault]"},
			{"two values for a single choice", func(v url.Values) { v.Add("attribute[fault]", "flashing") }, http.StatusBadRequest, "attribute[fault]"},
			{"not a number", func(v url.Values) { v.Set("attribute[lamp_count]", "many") }, http.StatusBadRequest, "attribute[lamp_count]"},
			{"bad phone", func(v url.Values) { v.Set("phone", "12345") }, http.StatusBadRequest, "phone"},
			{"script as media", func(v url.Values) { v.Set("media_url", "javascript:alert(1)") }, http.StatusBadRequest, "media_url"},
			{"unknown request type", func(v url.Values) { v.Set("request_type", "rant") }, http.StatusBadRequest, "request_type"},
			{"description too long", func(v url.Values) { v.Set("description", strings.Repeat("灯", 5001)) }, http.StatusBadRequest, "description"},
		}
		for _, c := range cases {
			for _, ext := range []string{"json", "xml"} {
				form := f.lampForm()
				c.edit(form)
				status, body := f.post(t, "/open311/v2/requests."+ext, form)
				wantError(t, c.name+" ("+ext+")", status, body, ext == "xml", c.status, c.field+":")
			}
		}
		if n := f.stored(t); n != 0 {
			t.Errorf("%d orders stored by refused requests", n)
		}
	})
}

func TestRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		form := f.lampForm()
		for k, v := range map[string]string{"first_name": "小明", "last_name": "王", "phone": "+86 139 1234 5678",
			"email": "wang.xiaoming@example.com", "device_id": "device-77", "account_id": "acct-7", "attribute[pole_number]": "HBW-0123"} {
			form.Set(k, v)
		}
		status, body := f.post(t, "/open311/v2/requests.xml", form)
		var posted struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID        string `xml:"service_request_id"`
				Notice    string `xml:"service_notice"`
				AccountID string `xml:"account_id"`
			} `xml:"request"`
		}
		decodeXML(t, body, &posted)
		if status != http.StatusOK || len(posted.Requests) != 1 || posted.Requests[0].AccountID != "acct-7" || posted.Requests[0].Notice == "" {
			t.Fatalf("POST requests.xml: %d %s", status, body)
		}
		id := posted.Requests[0].ID

		// The work order behind it, as the centre sees it.
		tk, err := f.svc.Get(ctx, f.actors["dispatcher"], id)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Number != id || tk.Channel != workorder.ChannelOpen311 || tk.Type != workorder.TypeComplaint || tk.Category != "020301" ||
			tk.CreatedBy != "open311-client" || tk.Location.PlaceCode != grid || tk.Caller.Name != "王小明" || tk.Caller.Phone != "13912345678" {
			t.Errorf("order = %+v", tk)
		}
		if !strings.HasPrefix(tk.Title, "路灯不亮：海北大街") {
			t.Errorf("title %q: want the service name and the first words", tk.Title)
		}
		for _, want := range []string{"整夜不亮", "路灯怎么了：不亮", "灯杆编号：HBW-0123", "大约几盏灯有问题：3"} {
			if !strings.Contains(tk.Description, want) {
				t.Errorf("description %q lacks %q", tk.Description, want)
			}
		}

		type requestJSON struct {
			ID                string `json:"service_request_id"`
			Status            string
			StatusNotes       *string `json:"status_notes"`
			ServiceName       string  `json:"service_name"`
			ServiceCode       string  `json:"service_code"`
			AgencyResponsible *string `json:"agency_responsible"`
			Lat, Long         *float64
			Requested         string `json:"requested_datetime"`
		}
		one := func() requestJSON {
			t.Helper()
			status, body := f.get(t, "/open311/v2/requests/"+id+".json")
			var got []requestJSON
			decode(t, body, &got)
			if status != http.StatusOK || len(got) != 1 || got[0].ID != id {
				t.Fatalf("GET requests/%s: %d %s", id, status, body)
			}
			return got[0]
		}
		got := one()
		if got.Status != "open" || got.ServiceCode != "020301" || got.ServiceName != "路灯不亮" || got.AgencyResponsible != nil ||
			got.Lat == nil || *got.Lat != 39.5 || *got.Long != 106.25 || *got.StatusNotes != "已受理" {
			t.Errorf("new request = %+v", got)
		}
		if _, err := time.Parse(time.RFC3339, got.Requested); err != nil || !strings.HasSuffix(got.Requested, "+08:00") {
			t.Errorf("requested_datetime %q: want a W3C datetime in +08:00", got.Requested)
		}

		f.act(t, "dispatcher", id, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: f.unit.ID})
		got = one()
		if got.Status != "open" || got.AgencyResponsible == nil || *got.AgencyResponsible != "路灯管理所" || *got.StatusNotes != "已派单至路灯管理所" {
			t.Errorf("dispatched request = %+v", got)
		}
		f.act(t, "handler", id, workorder.Command{Action: workorder.ActAccept})
		f.act(t, "handler", id, workorder.Command{Action: workorder.ActReply, Comment: "王小明您好，路灯已更换灯泡修复。回电请拨 13912345678。"})
		f.act(t, "dispatcher", id, workorder.Command{Action: workorder.ActApprove})
		yes := true
		f.act(t, "dispatcher", id, workorder.Command{Action: workorder.ActVisit, Resolved: &yes, Satisfaction: workorder.Satisfied, Comment: "王先生表示满意"})

		status, body = f.get(t, "/open311/v2/requests/"+id+".xml")
		var x struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID     string `xml:"service_request_id"`
				Status string `xml:"status"`
				Agency string `xml:"agency_responsible"`
				Notes  string `xml:"status_notes"`
			} `xml:"request"`
		}
		decodeXML(t, body, &x)
		if status != http.StatusOK || len(x.Requests) != 1 || x.Requests[0].Status != "closed" || x.Requests[0].Agency != "路灯管理所" ||
			!strings.Contains(x.Requests[0].Notes, "已解决") {
			t.Errorf("closed request: %d %s", status, body)
		}

		listed := func(query string) []string {
			t.Helper()
			status, body := f.get(t, "/open311/v2/requests.json?"+query)
			var got []requestJSON
			decode(t, body, &got)
			if status != http.StatusOK {
				t.Fatalf("GET requests?%s: %d %s", query, status, body)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			return ids
		}
		for query, want := range map[string]bool{
			"":                             true,
			"status=closed":                true,
			"status=open":                  false,
			"status=open,closed":           true,
			"service_code=020301":          true,
			"service_code=020302":          false,
			"service_request_id=WH1," + id: true,
			"start_date=2000-01-01&end_date=2000-02-01":                                                              false,
			"jurisdiction_id=wuhai&start_date=" + url.QueryEscape(time.Now().Add(-2*time.Hour).Format(time.RFC3339)): true,
		} {
			if got := slices.Contains(listed(query), id); got != want {
				t.Errorf("GET requests?%s lists the request: %v, want %v", query, got, want)
			}
		}
		status, body = f.get(t, "/open311/v2/requests.json?status=pending")
		wantError(t, "unknown status", status, body, false, http.StatusBadRequest, "status:")

		status, body = f.get(t, "/open311/v2/tokens/"+id+".json")
		var tok []struct {
			ID    string `json:"service_request_id"`
			Token string
		}
		decode(t, body, &tok)
		if status != http.StatusOK || len(tok) != 1 || tok[0].ID != id || tok[0].Token != id {
			t.Errorf("tokens/%s.json: %d %s", id, status, body)
		}
		status, body = f.get(t, "/open311/v2/tokens/"+id+".xml")
		var tx struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID    string `xml:"service_request_id"`
				Token string `xml:"token"`
			} `xml:"request"`
		}
		decodeXML(t, body, &tx)
		if status != http.StatusOK || len(tx.Requests) != 1 || tx.Requests[0].ID != id || tx.Requests[0].Token != id {
			t.Errorf("tokens/%s.xml: %d %s", id, status, body)
		}
		status, body = f.get(t, "/open311/v2/requests.xml?status=closed&service_code=020301")
		x.Requests = nil
		decodeXML(t, body, &x)
		if status != http.StatusOK || len(x.Requests) != 1 || x.Requests[0].ID != id || x.Requests[0].Status != "closed" {
			t.Errorf("requests.xml: %d %s", status, body)
		}
		status, body = f.get(t, "/open311/v2/tokens/WH000.xml")
		wantError(t, "unknown token", status, body, true, http.StatusNotFound, "token:")

		status, body = f.get(t, "/open311/v2/servicerequestupdates.json")
		var updates []struct {
			UpdateID    string `json:"update_id"`
			RequestID   string `json:"service_request_id"`
			Status      string
			Updated     string `json:"updated_datetime"`
			Description string
			MediaURL    string `json:"media_url"`
		}
		decode(t, body, &updates)
		var steps []string
		for _, u := range updates {
			if u.RequestID != id || u.UpdateID == "" || u.Updated == "" {
				t.Errorf("update %+v", u)
			}
			steps = append(steps, u.Status)
		}
		// Approval of the reply is the centre's own review: it is no public step.
		if want := []string{"OPEN", "ACTION_SCHEDULED", "IN_PROGRESS", "IN_PROGRESS", "FIXED"}; status != http.StatusOK || !slices.Equal(steps, want) {
			t.Fatalf("updates %v, want %v: %s", steps, want, body)
		}
		if reply := updates[3].Description; !strings.Contains(reply, "路灯已更换灯泡修复") || !strings.Contains(reply, "王*明") {
			t.Errorf("reply update %q: want the reply with the caller masked", reply)
		}
		status, body = f.get(t, "/open311/v2/servicerequestupdates.json?start_date=yesterday")
		wantError(t, "updates from a bad date", status, body, false, http.StatusBadRequest, "start_date:")
		status, body = f.get(t, "/open311/v2/servicerequestupdates.xml?start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z")
		var ux struct {
			XMLName xml.Name   `xml:"service_request_updates"`
			Updates []struct{} `xml:"request_update"`
		}
		decodeXML(t, body, &ux)
		if status != http.StatusOK || len(ux.Updates) != 0 {
			t.Errorf("updates of 2000: %d %s", status, body)
		}
		status, body = f.get(t, "/open311/v2/servicerequestupdates.xml")
		decodeXML(t, body, &ux)
		if status != http.StatusOK || len(ux.Updates) != 5 {
			t.Errorf("updates.xml: %d %s", status, body)
		}

		f.neverShown(t, "13912345678", "王小明", "小明", "王先生", "wang.xiaoming", "device-77")
	})
}

func TestMultipartBearerAndIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		send := func(fields map[string]string, key string) (int, string, http.Header) {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			part, _ := mw.CreateFormFile("media", "photo.jpg")
			part.Write([]byte("not kept"))
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/open311/v2/requests.json", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+f.key)
			req.Header.Set("Idempotency-Key", key)
			return f.do(t, req)
		}
		fields := map[string]string{"service_code": "020302", "address_id": "150302001001", "description": "灯杆被车撞歪了"}
		status, first, _ := send(fields, "retry-1")
		if status != http.StatusOK {
			t.Fatalf("multipart POST with a bearer key: %d %s", status, first)
		}
		status, again, h := send(fields, "retry-1")
		if status != http.StatusOK || again != first || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %s (first %s)", status, again, first)
		}
		fields["description"] = "另一件事"
		status, body, _ := send(fields, "retry-1")
		wantError(t, "key reused for another request", status, body, false, http.StatusBadRequest, "")
		if n := f.stored(t); n != 1 {
			t.Fatalf("%d orders stored, want 1", n)
		}
		var got []struct {
			ID string `json:"service_request_id"`
		}
		decode(t, first, &got)
		tk, err := f.svc.Get(context.Background(), f.actors["dispatcher"], got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Location.Address != "乌海市海勃湾区新华街道新华社区" || tk.Location.HasPoint() {
			t.Errorf("address_id gave location %+v, want the place's names and no point", tk.Location)
		}
	})
}

func TestPublicReadsAndPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		agent := f.actors["agent"]
		photo, err := st.CreateAttachment(ctx, audit.Who{Actor: agent.Username}, store.Attachment{SHA256: strings.Repeat("ab", 32),
			Size: 10, ContentType: "image/png", FileName: "lamp.png", UploadedBy: agent.UserID})
		if err != nil {
			t.Fatal(err)
		}
		intake := func(confidential bool, files ...string) workorder.Ticket {
			t.Helper()
			tk, _, err := f.svc.Create(ctx, agent, workorder.Intake{Channel: workorder.ChannelPhone, Type: workorder.TypeComplaint,
				Category: "020301", Title: "路灯不亮", Description: "张三反映路灯不亮，联系电话13800001111，身份证110101199003074514",
				Caller:  workorder.Caller{Name: "张三", Phone: "13800001111", Confidential: confidential},
				Address: "海北大街 12 号", Lat: 39.6, Lng: 106.6, Attachments: files}, ticketing.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		plain, secret := intake(false, photo.ID), intake(true)

		type requestJSON struct {
			ID          string `json:"service_request_id"`
			Description string
			MediaURL    *string `json:"media_url"`
		}
		list := func(query string) map[string]requestJSON {
			t.Helper()
			status, body := f.get(t, "/open311/v2/requests.json"+query)
			var got []requestJSON
			decode(t, body, &got)
			if status != http.StatusOK {
				t.Fatalf("GET requests%s: %d %s", query, status, body)
			}
			out := map[string]requestJSON{}
			for _, r := range got {
				out[r.ID] = r
			}
			return out
		}
		public := list("")
		if _, ok := public[secret.Number]; ok || len(public) != 1 {
			t.Fatalf("the public sees %v: want only the order that is not confidential", public)
		}
		r := public[plain.Number]
		if !strings.Contains(r.Description, "张*") || !strings.Contains(r.Description, "138****1111") || !strings.Contains(r.Description, "110101********4514") {
			t.Errorf("description %q: want the caller masked", r.Description)
		}
		if r.MediaURL == nil || *r.MediaURL != f.srv.URL+"/api/v1/attachments/"+photo.ID {
			t.Errorf("media_url = %v, want the photo's URL", r.MediaURL)
		}
		if keyed := list("?api_key=" + url.QueryEscape(f.key)); len(keyed) != 2 {
			t.Errorf("the key's machine client sees %d orders, want both", len(keyed))
		}
		status, body := f.get(t, "/open311/v2/requests/"+secret.Number+".json")
		wantError(t, "confidential order to the public", status, body, false, http.StatusNotFound, "service_request_id:")
		if status, body := f.get(t, "/open311/v2/requests/"+secret.Number+".json?api_key="+url.QueryEscape(f.key)); status != http.StatusOK {
			t.Errorf("confidential order to the key's client: %d %s", status, body)
		}
		status, body = f.get(t, "/open311/v2/requests.xml?api_key="+url.QueryEscape(f.revoked))
		wantError(t, "revoked key on a read", status, body, true, http.StatusForbidden, "api_key:")
		status, body = f.get(t, "/open311/v2/servicerequestupdates.json")
		if status != http.StatusOK || !strings.Contains(body, plain.Number) || strings.Contains(body, secret.Number) {
			t.Errorf("public updates: %d %s", status, body)
		}
		f.neverShown(t, "13800001111", "张三", "110101199003074514")
	})
}
