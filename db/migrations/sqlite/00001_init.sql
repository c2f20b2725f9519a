-- +goose Up
-- Instance settings: one JSON document per key, edited by administrators.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Progress that a running background job reports (the job itself lives in River's tables).
CREATE TABLE job_progress (
    job_id     INTEGER PRIMARY KEY,
    percent    INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    message    TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
) STRICT;

-- Proof of work for the maintenance job: when it ran and what it did.
CREATE TABLE maintenance_runs (
    id          INTEGER PRIMARY KEY,
    ran_at      TEXT NOT NULL,
    checkpoint  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE maintenance_runs;
DROP TABLE job_progress;
DROP TABLE settings;
