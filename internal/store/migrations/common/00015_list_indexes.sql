-- +goose Up
-- Listings over millions of orders (see store.Tickets): a unit's queue is read from one index in
-- time order (lead unit, status, time), and the overdue list from the open orders' due times only.
DROP INDEX tickets_lead_status;
CREATE INDEX tickets_lead_status ON tickets (lead_unit_id, status, created_at);
CREATE INDEX tickets_open_due ON tickets (due_close_at) WHERE status NOT IN ('closed', 'cancelled', 'merged', 'transferred');
-- Walking the orders newest first, a listing checks status and lead unit from the index itself.
DROP INDEX tickets_created;
CREATE INDEX tickets_created ON tickets (created_at, id, status, lead_unit_id);

-- +goose Down
DROP INDEX tickets_created;
CREATE INDEX tickets_created ON tickets (created_at, id);
DROP INDEX tickets_open_due;
DROP INDEX tickets_lead_status;
CREATE INDEX tickets_lead_status ON tickets (lead_unit_id, status);
