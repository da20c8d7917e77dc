-- +goose Up
-- Full-text search over title, description and address. The text is pre-split into terms by
-- internal/textsearch (Chinese as character pairs), so the plain unicode61 tokenizer suffices.
-- Contentless: the terms are not stored twice; the row id is the ticket's rowid.
CREATE VIRTUAL TABLE ticket_search USING fts5 (terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- +goose Down
DROP TABLE ticket_search;
