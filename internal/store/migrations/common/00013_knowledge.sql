-- +goose Up
-- The knowledge base (知识库) that agents answer from. An article's versions are never changed or
-- deleted: each edit adds one. kb_articles says which version is the latest (the one edits and review
-- steps must name) and which one agents see (live_version, 0 for none); kb_counter hands out the
-- short numbers (KB00042) and counts every change, so that a node knows when its copy of the
-- published articles is stale. Dates are the city's days, written 2026-12-31 ('' for none). The
-- search index differs between the engines: see 00017_knowledge_search.sql.
CREATE TABLE kb_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last    INTEGER NOT NULL,
    changes BIGINT NOT NULL
);
INSERT INTO kb_counter (id, last, changes) VALUES (1, 0, 0);

CREATE TABLE kb_articles (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'review', 'published', 'retired')),
    version      INTEGER NOT NULL,
    live_version INTEGER NOT NULL DEFAULT 0,
    review_note  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);

CREATE TABLE kb_versions (
    article_id    TEXT NOT NULL REFERENCES kb_articles (id),
    version       INTEGER NOT NULL,
    category_code TEXT NOT NULL REFERENCES categories (code),
    unit_id       TEXT NOT NULL REFERENCES units (id),
    title         TEXT NOT NULL,
    answer        TEXT NOT NULL,
    keywords      TEXT NOT NULL DEFAULT '[]',
    review_by     TEXT NOT NULL,
    expires_on    TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    edited_at     BIGINT NOT NULL,
    edited_by     TEXT NOT NULL,
    published_at  BIGINT,
    published_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
);
CREATE INDEX kb_versions_category ON kb_versions (category_code);

-- +goose Down
DROP TABLE kb_versions;
DROP TABLE kb_articles;
DROP TABLE kb_counter;
