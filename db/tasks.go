package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Task is one piece of a project's area and where it stands in the workflow. User ids are 0 when nobody holds
// that part; Task and Tasks fill the names of the lock holder and the assignee (usernames, and display names,
// which may be empty).
type Task struct {
	ID                    int64
	ProjectID             int64
	Index                 int
	Outline               string // GeoJSON MultiPolygon
	MinLon, MinLat        float64
	MaxLon, MaxLat        float64
	AreaM2                float64
	FeatureCount          int
	State                 string
	LockedBy              int64
	LockedByName          string
	LockedByDisplayName   string    // "" when unset
	LockExpiresAt         time.Time // zero: not locked, or the lock never expires
	StateBeforeLock       string
	MappedBy              int64
	AssignedTo            int64
	AssignedToName        string
	AssignedToDisplayName string // "" when unset
	// AssignedTeamID is the team the task is assigned to (0: none); a task has an assignee or a team, never both.
	AssignedTeamID     int64
	AssignedTeamName   string
	AssignedTeamColour string
	Version            int64
	UpdatedAt          time.Time
}

const taskColumns = `t.id, t.project_id, t.idx, t.min_lon, t.min_lat, t.max_lon, t.max_lat, t.area_m2,
	t.feature_count, t.state, coalesce(t.locked_by, 0), coalesce(t.lock_expires_at, ''), t.state_before_lock,
	coalesce(t.mapped_by, 0), coalesce(t.assigned_to, 0), t.version, t.updated_at, coalesce(t.assigned_team_id, 0)`

func scanTask(row scanner, extra ...any) (Task, error) {
	var t Task
	var expires, updated string
	dest := append([]any{&t.ID, &t.ProjectID, &t.Index, &t.MinLon, &t.MinLat, &t.MaxLon, &t.MaxLat, &t.AreaM2,
		&t.FeatureCount, &t.State, &t.LockedBy, &expires, &t.StateBeforeLock, &t.MappedBy, &t.AssignedTo,
		&t.Version, &updated, &t.AssignedTeamID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Task{}, mapErr(err)
	}
	if expires != "" {
		t.LockExpiresAt = parseTime(expires)
	}
	t.UpdatedAt = parseTime(updated)
	return t, nil
}

// TaskOptions choose what Tasks returns besides the state.
type TaskOptions struct {
	// Outlines loads each task's GeoJSON outline.
	Outlines bool
}

// namedTaskSelect selects tasks (alias t) with outline (an SQL expression: the column, or an empty string) and
// the names of their lock holder and assignee, read by scanNamedTask.
func namedTaskSelect(outline string) string {
	return "SELECT " + taskColumns + ", " + outline + `, coalesce(l.username, ''), coalesce(l.display_name, ''),
		coalesce(a.username, ''), coalesce(a.display_name, ''), coalesce(tm.name, ''), coalesce(tm.colour, '')
		FROM tasks t LEFT JOIN users l ON l.id = t.locked_by LEFT JOIN users a ON a.id = t.assigned_to
		LEFT JOIN teams tm ON tm.id = t.assigned_team_id`
}

func scanNamedTask(row scanner) (Task, error) {
	var outline, locker, lockerDisplay, assignee, assigneeDisplay, team, colour string
	t, err := scanTask(row, &outline, &locker, &lockerDisplay, &assignee, &assigneeDisplay, &team, &colour)
	t.AssignedTeamName, t.AssignedTeamColour = team, colour
	t.Outline, t.LockedByName, t.LockedByDisplayName = outline, locker, lockerDisplay
	t.AssignedToName, t.AssignedToDisplayName = assignee, assigneeDisplay
	return t, err
}

// Tasks returns a project's tasks by index, with the names of lock holders and assignees.
func (s *Store) Tasks(ctx context.Context, projectID int64, opts TaskOptions) ([]Task, error) {
	outline := "''"
	if opts.Outlines {
		outline = "t.outline"
	}
	return queryAll(ctx, s.read, scanNamedTask, namedTaskSelect(outline)+" WHERE t.project_id = ? ORDER BY t.idx",
		projectID)
}

// Task returns the task with the given 1-based index in a project, with its outline and the names of its lock
// holder and assignee, or ErrNotFound.
func (s *Store) Task(ctx context.Context, projectID int64, index int) (Task, error) {
	t, err := scanNamedTask(s.read.QueryRowContext(ctx, namedTaskSelect("t.outline")+
		" WHERE t.project_id = ? AND t.idx = ?", projectID, index))
	if err != nil {
		return Task{}, fmt.Errorf("task %d of project %d: %w", index, projectID, err)
	}
	return t, nil
}

// TasksRevision returns a value that changes whenever a project's tasks change (a new split, a feature upload,
// any applied action), for caching what is built from them.
func (s *Store) TasksRevision(ctx context.Context, projectID int64) (string, error) {
	var rev, last int64
	err := s.read.QueryRowContext(ctx, `SELECT p.tasks_rev, coalesce((SELECT max(e.id) FROM task_events e
		WHERE e.project_id = p.id), 0) FROM projects p WHERE p.id = ?`, projectID).Scan(&rev, &last)
	if err != nil {
		return "", fmt.Errorf("project %d: %w", projectID, mapErr(err))
	}
	return fmt.Sprintf("%d-%d", rev, last), nil
}

// NewTask is one task of a new split.
type NewTask struct {
	Outline        string // GeoJSON MultiPolygon
	MinLon, MinLat float64
	MaxLon, MaxLat float64
	AreaM2         float64
	// FeatureIDs are the project's features whose centroid lies in this task.
	FeatureIDs []int64
}

// ReplaceTasks replaces a draft project's split in one transaction: the old tasks and their history go, the new
// tasks get indexes 1..n in order, and every feature is given to its new task (or none). It returns ErrConflict
// when the project is no longer a draft, so a split never lands on a project people are mapping.
func (s *Store) ReplaceTasks(ctx context.Context, projectID int64, tasks []NewTask) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM projects WHERE id = ?", projectID).
			Scan(&status); err != nil {
			return fmt.Errorf("project %d: %w", projectID, mapErr(err))
		}
		if status != "draft" {
			return fmt.Errorf("project %d is %s, not a draft: %w", projectID, status, ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM tasks WHERE project_id = ?", projectID); err != nil {
			return err
		}
		if err := insertTasks(ctx, tx, projectID, tasks); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE projects SET tasks_rev = tasks_rev + 1 WHERE id = ?", projectID)
		return err
	}))
}

