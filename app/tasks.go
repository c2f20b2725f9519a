package app

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// TaskBody is a task as the API lists it (the shape the task operations and the live stream share).
type TaskBody = tasking.TaskBody

// UserRef names a user.
type UserRef = tasking.UserRef

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
	Name         string    `json:"name,omitempty" doc:"How people know the user: the display name, or the username"`
	Action       string    `json:"action"`
	FromState    string    `json:"from_state"`
	ToState      string    `json:"to_state"`
	Comment      string    `json:"comment,omitempty"`
	TargetUserID int64     `json:"target_user_id,omitempty" doc:"The assignee, for assign"`
	TargetName   string    `json:"target_name,omitempty" doc:"How people know the assignee, for assign"`
	TargetTeamID int64     `json:"target_team_id,omitempty" doc:"The team assigned, for assign"`
	TargetTeam   string    `json:"target_team,omitempty" doc:"The name of the team assigned, for assign"`
	CreatedAt    time.Time `json:"created_at"`
}

func taskEventBody(e db.TaskEvent) TaskEventBody {
	username, name := e.Username, tasking.PersonName(e.DisplayName, e.Username)
	if e.UserID == 0 {
		username, name = "system", "system"
	}
	b := TaskEventBody{ID: e.ID, TaskIndex: e.TaskIndex, UserID: e.UserID, Username: username, Name: name,
		Action: e.Action, FromState: e.FromState, ToState: e.ToState, Comment: e.Comment, TargetUserID: e.TargetUserID,
		TargetTeamID: e.TargetTeamID, TargetTeam: e.TargetTeamName, CreatedAt: e.CreatedAt.UTC()}
	if e.TargetUserID != 0 {
		b.TargetName = tasking.PersonName(e.TargetDisplayName, e.TargetUsername)
	}
	return b
}

// TaskActionBody is the body of POST .../tasks/{index}/events (and of the task panel's buttons).
type TaskActionBody struct {
	Action  string `json:"action" enum:"lock_for_mapping,unlock,mark_mapped,lock_for_validation,validate,invalidate,extend_lock,assign,unassign,reset,comment"`
	Comment string `json:"comment,omitempty" maxLength:"5000" doc:"Required for invalidate and comment"`
	UserID  int64  `json:"user_id,omitempty" doc:"The user to assign, for assign"`
}

// taskActions are the actions a person may ask for (expire is the system's).
var taskActions = []any{"lock_for_mapping", "unlock", "mark_mapped", "lock_for_validation", "validate",
	"invalidate", "extend_lock", "assign", "unassign", "reset", "comment"}

// Validate checks the body as the API's schema does, for the callers Huma does not check (the pages).
func (b TaskActionBody) Validate() error {
	return validation.ValidateStruct(&b,
		validation.Field(&b.Action, validation.Required, validation.In(taskActions...)),
		validation.Field(&b.Comment, validation.RuneLength(0, 5000)),
		validation.Field(&b.UserID, validation.Min(int64(0))))
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
	listTasksOp = huma.Operation{OperationID: "list-tasks", Tags: []string{"Tasks"},
		Summary: "A project's tasks with state, lock holder and assignee",
		Errors:  []int{http.StatusNotFound}}
	getTaskOp = huma.Operation{OperationID: "get-task", Tags: []string{"Tasks"},
		Summary: "A task, with the actions the caller may take now",
		Errors:  []int{http.StatusNotFound}}
	taskActionOp = huma.Operation{OperationID: "post-task-event", Tags: []string{"Tasks"},
		Summary: "Act on a task (lock, mark mapped, validate...); applied atomically with its history row",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	listTaskEventsOp = huma.Operation{OperationID: "list-task-events", Tags: []string{"Tasks"},
		Summary: "A task's history",
		Errors:  []int{http.StatusNotFound}}
)

func (a *App) apiListTasks(ctx context.Context, in *ProjectIDInput) (*TaskListOutput, error) {
	list, err := a.store.Tasks(ctx, in.ID, db.TaskOptions{})
	if err != nil {
		return nil, err
	}
	out := &TaskListOutput{}
	out.Body.Items = make([]TaskBody, 0, len(list))
	for _, t := range list {
		out.Body.Items = append(out.Body.Items, tasking.Body(t))
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
	pa, b := projectFrom(ctx), tasking.Body(t)
	if p := principal(ctx); p != nil {
		if b.AllowedActions, b.WhyNot, err = a.tasking.Options(ctx, pa.Project, t, p.UserID, pa.Role); err != nil {
			return nil, err
		}
	}
	return &TaskOutput{Body: b}, nil
}

// TaskActionInput is an action on a task.
type TaskActionInput struct {
	TaskInput
	Body TaskActionBody
}

func (a *App) apiTaskAction(ctx context.Context, in *TaskActionInput) (*TaskActionOutput, error) {
	next, ev, err := a.actOnTask(ctx, in.TaskInput, in.Body)
	if err != nil {
		return nil, err
	}
	out := &TaskActionOutput{}
	out.Body.Task, out.Body.Event = tasking.Body(next), taskEventBody(ev)
	return out, nil
}

// actOnTask checks an action's body and applies it as the caller (API and task panel alike).
func (a *App) actOnTask(ctx context.Context, in TaskInput, body TaskActionBody) (db.Task, db.TaskEvent, error) {
	if err := body.Validate(); err != nil {
		return db.Task{}, db.TaskEvent{}, err
	}
	pa, p := projectFrom(ctx), principal(ctx)
	return a.tasking.Act(ctx, in.ID, in.Index, tasking.Person{ID: p.UserID, Username: p.Username,
		DisplayName: p.DisplayName}, pa.Role,
		taskflow.Request{Action: taskflow.Action(body.Action), Comment: body.Comment, UserID: body.UserID,
			Now: time.Now()})
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
