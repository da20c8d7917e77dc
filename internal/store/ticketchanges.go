package store

import (
	"context"
	"fmt"
	"time"
)

// ChangedTicket is an order with a timeline step in a window, and the time of its first step there.
type ChangedTicket struct {
	ID      string
	FirstAt time.Time
}

// TicketsChangedBetween lists the orders that have a timeline step in [from, to), ordered by their
// first step in that window, at most limit of them. Feeds of changes (Open311's
// servicerequestupdates) start from it; they read each order through ticketing, which decides
// whether the reader may see it, and its steps through Timeline.
func (s *Store) TicketsChangedBetween(ctx context.Context, from, to time.Time, limit int) ([]ChangedTicket, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT ticket_id, MIN(at) FROM ticket_events WHERE at >= $1 AND at < $2
		GROUP BY ticket_id ORDER BY MIN(at), ticket_id LIMIT $3`, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("changed tickets: %w", err)
	}
	defer rows.Close()
	var out []ChangedTicket
	for rows.Next() {
		var c ChangedTicket
		var first int64
		if err := rows.Scan(&c.ID, &first); err != nil {
			return nil, fmt.Errorf("changed tickets: %w", err)
		}
		c.FirstAt = time.UnixMilli(first).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
