package tasking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"fieldbase/app/geo"
	"fieldbase/db"
)

// The split methods.
const (
	SplitMethodGrid       = "grid"
	SplitMethodBoundaries = "boundaries"
	SplitMethodFeatures   = "features"
	SplitMethodCount      = "count"
)

// SplitParams say how to split a draft project's AOI into tasks. Exactly the parameter of Method is used.
type SplitParams struct {
	ProjectID       int64           `json:"project_id"`
	Method          string          `json:"method"`
	CellSizeM       float64         `json:"cell_size_m,omitempty"`
	FeaturesPerTask int             `json:"features_per_task,omitempty"`
	Tasks           int             `json:"tasks,omitempty"`
	Boundaries      json.RawMessage `json:"boundaries,omitempty"`
}

// SplitResult is the outcome of a split.
type SplitResult struct {
	ProjectID int64 `json:"project_id"`
	Tasks     int   `json:"tasks"`
	Features  int   `json:"features"`
}

// RunSplit splits the project's AOI as params say, using its data extract, and replaces its tasks in one
// transaction at the end: a run interrupted before that leaves the previous split. A project that is no longer
// a draft is db.ErrConflict.
func RunSplit(ctx context.Context, store *db.Store, params SplitParams, progress geo.Progress) (SplitResult, error) {
	p, err := store.Project(ctx, params.ProjectID)
	if err != nil {
		return SplitResult{}, err
	}
	if p.Status != "draft" {
		return SplitResult{}, fmt.Errorf("project %d is %s: %w", p.ID, p.Status, db.ErrConflict)
	}
	tasks, feats, err := Preview(ctx, store, p, params, progress)
	if err != nil {
		return SplitResult{}, err
	}
	rows, err := newTasks(tasks, feats)
	if err != nil {
		return SplitResult{}, err
	}
	if err := store.ReplaceTasks(ctx, p.ID, rows); err != nil {
		return SplitResult{}, err
	}
	return SplitResult{ProjectID: p.ID, Tasks: len(rows), Features: len(feats)}, nil
}

// Preview computes the tasks a split of project p would make, without storing them, with the data extract's
// points they were computed from.
func Preview(ctx context.Context, store *db.Store, p db.Project, params SplitParams,
	progress geo.Progress) ([]geo.Task, []db.FeaturePoint, error) {
	aoi, err := geo.ParseMultiPolygon(p.AOI)
	if err != nil {
		return nil, nil, err
	}
	feats, err := store.FeaturePoints(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	points := make([]orb.Point, len(feats))
	for i, f := range feats {
		points[i] = orb.Point{f.Lon, f.Lat}
	}
	tasks, err := Split(ctx, aoi, points, params, progress)
	return tasks, feats, err
}

// Split computes the tasks of an AOI with the method of params; points are the data extract's centroids. Each
// task's Features index points. Bad parameters are *geo.ParamError (Field as in the API), bad boundaries
// *geo.AOIError.
func Split(ctx context.Context, aoi orb.MultiPolygon, points []orb.Point, params SplitParams,
	progress geo.Progress) ([]geo.Task, error) {
	var s geo.Splitter
	switch params.Method {
	case SplitMethodGrid:
		// The grid covers the whole AOI; features are given to the cells afterwards, so cells without any
		// stay (people may still find something to map there).
		tasks, err := s.SplitGrid(ctx, aoi, params.CellSizeM, nil, progress)
		if err != nil {
			return nil, err
		}
		return withFeatures(tasks, points), nil
	case SplitMethodBoundaries:
		b, err := geo.ParseBoundaries(params.Boundaries)
		if err != nil {
			return nil, err
		}
		return s.SplitBoundaries(aoi, b, points)
	case SplitMethodFeatures:
		if len(points) == 0 {
			return nil, &geo.ParamError{Field: "method", Message: "the project has no features: upload a data extract first"}
		}
		return s.SplitByFeatures(ctx, aoi, points, params.FeaturesPerTask, progress)
	case SplitMethodCount:
		tasks, err := s.SplitCount(ctx, aoi, points, params.Tasks, progress)
		var pe *geo.ParamError
		if errors.As(err, &pe) && pe.Field == "task_count" {
			pe.Field = "tasks"
		}
		return tasks, err
	}
	return nil, &geo.ParamError{Field: "method", Message: "must be grid, boundaries, features or count"}
}

// withFeatures gives each point to the first task containing it.
func withFeatures(tasks []geo.Task, points []orb.Point) []geo.Task {
	for i, t := range geo.AssignPoints(tasks, points) {
		if t >= 0 {
			tasks[t].Features = append(tasks[t].Features, i)
		}
	}
	for i := range tasks {
		tasks[i].FeatureCount = len(tasks[i].Features)
	}
	return tasks
}

func newTasks(tasks []geo.Task, feats []db.FeaturePoint) ([]db.NewTask, error) {
	rows := make([]db.NewTask, len(tasks))
	for i, t := range tasks {
		outline, err := geo.MultiPolygonJSON(t.Outline)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(t.Features))
		for k, f := range t.Features {
			ids[k] = feats[f].ID
		}
		rows[i] = db.NewTask{Outline: outline, MinLon: t.Bound.Min[0], MinLat: t.Bound.Min[1],
			MaxLon: t.Bound.Max[0], MaxLat: t.Bound.Max[1], AreaM2: t.AreaM2, FeatureIDs: ids}
	}
	return rows, nil
}
