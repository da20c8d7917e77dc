package store_test

import (
	"context"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/google/uuid"
)

// TestRawTicketTableHasTheShapeOfTickets checks the bench's baseline table: it takes an order's row
// as it is, keeps the constraints of tickets (a number is unique), can be made again after an
// interrupted run, and is gone once dropped.
func TestRawTicketTableHasTheShapeOfTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		order, _, err := s.CreateTicket(ctx, audit.System, intake(1, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRawTicketTable(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := s.CreateRawTicketTable(ctx) // again: the leftover is replaced
		if err != nil {
			t.Fatal(err)
		}
		copy1 := order
		copy1.ID = uuid.Must(uuid.NewV7()).String()
		if err := raw.Insert(ctx, copy1); err != nil {
			t.Fatalf("insert an order's row: %v", err)
		}
		copy2 := order
		copy2.ID = uuid.Must(uuid.NewV7()).String()
		if err := raw.Insert(ctx, copy2); err == nil {
			t.Error("a second row with the same number was taken: the copy lost the unique index")
		}
		if err := raw.Drop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := raw.Insert(ctx, copy2); err == nil {
			t.Error("insert after Drop succeeded: the table is still there")
		}
		if _, err := s.Ticket(ctx, order.ID); err != nil {
			t.Errorf("the real order after the bench table went: %v", err)
		}
	})
}
