package main

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/store"
	_ "modernc.org/sqlite"
)

func TestAuditVerifyNamesTheFirstBrokenEntry(t *testing.T) {
	db := cliDB(t)
	mustCLI(t, "user", "create", "--username", "ann", "--name", "安", "--roles", "agent", "--place", "150302", "--db", db)
	mustCLI(t, "user", "disable", "ann", "--db", db)
	if out := mustCLI(t, "audit", "verify", "--db", db); !strings.Contains(out, "audit chain intact") {
		t.Fatalf("intact chain: %s", out)
	}
	raw, err := sql.Open("sqlite", strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(context.Background(), `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "audit", "verify", "--db", db)
	if code == 0 || !strings.Contains(errOut, "broken at entry 2") {
		t.Fatalf("tampered chain: exit %d, stderr %q; want a failure naming entry 2", code, errOut)
	}
	if code, _, _ := cli(t, "audit", "--db", db); code == 0 {
		t.Fatal("'audit' without 'verify' succeeded")
	}
}

func TestVersionAndMigrate(t *testing.T) {
	db := cliDB(t)
	latest := strconv.FormatInt(store.LatestSchemaVersion(), 10)
	if out := mustCLI(t, "version"); !strings.HasPrefix(out, "cityline ") || !strings.Contains(out, "schema "+latest) {
		t.Fatalf("version: %q", out)
	}
	if out := mustCLI(t, "migrate", "--db", db); !strings.Contains(out, "schema version "+latest) {
		t.Fatalf("migrate: %q", out)
	}
	if code, _, errOut := cli(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := cli(t, "--help"); code != 0 || !strings.Contains(out, "cityline demo") {
		t.Fatalf("help: %d %q", code, out)
	}
}
