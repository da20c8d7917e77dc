-- +goose Up
-- Full-text search over title, description and address. The text is pre-split into terms by
-- internal/textsearch (Chinese as character pairs), so the 'simple' configuration suffices.
CREATE TABLE ticket_search (
    ticket_id TEXT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    terms     TSVECTOR NOT NULL
);
CREATE INDEX ticket_search_terms ON ticket_search USING GIN (terms);

-- +goose Down
DROP TABLE ticket_search;
