package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"

	"github.com/cityline/cityline/internal/workorder"
)

// rawTicketsTable is the scratch table of RawTicketTable.
const rawTicketsTable = "bench_raw_tickets"

var insertRawTicketQuery = insertTicketSQL(rawTicketsTable)

// RawTicketTable is an empty copy of the tickets table — the same columns, constraints and indexes —
// in the same database, written through the same connection and durability settings. Storing an
// order's row in it, one transaction each, is what the database alone costs; `cityline bench intake`
// measures the whole intake (validation, numbering, timeline, search, audit, outbox) against it.
type RawTicketTable struct{ s *Store }

// ticketsName matches the table's name and the prefix of its indexes' names in the schema text.
var ticketsName = regexp.MustCompile(`\btickets(\b|_)`)

// CreateRawTicketTable makes the scratch table, replacing one an interrupted run left behind. It is
// not audited: it holds no city data and Drop removes it.
func (s *Store) CreateRawTicketTable(ctx context.Context) (*RawTicketTable, error) {
	r := &RawTicketTable{s: s}
	if err := r.Drop(ctx); err != nil {
		return nil, err
	}
	var ddl []string
	if s.dialect == Postgres {
		ddl = []string{`CREATE TABLE ` + rawTicketsTable + ` (LIKE tickets INCLUDING ALL)`}
	} else {
		rows, err := s.w.QueryContext(ctx, `SELECT sql FROM sqlite_master
			WHERE tbl_name = 'tickets' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type = 'index', name`)
		if err != nil {
			return nil, fmt.Errorf("read the schema of tickets: %w", err)
		}
		for rows.Next() {
			var text string
			if err := rows.Scan(&text); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read the schema of tickets: %w", err)
			}
			ddl = append(ddl, ticketsName.ReplaceAllString(text, rawTicketsTable+"$1"))
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read the schema of tickets: %w", err)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range ddl {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("create %s: %w", rawTicketsTable, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Insert stores one order's row in a transaction of its own (never shared with other writes, as
// the group commit shares them), with the statement CreateTicket uses.
func (r *RawTicketTable) Insert(ctx context.Context, t workorder.Ticket) error {
	return r.s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertRawTicketQuery, ticketRowArgs(t)...); err != nil {
			return fmt.Errorf("insert into %s: %w", rawTicketsTable, err)
		}
		return nil
	})
}

// Drop removes the scratch table and its indexes.
func (r *RawTicketTable) Drop(ctx context.Context) error {
	if _, err := r.s.w.ExecContext(ctx, `DROP TABLE IF EXISTS `+rawTicketsTable); err != nil {
		return fmt.Errorf("drop %s: %w", rawTicketsTable, err)
	}
	return nil
}
