-- +goose Up
-- In-app notifications: one row per person told about one event. The text is rendered from the kind and the
-- parameters when shown (the project name and the actor's name are read then, so a rename shows), so a row keeps
-- ids and the event's own words (a comment, an error) only. digest_id marks the e-mail digest that carried it.
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('task_assigned', 'task_validated', 'task_invalidated', 'mention',
                  'submission_has_issues', 'backup_failed')),
    project_id    INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    task_id       INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    task_index    INTEGER NOT NULL DEFAULT 0,
    submission_id INTEGER REFERENCES submissions (id) ON DELETE SET NULL,
    actor_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    params        TEXT NOT NULL DEFAULT '{}', -- JSON object: comment, error, ...
    -- dedup_key makes a notification that could be created twice (a job retried after a crash) land once.
    dedup_key     TEXT,
    created_at    TEXT NOT NULL,
    read_at       TEXT,
    digest_id     INTEGER REFERENCES notification_digests (id) ON DELETE SET NULL,
    UNIQUE (user_id, dedup_key)
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_undigested ON notifications (user_id) WHERE read_at IS NULL AND digest_id IS NULL;

-- Kinds a person turned off (a missing row means on).
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (user_id, kind)
) STRICT;

-- Each person's e-mail digest choice and when the last digest went out.
CREATE TABLE notification_settings (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    digest         TEXT NOT NULL DEFAULT 'never' CHECK (digest IN ('never', 'hourly', 'daily')),
    last_digest_at TEXT
) STRICT;

-- One e-mail digest per person and period ("2026-12-01T04" hourly, "2026-12-01" daily). A digest is claimed
-- (its items marked) before it is sent and marked sent after the server accepted it, so a retry resends the same
-- items and nothing else, and a second run in the period finds it sent.
CREATE TABLE notification_digests (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    UNIQUE (user_id, period)
) STRICT;

-- +goose Down
DROP TABLE notifications;
DROP TABLE notification_digests;
DROP TABLE notification_settings;
DROP TABLE notification_prefs;
