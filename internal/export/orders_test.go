package export_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/xuri/excelize/v2"
)

// words is the order list in plain words, for tests.
type words struct{}

func (words) OrdersTitle() string                              { return "Orders" }
func (words) Column(c export.OrderColumn) string               { return string(c) }
func (words) StatusName(s workorder.Status) string             { return "status:" + string(s) }
func (words) TypeName(r workorder.RequestType) string          { return string(r) }
func (words) ChannelName(c workorder.Channel) string           { return string(c) }
func (words) UrgencyName(u workorder.Urgency) string           { return string(u) }
func (words) SatisfactionName(s workorder.Satisfaction) string { return string(s) }
func (words) Yes() string                                      { return "yes" }
func (words) Anonymous() string                                { return "anonymous" }
func (words) Confidential() string                             { return "confidential" }

// jobs runs exports over the city, worded plainly, with their files in a temporary directory.
func (c *city) jobs(t testing.TB) *export.Jobs {
	return &export.Jobs{Store: c.st, Tickets: c.svc, Auth: c.auth, Blobs: attachment.DiskBlobs(t.TempDir()),
		Labels: func(string) (export.Labels, error) { return words{}, nil }}
}

// finished waits for a job to end and returns it.
func finished(t *testing.T, j *export.Jobs, a access.Actor, id string) store.ExportJob {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		job, err := j.Job(context.Background(), a, id)
		if err != nil {
			t.Fatal(err)
		}
		if job.Status == store.ExportDone || job.Status == store.ExportFailed {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 20 s", id, job.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sheet opens a finished job's file and returns its rows.
func sheet(t *testing.T, j *export.Jobs, a access.Actor, id string) [][]string {
	t.Helper()
	job, f, err := j.File(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	book, err := excelize.OpenReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	if !strings.HasSuffix(job.FileName, ".xlsx") {
		t.Errorf("file name %q", job.FileName)
	}
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column returns the index of a column of the order list.
func column(c export.OrderColumn) int {
	for i, x := range export.OrderColumns {
		if x == c {
			return i
		}
	}
	panic("no column " + c)
}

func TestOrderExportMasksCallersUnlessAllowed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCity(t, st)
		var numbers []string
		for i := range 3 {
			numbers = append(numbers, c.order(t, 106.25+0.5*float64(i), "020301", i).Number)
		}
		j := c.jobs(t)
		today := measure.DayOf(time.Now()).String()
		q := export.OrderQuery{From: today, To: today}

		job, err := j.Start(ctx, c.actors["leader"], "zh-CN", q)
		if err != nil {
			t.Fatal(err)
		}
		if done := finished(t, j, c.actors["leader"], job.ID); done.Status != store.ExportDone || done.Rows != 3 || done.Permille != 1000 {
			t.Fatalf("the leader's export ended %+v", done)
		}
		rows := sheet(t, j, c.actors["leader"], job.ID)
		if len(rows) != 4 || rows[0][0] != "number" {
			t.Fatalf("%d rows (%v), want a heading and 3 orders", len(rows), rows[0])
		}
		for i, n := range numbers {
			row := rows[i+1]
			if row[column(export.ColNumber)] != n || row[column(export.ColStatus)] != "status:new" || row[column(export.ColCategory)] == "020301" {
				t.Errorf("row %d: %v", i+1, row)
			}
			if got := row[column(export.ColCallerPhone)]; got != access.MaskPhone("13812345678") || got == "13812345678" {
				t.Errorf("a leader's export shows the caller's number as %q, want it masked", got)
			}
		}

		if _, err := j.Start(ctx, c.actors["leader"], "zh-CN", export.OrderQuery{From: today, To: today, FullCaller: true}); !isField(err, "full_caller") {
			t.Errorf("a leader asking for callers in full: %v, want a full_caller error", err)
		}
		full, err := j.Start(ctx, c.actors["supervisor"], "en", export.OrderQuery{From: today, To: today, FullCaller: true})
		if err != nil {
			t.Fatal(err)
		}
		finished(t, j, c.actors["supervisor"], full.ID)
		if got := sheet(t, j, c.actors["supervisor"], full.ID)[1][column(export.ColCallerPhone)]; got != "13812345678" {
			t.Errorf("the supervisor's full export shows %q", got)
		}
		entries, err := st.AuditEntries(ctx, "export_job", full.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[1].Action != "export.create" || !strings.Contains(string(entries[1].Detail), `"full_caller":true`) ||
			entries[1].Actor != "supervisor" {
			t.Errorf("audit of a full export: %+v", entries)
		}
		if _, err := j.Job(ctx, c.actors["leader"], full.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another user's job: %v, want ErrNotFound", err)
		}

		unit, err := j.Start(ctx, c.actors["handler-hn"], "zh-CN", q)
		if err != nil {
			t.Fatal(err)
		}
		if done := finished(t, j, c.actors["handler-hn"], unit.ID); done.Status != store.ExportDone || done.Rows != 0 {
			t.Errorf("a unit exporting orders it does not handle: %+v, want an empty list", done)
		}
	})
}

func isField(err error, field string) bool {
	var fe *workorder.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

func TestOrderQueryNamesTheField(t *testing.T) {
	st := storetest.SQLite(t)
	c := newCity(t, st)
	tests := []struct {
		q     export.OrderQuery
		field string
	}{
		{export.OrderQuery{To: "2026-11-01"}, "from"},
		{export.OrderQuery{From: "2026-11-01"}, "to"},
		{export.OrderQuery{From: "2026-11-31", To: "2026-12-01"}, "from"},
		{export.OrderQuery{From: "2026-11-02", To: "2026-11-01"}, "to"},
		{export.OrderQuery{From: "2025-01-01", To: "2026-11-01"}, "to"},
		{export.OrderQuery{From: "2026-11-01", To: "2026-11-02", Region: "150399"}, "region"},
		{export.OrderQuery{From: "2026-11-01", To: "2026-11-02", Category: "99"}, "category"},
		{export.OrderQuery{From: "2026-11-01", To: "2026-11-02", Status: "lost"}, "status"},
		{export.OrderQuery{From: "2026-11-01", To: "2026-11-02", Type: "rant"}, "type"},
		{export.OrderQuery{From: "2026-11-01", To: "2026-11-02", Channel: "fax"}, "channel"},
	}
	for _, tc := range tests {
		if _, err := tc.q.Filter(context.Background(), st, c.actors["leader"]); !isField(err, tc.field) {
			t.Errorf("%+v: %v, want a %s error", tc.q, err, tc.field)
		}
	}
	f, err := export.OrderQuery{From: "2026-11-01", To: "2026-11-30", Region: "150302", Status: "closed", Overdue: true}.Filter(context.Background(), st, c.actors["leader"])
	if err != nil {
		t.Fatal(err)
	}
	if f.PlacePrefix != "150302" || len(f.Statuses) != 1 || !f.Overdue || f.To.Sub(f.From) != 30*24*time.Hour {
		t.Errorf("filter %+v", f)
	}
}

// history imports n orders taken in on one day, spread over it, through the store's bulk import.
func history(t testing.TB, st *store.Store, day measure.Day, n int) {
	t.Helper()
	start := day.Start().Add(time.Hour)
	gap := 22 * time.Hour / time.Duration(n)
	var orders []store.HistoryTicket
	for i := range n {
		at := start.Add(time.Duration(i) * gap).UTC()
		tk := workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: workorder.MainLine, Type: workorder.TypeEnquiry,
			Category: "010101", Title: fmt.Sprintf("历史工单%d", i), Description: "历史", Urgency: workorder.UrgencyNormal,
			Location: workorder.Location{PlaceCode: "150302001001001"}, Status: workorder.StatusNew, CreatedBy: "agent",
			CreatedAt: at, UpdatedAt: at, Version: 1}
		orders = append(orders, store.HistoryTicket{Ticket: tk, Events: []workorder.Event{{At: at, Action: workorder.ActCreate,
			To: workorder.StatusNew, Actor: "agent"}}})
		if len(orders) == 5000 || i == n-1 {
			if err := st.ImportHistory(context.Background(), audit.System, "WH", workorder.NumberDay(start), orders); err != nil {
				t.Fatal(err)
			}
			orders = orders[:0]
		}
	}
}

func TestOrderExportPagesThroughEveryOrder(t *testing.T) {
	st := storetest.SQLite(t)
	c := newCity(t, st)
	day := measure.DayOf(time.Now()).AddDays(-3)
	const n = 1234 // three pages
	history(t, st, day, n)
	j := c.jobs(t)
	job, err := j.Start(context.Background(), c.actors["leader"], "zh-CN", export.OrderQuery{From: day.String(), To: day.String()})
	if err != nil {
		t.Fatal(err)
	}
	if done := finished(t, j, c.actors["leader"], job.ID); done.Status != store.ExportDone || done.Rows != n {
		t.Fatalf("export of %d orders ended %+v", n, done)
	}
	rows := sheet(t, j, c.actors["leader"], job.ID)
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want %d and a heading", len(rows), n)
	}
	seen := map[string]bool{}
	for i, r := range rows[1:] {
		num := r[column(export.ColNumber)]
		if seen[num] {
			t.Fatalf("order %s twice", num)
		}
		seen[num] = true
		if i > 0 && r[column(export.ColCreatedAt)] < rows[i][column(export.ColCreatedAt)] {
			t.Fatalf("row %d was taken in before the row above it", i+1)
		}
	}
}

func TestOrderExportResumesAJobWhoseNodeStopped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCity(t, st)
		c.order(t, 106.25, "020301", 1)
		today := measure.DayOf(time.Now()).String()
		job, err := st.CreateExportJob(ctx, audit.System, store.ExportJob{Kind: export.KindOrders, UserID: c.actors["leader"].UserID,
			Lang: "zh-CN", Params: []byte(`{"from":"` + today + `","to":"` + today + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		// A node took the job an hour ago and was never heard of again.
		st.SetClock(func() time.Time { return time.Now().Add(-time.Hour) })
		if _, err := st.ClaimExportJob(ctx, job.ID, "stopped-node", time.Minute); err != nil {
			t.Fatal(err)
		}
		st.SetClock(time.Now)
		j := c.jobs(t)
		if _, _, err := j.File(ctx, c.actors["leader"], "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown job's file: %v", err)
		}
		done := finished(t, j, c.actors["leader"], job.ID)
		if done.Status != store.ExportDone || done.Attempts != 2 || done.Rows != 1 {
			t.Fatalf("resumed job %+v, want done on its second attempt", done)
		}

		held, err := st.CreateExportJob(ctx, audit.System, store.ExportJob{Kind: export.KindOrders, UserID: c.actors["leader"].UserID,
			Lang: "zh-CN", Params: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ClaimExportJob(ctx, held.ID, "busy-node", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, f, err := j.File(ctx, c.actors["leader"], held.ID); !errors.Is(err, export.ErrNotReady) {
			if f != nil {
				io.Copy(io.Discard, f)
				f.Close()
			}
			t.Errorf("the file of a job still running: %v, want ErrNotReady", err)
		}
	})
}
