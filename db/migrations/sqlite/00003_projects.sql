-- +goose Up
-- Projects: an area of interest (AOI) mapped by a team, with the workflow settings its tasks obey.
CREATE TABLE projects (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    instructions          TEXT NOT NULL DEFAULT '',
    visibility            TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    status                TEXT NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'published', 'completed', 'archived')),
    aoi                   TEXT NOT NULL, -- GeoJSON MultiPolygon, WGS84
    area_m2               REAL NOT NULL,
    lock_minutes          INTEGER NOT NULL DEFAULT 180,
    allow_self_validation INTEGER NOT NULL DEFAULT 0,
    max_locks_per_user    INTEGER NOT NULL DEFAULT 1,
    tasks_rev             INTEGER NOT NULL DEFAULT 0, -- bumped when the split or the feature counts change
    created_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
) STRICT;
CREATE INDEX projects_visibility ON projects (visibility, id);

-- Who works on a project, and in which role.
CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('mapper', 'validator', 'field_manager', 'project_manager')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
) STRICT;
CREATE INDEX project_members_user ON project_members (user_id);

-- Tasks: the pieces of a project's AOI, each moving through the mapping and validation workflow.
CREATE TABLE tasks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a new split has new ids
    project_id        INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    idx               INTEGER NOT NULL CHECK (idx >= 1),
    outline           TEXT NOT NULL, -- GeoJSON MultiPolygon
    min_lon           REAL NOT NULL,
    min_lat           REAL NOT NULL,
    max_lon           REAL NOT NULL,
    max_lat           REAL NOT NULL,
    area_m2           REAL NOT NULL,
    feature_count     INTEGER NOT NULL DEFAULT 0,
    state             TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'locked_for_mapping', 'mapped',
                      'locked_for_validation', 'validated', 'invalidated')),
    locked_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    lock_expires_at   TEXT,
    state_before_lock TEXT NOT NULL DEFAULT '',
    mapped_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    assigned_to       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL,
    UNIQUE (project_id, idx)
) STRICT;
CREATE INDEX tasks_locked_by ON tasks (project_id, locked_by) WHERE locked_by IS NOT NULL;
CREATE INDEX tasks_lock_expiry ON tasks (lock_expires_at) WHERE lock_expires_at IS NOT NULL;

-- The history of every applied task action; user_id is NULL for the system (lock expiry).
CREATE TABLE task_events (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    comment        TEXT NOT NULL DEFAULT '',
    target_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL, -- the assignee, for assign
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX task_events_task ON task_events (task_id, id);
CREATE INDEX task_events_project ON task_events (project_id, id);

-- The data extract: features to survey, each with the task holding its centroid.
CREATE TABLE features (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    task_id    INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    geometry   TEXT NOT NULL, -- GeoJSON geometry
    properties TEXT NOT NULL DEFAULT '{}', -- JSON object
    status     TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'submitted', 'validated', 'bad')),
    lon        REAL NOT NULL,
    lat        REAL NOT NULL
) STRICT;
CREATE INDEX features_project_task ON features (project_id, task_id);
CREATE INDEX features_task ON features (task_id) WHERE task_id IS NOT NULL;

-- +goose Down
DROP TABLE features;
DROP TABLE task_events;
DROP TABLE tasks;
DROP TABLE project_members;
DROP TABLE projects;
