package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
)

// taskPanel is what the task side panel shows: the task, its history and the actions the caller may take now.
type actionButton struct {
	Action, Label string
	Danger        bool
}

type taskPanel struct {
	ProjectID int64
	Task      TaskBody
	Events    []TaskEventBody
	Actions   []actionButton
	State     string
	Members   []MemberBody
	Errors    map[string]string
	Done      string
	SignedIn  bool
}

// taskIndex reads the :index parameter.
func taskIndex(c *fiber.Ctx) (TaskInput, error) {
	n, err := strconv.Atoi(c.Params("index"))
	if err != nil || n < 1 {
		return TaskInput{}, fiber.ErrNotFound
	}
	return TaskInput{ID: projectFrom(c.UserContext()).Project.ID, Index: n}, nil
}

// taskPanelData loads the panel through the same functions as the API (apiGetTask decides the actions).
func (a *App) taskPanelData(c *fiber.Ctx, in TaskInput) (taskPanel, error) {
	ctx := c.UserContext()
	t, err := a.apiGetTask(ctx, &in)
	if err != nil {
		return taskPanel{}, err
	}
	evs, err := a.apiListTaskEvents(ctx, &in)
	if err != nil {
		return taskPanel{}, err
	}
	panel := taskPanel{ProjectID: in.ID, Task: t.Body, Events: evs.Body.Items, SignedIn: principal(ctx) != nil,
		State: stateLabel(t.Body.State)}
	for i, j := 0, len(panel.Events)-1; i < j; i, j = i+1, j-1 { // newest first
		panel.Events[i], panel.Events[j] = panel.Events[j], panel.Events[i]
	}
	for _, act := range t.Body.AllowedActions {
		panel.Actions = append(panel.Actions, actionButton{Action: act, Label: actionLabel(taskflow.Action(act)),
			Danger: act == string(taskflow.ActionReset) || act == string(taskflow.ActionInvalidate)})
		if act == string(taskflow.ActionAssign) && panel.Members == nil {
			m, err := a.apiListMembers(ctx, &ProjectIDInput{ID: in.ID})
			if err != nil {
				return taskPanel{}, err
			}
			panel.Members = m.Body.Items
		}
	}
	return panel, nil
}

// taskPanelPartial answers the side panel of one task (a fragment for htmx, or a page of its own).
func (a *App) taskPanelPartial(c *fiber.Ctx) error {
	in, err := taskIndex(c)
	if err != nil {
		return err
	}
	panel, err := a.taskPanelData(c, in)
	if err != nil {
		return err
	}
	return a.renderTaskPanel(c, fiber.StatusOK, panel)
}

func (a *App) renderTaskPanel(c *fiber.Ctx, status int, panel taskPanel) error {
	if !isHTMX(c) {
		return a.page(c, status, "project_task", "Task "+strconv.Itoa(panel.Task.Index), panel)
	}
	body, err := a.tmpl.execute("project_task", "task_panel", panel)
	if err != nil {
		return err
	}
	c.Status(status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// taskActionForm applies a button of the panel as the API does (the same checks, rules, history row and
// live event) and answers the panel as it is now; a refused action shows its reason in the panel.
func (a *App) taskActionForm(c *fiber.Ctx) error {
	in, err := taskIndex(c)
	if err != nil {
		return err
	}
	userID, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	body := TaskActionBody{Action: c.FormValue("action"), Comment: c.FormValue("comment"), UserID: userID}
	_, _, actErr := a.actOnTask(c.UserContext(), in, body)
	panel, err := a.taskPanelData(c, in)
	if err != nil {
		return err
	}
	if actErr != nil {
		status, msg, fields := classify(actErr)
		if status >= 500 {
			return actErr
		}
		// The panel shows the comment's message under the comment box and any other beside the buttons.
		panel.Errors = map[string]string{"": msg}
		for k, v := range fields {
			if k == "comment" {
				panel.Errors[k] = v
			} else {
				panel.Errors[""] = k + ": " + v
			}
		}
		return a.renderTaskPanel(c, status, panel)
	}
	panel.Done = actionLabel(taskflow.Action(body.Action))
	return a.renderTaskPanel(c, fiber.StatusOK, panel)
}

// actionLabel is the button text of an action.
func actionLabel(act taskflow.Action) string {
	labels := map[taskflow.Action]string{
		taskflow.ActionLockForMapping: "Start mapping", taskflow.ActionUnlock: "Stop (unlock)",
		taskflow.ActionMarkMapped: "Mark as mapped", taskflow.ActionLockForValidation: "Start validating",
		taskflow.ActionValidate: "Validate", taskflow.ActionInvalidate: "Needs more mapping",
		taskflow.ActionExtendLock: "Extend my lock", taskflow.ActionAssign: "Assign",
		taskflow.ActionUnassign: "Unassign", taskflow.ActionReset: "Reset to ready",
		taskflow.ActionComment: "Comment", taskflow.ActionExpire: "Expire"}
	if l, ok := labels[act]; ok {
		return l
	}
	return string(act)
}

// stateLabel is a task state as people read it.
func stateLabel(s string) string {
	labels := map[string]string{"ready": "Ready", "locked_for_mapping": "Locked for mapping", "mapped": "Mapped",
		"locked_for_validation": "Locked for validation", "validated": "Validated", "invalidated": "Needs more mapping"}
	if l, ok := labels[s]; ok {
		return l
	}
	return s
}
