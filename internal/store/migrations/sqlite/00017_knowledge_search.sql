-- +goose Up
-- Full-text search over every knowledge-base version's title, answer and keywords, pre-split into
-- terms by internal/textsearch as for orders; the row id is the version's rowid. Versions never
-- change, so a version is indexed once, when it is written.
CREATE VIRTUAL TABLE kb_search USING fts5 (terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- +goose Down
DROP TABLE kb_search;
