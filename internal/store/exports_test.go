package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// exportUser stores a user to own export jobs.
func exportUser(t *testing.T, s *store.Store, name string) access.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), audit.System, access.User{Username: name, DisplayName: "导出人",
		Roles: []access.Role{access.RoleSupervisor}}, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestExportJobLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		u := exportUser(t, s, "exporter")
		who := audit.Who{Actor: u.Username}
		j, err := s.CreateExportJob(ctx, who, store.ExportJob{Kind: "orders", UserID: u.ID, Lang: "zh-CN",
			Params: json.RawMessage(`{"from":"2026-11-01","to":"2026-11-28"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != store.ExportQueued || j.ID == "" {
			t.Fatalf("created %+v, want a queued job with an id", j)
		}
		claimed, err := s.ClaimExportJob(ctx, j.ID, "node-a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if claimed.Status != store.ExportRunning || claimed.ClaimedBy != "node-a" || claimed.Attempts != 1 {
			t.Fatalf("claimed %+v, want running by node-a, attempt 1", claimed)
		}
		if _, err := s.ClaimExportJob(ctx, j.ID, "node-b", time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a second claim while the lease holds: %v, want ErrConflict", err)
		}
		if err := s.RenewExportJob(ctx, j.ID, "node-a", 500, 420, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.RenewExportJob(ctx, j.ID, "node-b", 10, 1, time.Minute); !errors.Is(err, store.ErrExportLeaseLost) {
			t.Fatalf("progress from a node that holds nothing: %v, want ErrExportLeaseLost", err)
		}
		got, err := s.ExportJob(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows != 500 || got.Permille != 420 {
			t.Errorf("progress %d rows, %d‰; want 500 rows, 420‰", got.Rows, got.Permille)
		}

		// node-a stops: once its lease has run out, node-b starts the job over.
		clk.advance(2 * time.Minute)
		taken, err := s.ClaimExportJob(ctx, j.ID, "node-b", time.Minute)
		if err != nil {
			t.Fatalf("claim of a job whose lease ran out: %v", err)
		}
		if taken.ClaimedBy != "node-b" || taken.Attempts != 2 || taken.Rows != 0 || taken.Permille != 0 {
			t.Fatalf("taken over %+v, want node-b's second attempt from nothing", taken)
		}
		if err := s.FinishExportJob(ctx, who, j.ID, "node-a", 1, "x.xlsx", "abc", 3); !errors.Is(err, store.ErrExportLeaseLost) {
			t.Fatalf("the old node finishing: %v, want ErrExportLeaseLost", err)
		}
		if err := s.FinishExportJob(ctx, who, j.ID, "node-b", 1234, "工单.xlsx", "deadbeef", 4096); err != nil {
			t.Fatal(err)
		}
		done, err := s.ExportJob(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != store.ExportDone || done.Rows != 1234 || done.Permille != 1000 || done.FileName != "工单.xlsx" ||
			done.FileSHA256 != "deadbeef" || done.FileSize != 4096 || done.FinishedAt.IsZero() {
			t.Fatalf("finished %+v", done)
		}
		if _, err := s.ClaimExportJob(ctx, j.ID, "node-c", time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("claiming a finished job: %v, want ErrConflict", err)
		}
		entries, err := s.AuditEntries(ctx, "export_job", j.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if len(actions) != 2 || actions[0] != "export.done" || actions[1] != "export.create" {
			t.Errorf("audit %v, want export.create then export.done", actions)
		}
	})
}

func TestExportJobGivenUpAfterTooManyStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		u := exportUser(t, s, "unlucky")
		j, err := s.CreateExportJob(ctx, audit.System, store.ExportJob{Kind: "orders", UserID: u.ID, Lang: "en", Params: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range store.MaxExportAttempts {
			if _, err := s.ClaimExportJob(ctx, j.ID, "node", time.Minute); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			clk.advance(2 * time.Minute)
		}
		if _, err := s.ClaimExportJob(ctx, j.ID, "node", time.Minute); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("claim past the last attempt: %v, want ErrConflict", err)
		}
		got, err := s.ExportJob(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.ExportFailed || got.Error == "" {
			t.Fatalf("after %d stops: %+v, want failed with a reason", store.MaxExportAttempts, got)
		}
	})
}

func TestExportJobsListAndFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := withClock(s)
		u, other := exportUser(t, s, "lister"), exportUser(t, s, "other")
		var ids []string
		for range 3 {
			j, err := s.CreateExportJob(ctx, audit.System, store.ExportJob{Kind: "orders", UserID: u.ID, Lang: "zh-CN", Params: json.RawMessage(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, j.ID)
			clk.advance(time.Second)
		}
		if _, err := s.CreateExportJob(ctx, audit.System, store.ExportJob{Kind: "orders", UserID: other.ID, Lang: "zh-CN", Params: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		list, err := s.ExportJobs(ctx, u.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
			t.Fatalf("the user's two newest jobs: %+v", list)
		}
		if _, err := s.ClaimExportJob(ctx, ids[0], "n", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.FailExportJob(ctx, audit.System, ids[0], "n", "disk full"); err != nil {
			t.Fatal(err)
		}
		failed, err := s.ExportJob(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if failed.Status != store.ExportFailed || failed.Error != "disk full" {
			t.Errorf("failed job %+v", failed)
		}
		if _, err := s.ExportJob(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown job: %v, want ErrNotFound", err)
		}
		for _, bad := range []store.ExportJob{
			{UserID: u.ID, Lang: "en", Params: json.RawMessage(`{}`)},
			{Kind: "orders", Lang: "en", Params: json.RawMessage(`{}`)},
			{Kind: "orders", UserID: u.ID, Params: json.RawMessage(`{}`)},
			{Kind: "orders", UserID: u.ID, Lang: "en", Params: json.RawMessage(`{`)},
		} {
			if _, err := s.CreateExportJob(ctx, audit.System, bad); err == nil {
				t.Errorf("created %+v", bad)
			}
		}
	})
}
