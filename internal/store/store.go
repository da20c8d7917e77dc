// Package store is the only place that speaks SQL. One SQL text serves SQLite and PostgreSQL wherever
// the dialects agree; the migrations that differ live in small per-dialect folders.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	// writes is SQLite's group commit (see groupCommit); nil on PostgreSQL.
	writes *groupCommit
	// stopCheckpoints ends SQLite's background checkpoints (see checkpoints); nil on PostgreSQL.
	stopCheckpoints func()
	// hotTxs maps the *sql.Tx of each hot write in progress to its *hotTx, so that code handed
	// only the *sql.Tx (appendAudit, Enqueue) works on the same audit tip and statements.
	hotTxs sync.Map
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
	// The writer leaves checkpoints to a background loop (see checkpoints). Once the log restarts,
	// its file is cut back to 128 MB: above the length it grows to between restarts (restartFrames),
	// so that it is reused rather than cut and grown again each time.
	wc, err := newSQLiteConnector(dsn + "&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(134217728)")
	if err != nil {
		return nil, err
	}
	rc, err := newSQLiteConnector(dsn + "&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	w, r := sql.OpenDB(wc), sql.OpenDB(rc)
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Keep every reader open: a connection closed after a burst is opened again for the next one,
	// running its pragmas and losing its prepared statements (database/sql keeps only two by default).
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{dialect: SQLite, w: w, r: r, now: time.Now}
	s.writes = startGroupCommit(s)
	s.stopCheckpoints = s.checkpoints(checkpointEvery)
	return s, nil
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

// Close stops taking writes, lets the batch being written finish, and releases both pools.
func (s *Store) Close() error {
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
	}
	if s.writes != nil {
		s.writes.stop()
	}
	errW := s.w.Close()
	if s.r != s.w {
		return errors.Join(errW, s.r.Close())
	}
	return errW
}

// checkpointEvery is how often SQLite's write-ahead log is copied back into the database file.
const checkpointEvery = 100 * time.Millisecond

// restartFrames is how long the write-ahead log may grow before the writer connection takes a turn
// to let it start over (about 64 MB): every such turn holds up the writes queued behind it for the
// fsync of the log's tail.
const restartFrames = 16000

// checkpoints copies the write-ahead log back into the database file every so often, from a reader
// connection, until the returned function is called. SQLite would otherwise checkpoint inside a
// commit every thousand pages, and the commit — with every write of its group waiting on it — would
// also wait for the checkpoint's fsyncs. A passive checkpoint runs beside the writer, but while
// writes keep coming it never quite catches up, and the log only starts over from its beginning
// after a checkpoint that did: so once the log is long, the checkpoint takes the writer connection
// between two transactions to copy the last few frames. Durability is unchanged: a commit is in
// the log, and the log survives a crash.
func (s *Store) checkpoints(every time.Duration) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			var busy, frames, copied int
			if err := s.r.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
				slog.Warn("checkpoint the write-ahead log", "err", err)
				continue
			}
			if frames < restartFrames {
				continue
			}
			if _, err := s.w.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				slog.Warn("checkpoint the write-ahead log", "err", err)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
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
	defer func() {
		if v := recover(); v != nil {
			tx.Rollback() // hand the connection back before the panic goes on
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execer is what a write needs of a transaction: a plain *sql.Tx, or a *hotTx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hotTx is the transaction of a hot write (inGroupTx), which defers three things to just before it
// commits (beforeCommit):
//   - indexing orders for search. FTS5 turns its pending terms into a new on-disk segment whenever a
//     later statement of the transaction opens a statement journal (most writes do), so indexing
//     each order where it is written makes one segment per order, and merging them back cost a
//     third of an intake;
//   - writing back the tip of the audit chain, which it reads (and locks) once and then carries
//     from entry to entry: one statement per entry instead of three;
//   - writing back the last order number it handed out of each day (see nextNumber).
type hotTx struct {
	*sql.Tx
	defers  bool                   // a hot write: beforeCommit runs before the commit
	search  []searchEntry          // orders to index before commit
	tip     *auditTip              // the audit chain's tip as this transaction has moved it
	moved   bool                   // tip must be written back
	numbers map[string]*dayNumbers // the order numbers handed out, by day
	rollups pendingRollups         // the measures' counts of the transaction's steps (see rollupChange)
}

// auditTip is the last entry of the audit chain.
type auditTip struct {
	seq  int64
	hash string
}

// hotOf returns the hotTx of the hot write that tx belongs to, or a plain wrapper of tx.
func (s *Store) hotOf(tx *sql.Tx) *hotTx {
	if h, ok := s.hotTxs.Load(tx); ok {
		return h.(*hotTx)
	}
	return &hotTx{Tx: tx}
}

// beginHot makes the hotTx of a hot write; endHot must follow once the transaction is over.
func (s *Store) beginHot(tx *sql.Tx) *hotTx {
	h := &hotTx{Tx: tx, defers: true}
	s.hotTxs.Store(tx, h)
	return h
}

func (s *Store) endHot(h *hotTx) { s.hotTxs.Delete(h.Tx) }

// indexLater has an order indexed for search just before the transaction commits.
func (h *hotTx) indexLater(e searchEntry) { h.search = append(h.search, e) }

// beforeCommit indexes the orders the transaction's writes asked for and writes back the tip of
// the audit chain.
func (s *Store) beforeCommit(ctx context.Context, h *hotTx) error {
	if len(h.search) > 0 {
		if err := s.indexTickets(ctx, h, h.search); err != nil {
			return err
		}
		h.search = nil
	}
	if h.moved {
		if _, err := h.ExecContext(ctx, auditTipSQL, h.tip.seq, h.tip.hash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		h.moved = false
	}
	for day, n := range h.numbers {
		if !n.counted {
			continue
		}
		if _, err := h.ExecContext(ctx, numberBackSQL, day, n.last); err != nil {
			return fmt.Errorf("order numbers of %s: %w", day, err)
		}
	}
	h.numbers = nil
	return s.flushRollups(ctx, h)
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
