package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/riverqueue/river"

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

// SplitArgs enqueues the split of a draft project's AOI into tasks. Exactly the parameter of Method is used.
type SplitArgs struct {
	ProjectID       int64           `json:"project_id"`
	Method          string          `json:"method"`
	CellSizeM       float64         `json:"cell_size_m,omitempty"`
	FeaturesPerTask int             `json:"features_per_task,omitempty"`
	Tasks           int             `json:"tasks,omitempty"`
	Boundaries      json.RawMessage `json:"boundaries,omitempty"`
}

// Kind names the job kind.
func (SplitArgs) Kind() string { return "split_project" }

// SplitResult is the recorded output of a split.
type SplitResult struct {
	ProjectID int64 `json:"project_id"`
	Tasks     int   `json:"tasks"`
	Features  int   `json:"features"`
}

type splitWorker struct {
	river.WorkerDefaults[SplitArgs]
	j *Jobs
}

// Work computes the split, then replaces the project's tasks in one transaction at the end: a run interrupted
// before that leaves the previous split, and a re-run replaces it again rather than adding to it.
func (w *splitWorker) Work(ctx context.Context, job *river.Job[SplitArgs]) error {
	progress := func(percent int, message string) { w.j.Progress(ctx, job.ID, percent*9/10, message) }
	res, err := RunSplit(ctx, w.j.store, job.Args, progress)
	var pe *geo.ParamError
	var ae *geo.AOIError
	switch {
	case errors.As(err, &pe):
		return Failure("%s", pe.Error())
	case errors.As(err, &ae):
		return Failure("%s", ae.Message)
	case errors.Is(err, db.ErrConflict):
		return Failure("the project is no longer a draft, so its tasks were not replaced")
	case errors.Is(err, db.ErrNotFound):
		return Failure("the project was deleted")
	case err != nil:
		return err
	}
	w.j.Progress(ctx, job.ID, 100, fmt.Sprintf("%d tasks", res.Tasks))
	return river.RecordOutput(ctx, res)
}

// RunSplit splits the project's AOI as args say, using its data extract, and replaces its tasks.
func RunSplit(ctx context.Context, store *db.Store, args SplitArgs, progress geo.Progress) (SplitResult, error) {
	p, err := store.Project(ctx, args.ProjectID)
	if err != nil {
		return SplitResult{}, err
	}
	if p.Status != "draft" {
		return SplitResult{}, fmt.Errorf("project %d is %s: %w", p.ID, p.Status, db.ErrConflict)
	}
	aoi, err := ParseMultiPolygon(p.AOI)
	if err != nil {
		return SplitResult{}, err
	}
	feats, err := store.FeaturePoints(ctx, p.ID)
	if err != nil {
		return SplitResult{}, err
	}
	points := make([]orb.Point, len(feats))
	for i, f := range feats {
		points[i] = orb.Point{f.Lon, f.Lat}
	}
	tasks, err := Split(ctx, aoi, points, args, progress)
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

// Split computes the tasks of an AOI with the method of args; points are the data extract's centroids. Each
// task's Features index points. Bad parameters are *geo.ParamError (Field as in the API), bad boundaries
// *geo.AOIError.
func Split(ctx context.Context, aoi orb.MultiPolygon, points []orb.Point, args SplitArgs,
	progress geo.Progress) ([]geo.Task, error) {
	var s geo.Splitter
	switch args.Method {
	case SplitMethodGrid:
		// The grid covers the whole AOI; features are given to the cells afterwards, so cells without any
		// stay (people may still find something to map there).
		tasks, err := s.SplitGrid(ctx, aoi, args.CellSizeM, nil, progress)
		if err != nil {
			return nil, err
		}
		return withFeatures(tasks, points), nil
	case SplitMethodBoundaries:
		b, err := geo.ParseBoundaries(args.Boundaries)
		if err != nil {
			return nil, err
		}
		return s.SplitBoundaries(aoi, b, points)
	case SplitMethodFeatures:
		if len(points) == 0 {
			return nil, &geo.ParamError{Field: "method", Message: "the project has no features: upload a data extract first"}
		}
		return s.SplitByFeatures(ctx, aoi, points, args.FeaturesPerTask, progress)
	case SplitMethodCount:
		tasks, err := s.SplitCount(ctx, aoi, points, args.Tasks, progress)
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
		outline, err := MultiPolygonJSON(t.Outline)
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

// MultiPolygonJSON writes a MultiPolygon as a GeoJSON geometry.
func MultiPolygonJSON(mp orb.MultiPolygon) (string, error) {
	coords, err := json.Marshal(mp)
	if err != nil {
		return "", err
	}
	return `{"type":"MultiPolygon","coordinates":` + string(coords) + "}", nil
}

// ParseMultiPolygon reads a GeoJSON MultiPolygon geometry as stored for AOIs and task outlines.
func ParseMultiPolygon(raw string) (orb.MultiPolygon, error) {
	var g struct {
		Coordinates orb.MultiPolygon `json:"coordinates"`
	}
	err := json.Unmarshal([]byte(raw), &g)
	return g.Coordinates, err
}
