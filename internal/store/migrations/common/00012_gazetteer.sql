-- +goose Up
-- The standard address list (标准地址库): roads, communities and villages, compounds, buildings and
-- named places, each with its point and grid, that free-text addresses are matched against. An entry
-- is known by its address folded by gazetteer.Key (3栋 and 三号楼 are one building), so the list never
-- holds one address twice. Every node keeps a matcher built from the whole list and rebuilds it when
-- the revision below moves, which every import does in its own transaction.

CREATE TABLE gazetteer (
    address_key TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('road', 'community', 'compound', 'building', 'poi')),
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    address     TEXT NOT NULL,
    grid_code   TEXT NOT NULL REFERENCES places (code),
    lng         DOUBLE PRECISION NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    seq         BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE gazetteer_revision (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    revision   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO gazetteer_revision (id, revision, updated_at) VALUES (1, 0, 0);

-- +goose Down
DROP TABLE gazetteer_revision;
DROP TABLE gazetteer;
