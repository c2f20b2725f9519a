package db

import (
	"context"
	"database/sql"
	"strings"
)

// Feature is one feature of a project's data extract (a building, a road...). TaskID is 0 when no task holds its
// centroid.
type Feature struct {
	ID         int64
	ProjectID  int64
	TaskID     int64
	Geometry   string // GeoJSON geometry
	Properties string // JSON object
	Status     string // ready, submitted, validated or bad
	Lon, Lat   float64
}

// NewFeature is a feature to add to a project.
type NewFeature struct {
	Geometry   string
	Properties string
	Lon, Lat   float64
	TaskID     int64
}

// SaveFeatures stores an uploaded data extract in one transaction: with replace the project's previous features
// are deleted first, and the tasks' feature counts are recomputed, so a failure anywhere leaves the previous
// extract whole. Replacing a 200,000-feature extract holds the writer for about 2 s (measured); other writes wait.
func (s *Store) SaveFeatures(ctx context.Context, projectID int64, feats []NewFeature, replace bool) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if replace {
			if _, err := tx.ExecContext(ctx, "DELETE FROM features WHERE project_id = ?", projectID); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO features (project_id, task_id, geometry, properties, lon, lat)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, f := range feats {
			props := f.Properties
			if props == "" {
				props = "{}"
			}
			if _, err := ins.ExecContext(ctx, projectID, nullID(f.TaskID), f.Geometry, props, f.Lon, f.Lat); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE tasks SET feature_count = (SELECT count(*) FROM features f
			WHERE f.task_id = tasks.id) WHERE project_id = ?`, projectID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE projects SET tasks_rev = tasks_rev + 1 WHERE id = ?", projectID)
		return err
	}))
}

// FeaturePoint is a feature's id and centroid, what splitting needs.
type FeaturePoint struct {
	ID       int64
	Lon, Lat float64
}

// FeaturePoints returns the centroid of every feature of a project, by id.
func (s *Store) FeaturePoints(ctx context.Context, projectID int64) ([]FeaturePoint, error) {
	return queryAll(ctx, s.read, func(row scanner) (FeaturePoint, error) {
		var p FeaturePoint
		err := row.Scan(&p.ID, &p.Lon, &p.Lat)
		return p, err
	}, "SELECT id, lon, lat FROM features WHERE project_id = ? ORDER BY id", projectID)
}

// EachFeature calls fn with each feature of a project (of one task when taskID > 0), by id, without loading
// them all at once; fn's error stops the walk and is returned.
func (s *Store) EachFeature(ctx context.Context, projectID, taskID int64, fn func(Feature) error) error {
	q := `SELECT id, project_id, coalesce(task_id, 0), geometry, properties, status, lon, lat FROM features
		WHERE project_id = ?`
	args := []any{projectID}
	if taskID > 0 {
		q += " AND task_id = ?"
		args = append(args, taskID)
	}
	rows, err := s.read.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var f Feature
		if err := rows.Scan(&f.ID, &f.ProjectID, &f.TaskID, &f.Geometry, &f.Properties, &f.Status, &f.Lon,
			&f.Lat); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Feature returns one feature of a project, ErrNotFound when the project has no such feature.
func (s *Store) Feature(ctx context.Context, projectID, id int64) (Feature, error) {
	var f Feature
	err := s.read.QueryRowContext(ctx, `SELECT id, project_id, coalesce(task_id, 0), geometry, properties, status,
		lon, lat FROM features WHERE project_id = ? AND id = ?`, projectID, id).Scan(&f.ID, &f.ProjectID, &f.TaskID,
		&f.Geometry, &f.Properties, &f.Status, &f.Lon, &f.Lat)
	return f, mapErr(err)
}

// EachFeatureIn calls fn with each feature of a project whose centroid lies in the box [minLon, minLat, maxLon,
// maxLat], by id, at most limit of them; it returns whether more were left out.
func (s *Store) EachFeatureIn(ctx context.Context, projectID int64, box [4]float64, limit int,
	fn func(Feature) error) (bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, project_id, coalesce(task_id, 0), geometry, properties, status,
		lon, lat FROM features WHERE project_id = ? AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? ORDER BY id LIMIT ?`,
		projectID, box[0], box[2], box[1], box[3], limit+1)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > limit {
			return true, rows.Err()
		}
		var f Feature
		if err := rows.Scan(&f.ID, &f.ProjectID, &f.TaskID, &f.Geometry, &f.Properties, &f.Status, &f.Lon,
			&f.Lat); err != nil {
			return false, err
		}
		if err := fn(f); err != nil {
			return false, err
		}
	}
	return false, rows.Err()
}

// featureChunk bounds the ids in one UPDATE ... IN (...), below SQLite's variable limit.
const featureChunk = 500

// setFeatureTask gives the features with the given ids (of the project) to the task.
func setFeatureTask(ctx context.Context, tx *sql.Tx, projectID, taskID int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), featureChunk)
		args := make([]any, 0, n+2)
		args = append(args, taskID, projectID)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		// The unary + keeps SQLite from answering project_id through its index (a scan of every feature of the
		// project per chunk, 40 s for 100k features) instead of looking up each id by rowid.
		q := "UPDATE features SET task_id = ? WHERE +project_id = ? AND id IN (?" + strings.Repeat(",?", n-1) + ")"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// FeatureInProject reports whether a feature id belongs to the project.
func (s *Store) FeatureInProject(ctx context.Context, projectID, featureID int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM features WHERE project_id = ? AND id = ?", projectID,
		featureID).Scan(&n)
	return n > 0, err
}
