package app

import (
	"errors"
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/markdown"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// actionButton is one action the caller may take, as the panel shows it.
type actionButton struct {
	Action, Label string
	Danger        bool
}

// historyLine is one entry of a task's history as a sentence, with the states it moved between in words.
type historyLine struct {
	TaskEventBody
	Sentence, From, To string
}

// taskPanel is what the task side panel shows: the task, its history, the actions the caller may take now and
// why the main ones they may not are missing, and the project's instructions.
type taskPanel struct {
	ProjectID    int64
	Task         TaskBody
	Events       []historyLine
	Actions      []actionButton
	Reasons      []string
	State        string
	Members      []MemberBody
	Errors       map[string]string
	Done         string
	SignedIn     bool
	Instructions template.HTML
	// Forms are the project's forms a member may fill in the browser for this task ("Collect").
	Forms []db.Form
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
	panel := taskPanel{ProjectID: in.ID, Task: t.Body, SignedIn: principal(ctx) != nil, State: stateLabel(a.tr(c), t.Body.State),
		Instructions: markdown.Render(projectFrom(ctx).Project.Instructions)}
	for i := len(evs.Body.Items) - 1; i >= 0; i-- { // newest first
		e := evs.Body.Items[i]
		panel.Events = append(panel.Events, historyLine{TaskEventBody: e, Sentence: eventSentence(a.tr(c), e),
			From: stateLabel(a.tr(c), e.FromState), To: stateLabel(a.tr(c), e.ToState)})
	}
	for _, r := range t.Body.WhyNot {
		panel.Reasons = append(panel.Reasons, a.tr(c).cat.T(a.lang(c), "taskflow.reason."+r.Code, r.Data))
	}
	for _, act := range t.Body.AllowedActions {
		panel.Actions = append(panel.Actions, actionButton{Action: act, Label: actionLabel(a.tr(c), taskflow.Action(act)),
			Danger: act == string(taskflow.ActionReset) || act == string(taskflow.ActionInvalidate)})
		if act == string(taskflow.ActionAssign) && panel.Members == nil {
			m, err := a.apiListMembers(ctx, &ProjectIDInput{ID: in.ID})
			if err != nil {
				return taskPanel{}, err
			}
			panel.Members = m.Body.Items
		}
	}
	if panel.Forms, err = a.fillForms(c); err != nil {
		return taskPanel{}, err
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
	body, err := a.execute(c, "project_task", "task_panel", panel)
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
		status, words, fieldWords := judge(actErr)
		if status >= 500 {
			return actErr
		}
		msg, fields := a.tr(c).word(words), a.tr(c).wordFields(fieldWords)
		var refused *taskflow.Error
		if errors.As(actErr, &refused) {
			msg, fields = refusalWords(a.tr(c), taskflow.Action(body.Action), refused)
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
	assignee := ""
	if panel.Task.AssignedTo != nil {
		assignee = panel.Task.AssignedTo.Name
	}
	panel.Done = youDid(a.tr(c), taskflow.Action(body.Action), assignee)
	return a.renderTaskPanel(c, fiber.StatusOK, panel)
}
