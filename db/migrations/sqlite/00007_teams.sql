-- +goose Up
-- Teams within a project: a name, a colour for the map, and members (project members; a user may be in several).
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    colour     TEXT NOT NULL CHECK (length(colour) = 7 AND colour GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, name COLLATE NOCASE)
) STRICT;

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX team_members_user ON team_members (user_id);

-- Leaving a project leaves its teams too.
-- +goose StatementBegin
CREATE TRIGGER project_members_leave_teams AFTER DELETE ON project_members BEGIN
    DELETE FROM team_members WHERE user_id = OLD.user_id
        AND team_id IN (SELECT id FROM teams WHERE project_id = OLD.project_id);
END;
-- +goose StatementEnd

-- A task is assigned to a person (assigned_to) or to a team, never both.
ALTER TABLE tasks ADD COLUMN assigned_team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;
CREATE INDEX tasks_assigned_team ON tasks (assigned_team_id) WHERE assigned_team_id IS NOT NULL;
CREATE INDEX tasks_assigned_to ON tasks (project_id, assigned_to) WHERE assigned_to IS NOT NULL;
-- +goose StatementBegin
CREATE TRIGGER tasks_one_assignee_update BEFORE UPDATE OF assigned_to, assigned_team_id ON tasks
WHEN NEW.assigned_to IS NOT NULL AND NEW.assigned_team_id IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'a task is assigned to a person or a team, not both');
END;
-- +goose StatementEnd

-- The team an assign event gave the task to.
ALTER TABLE task_events ADD COLUMN target_team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;

-- +goose Down
DROP TRIGGER tasks_one_assignee_update;
DROP INDEX tasks_assigned_to;
DROP INDEX tasks_assigned_team;
ALTER TABLE task_events DROP COLUMN target_team_id;
ALTER TABLE tasks DROP COLUMN assigned_team_id;
DROP TRIGGER project_members_leave_teams;
DROP TABLE team_members;
DROP TABLE teams;
