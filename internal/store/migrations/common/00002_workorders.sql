-- +goose Up
-- Work orders (工单), their co-handling units, their timeline, the per-day number counters and the
-- idempotency keys that make a retried intake return the order it already made.

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    query_code       TEXT NOT NULL,
    channel          TEXT NOT NULL,
    line_code        TEXT NOT NULL,
    request_type     TEXT NOT NULL,
    category_code    TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    caller_name      TEXT NOT NULL DEFAULT '',
    caller_phone     TEXT NOT NULL DEFAULT '',
    caller_id_number TEXT NOT NULL DEFAULT '',
    confidential     BOOLEAN NOT NULL DEFAULT FALSE,
    anonymous        BOOLEAN NOT NULL DEFAULT FALSE,
    address          TEXT NOT NULL DEFAULT '',
    lng              DOUBLE PRECISION,
    lat              DOUBLE PRECISION,
    place_code       TEXT NOT NULL DEFAULT '',
    urgency          TEXT NOT NULL,
    status           TEXT NOT NULL,
    resume_status    TEXT NOT NULL DEFAULT '',
    lead_unit_id     TEXT REFERENCES units (id),
    master_id        TEXT REFERENCES tickets (id),
    binding_unit_id  TEXT NOT NULL DEFAULT '',
    due_sign_at      BIGINT,
    due_reply_at     BIGINT,
    due_close_at     BIGINT,
    resolved         BOOLEAN,
    satisfaction     TEXT NOT NULL DEFAULT '',
    kb_article       TEXT NOT NULL DEFAULT '',
    return_count     INTEGER NOT NULL DEFAULT 0,
    redispatch_count INTEGER NOT NULL DEFAULT 0,
    rehandle_count   INTEGER NOT NULL DEFAULT 0,
    extension_asked  BOOLEAN NOT NULL DEFAULT FALSE,
    extension_due_at BIGINT,
    supervised       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    closed_at        BIGINT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_status_created ON tickets (status, created_at);
CREATE INDEX tickets_lead_status ON tickets (lead_unit_id, status);
CREATE INDEX tickets_place ON tickets (place_code, created_at);
CREATE INDEX tickets_caller_phone ON tickets (caller_phone, created_at);
CREATE INDEX tickets_category ON tickets (category_code, created_at);
CREATE INDEX tickets_master ON tickets (master_id);

CREATE TABLE ticket_co_units (
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    unit_id   TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (ticket_id, unit_id)
);
CREATE INDEX ticket_co_units_unit ON ticket_co_units (unit_id);

CREATE TABLE ticket_events (
    id            TEXT PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    at            BIGINT NOT NULL,
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    actor         TEXT NOT NULL,
    actor_unit_id TEXT NOT NULL DEFAULT '',
    comment       TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}',
    attachments   TEXT NOT NULL DEFAULT '[]',
    UNIQUE (ticket_id, seq)
);

-- One row a day; allocating a number bumps it in the same transaction as the order, so two nodes
-- never hand out the same number.
CREATE TABLE ticket_counters (
    day  TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (actor, idem_key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE ticket_counters;
DROP TABLE ticket_events;
DROP TABLE ticket_co_units;
DROP TABLE tickets;
