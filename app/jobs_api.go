package app

import (
	"context"
	"encoding/json"
	"errors"
	"fieldbase/app/jobs"
	"fieldbase/app/taskflow"
	"fieldbase/db"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// JobBody is a background job as a person watching it sees it.
type JobBody struct {
	ID         int64           `json:"id"`
	Kind       string          `json:"kind"`
	State      string          `json:"state" doc:"available, scheduled, running, retryable, completed, cancelled, discarded"`
	Progress   JobProgress     `json:"progress"`
	Error      string          `json:"error,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Attempt    int             `json:"attempt"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// JobProgress is what a running job last said about itself.
type JobProgress struct {
	Percent   int        `json:"percent" minimum:"0" maximum:"100"`
	Message   string     `json:"message"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// words is Message as a message of the catalogues, for the pages (jobWords).
	words *jobs.Words
}

// JobOutput wraps JobBody.
type JobOutput struct{ Body JobBody }

// JobInput names a job.
type JobInput struct {
	ID int64 `path:"id" minimum:"1"`
}

var getJobOp = huma.Operation{OperationID: "get-job", Tags: []string{"Jobs"},
	Summary: "A background job's state, progress, error and result",
	Errors:  []int{http.StatusNotFound, http.StatusUnprocessableEntity}}

// jobAccess guards GET /jobs/{id}: a job is readable by whoever may read what it works on (the split of a
// project or the check of a basemap: the project's readers; an export: validators and above of its project;
// the server's own jobs: administrators). Anyone else gets the 404 of a job that does not exist, so that job ids
// reveal nothing.
type jobAccess struct{}

// jobReader is the access of GET /jobs/{id}.
var jobReader access = jobAccess{}

const jobKey ctxKey = "job"

func (jobAccess) documented() bool { return true }

func (jobAccess) check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context,
	error) {
	if p == nil {
		return ctx, errUnauthenticated
	}
	noJob := errorf(http.StatusNotFound, "no such job")
	id, err := strconv.ParseInt(param("id"), 10, 64)
	if err != nil || id <= 0 {
		return ctx, nil // not an id: Huma's validation answers 422 before the handler runs
	}
	st, err := a.jobs.Status(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return ctx, noJob
	}
	if err != nil {
		return ctx, err
	}
	switch {
	case st.ProjectID == 0 && !p.IsAdmin:
		return ctx, noJob
	case st.ProjectID != 0:
		min := taskflow.RoleNone
		if st.Kind == (jobs.ExportArgs{}).Kind() {
			min = taskflow.RoleValidator
		}
		pid := strconv.FormatInt(st.ProjectID, 10)
		if _, err := projectRole(min).check(ctx, a, p, func(string) string { return pid }); err != nil {
			if status, _, _ := classify(err); status < 500 {
				return ctx, noJob
			}
			return ctx, err
		}
	}
	return context.WithValue(ctx, jobKey, st), nil
}

func (a *App) apiGetJob(ctx context.Context, in *JobInput) (*JobOutput, error) {
	st, ok := ctx.Value(jobKey).(jobs.Status)
	if !ok || st.ID != in.ID {
		return nil, errorf(http.StatusNotFound, "no such job")
	}
	return &JobOutput{Body: jobBody(st)}, nil
}

// jobBody is what a person watching a job sees of it.
func jobBody(st jobs.Status) JobBody {
	b := JobBody{ID: st.ID, Kind: st.Kind, State: st.State, Error: st.Error, Attempt: st.Attempt,
		CreatedAt: st.CreatedAt.UTC(), StartedAt: utcPtr(st.StartedAt), FinishedAt: utcPtr(st.FinishedAt),
		Progress: JobProgress{Percent: st.Percent, Message: st.Message, UpdatedAt: utcPtr(st.UpdatedAt),
			words: st.Words}}
	if len(st.Result) > 0 && json.Valid(st.Result) {
		b.Result = json.RawMessage(st.Result)
	}
	return b
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