func insertTasks(ctx context.Context, tx *sql.Tx, projectID int64, tasks []NewTask) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO tasks (project_id, idx, outline, min_lon, min_lat, max_lon,
		max_lat, area_m2, feature_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer ins.Close()
	at := now()
	for i, t := range tasks {
		var id int64
		if err := ins.QueryRowContext(ctx, projectID, i+1, t.Outline, t.MinLon, t.MinLat, t.MaxLon, t.MaxLat,
			t.AreaM2, len(t.FeatureIDs), at).Scan(&id); err != nil {
			return err
		}
		if err := setFeatureTask(ctx, tx, projectID, id, t.FeatureIDs); err != nil {
			return err
		}
	}
	return nil
}

// TaskSnapshot is what an action is decided on, read inside the write transaction that applies it.
type TaskSnapshot struct {
	Task Task
	// Project holds the project's status and workflow settings.
	Project Project
	// Locks is how many tasks of the project the acting user holds locked (0 for the system).
	Locks int
}

// TaskEvent is one applied action in a task's history. UserID is 0 for the system. TaskEvents fills the names
// of the user and of the assignee (display names may be empty).
type TaskEvent struct {
	ID                int64
	TaskID            int64
	TaskIndex         int
	ProjectID         int64
	UserID            int64
	Username          string
	DisplayName       string
	Action            string
	FromState         string
	ToState           string
	Comment           string
	TargetUserID      int64 // the assignee, for assign
	TargetUsername    string
	TargetDisplayName string
	TargetTeamID      int64 // the team assigned, for assign
	TargetTeamName    string
	CreatedAt         time.Time
	// Notices are the notifications the change causes, stored in its transaction (not read back by TaskEvents).
	Notices []Notice
}

