package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func TestMigrationsFreshRerunAndGuard(t *testing.T) {
	ctx := context.Background()
	urls := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if u := storetestURL(t); u != "" {
		urls["postgres"] = u
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			s, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatalf("fresh install: %v", err)
			}
			v, err := s.SchemaVersion(ctx)
			if err != nil || v != store.LatestSchemaVersion() || v < 1 {
				t.Fatalf("schema version = %d, %v; want %d", v, err, store.LatestSchemaVersion())
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-run must be a no-op: %v", err)
			}
			// Pretend a newer binary migrated the database: this binary must refuse it.
			if _, err := s.ExecForTest(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, v+1); err != nil {
				t.Fatalf("fake newer schema: %v", err)
			}
			s.Close()
			if _, err := store.Open(ctx, dbURL); !errors.Is(err, store.ErrSchemaTooNew) {
				t.Fatalf("open newer schema: err = %v, want ErrSchemaTooNew", err)
			}
		})
	}
}

func storetestURL(t *testing.T) string {
	if !storetest.PostgresAvailable() {
		return ""
	}
	return storetest.PostgresURL(t)
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("want an error for an unsupported database URL")
	}
}
