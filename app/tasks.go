package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"fieldbase/app/jobs"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// TaskBody is a task as the API lists it.
type TaskBody struct {
	Index          int        `json:"index"`
	State          string     `json:"state"`
	AreaM2         float64    `json:"area_m2"`
	FeatureCount   int        `json:"feature_count"`
	BBox           [4]float64 `json:"bbox" doc:"min_lon, min_lat, max_lon, max_lat"`
	LockedBy       *UserRef   `json:"locked_by,omitempty"`
	LockExpiresAt  *time.Time `json:"lock_expires_at,omitempty"`
	AssignedTo     *UserRef   `json:"assigned_to,omitempty"`
	MappedBy       int64      `json:"mapped_by,omitempty"`
	Version        int64      `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
	AllowedActions []string   `json:"allowed_actions,omitempty" doc:"What the caller may do now (single task views)"`
}

// UserRef names a user.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username,omitempty"`
}

func userRef(id int64, name string) *UserRef {
	if id == 0 {
		return nil
	}
	return &UserRef{ID: id, Username: name}
}

func taskBody(t db.Task) TaskBody {
	b := TaskBody{Index: t.Index, State: t.State, AreaM2: t.AreaM2, FeatureCount: t.FeatureCount,
		BBox: [4]float64{t.MinLon, t.MinLat, t.MaxLon, t.MaxLat}, LockedBy: userRef(t.LockedBy, t.LockedByName),
		AssignedTo: userRef(t.AssignedTo, t.AssignedToName), MappedBy: t.MappedBy, Version: t.Version,
		UpdatedAt: t.UpdatedAt.UTC()}
	if !t.LockExpiresAt.IsZero() {
		e := t.LockExpiresAt.UTC()
		b.LockExpiresAt = &e
	}
	return b
}

// TaskListOutput lists a project's tasks by index.
type TaskListOutput struct {
	Body struct {
		Items []TaskBody `json:"items"`
		Total int        `json:"total"`
	}
}

// TaskInput names a task by its 1-based index in the project.
type TaskInput struct {
	ID    int64 `path:"id" minimum:"1"`
	Index int   `path:"index" minimum:"1"`
}

// TaskEventBody is one entry of a task's history. user_id is absent for the system.
type TaskEventBody struct {
	ID           int64     `json:"id"`
	TaskIndex    int       `json:"task_index"`
	UserID       int64     `json:"user_id,omitempty"`
	Username     string    `json:"username"`
	Action       string    `json:"action"`
	FromState    string    `json:"from_state"`
	ToState      string    `json:"to_state"`
	Comment      string    `json:"comment,omitempty"`
	TargetUserID int64     `json:"target_user_id,omitempty" doc:"The assignee, for assign"`
	CreatedAt    time.Time `json:"created_at"`
}

func taskEventBody(e db.TaskEvent) TaskEventBody {
	name := e.Username
	if e.UserID == 0 {
		name = "system"
	}
	return TaskEventBody{ID: e.ID, TaskIndex: e.TaskIndex, UserID: e.UserID, Username: name, Action: e.Action,
		FromState: e.FromState, ToState: e.ToState, Comment: e.Comment, TargetUserID: e.TargetUserID,
		CreatedAt: e.CreatedAt.UTC()}
}

// TaskActionBody is the body of POST .../tasks/{index}/events.
type TaskActionBody struct {
	Action  string `json:"action" enum:"lock_for_mapping,unlock,mark_mapped,lock_for_validation,validate,invalidate,extend_lock,assign,unassign,reset,comment"`
	Comment string `json:"comment,omitempty" maxLength:"5000" doc:"Required for invalidate and comment"`
	UserID  int64  `json:"user_id,omitempty" doc:"The user to assign, for assign"`
}

// TaskActionOutput is the task after the action and the history row written with it.
type TaskActionOutput struct {
	Body struct {
		Task  TaskBody      `json:"task"`
		Event TaskEventBody `json:"event"`
	}
}

// TaskEventListOutput is a task's history, oldest first.
type TaskEventListOutput struct {
	Body struct {
		Items []TaskEventBody `json:"items"`
		Total int             `json:"total"`
	}
}