// ChangeTask applies one action to the task with the given index atomically: inside one write transaction it
// reads the task, the project and the user's lock count, asks decide for the new task and its history row, then
// stores both (guarded by the task's version). decide's error is returned as is and nothing is written. userID
// is the acting user (0 for the system). The stored task and event are returned.
func (s *Store) ChangeTask(ctx context.Context, projectID int64, index int, userID int64,
	decide func(TaskSnapshot) (Task, TaskEvent, error)) (Task, TaskEvent, error) {
	var next Task
	var ev TaskEvent
	var told []int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.serializeUser(ctx, tx, userID); err != nil {
			return err
		}
		snap, err := s.taskSnapshot(ctx, tx, projectID, index, userID)
		if err != nil {
			return err
		}
		if next, ev, err = decide(snap); err != nil {
			return err
		}
		if err = s.storeChange(ctx, tx, snap.Task, &next, &ev, userID); err != nil {
			return err
		}
		for i := range ev.Notices {
			ev.Notices[i].ProjectID, ev.Notices[i].TaskID, ev.Notices[i].TaskIndex = projectID, next.ID, index
			ev.Notices[i].ActorID = userID
		}
		told, err = insertNotices(ctx, tx, ev.Notices)
		return err
	})
	if err == nil {
		s.told(told)
	}
	return next, ev, mapErr(err)
}

// serializeUser makes one user's task actions take turns across every node on PostgreSQL, so that the lock count a
// decision reads (max locks per user) cannot be raced by the same user's action on another task elsewhere; the
// task itself is guarded by its version. SQLite's single writer serialises every write already.
func (s *Store) serializeUser(ctx context.Context, tx *sql.Tx, userID int64) error {
	if s.pg == nil || userID == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(1178748500, ?::int)", int32(userID))
	return err
}

// taskSnapshotQuery reads a task with its project's rules and the caller's lock count.
var taskSnapshotQuery = "SELECT " + taskColumns + `, p.status, p.lock_minutes,
		p.allow_self_validation, p.max_locks_per_user, (SELECT count(*) FROM tasks l WHERE l.project_id = t.project_id
		AND l.locked_by = ?) FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.project_id = ? AND t.idx = ?`

func (s *Store) taskSnapshot(ctx context.Context, tx *sql.Tx, projectID int64, index int, userID int64) (TaskSnapshot,
	error) {
	var snap TaskSnapshot
	p := &snap.Project
	var err error
	snap.Task, err = scanTask(s.txQueryRow(ctx, tx, taskSnapshotQuery, userID, projectID, index),
		&p.Status, &p.LockMinutes, &p.AllowSelfValidation, &p.MaxLocksPerUser, &snap.Locks)
	if err != nil {
		return snap, fmt.Errorf("task %d of project %d: %w", index, projectID, err)
	}
	p.ID = projectID
	return snap, nil
}

const (
	taskUpdateQuery = `UPDATE tasks SET state = ?, locked_by = ?, lock_expires_at = ?,
		state_before_lock = ?, mapped_by = ?, assigned_to = ?, assigned_team_id = ?, version = version + 1,
		updated_at = ? WHERE id = ? AND version = ?`
	taskEventInsertQuery = `INSERT INTO task_events (task_id, project_id, user_id, action, from_state,
		to_state, comment, target_user_id, target_team_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`
)

func (s *Store) storeChange(ctx context.Context, tx *sql.Tx, old Task, next *Task, ev *TaskEvent,
	userID int64) error {
	at := time.Now().UTC().Truncate(time.Millisecond)
	var expires any
	if !next.LockExpiresAt.IsZero() {
		expires = formatLockTime(next.LockExpiresAt)
	}
	res, err := s.txExec(ctx, tx, taskUpdateQuery, next.State, nullID(next.LockedBy), expires, next.StateBeforeLock,
		nullID(next.MappedBy), nullID(next.AssignedTo), nullID(next.AssignedTeamID), formatTime(at), old.ID,
		old.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("task %d changed meanwhile: %w", old.ID, ErrConflict)
	}
	next.ID, next.ProjectID, next.Index, next.Version, next.UpdatedAt = old.ID, old.ProjectID, old.Index,
		old.Version+1, at
	ev.TaskID, ev.TaskIndex, ev.ProjectID, ev.UserID, ev.CreatedAt = old.ID, old.Index, old.ProjectID, userID, at
	return s.txQueryRow(ctx, tx, taskEventInsertQuery, ev.TaskID, ev.ProjectID,
		nullID(userID), ev.Action, ev.FromState, ev.ToState, ev.Comment, nullID(ev.TargetUserID),
		nullID(ev.TargetTeamID), formatTime(at)).Scan(&ev.ID)
}

