package app

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"strings"

	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
)

// The words pages use. Identifiers (task states, actions, roles, review states, project statuses) stay in
// attributes and URLs; what a person reads comes from the functions below, so every page says the same thing.

// labelFuncs are the label functions templates call.
func labelFuncs() template.FuncMap {
	return template.FuncMap{"roleLabel": roleLabel, "statusLabel": statusLabel, "stateLabel": stateLabel,
		"personName": tasking.PersonName, "formName": formName, "featureStatusLabel": featureStatusLabel,
		"reviewLabel": reviewLabel}
}

// stateLabel is a task state as people read it.
func stateLabel(s string) string {
	labels := map[taskflow.State]string{taskflow.StateReady: "Ready",
		taskflow.StateLockedForMapping: "Locked for mapping", taskflow.StateMapped: "Mapped",
		taskflow.StateLockedForValidation: "Locked for validation", taskflow.StateValidated: "Validated",
		taskflow.StateInvalidated: "Needs more mapping"}
	return cmp.Or(labels[taskflow.State(s)], "Unknown state")
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
	return cmp.Or(labels[act], "Act")
}

// actionSentences say what an action did, with %[1]s for who did it and %[2]s for the user it names (assign).
var actionSentences = map[taskflow.Action]string{
	taskflow.ActionLockForMapping: "%[1]s started mapping", taskflow.ActionUnlock: "%[1]s released the lock",
	taskflow.ActionMarkMapped: "%[1]s marked it mapped", taskflow.ActionLockForValidation: "%[1]s started validating",
	taskflow.ActionValidate: "%[1]s validated it", taskflow.ActionInvalidate: "%[1]s sent it back for more mapping",
	taskflow.ActionExtendLock: "%[1]s extended the lock", taskflow.ActionAssign: "%[1]s assigned it to %[2]s",
	taskflow.ActionUnassign: "%[1]s removed the assignment", taskflow.ActionReset: "%[1]s reset it to ready",
	taskflow.ActionComment: "%[1]s commented", taskflow.ActionExpire: "%[1]s released the lock (expired)",
}

// actionSentence says that who did act (to target, for assign), e.g. "Ana marked it mapped".
func actionSentence(who string, act taskflow.Action, target string) string {
	return fmt.Sprintf(cmp.Or(actionSentences[act], "%[1]s changed it"), who, cmp.Or(target, "someone"))
}

// eventSentence is a line of a task's history, e.g. "Vera started validating" or "The system released the lock
// (expired)".
func eventSentence(e TaskEventBody) string {
	who := cmp.Or(e.Name, e.Username, "Someone")
	if e.UserID == 0 {
		who = "The system"
	}
	target := e.TargetName
	if e.TargetTeamID != 0 {
		target = "team " + cmp.Or(e.TargetTeam, "(deleted)")
	}
	return actionSentence(who, taskflow.Action(e.Action), target)
}

// refusalWords say why the rules refused act, for the task panel, with a message for a form field when one is
// to blame. The rules' own messages name actions and states by identifier; the panel, drawn again as the task is
// now, shows in words why its buttons are missing.
func refusalWords(act taskflow.Action, err *taskflow.Error) (string, map[string]string) {
	switch {
	case errors.Is(err, taskflow.ErrInvalid) && (act == taskflow.ActionComment || act == taskflow.ActionInvalidate):
		return "Write a comment first", map[string]string{"comment": "Say what you saw or what still needs mapping"}
	case errors.Is(err, taskflow.ErrInvalid) && act == taskflow.ActionAssign:
		return "Choose whom to assign the task to", nil
	}
	return "“" + actionLabel(act) + "” is not possible now", nil
}

// roleLabel is a project role as a noun people read ("project manager"), for "You are a project manager".
func roleLabel(role string) string {
	labels := map[string]string{"none": "not a member", "mapper": "mapper", "validator": "validator",
		"field_manager": "field manager", "project_manager": "project manager"}
	return cmp.Or(labels[role], "member")
}

// roleOptions are the roles a member may have, weakest first, for a select.
func roleOptions() []option {
	out := make([]option, 0, len(memberRoles))
	for _, r := range memberRoles {
		out = append(out, option{Value: r, Label: roleLabel(r)})
	}
	return out
}

// reviewLabel is how a page names a submission's review state.
func reviewLabel(s string) string {
	labels := map[string]string{"received": "Received", "approved": "Approved", "has_issues": "Has issues",
		"rejected": "Rejected"}
	return cmp.Or(labels[s], "Unknown")
}

// featureStatusLabel is a data-extract feature's survey status as people read it.
func featureStatusLabel(s string) string {
	labels := map[string]string{"ready": "Not surveyed yet", "submitted": "Submitted", "validated": "Validated",
		"bad": "Rejected"}
	return cmp.Or(labels[s], "Unknown")
}

// statusLabel is a project's status as people read it.
func statusLabel(s string) string {
	labels := map[string]string{"draft": "Draft", "published": "Published", "completed": "Completed",
		"archived": "Archived"}
	return cmp.Or(labels[s], "Unknown status")
}

// formName names a form for people: its title (else its form id), then its version when it has one, e.g. "Roof
// survey version 3", or just "simple".
func formName(title, formID, version string) string {
	name := cmp.Or(strings.TrimSpace(title), formID)
	if v := strings.TrimSpace(version); v != "" {
		name += " version " + v
	}
	return name
}
