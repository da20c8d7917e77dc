package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
)

// maxCachedStatements bounds the statements one connection keeps prepared. Listings build their SQL
// from the filters given, so the set of texts is open-ended; the common ones come first and stay.
const maxCachedStatements = 256

// sqliteConnector opens SQLite connections that keep their statements prepared. The driver parses
// the SQL text of every Exec and Query afresh, and on the intake path that parsing cost more than
// running the statements: an order's reads (session, user, line, category) and its dozen writes
// all repeat the same few texts.
type sqliteConnector struct {
	dsn string
	drv driver.Driver
}

// newSQLiteConnector wraps the registered "sqlite" driver.
func newSQLiteConnector(dsn string) (*sqliteConnector, error) {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, fmt.Errorf("sqlite driver: %w", err)
	}
	drv := db.Driver()
	db.Close() // it never connected: Open only looked the driver up
	return &sqliteConnector{dsn: dsn, drv: drv}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is a driver connection with a cache of prepared statements, keyed by SQL text.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement; busy while rows read from it are open, when a second use of
// the same text on the connection (a query inside a loop over another's rows) prepares its own.
type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

// statement returns the cached statement for query, preparing it on first use, or nil when the
// text should not be cached: scripts of several statements, and texts beyond the cache's bound.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= maxCachedStatements || strings.Contains(query, ";") {
		return nil, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{stmt: st}
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, stmt: cs}, nil
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

func (c *cachingConn) Close() error {
	for _, cs := range c.stmts {
		cs.stmt.Close()
	}
	c.stmts = nil
	return c.Conn.Close()
}

// cachedRows hands its statement back when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
