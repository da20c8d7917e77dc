-- +goose Up
-- Full-text search over every knowledge-base version, as for orders: a tsvector with a GIN index.
CREATE TABLE kb_search (
    article_id TEXT NOT NULL,
    version    INTEGER NOT NULL,
    terms      TSVECTOR NOT NULL,
    PRIMARY KEY (article_id, version),
    FOREIGN KEY (article_id, version) REFERENCES kb_versions (article_id, version)
);
CREATE INDEX kb_search_terms ON kb_search USING GIN (terms);

-- +goose Down
DROP TABLE kb_search;