var (
	listTasksOp = huma.Operation{OperationID: "list-tasks", Method: http.MethodGet, Path: "/projects/{id}/tasks",
		Tags: []string{"Tasks"}, Summary: "A project's tasks with state, lock holder and assignee",
		Errors: []int{http.StatusNotFound}}
	getTaskOp = huma.Operation{OperationID: "get-task", Method: http.MethodGet, Path: "/projects/{id}/tasks/{index}",
		Tags: []string{"Tasks"}, Summary: "A task, with the actions the caller may take now",
		Errors: []int{http.StatusNotFound}}
	taskActionOp = huma.Operation{OperationID: "post-task-event", Method: http.MethodPost,
		Path: "/projects/{id}/tasks/{index}/events", Tags: []string{"Tasks"},
		Summary: "Act on a task (lock, mark mapped, validate...); applied atomically with its history row",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	listTaskEventsOp = huma.Operation{OperationID: "list-task-events", Method: http.MethodGet,
		Path: "/projects/{id}/tasks/{index}/events", Tags: []string{"Tasks"}, Summary: "A task's history",
		Errors: []int{http.StatusNotFound}}
)

func (a *App) apiListTasks(ctx context.Context, in *ProjectIDInput) (*TaskListOutput, error) {
	list, err := a.store.Tasks(ctx, in.ID, db.TaskOptions{})
	if err != nil {
		return nil, err
	}
	out := &TaskListOutput{}
	out.Body.Items = make([]TaskBody, 0, len(list))
	for _, t := range list {
		out.Body.Items = append(out.Body.Items, taskBody(t))
	}
	out.Body.Total = len(list)
	return out, nil
}

// TaskOutput wraps TaskBody.
type TaskOutput struct{ Body TaskBody }

func (a *App) apiGetTask(ctx context.Context, in *TaskInput) (*TaskOutput, error) {
	t, err := a.store.Task(ctx, in.ID, in.Index)
	if err != nil {
		return nil, err
	}
	pa, b := projectFrom(ctx), taskBody(t)
	if p := principal(ctx); p != nil {
		locks, err := a.store.LocksHeld(ctx, pa.Project.ID, p.UserID)
		if err != nil {
			return nil, err
		}
		actor := taskflow.Actor{UserID: p.UserID, Role: pa.Role, Locks: locks}
		for _, act := range taskflow.Actions(jobs.FlowTask(t), actor, jobs.FlowRules(pa.Project), time.Now()) {
			b.AllowedActions = append(b.AllowedActions, string(act))
		}
	}
	return &TaskOutput{Body: b}, nil
}

func (a *App) apiTaskAction(ctx context.Context, in *struct {
	TaskInput
	Body TaskActionBody
}) (*TaskActionOutput, error) {
	pa, p := projectFrom(ctx), principal(ctx)
	req := taskflow.Request{Action: taskflow.Action(in.Body.Action), Comment: in.Body.Comment,
		UserID: in.Body.UserID, Now: time.Now()}
	next, ev, err := a.store.ChangeTask(ctx, in.ID, in.Index, p.UserID,
		func(s db.TaskSnapshot) (db.Task, db.TaskEvent, error) {
			actor := taskflow.Actor{UserID: p.UserID, Role: pa.Role, Locks: s.Locks}
			return jobs.ApplyTaskAction(s, actor, req)
		})
	if err != nil {
		return nil, flowError(err)
	}
	a.publishTask(in.ID, next, ev.Action, p)
	out := &TaskActionOutput{}
	out.Body.Task, out.Body.Event = taskBody(next), taskEventBody(ev)
	return out, nil
}

func (a *App) apiListTaskEvents(ctx context.Context, in *TaskInput) (*TaskEventListOutput, error) {
	if _, err := a.store.Task(ctx, in.ID, in.Index); err != nil {
		return nil, err
	}
	list, err := a.store.TaskEvents(ctx, in.ID, in.Index)
	if err != nil {
		return nil, err
	}
	out := &TaskEventListOutput{}
	out.Body.Items = make([]TaskEventBody, 0, len(list))
	for _, e := range list {
		out.Body.Items = append(out.Body.Items, taskEventBody(e))
	}
	out.Body.Total = len(list)
	return out, nil
}

// flowError maps a refused action to its status: 403 wrong role, 409 wrong state, 422 malformed request.
func flowError(err error) error {
	var fe *taskflow.Error
	if !errors.As(err, &fe) {
		return err
	}
	status := http.StatusConflict
	switch {
	case errors.Is(fe.Kind, taskflow.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(fe.Kind, taskflow.ErrInvalid):
		status = http.StatusUnprocessableEntity
	}
	return &Error{Status: status, Message: fe.Message, Err: err}
}
