package db

import (
	"context"
	"database/sql"
	"encoding/json"
)

// StateCount is how many tasks, and how much area, are in one state.
type StateCount struct {
	State  string
	Tasks  int
	AreaM2 float64
}

// Contributor is a user who acted on a project's tasks, with what they did.
type Contributor struct {
	UserID    int64
	Username  string
	Mapped    int // mark_mapped actions
	Validated int // validate actions
	Actions   int // every action
}

// DayActivity is the number of task actions on one UTC day (YYYY-MM-DD).
type DayActivity struct {
	Day       string
	Actions   int
	Mapped    int
	Validated int
}

// ProjectStats are a project's progress figures, read in one snapshot.
type ProjectStats struct {
	States       []StateCount
	Features     map[string]int // features per status
	Contributors []Contributor
	Activity     []DayActivity
}

// ProjectStats returns a project's tasks per state, features per status, contributors and activity per day.
func (s *Store) ProjectStats(ctx context.Context, projectID int64) (ProjectStats, error) {
	st := ProjectStats{Features: map[string]int{}}
	err := s.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := statsRows(ctx, tx, func(r *sql.Rows) error {
			var c StateCount
			err := r.Scan(&c.State, &c.Tasks, &c.AreaM2)
			st.States = append(st.States, c)
			return err
		}, `SELECT state, count(*), coalesce(sum(area_m2), 0.0) FROM tasks WHERE project_id = ? GROUP BY state
			ORDER BY state`,
			projectID); err != nil {
			return err
		}
		if err := statsRows(ctx, tx, func(r *sql.Rows) error {
			var k string
			var n int
			err := r.Scan(&k, &n)
			st.Features[k] = n
			return err
		}, "SELECT status, count(*) FROM features WHERE project_id = ? GROUP BY status", projectID); err != nil {
			return err
		}
		if err := statsRows(ctx, tx, func(r *sql.Rows) error {
			var c Contributor
			err := r.Scan(&c.UserID, &c.Username, &c.Mapped, &c.Validated, &c.Actions)
			st.Contributors = append(st.Contributors, c)
			return err
		}, `SELECT e.user_id, coalesce(u.username, ''), count(*) FILTER (WHERE e.action = 'mark_mapped'),
			count(*) FILTER (WHERE e.action = 'validate'), count(*) FROM task_events e
			LEFT JOIN users u ON u.id = e.user_id WHERE e.project_id = ? AND e.user_id IS NOT NULL
			GROUP BY e.user_id ORDER BY 3 DESC, 4 DESC, 5 DESC, 2`, projectID); err != nil {
			return err
		}
		return statsRows(ctx, tx, func(r *sql.Rows) error {
			var d DayActivity
			err := r.Scan(&d.Day, &d.Actions, &d.Mapped, &d.Validated)
			st.Activity = append(st.Activity, d)
			return err
		}, `SELECT substr(created_at, 1, 10) AS day, count(*), count(*) FILTER (WHERE action = 'mark_mapped'),
			count(*) FILTER (WHERE action = 'validate') FROM task_events WHERE project_id = ? GROUP BY day
			ORDER BY day`, projectID)
	})
	return st, err
}

// statsRows runs a query in tx and calls fn on each row.
func statsRows(ctx context.Context, tx *sql.Tx, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ProjectsStates returns the tasks per state of each of the given projects, read in one grouped query (a list
// page asks for its cards together). A project without tasks has no entry.
func (s *Store) ProjectsStates(ctx context.Context, projectIDs []int64) (map[int64][]StateCount, error) {
	out := map[int64][]StateCount{}
	if len(projectIDs) == 0 {
		return out, nil
	}
	// The ids travel as one JSON array parameter, so that pages of any size share one prepared statement.
	ids, err := json.Marshal(projectIDs)
	if err != nil {
		return nil, err
	}
	type row struct {
		project int64
		StateCount
	}
	rows, err := queryAll(ctx, s.read, func(r scanner) (row, error) {
		var v row
		err := r.Scan(&v.project, &v.State, &v.Tasks, &v.AreaM2)
		return v, err
	}, `SELECT project_id, state, count(*), coalesce(sum(area_m2), 0.0) FROM tasks
		WHERE project_id IN (`+s.dialect(`SELECT value FROM json_each(?)`,
		`SELECT jsonb_array_elements_text(?::jsonb)::bigint`)+`)
		GROUP BY project_id, state ORDER BY project_id, state`, string(ids))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.project] = append(out[r.project], r.StateCount)
	}
	return out, nil
}
