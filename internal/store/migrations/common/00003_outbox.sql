-- +goose Up
-- The outbox: work that follows a committed change (notifications, webhooks, indexing), written in the
-- change's own transaction and carried out later by whichever node claims it.
-- available_at is when the record may next be claimed: a claim pushes it to the end of the lease, so
-- an expired claim simply makes the record due again.

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    record_key   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at BIGINT NOT NULL,
    claimed_by   TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (topic, record_key)
);
CREATE INDEX outbox_due ON outbox (available_at, id) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (updated_at) WHERE status = 'dead';

-- +goose Down
DROP TABLE outbox;
