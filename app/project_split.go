package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"fieldbase/app/geo"
	"fieldbase/app/jobs"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// SplitBody is the body of POST /projects/{id}/split and .../split/preview.
type SplitBody struct {
	Method          string          `json:"method" enum:"grid,boundaries,features,count"`
	CellSizeM       float64         `json:"cell_size_m,omitempty" doc:"grid: the cell side in metres"`
	FeaturesPerTask int             `json:"features_per_task,omitempty" doc:"features: about this many features per task"`
	Tasks           json.RawMessage `json:"tasks,omitempty" doc:"count: the number of tasks; boundaries: a FeatureCollection of task polygons"`
}

// splitArgs checks the body against the project and turns it into the job's arguments; parameter problems
// are 422 naming the field.
func (a *App) splitArgs(ctx context.Context, p db.Project, b SplitBody) (tasking.SplitParams, error) {
	if p.Status != "draft" {
		return tasking.SplitParams{}, refusal(http.StatusConflict, coded("validation_split_not_draft",
			"only a draft project can be split; this one is {{.status}}", "status", p.Status))
	}
	args := tasking.SplitParams{ProjectID: p.ID, Method: b.Method, CellSizeM: b.CellSizeM,
		FeaturesPerTask: b.FeaturesPerTask}
	switch b.Method {
	case tasking.SplitMethodGrid:
		if b.CellSizeM < 10 || b.CellSizeM > 100000 {
			return args, fieldError("cell_size_m", errCellSize)
		}
	case tasking.SplitMethodFeatures:
		if b.FeaturesPerTask < 1 || b.FeaturesPerTask > 100000 {
			return args, fieldError("features_per_task", coded("validation_between", "must be between {{.min}} and {{.max}}",
				"min", 1, "max", 100000))
		}
		pts, err := a.store.FeaturePoints(ctx, p.ID)
		if err != nil {
			return args, err
		}
		if len(pts) == 0 {
			return args, fieldError("method", coded("validation_split_no_features",
				"the project has no features: upload a data extract first"))
		}
	case tasking.SplitMethodCount:
		n, err := strconv.Atoi(string(b.Tasks))
		if err != nil || n < 1 || n > geo.DefaultMaxTasks {
			return args, fieldError("tasks", coded("validation_task_count",
				"must be a number of tasks between 1 and {{.max}}", "max", geo.DefaultMaxTasks))
		}
		args.Tasks = n
	case tasking.SplitMethodBoundaries:
		if _, err := geo.ParseBoundaries(b.Tasks); err != nil {
			return args, splitError(err)
		}
		args.Boundaries = b.Tasks
	default:
		return args, fieldError("method", coded("validation_split_method", "must be grid, boundaries, features or count"))
	}
	return args, nil
}

// errCellSize refuses a grid cell size.
var errCellSize = coded("validation_cell_size", "must be between {{.min}} and {{.max}} metres", "min", 10, "max", 100000)

// splitError turns the splitter's refusals into 422s naming the field.
func splitError(err error) error {
	var pe *geo.ParamError
	var ae *geo.AOIError
	switch {
	case errors.As(err, &pe):
		return fieldError(pe.Field, coded("validation_split_params", "{{.detail}}", "detail", pe.Message))
	case errors.As(err, &ae):
		return fieldError("tasks", coded("validation_boundaries", "{{.detail}}", "detail", ae.Message))
	}
	return err
}

var (
	splitOp = huma.Operation{OperationID: "split-project", Tags: []string{"Projects"},
		DefaultStatus: http.StatusAccepted,
		Summary:       "Split a draft project into tasks (a background job; replaces the previous split)",
		Errors:        []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	splitPreviewOp = huma.Operation{OperationID: "preview-split", Tags: []string{"Projects"},
		Summary: "The tasks a split would make, as GeoJSON, without saving them (small inputs)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
)

// SplitInput is a split request.
type SplitInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body SplitBody
}

func (a *App) apiSplit(ctx context.Context, in *SplitInput) (*JobOutput, error) {
	args, err := a.splitArgs(ctx, projectFrom(ctx).Project, in.Body)
	if err != nil {
		return nil, err
	}
	id, err := a.jobs.Insert(ctx, jobs.SplitArgs{SplitParams: args})
	if err != nil {
		return nil, err
	}
	st, err := a.jobs.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	return &JobOutput{Body: jobBody(st)}, nil
}

// previewTimeout bounds a synchronous preview; bigger splits belong in the job.
const previewTimeout = 10 * time.Second

// GeoJSONOutput is a GeoJSON document.
type GeoJSONOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

func (a *App) apiSplitPreview(ctx context.Context, in *SplitInput) (*GeoJSONOutput, error) {
	p := projectFrom(ctx).Project
	args, err := a.splitArgs(ctx, p, in.Body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	tasks, _, err := tasking.Preview(ctx, a.store, p, args, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, errorf(http.StatusUnprocessableEntity, "the split is too large to preview: run it as a job")
	}
	if err != nil {
		return nil, splitError(err)
	}
	body, err := previewGeoJSON(tasks)
	return &GeoJSONOutput{ContentType: "application/geo+json", Body: body}, err
}

func previewGeoJSON(tasks []geo.Task) ([]byte, error) {
	buf := []byte(`{"type":"FeatureCollection","features":[`)
	for i, t := range tasks {
		g, err := geo.MultiPolygonJSON(t.Outline)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"type":"Feature","properties":{"index":`...)
		buf = strconv.AppendInt(buf, int64(i+1), 10)
		buf = append(buf, `,"area_m2":`...)
		buf = strconv.AppendFloat(buf, t.AreaM2, 'f', 1, 64)
		buf = append(buf, `,"feature_count":`...)
		buf = strconv.AppendInt(buf, int64(t.FeatureCount), 10)
		buf = append(buf, `},"geometry":`...)
		buf = append(buf, g...)
		buf = append(buf, '}')
	}
	return append(buf, "]}"...), nil
}
