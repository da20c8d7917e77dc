package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// auditedStore makes five audited changes and returns the store.
func auditedStore(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	who := audit.Who{Actor: "tester", RemoteAddr: "10.0.0.1"}
	if err := s.InsertPlaces(ctx, who, []org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}, "test"); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"A", "B", "C"} {
		if _, err := s.CreateUnit(ctx, who, org.Unit{Code: code, Name: "单位" + code, Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
			t.Fatal(err)
		}
	}
	u, err := s.UnitByCode(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	u.Name = "改名"
	if _, err := s.UpdateUnit(ctx, who, u); err != nil {
		t.Fatal(err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	tampering := []struct {
		name, sql string
		brokenAt  int64
	}{
		{"edit a detail", `UPDATE audit_log SET detail = '{"code":"X"}' WHERE seq = 3`, 3},
		{"change the actor", `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2`, 2},
		{"delete a middle entry", `DELETE FROM audit_log WHERE seq = 2`, 2},
		{"delete the last entry", `DELETE FROM audit_log WHERE seq = 5`, 5},
		{"rewrite one entry with a fresh hash", `UPDATE audit_log SET actor = 'x', hash = 'ffff' WHERE seq = 4`, 4},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		auditedStore(t, s)
		n, broken, err := s.VerifyAudit(ctx)
		if err != nil || broken != nil || n != 5 {
			t.Fatalf("intact chain: n=%d broken=%v err=%v; want 5 entries intact", n, broken, err)
		}
		entries, err := s.AuditEntries(ctx, "unit", "", 10)
		if err != nil || len(entries) != 0 {
			t.Fatalf("entries for a missing object: %v %v", entries, err)
		}
		for _, tc := range tampering {
			t.Run(tc.name, func(t *testing.T) {
				fresh := storetest.SQLite(t)
				if s.Dialect() == store.Postgres {
					fresh = storetest.Postgres(t)
				}
				auditedStore(t, fresh)
				if _, err := fresh.ExecForTest(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				_, broken, err := fresh.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if broken == nil || broken.Seq != tc.brokenAt {
					t.Fatalf("broken = %v, want a break at entry %d", broken, tc.brokenAt)
				}
			})
		}
	})
}

func TestAuditRecordsWhoAndWhat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		auditedStore(t, s)
		u, err := s.UnitByCode(ctx, "B")
		if err != nil {
			t.Fatal(err)
		}
		entries, err := s.AuditEntries(ctx, "unit", u.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "unit.update" || entries[1].Action != "unit.create" {
			t.Fatalf("entries = %+v, want update then create", entries)
		}
		e := entries[0]
		if e.Actor != "tester" || e.RemoteAddr != "10.0.0.1" || !strings.Contains(e.Detail, "改名") || e.At == 0 {
			t.Fatalf("entry = %+v", e)
		}
	})
}
