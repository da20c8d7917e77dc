-- +goose Up
-- Files uploaded for work orders. The content lives on disk under its SHA-256 (identical files are kept
-- once); a row is one upload of it. An upload belongs to its uploader alone until a work order or one of
-- its timeline events links it; uploads never linked are purged after a day.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size > 0),
    content_type TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users (id),
    uploaded_at  BIGINT NOT NULL,
    ticket_id    TEXT,
    event_id     TEXT
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);
CREATE INDEX attachments_unlinked ON attachments (uploaded_at) WHERE ticket_id IS NULL;

-- +goose Down
DROP TABLE attachments;
