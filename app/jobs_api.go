package app

import (
	"context"
	"encoding/json"
	"net/http"
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
}

// JobOutput wraps JobBody.
type JobOutput struct{ Body JobBody }

// JobInput names a job.
type JobInput struct {
	ID int64 `path:"id" minimum:"1"`
}

var getJobOp = huma.Operation{OperationID: "get-job", Method: http.MethodGet, Path: "/jobs/{id}",
	Tags: []string{"Jobs"}, Summary: "A background job's state, progress, error and result",
	Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}

func (a *App) apiGetJob(ctx context.Context, in *JobInput) (*JobOutput, error) {
	st, err := a.jobs.Status(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	b := JobBody{ID: st.ID, Kind: st.Kind, State: st.State, Error: st.Error, Attempt: st.Attempt,
		CreatedAt: st.CreatedAt.UTC(), StartedAt: utcPtr(st.StartedAt), FinishedAt: utcPtr(st.FinishedAt),
		Progress: JobProgress{Percent: st.Percent, Message: st.Message, UpdatedAt: utcPtr(st.UpdatedAt)}}
	if len(st.Result) > 0 && json.Valid(st.Result) {
		b.Result = json.RawMessage(st.Result)
	}
	return &JobOutput{Body: b}, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
