-- +goose Up
-- Triage: what was suggested for each order (the whole suggestion as JSON, so that the order can
-- always say why it went where it went), and the trained classifiers every node loads.
CREATE TABLE ticket_triage (
    ticket_id  TEXT PRIMARY KEY REFERENCES tickets (id),
    result     TEXT NOT NULL,
    auto       BOOLEAN NOT NULL DEFAULT FALSE,
    rule_id    TEXT NOT NULL DEFAULT '',
    triaged_at BIGINT NOT NULL
);

CREATE TABLE classifier_models (
    name       TEXT PRIMARY KEY,
    model      BYTEA NOT NULL,
    examples   INTEGER NOT NULL,
    trained_at BIGINT NOT NULL
);

-- Duplicate candidates of a category in the last days are checked for their street from the index,
-- without reading every row (see store.DuplicateCandidates).
DROP INDEX tickets_category;
CREATE INDEX tickets_category ON tickets (category_code, created_at, place_code);

-- +goose Down
DROP INDEX tickets_category;
CREATE INDEX tickets_category ON tickets (category_code, created_at);
DROP TABLE classifier_models;
DROP TABLE ticket_triage;
