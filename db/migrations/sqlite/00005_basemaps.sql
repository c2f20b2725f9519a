-- +goose Up
-- Offline basemaps (issue 6): MBTiles or PMTiles files uploaded per project, validated by a job.
CREATE TABLE basemaps (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    file_key    TEXT NOT NULL UNIQUE,
    container   TEXT NOT NULL CHECK (container IN ('mbtiles', 'pmtiles')),
    size        INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'validating' CHECK (state IN ('validating', 'ready', 'invalid')),
    message     TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',
    tile_type   TEXT NOT NULL DEFAULT '' CHECK (tile_type IN ('', 'raster', 'vector')),
    compression TEXT NOT NULL DEFAULT '',
    min_zoom    INTEGER NOT NULL DEFAULT 0,
    max_zoom    INTEGER NOT NULL DEFAULT 0,
    west        REAL NOT NULL DEFAULT 0,
    south       REAL NOT NULL DEFAULT 0,
    east        REAL NOT NULL DEFAULT 0,
    north       REAL NOT NULL DEFAULT 0,
    attribution TEXT NOT NULL DEFAULT '',
    layers      TEXT NOT NULL DEFAULT '',
    job_id      INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX basemaps_project ON basemaps (project_id, id);

-- +goose Down
DROP TABLE basemaps;
