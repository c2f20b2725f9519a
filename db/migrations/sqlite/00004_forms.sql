-- +goose Up
-- XForms uploaded to a project. Every version is kept (old submissions point at theirs); current marks the one
-- served to phones for each form id.
CREATE TABLE forms (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    form_id    TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL,
    xml        BLOB NOT NULL,
    md5        TEXT NOT NULL,
    current    INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, form_id, version)
) STRICT;
CREATE UNIQUE INDEX forms_current ON forms (project_id, form_id) WHERE current = 1;

-- Media files a form needs on the phone (CSV for select_one_from_file, images, ...), listed in its manifest.
CREATE TABLE form_media (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    form_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    file_key     TEXT NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    md5          TEXT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (project_id, form_id, name)
) STRICT;

-- ODK Collect device tokens: only the SHA-256 of the token is kept. The token is an HMAC of nonce under a key
-- kept in the data directory (not in the database), so the server can draw its QR code again.
CREATE TABLE collect_tokens (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    nonce      TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX collect_tokens_project ON collect_tokens (project_id, id);

-- Submissions: one per (project, instanceID). The XML is kept byte for byte.
CREATE TABLE submissions (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    form_row         INTEGER NOT NULL REFERENCES forms (id),
    form_id          TEXT NOT NULL,
    instance_id      TEXT NOT NULL,
    deprecated_id    TEXT NOT NULL DEFAULT '',
    xml              BLOB NOT NULL,
    xml_sha256       TEXT NOT NULL,
    submitter_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    collect_token_id INTEGER REFERENCES collect_tokens (id) ON DELETE SET NULL,
    device_id        TEXT NOT NULL DEFAULT '',
    task_id          INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    feature_id       INTEGER REFERENCES features (id) ON DELETE SET NULL,
    lon              REAL,
    lat              REAL,
    review_state     TEXT NOT NULL DEFAULT 'received'
                     CHECK (review_state IN ('received', 'approved', 'has_issues', 'rejected')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (project_id, instance_id)
) STRICT;
CREATE INDEX submissions_form ON submissions (project_id, form_id, id);
CREATE INDEX submissions_task ON submissions (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX submissions_submitter ON submissions (submitter_id) WHERE submitter_id IS NOT NULL;

-- Files sent with a submission, stored under file_key in the data directory.
CREATE TABLE submission_attachments (
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    file_key      TEXT NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (submission_id, name)
) STRICT;

-- Review history: every change of a submission's review state.
CREATE TABLE submission_reviews (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX submission_reviews_submission ON submission_reviews (submission_id, id);

-- Export files built by a job (ZIP of CSV and attachments).
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('zip')),
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    job_id      INTEGER NOT NULL DEFAULT 0,
    file_key    TEXT UNIQUE,
    size        INTEGER NOT NULL DEFAULT 0,
    rows        INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT
) STRICT;
CREATE INDEX exports_project ON exports (project_id, id);

-- +goose Down
DROP TABLE exports;
DROP TABLE submission_reviews;
DROP TABLE submission_attachments;
DROP TABLE submissions;
DROP TABLE collect_tokens;
DROP TABLE form_media;
DROP TABLE forms;
