package app

import (
	"cmp"
	"errors"
	"html/template"
	"strings"

	"fieldbase/app/jobs"
	"fieldbase/app/readyforms"
	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
)

// The words pages use. Identifiers (task states, actions, roles, review states, project statuses) stay in
// attributes and URLs; what a person reads comes from the functions below, so every page says the same thing.

// labelFuncs are the label functions templates call.
func labelFuncs() template.FuncMap {
	// The label functions of a language are bound with it in langFuncs.
	return template.FuncMap{"personName": tasking.PersonName}
}

// stateLabel is a task state as people read it.
func stateLabel(l loc, s string) string {
	switch taskflow.State(s) {
	case taskflow.StateReady, taskflow.StateLockedForMapping, taskflow.StateMapped,
		taskflow.StateLockedForValidation, taskflow.StateValidated, taskflow.StateInvalidated:
		return l.T("task.state." + s)
	}
	return l.T("task.state.unknown")
}

// actionKnown reports whether act has words of its own.
func actionKnown(act taskflow.Action) bool {
	switch act {
	case taskflow.ActionLockForMapping, taskflow.ActionUnlock, taskflow.ActionMarkMapped,
		taskflow.ActionLockForValidation, taskflow.ActionValidate, taskflow.ActionInvalidate,
		taskflow.ActionExtendLock, taskflow.ActionAssign, taskflow.ActionUnassign, taskflow.ActionReset,
		taskflow.ActionComment, taskflow.ActionExpire:
		return true
	}
	return false
}

// actionLabel is the button text of an action.
func actionLabel(l loc, act taskflow.Action) string {
	if actionKnown(act) {
		return l.T("task.action." + string(act))
	}
	return l.T("task.action.unknown")
}

// actionSentence says that who did act (to target, for assign), e.g. "Ana marked it mapped".
func actionSentence(l loc, who string, act taskflow.Action, target string) string {
	id := "task.done.unknown"
	if actionKnown(act) {
		id = "task.done." + string(act)
	}
	return l.T(id, "Who", who, "Target", cmp.Or(target, l.T("task.someone")))
}

// youDid says what the person themselves just did, e.g. "You marked it mapped".
func youDid(l loc, act taskflow.Action, target string) string {
	id := "task.you.unknown"
	if actionKnown(act) {
		id = "task.you." + string(act)
	}
	return l.T(id, "Target", cmp.Or(target, l.T("task.someone")))
}

// eventSentence is a line of a task's history, e.g. "Vera started validating" or "The system released the lock
// (expired)".
func eventSentence(l loc, e TaskEventBody) string {
	who := cmp.Or(e.Name, e.Username, l.T("task.someone_capital"))
	if e.UserID == 0 {
		who = l.T("task.the_system")
	}
	target := e.TargetName
	if e.TargetTeamID != 0 {
		target = l.T("task.team_target", "Name", cmp.Or(e.TargetTeam, l.T("task.team_deleted")))
	}
	return actionSentence(l, who, taskflow.Action(e.Action), target)
}

// refusalWords say why the rules refused act, for the task panel, with a message for a form field when one is
// to blame. The rules' own messages name actions and states by identifier; the panel, drawn again as the task is
// now, shows in words why its buttons are missing.
func refusalWords(l loc, act taskflow.Action, err *taskflow.Error) (string, map[string]string) {
	switch {
	case errors.Is(err, taskflow.ErrInvalid) && (act == taskflow.ActionComment || act == taskflow.ActionInvalidate):
		return l.T("task.refused.comment_first"), map[string]string{"comment": l.T("task.refused.comment_hint")}
	case errors.Is(err, taskflow.ErrInvalid) && act == taskflow.ActionAssign:
		return l.T("task.refused.choose_assignee"), nil
	}
	return l.T("task.refused.not_now", "Action", actionLabel(l, act)), nil
}

// roleLabel is a project role as a noun people read ("project manager"), for "You are a project manager".
func roleLabel(l loc, role string) string {
	switch role {
	case "none", "mapper", "validator", "field_manager", "project_manager":
		return l.T("role." + role)
	}
	return l.T("role.member")
}

// roleOptions are the roles a member may have, weakest first, for a select.
func roleOptions(l loc) []option {
	out := make([]option, 0, len(memberRoles))
	for _, r := range memberRoles {
		out = append(out, option{Value: r, Label: roleLabel(l, r)})
	}
	return out
}

// reviewLabel is how a page names a submission's review state.
func reviewLabel(l loc, s string) string {
	switch s {
	case "received", "approved", "has_issues", "rejected":
		return l.T("review.state." + s)
	}
	return l.T("review.state.unknown")
}

// featureStatusLabel is a data-extract feature's survey status as people read it.
func featureStatusLabel(l loc, s string) string {
	switch s {
	case "ready", "submitted", "validated", "bad":
		return l.T("feature.status." + s)
	}
	return l.T("feature.status.unknown")
}

// statusLabel is a project's status as people read it.
func statusLabel(l loc, s string) string {
	switch s {
	case "draft", "published", "completed", "archived":
		return l.T("project.status." + s)
	}
	return l.T("project.status.unknown")
}

// formName names a form for people: its title (else its form id), then its version when it has one, e.g. "Roof
// survey version 3", or just "simple".
func formName(l loc, title, formID, version string) string {
	name := cmp.Or(strings.TrimSpace(title), formID)
	if v := strings.TrimSpace(version); v != "" {
		return l.T("form.name_version", "Name", name, "Version", v)
	}
	return name
}

// dynamicMessageIDs are the catalogue ids the code builds from identifiers (a state, an action, a role...), which
// a search of the source for literal ids cannot find; the catalogue tests add them to the literal ones.
func dynamicMessageIDs() []string {
	var ids []string
	add := func(prefix string, names ...string) {
		for _, n := range names {
			ids = append(ids, prefix+n)
		}
	}
	for _, s := range taskflow.States() {
		add("task.state.", string(s))
	}
	add("task.state.", "unknown")
	for _, act := range taskflow.AllActions() {
		add("task.action.", string(act))
		add("task.done.", string(act))
		add("task.you.", string(act))
	}
	add("task.action.", "unknown")
	add("task.done.", "unknown")
	add("task.you.", "unknown")
	add("role.", "none", "mapper", "validator", "field_manager", "project_manager", "member")
	add("review.state.", append(append([]string{}, reviewStates...), "unknown")...)
	add("feature.status.", "ready", "submitted", "validated", "bad", "unknown")
	add("project.status.", append(append([]string{}, projectStatuses...), "unknown")...)
	add("project.visibility.", "public", "private")
	add("basemaps.state.", "validating", "ready", "invalid")
	ids = append(ids, jobs.WordIDs()...)
	add("taskflow.reason.", taskflow.ReasonCodes()...)
	for _, f := range readyforms.List() {
		add("readyforms.", f.Name+".title", f.Name+".description")
	}
	return ids
}
