package web

import (
	"context"
	"errors"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/store"
)

// mayViewTicket tells whether the actor may see the work order ticketID, and so its files.
func (s *Server) mayViewTicket(ctx context.Context, a access.Actor, ticketID string) (bool, error) {
	_, err := s.tickets.Get(ctx, a, ticketID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