// TaskEvents returns a task's history, oldest first.
func (s *Store) TaskEvents(ctx context.Context, projectID int64, index int) ([]TaskEvent, error) {
	return queryAll(ctx, s.read, func(row scanner) (TaskEvent, error) {
		var e TaskEvent
		var created string
		err := row.Scan(&e.ID, &e.TaskID, &e.TaskIndex, &e.ProjectID, &e.UserID, &e.Username, &e.DisplayName,
			&e.Action, &e.FromState, &e.ToState, &e.Comment, &e.TargetUserID, &e.TargetUsername, &e.TargetDisplayName,
			&e.TargetTeamID, &e.TargetTeamName, &created)
		e.CreatedAt = parseTime(created)
		return e, err
	}, `SELECT e.id, e.task_id, t.idx, e.project_id, coalesce(e.user_id, 0), coalesce(u.username, ''),
		coalesce(u.display_name, ''), e.action, e.from_state, e.to_state, e.comment, coalesce(e.target_user_id, 0),
		coalesce(g.username, ''), coalesce(g.display_name, ''), coalesce(e.target_team_id, 0), coalesce(tm.name, ''),
		e.created_at FROM task_events e JOIN tasks t ON t.id = e.task_id LEFT JOIN users u ON u.id = e.user_id
		LEFT JOIN users g ON g.id = e.target_user_id LEFT JOIN teams tm ON tm.id = e.target_team_id
		WHERE t.project_id = ? AND t.idx = ? ORDER BY e.id`, projectID, index)
}

// ExpiredLock names a task whose lock expired.
type ExpiredLock struct {
	ProjectID int64
	Index     int
}

// ExpiredLocks returns the tasks whose lock expired before now, oldest expiry first, at most limit of them.
func (s *Store) ExpiredLocks(ctx context.Context, now time.Time, limit int) ([]ExpiredLock, error) {
	// Only published projects: the workflow refuses every action, expiry included, on a closed project, so its
	// locks would otherwise come back in every run.
	return queryAll(ctx, s.read, func(row scanner) (ExpiredLock, error) {
		var e ExpiredLock
		err := row.Scan(&e.ProjectID, &e.Index)
		return e, err
	}, `SELECT t.project_id, t.idx FROM tasks t JOIN projects p ON p.id = t.project_id
		WHERE t.lock_expires_at IS NOT NULL AND t.lock_expires_at < ? AND p.status = 'published'
		ORDER BY t.lock_expires_at LIMIT ?`, formatLockTime(now), limit)
}

// LocksHeld counts the tasks of a project that a user holds locked.
func (s *Store) LocksHeld(ctx context.Context, projectID, userID int64) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM tasks WHERE project_id = ? AND locked_by = ?",
		projectID, userID).Scan(&n)
	return n, err
}

// TaskOutline is a task's outline, for finding the task that contains a point.
type TaskOutline struct {
	ID      int64
	Outline string // GeoJSON MultiPolygon
}

// TasksAround returns the tasks of a project whose bounding box contains the point, smallest first.
func (s *Store) TasksAround(ctx context.Context, projectID int64, lon, lat float64) ([]TaskOutline, error) {
	return queryAll(ctx, s.read, func(row scanner) (TaskOutline, error) {
		var t TaskOutline
		err := row.Scan(&t.ID, &t.Outline)
		return t, err
	}, `SELECT id, outline FROM tasks WHERE project_id = ? AND min_lon <= ? AND max_lon >= ? AND min_lat <= ?
		AND max_lat >= ? ORDER BY area_m2, id`, projectID, lon, lon, lat, lat)
}

// TaskInProject reports whether a task id belongs to the project.
func (s *Store) TaskInProject(ctx context.Context, projectID, taskID int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM tasks WHERE project_id = ? AND id = ?", projectID,
		taskID).Scan(&n)
	return n > 0, err
}
