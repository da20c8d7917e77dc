-- +goose Up
-- The dispatch catalogue (派单目录): which unit leads an order, by category × region × request type
-- (× keywords). Lists are JSON arrays of codes; a rule names a fixed lead unit or a territory (the
-- street office of the order's place).
CREATE TABLE dispatch_rules (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    categories     TEXT NOT NULL DEFAULT '[]',
    region_prefix  TEXT NOT NULL DEFAULT '',
    request_types  TEXT NOT NULL DEFAULT '[]',
    keywords       TEXT NOT NULL DEFAULT '[]',
    lead_unit_id   TEXT REFERENCES units (id),
    territory      TEXT NOT NULL DEFAULT '',
    co_unit_ids    TEXT NOT NULL DEFAULT '[]',
    priority       INTEGER NOT NULL DEFAULT 0,
    effective_from BIGINT,
    effective_to   BIGINT,
    auto_dispatch  BOOLEAN NOT NULL DEFAULT FALSE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE dispatch_rules;
