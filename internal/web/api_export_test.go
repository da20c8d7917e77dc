package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/xuri/excelize/v2"
)

type exportJob struct {
	ID       string
	Status   string
	Rows     int64
	Progress float64
	File     string
	FileName string `json:"file_name"`
	Error    string
}

// waitJob polls an export until it ends.
func waitJob(t *testing.T, f *fixture, as string, job exportJob) exportJob {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for job.Status != "done" && job.Status != "failed" {
		if time.Now().After(deadline) {
			t.Fatalf("job %+v still running after 20 s", job)
		}
		time.Sleep(20 * time.Millisecond)
		status, body := f.call(t, "GET", "/api/v1/exports/"+job.ID, as, "")
		if status != 200 {
			t.Fatalf("poll: %d %s", status, body)
		}
		if err := json.Unmarshal([]byte(body), &job); err != nil {
			t.Fatal(err)
		}
	}
	return job
}

// TestExportAPI exports the agent's orders through the API: started, polled, downloaded, with the
// callers masked or shown as the role allows, and bad requests refused naming the field.
func TestExportAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.demoCatalogue(t)
		agent, admin, handler := f.login(t, "agent"), f.login(t, "admin"), f.login(t, "handler-hn")
		for _, lng := range []string{"106.25", "107.75"} {
			status, body := f.call(t, "POST", "/api/v1/tickets", agent, `{"channel":"phone","type":"complaint","category":"020301",
				"title":"路灯不亮","description":"小区门口路灯一周不亮","lat":39.5,"lng":`+lng+`,"caller":{"name":"张三","phone":"13812345678"}}`)
			if status != 201 {
				t.Fatalf("create: %d %s", status, body)
			}
		}
		today := measure.DayOf(time.Now()).String()
		span := `"from":"` + today + `","to":"` + today + `"`

		status, body := f.call(t, "POST", "/api/v1/exports", agent, `{`+span+`,"full_caller":true,"lang":"en"}`)
		if status != 202 {
			t.Fatalf("start: %d %s", status, body)
		}
		var job exportJob
		if err := json.Unmarshal([]byte(body), &job); err != nil {
			t.Fatal(err)
		}
		if job = waitJob(t, f, agent, job); job.Rows != 2 || job.Progress != 1 || job.File != "/api/v1/exports/"+job.ID+"/file" || !strings.HasPrefix(job.FileName, "Order list_") {
			t.Errorf("done: %+v", job)
		}
		status, file := f.call(t, "GET", job.File, agent, "")
		if status != 200 {
			t.Fatalf("download: %d", status)
		}
		book, err := excelize.OpenReader(strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		rows, err := book.GetRows(book.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "Order number" || !strings.Contains(strings.Join(rows[1], "|"), "|13812345678") {
			t.Errorf("the agent's full export: %v", rows)
		}
		if status, body := f.call(t, "GET", "/api/v1/exports", agent, ""); status != 200 || !strings.Contains(body, job.ID) {
			t.Errorf("the agent's exports: %d %s", status, body)
		}

		for _, tc := range []struct {
			name, as, method, path, body string
			status                       int
			contains                     string
		}{
			{"anonymous", "", "POST", "/api/v1/exports", `{` + span + `}`, 401, ""},
			{"another user's job", handler, "GET", "/api/v1/exports/" + job.ID, "", 404, ""},
			{"another user's file", handler, "GET", "/api/v1/exports/" + job.ID + "/file", "", 404, ""},
			{"no such job", agent, "GET", "/api/v1/exports/nope", "", 404, ""},
			{"no from", agent, "POST", "/api/v1/exports", `{"to":"` + today + `"}`, 400, `"field":"from"`},
			{"backwards", agent, "POST", "/api/v1/exports", `{"from":"2026-11-02","to":"2026-11-01"}`, 400, `"field":"to"`},
			{"unknown region", agent, "POST", "/api/v1/exports", `{` + span + `,"region":"150399"}`, 400, `"field":"region"`},
			{"unknown field", agent, "POST", "/api/v1/exports", `{` + span + `,"colour":"red"}`, 400, `"field":"colour"`},
			{"unknown language", agent, "POST", "/api/v1/exports", `{` + span + `,"lang":"fr"}`, 400, `"field":"lang"`},
			{"no personal data for a handler", handler, "POST", "/api/v1/exports", `{` + span + `,"full_caller":true}`, 400, `"field":"full_caller"`},
			{"an admin runs the system, not the cases", admin, "POST", "/api/v1/exports", `{` + span + `}`, 403, ""},
		} {
			status, body := f.call(t, tc.method, tc.path, tc.as, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%s: %d %s, want %d with %s", tc.name, status, body, tc.status, tc.contains)
			}
		}
		status, body = f.call(t, "POST", "/api/v1/exports", handler, `{`+span+`}`)
		var own exportJob
		if err := json.Unmarshal([]byte(body), &own); status != 202 || err != nil {
			t.Fatalf("a handler's export: %d %s", status, body)
		}
		if own = waitJob(t, f, handler, own); own.Status != "done" || own.Rows != 0 {
			t.Errorf("a handler's export of orders its unit does not handle: %+v", own)
		}
	})
}
