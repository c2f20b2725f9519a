package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Team is a group of a project's members, with a colour for the map. Tasks is how many of the project's tasks
// are assigned to it.
type Team struct {
	ID        int64
	ProjectID int64
	Name      string
	Colour    string // #rrggbb, lower case
	Members   []TeamMember
	Tasks     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TeamMember is a user in a team.
type TeamMember struct {
	UserID      int64
	Username    string
	DisplayName string // "" when unset
}

const teamSelect = `SELECT tm.id, tm.project_id, tm.name, tm.colour, tm.created_at, tm.updated_at,
	(SELECT count(*) FROM tasks t WHERE t.assigned_team_id = tm.id) FROM teams tm`

func scanTeam(row scanner) (Team, error) {
	var t Team
	var created, updated string
	err := row.Scan(&t.ID, &t.ProjectID, &t.Name, &t.Colour, &created, &updated, &t.Tasks)
	t.CreatedAt, t.UpdatedAt = parseTime(created), parseTime(updated)
	return t, mapErr(err)
}

// Teams returns a page of a project's teams by name (limit rows from offset), with their members, and how many
// teams the project has.
func (s *Store) Teams(ctx context.Context, projectID int64, limit, offset int) ([]Team, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM teams WHERE project_id = ?", projectID).
		Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, s.read, scanTeam, teamSelect+` WHERE tm.project_id = ?
		ORDER BY lower(tm.name), tm.id LIMIT ? OFFSET ?`, projectID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	for i := range list {
		if list[i].Members, err = s.teamMembers(ctx, s.read, list[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return list, total, nil
}

// Team returns one team of a project with its members, or ErrNotFound.
func (s *Store) Team(ctx context.Context, projectID, teamID int64) (Team, error) {
	t, err := scanTeam(s.read.QueryRowContext(ctx, teamSelect+" WHERE tm.project_id = ? AND tm.id = ?",
		projectID, teamID))
	if err != nil {
		return Team{}, fmt.Errorf("team %d of project %d: %w", teamID, projectID, err)
	}
	t.Members, err = s.teamMembers(ctx, s.read, t.ID)
	return t, err
}

func (s *Store) teamMembers(ctx context.Context, q querier, teamID int64) ([]TeamMember, error) {
	return queryAll(ctx, q, func(row scanner) (TeamMember, error) {
		var m TeamMember
		err := row.Scan(&m.UserID, &m.Username, &m.DisplayName)
		return m, err
	}, `SELECT u.id, u.username, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = ? ORDER BY u.username`, teamID)
}

// CreateTeam stores a new team of a project with the given members (who must be members of the project:
// ErrNotFound names the first who is not). A name the project already has (in any letter case) is ErrConflict.
func (s *Store) CreateTeam(ctx context.Context, projectID int64, name, colour string, members []int64) (Team,
	error) {
	var id int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		at := now()
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (project_id, name, colour, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, projectID, name, strings.ToLower(colour), at, at).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		for _, u := range members {
			if err := addTeamMember(ctx, tx, projectID, id, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Team{}, mapErr(err)
	}
	return s.Team(ctx, projectID, id)
}

// UpdateTeam renames a team or changes its colour; ErrNotFound when the project has no such team, ErrConflict
// when the name is taken.
func (s *Store) UpdateTeam(ctx context.Context, projectID, teamID int64, name, colour string) (Team, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = ?, colour = ?, updated_at = ?
			WHERE project_id = ? AND id = ?`, name, strings.ToLower(colour), now(), projectID, teamID)
		if err := affectedOne(res, err, "team", teamID); err != nil {
			return err
		}
		// The task map shows the team's colour: it is built again.
		_, err = tx.ExecContext(ctx, "UPDATE projects SET tasks_rev = tasks_rev + 1 WHERE id = ?", projectID)
		return err
	})
	if err != nil {
		return Team{}, mapErr(err)
	}
	return s.Team(ctx, projectID, teamID)
}

// DeleteTeam removes a team; the tasks assigned to it become unassigned.
func (s *Store) DeleteTeam(ctx context.Context, projectID, teamID int64) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM teams WHERE project_id = ? AND id = ?", projectID, teamID)
		if err := affectedOne(res, err, "team", teamID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE projects SET tasks_rev = tasks_rev + 1 WHERE id = ?", projectID)
		return err
	}))
}

// AddTeamMember puts a member of the project in one of its teams (again is no error). ErrNotFound when the
// project has no such team or the user is not a member of the project.
func (s *Store) AddTeamMember(ctx context.Context, projectID, teamID, userID int64) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return addTeamMember(ctx, tx, projectID, teamID, userID)
	}))
}

// ErrNotProjectMember is the ErrNotFound of a team member who is not a member of the project.
var ErrNotProjectMember = fmt.Errorf("not a member of the project: %w", ErrNotFound)

func addTeamMember(ctx context.Context, tx *sql.Tx, projectID, teamID, userID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM teams WHERE project_id = ? AND id = ?", projectID,
		teamID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("team %d of project %d: %w", teamID, projectID, ErrNotFound)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM project_members WHERE project_id = ? AND user_id = ?",
		projectID, userID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("user %d: %w", userID, ErrNotProjectMember)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, teamID, userID, now())
	return err
}

// RemoveTeamMember takes a user out of a team; ErrNotFound when they are not in it.
func (s *Store) RemoveTeamMember(ctx context.Context, projectID, teamID, userID int64) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE user_id = ? AND team_id =
			(SELECT id FROM teams WHERE project_id = ? AND id = ?)`, userID, projectID, teamID)
		return affectedOne(res, err, "team member", userID)
	}))
}

// UserTeams returns the ids of the project's teams the user is in.
func (s *Store) UserTeams(ctx context.Context, projectID, userID int64) ([]int64, error) {
	return queryAll(ctx, s.read, func(row scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}, `SELECT t.id FROM teams t JOIN team_members m ON m.team_id = t.id WHERE t.project_id = ? AND m.user_id = ?
		ORDER BY t.id`, projectID, userID)
}

func affectedOne(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// AssignedTasks returns a page of the project's tasks assigned to the user or to one of their teams, by index,
// with how many there are.
func (s *Store) AssignedTasks(ctx context.Context, projectID, userID int64, limit, offset int) ([]Task, int,
	error) {
	where := ` WHERE t.project_id = ? AND (t.assigned_to = ? OR t.assigned_team_id IN
		(SELECT team_id FROM team_members WHERE user_id = ?))`
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM tasks t"+where, projectID, userID, userID).
		Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, s.read, scanNamedTask, namedTaskSelect("''")+where+" ORDER BY t.idx LIMIT ? OFFSET ?",
		projectID, userID, userID, limit, offset)
	return list, total, err
}

// TeamStats is what a team did in its project. Mapped and Validated count distinct tasks with a mark_mapped
// (validate) event by a current member of the team or on a task assigned to the team now; Submissions counts
// the project's submissions by current members; LastActivity is the latest of those events and submissions
// (zero: none).
type TeamStats struct {
	Mapped       int
	Validated    int
	Submissions  int
	LastActivity time.Time
}

// TeamStats counts what a team of the project did (see TeamStats); ErrNotFound when there is no such team.
func (s *Store) TeamStats(ctx context.Context, projectID, teamID int64) (TeamStats, error) {
	var st TeamStats
	var lastEvent, lastSub string
	err := s.read.QueryRowContext(ctx, `WITH members AS (SELECT user_id FROM team_members WHERE team_id = ?2),
		ev AS (SELECT e.task_id, e.action, e.created_at FROM task_events e JOIN tasks t ON t.id = e.task_id
			WHERE e.project_id = ?1 AND (e.user_id IN (SELECT user_id FROM members) OR t.assigned_team_id = ?2))
		SELECT (SELECT count(DISTINCT task_id) FROM ev WHERE action = 'mark_mapped'),
			(SELECT count(DISTINCT task_id) FROM ev WHERE action = 'validate'),
			(SELECT coalesce(max(created_at), '') FROM ev),
			(SELECT count(*) FROM submissions WHERE project_id = ?1 AND submitter_id IN (SELECT user_id FROM members)),
			(SELECT coalesce(max(created_at), '') FROM submissions WHERE project_id = ?1
				AND submitter_id IN (SELECT user_id FROM members))
		FROM teams WHERE project_id = ?1 AND id = ?2`, projectID, teamID).
		Scan(&st.Mapped, &st.Validated, &lastEvent, &st.Submissions, &lastSub)
	if err != nil {
		return st, fmt.Errorf("team %d of project %d: %w", teamID, projectID, mapErr(err))
	}
	if last := max(lastEvent, lastSub); last != "" {
		st.LastActivity = parseTime(last)
	}
	return st, nil
}
