-- +goose Up
-- Long exports (an order list of a hundred thousand rows) run in the background. The job lives here,
-- not in a process, so that any node can show its progress and serve its file: the node running it
-- holds a lease (claimed_by, lease_until) and renews it as it goes; a job whose lease ran out (its
-- node stopped) is claimed again by the next node asked about it. The finished file is kept in the
-- data directory's content store under file_sha256.

CREATE TABLE export_jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    lang        TEXT NOT NULL,
    params      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_done   BIGINT NOT NULL DEFAULT 0,
    permille    INTEGER NOT NULL DEFAULT 0 CHECK (permille BETWEEN 0 AND 1000),
    error       TEXT NOT NULL DEFAULT '',
    file_name   TEXT NOT NULL DEFAULT '',
    file_sha256 TEXT NOT NULL DEFAULT '',
    file_size   BIGINT NOT NULL DEFAULT 0,
    claimed_by  TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
-- A user's recent exports, newest first.
CREATE INDEX export_jobs_user ON export_jobs (user_id, created_at);

-- +goose Down
DROP TABLE export_jobs;
