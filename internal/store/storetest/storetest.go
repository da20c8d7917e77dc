// Package storetest opens fresh stores for tests: always an embedded SQLite file, and also a fresh
// PostgreSQL database when CITYLINE_TEST_POSTGRES holds a server URL, so one suite proves both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/cityline/cityline/internal/store"
)

// PostgresEnv names the variable that holds the PostgreSQL server URL for tests.
const PostgresEnv = "CITYLINE_TEST_POSTGRES"

// Each runs fn once per available database, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(PostgresEnv) == "" {
		t.Logf("postgres: skipped, %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated store on a new file in the test's temporary directory.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "cityline.db"))
}

// Postgres opens a migrated store on a new database that is dropped when the test ends.
// It skips the test when CITYLINE_TEST_POSTGRES is not set.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	u := PostgresURL(t)
	return open(t, u)
}

// PostgresURL creates a fresh, empty database and returns its URL; the database is dropped when the
// test ends. It skips the test when CITYLINE_TEST_POSTGRES is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: PostgreSQL tests skipped", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "cityline_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	parsed, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	parsed.Path = "/" + name
	return parsed.String()
}

func open(t testing.TB, dbURL string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("open store %s: %v", dbURL, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresAvailable tells whether PostgreSQL tests are configured.
func PostgresAvailable() bool { return os.Getenv(PostgresEnv) != "" }
