package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// readerConn opens a store on a new SQLite file and holds one of its reader connections, so that
// every statement of the test runs on the same connection and its cache.
func readerConn(t *testing.T) *sql.Conn {
	t.Helper()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	conn, err := s.r.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestCachedStatementReusedWhileItsRowsAreOpen runs a query again on the same connection while the
// rows of its first run are still being read: the second run must not disturb the first.
func TestCachedStatementReusedWhileItsRowsAreOpen(t *testing.T) {
	ctx := context.Background()
	conn := readerConn(t)
	const q = `SELECT value FROM json_each($1)`
	outer, err := conn.QueryContext(ctx, q, `[1, 2, 3]`)
	if err != nil {
		t.Fatal(err)
	}
	var sum, inner int
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		sum += v
		if err := conn.QueryRowContext(ctx, q, `[10]`).Scan(&inner); err != nil {
			t.Fatalf("the same query while its rows are open: %v", err)
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if sum != 6 || inner != 10 {
		t.Fatalf("outer rows summed to %d (want 6), inner query gave %d (want 10)", sum, inner)
	}
	// Once the rows are closed the cached statement serves again, with new arguments.
	if err := conn.QueryRowContext(ctx, q, `[7]`).Scan(&inner); err != nil || inner != 7 {
		t.Fatalf("after the rows closed: %d, %v; want 7", inner, err)
	}
}

// TestStatementCacheBound runs more distinct texts than a connection caches, and a script of two
// statements: all of them must still run, the ones beyond the bound unprepared.
func TestStatementCacheBound(t *testing.T) {
	ctx := context.Background()
	conn := readerConn(t)
	for i := range maxCachedStatements + 20 {
		var got int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&got); err != nil || got != i {
			t.Fatalf("query %d: got %d, %v", i, got, err)
		}
	}
	var cached int
	if err := conn.Raw(func(dc any) error {
		cached = len(dc.(*cachingConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if cached > maxCachedStatements {
		t.Errorf("%d statements cached, want at most %d", cached, maxCachedStatements)
	}
	if _, err := conn.ExecContext(ctx, `SELECT 1; SELECT 2`); err != nil {
		t.Fatalf("a script of two statements: %v", err)
	}
}
