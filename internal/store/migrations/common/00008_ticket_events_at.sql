-- +goose Up
-- The Open311 updates feed and the measures read timeline steps by time across all orders.
CREATE INDEX ticket_events_at ON ticket_events (at);

-- +goose Down
DROP INDEX ticket_events_at;
