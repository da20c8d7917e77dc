-- +goose Up
-- The category catalogue (分类目录) that every work order is filed under and that Open311 services are
-- built from. Rows are never deleted: orders keep pointing at a code, so a category that is no longer
-- wanted is made inactive. Keywords and attributes are JSON arrays, read and written whole.

CREATE TABLE categories (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES categories (code),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    keywords    TEXT NOT NULL DEFAULT '[]',
    group_name  TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    attributes  TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX categories_parent ON categories (parent_code);
-- A path of names ("市政设施/城市照明/路灯不亮") must name one category, so siblings never share a name.
CREATE UNIQUE INDEX categories_sibling_name ON categories (COALESCE(parent_code, ''), name);

-- +goose Down
DROP TABLE categories;
