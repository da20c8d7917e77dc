// Package store is the only place that speaks SQL. One SQL text serves SQLite and PostgreSQL wherever
// the dialects agree; the migrations that differ live in small per-dialect folders.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned when a looked-up record does not exist (never a nil record with a nil error).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write lost a race (version check) or broke a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Store holds the database handles. SQLite allows one writer at a time, so writes go through a
// single-connection pool and reads through a separate pool; on PostgreSQL both are the same pool.
type Store struct {
	dialect Dialect
	w       *sql.DB
	r       *sql.DB
	now     func() time.Time
}

// Open connects to the database named by dbURL ("sqlite:PATH" or "postgres://…") and applies the
// embedded migrations. It refuses a database whose schema is newer than this binary knows.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	s, err := connect(dbURL)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func connect(dbURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		return connectSQLite(strings.TrimPrefix(dbURL, "sqlite:"))
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return connectPostgres(dbURL)
	default:
		return nil, fmt.Errorf("--db %q: want sqlite:PATH or postgres://…", dbURL)
	}
}

func connectSQLite(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("--db sqlite: the file path is empty")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	// busy_timeout comes first so that every later pragma already waits instead of failing.
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)"} {
		pragmas.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + pragmas.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(8)
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{dialect: SQLite, w: w, r: r, now: time.Now}, nil
}

func connectPostgres(dbURL string) (*Store, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{dialect: Postgres, w: db, r: db, now: time.Now}, nil
}

// Dialect reports which engine this store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Close releases both pools.
func (s *Store) Close() error {
	errW := s.w.Close()
	if s.r != s.w {
		return errors.Join(errW, s.r.Close())
	}
	return errW
}

// SetClock replaces the clock; tests use it to make time-dependent behaviour repeatable.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

// inTx runs fn in one write transaction: everything fn writes lands together or not at all.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation tells whether err came from a UNIQUE or PRIMARY KEY constraint on either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// lookupErr names what a single-row read was looking for and turns "no rows" into ErrNotFound.
func lookupErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
