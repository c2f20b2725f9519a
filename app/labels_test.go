package app

import (
	"strings"
	"testing"

	"fieldbase/app/taskflow"
)

// plainWords fails when a label is empty, carries an identifier's underscore or a double space, or is a
// fallback.
func plainWords(t *testing.T, what, label string, fallbacks ...string) {
	t.Helper()
	if label == "" || strings.Contains(label, "_") || strings.Contains(label, "  ") || strings.TrimSpace(label) != label {
		t.Errorf("%s reads %q", what, label)
	}
	for _, f := range fallbacks {
		if label == f {
			t.Errorf("%s has no label of its own (%q)", what, label)
		}
	}
}

func TestLabelsCoverEveryIdentifier(t *testing.T) {
	t.Parallel()
	for _, s := range taskflow.States() {
		plainWords(t, "state "+string(s), stateLabel(string(s)), stateLabel("nope"))
	}
	for _, act := range taskflow.AllActions() {
		plainWords(t, "action "+string(act), actionLabel(act), actionLabel("nope"))
		plainWords(t, "sentence of "+string(act), actionSentence("Ana", act, "Bob"), actionSentence("Ana", "nope", "Bob"))
	}
	for _, r := range []taskflow.Role{taskflow.RoleNone, taskflow.RoleMapper, taskflow.RoleValidator,
		taskflow.RoleFieldManager, taskflow.RoleProjectManager} {
		plainWords(t, "role "+r.String(), roleLabel(r.String()), roleLabel("nope"))
	}
	for _, s := range reviewStates {
		plainWords(t, "review state "+s, reviewLabel(s), reviewLabel("nope"))
	}
	for _, s := range projectStatuses {
		plainWords(t, "project status "+s, statusLabel(s), statusLabel("nope"))
	}
	for _, o := range roleOptions() {
		plainWords(t, "role option "+o.Value, o.Label)
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"StateLockedForValidation", stateLabel("locked_for_validation"), "Locked for validation"},
		{"StateInvalidated", stateLabel("invalidated"), "Needs more mapping"},
		{"StateUnknown", stateLabel("lost"), "Unknown state"},
		{"RoleProjectManager", roleLabel("project_manager"), "project manager"},
		{"RoleFieldManager", roleLabel("field_manager"), "field manager"},
		{"RoleUnknown", roleLabel("king"), "member"},
		{"ReviewHasIssues", reviewLabel("has_issues"), "Has issues"},
		{"StatusPublished", statusLabel("published"), "Published"},
		{"ActionLockForValidation", actionLabel(taskflow.ActionLockForValidation), "Start validating"},
		{"FormWithoutVersion", formName("", "simple", ""), "simple"},
		{"FormBlankVersionAndTitle", formName("  ", "simple", " "), "simple"},
		{"FormWithVersion", formName("", "linked", "3"), "linked version 3"},
		{"FormTitleAndVersion", formName("Roof survey", "roofs", "2024-05"), "Roof survey version 2024-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestEventSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event TaskEventBody
		want  string
	}{
		{"LockForValidation", TaskEventBody{UserID: 2, Username: "vera", Name: "Vera", Action: "lock_for_validation"},
			"Vera started validating"},
		{"MarkMapped", TaskEventBody{UserID: 1, Username: "ana", Name: "Ana", Action: "mark_mapped"}, "Ana marked it mapped"},
		{"SystemExpire", TaskEventBody{Username: "system", Name: "system", Action: "expire"},
			"The system released the lock (expired)"},
		{"Assign", TaskEventBody{UserID: 3, Name: "Pia", Action: "assign", TargetUserID: 1, TargetName: "Ana"},
			"Pia assigned it to Ana"},
		{"AssignUnknownTarget", TaskEventBody{UserID: 3, Name: "Pia", Action: "assign", TargetUserID: 1},
			"Pia assigned it to someone"},
		{"Invalidate", TaskEventBody{UserID: 2, Name: "Vera", Action: "invalidate"}, "Vera sent it back for more mapping"},
		{"UsernameWhenNoName", TaskEventBody{UserID: 1, Username: "ana", Action: "unlock"}, "ana released the lock"},
		{"UnknownAction", TaskEventBody{UserID: 1, Name: "Ana", Action: "teleport"}, "Ana changed it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := eventSentence(tt.event); got != tt.want {
				t.Errorf("eventSentence = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRefusalWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		act       taskflow.Action
		kind      error
		want      string
		wantField string
	}{
		{"ForbiddenMarkMapped", taskflow.ActionMarkMapped, taskflow.ErrForbidden, "“Mark as mapped” is not possible now", ""},
		{"ConflictLockForValidation", taskflow.ActionLockForValidation, taskflow.ErrConflict,
			"“Start validating” is not possible now", ""},
		{"CommentWithoutText", taskflow.ActionComment, taskflow.ErrInvalid, "Write a comment first", "comment"},
		{"InvalidateWithoutText", taskflow.ActionInvalidate, taskflow.ErrInvalid, "Write a comment first", "comment"},
		{"AssignWithoutUser", taskflow.ActionAssign, taskflow.ErrInvalid, "Choose whom to assign the task to", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, fields := refusalWords(tt.act, &taskflow.Error{Kind: tt.kind, Message: "raw " + string(tt.act)})
			fieldOK := len(fields) == 0
			if tt.wantField != "" {
				fieldOK = len(fields) == 1 && fields[tt.wantField] != ""
			}
			if got != tt.want || !fieldOK {
				t.Errorf("refusalWords = %q, %v; want %q with a message for %q", got, fields, tt.want, tt.wantField)
			}
			plainWords(t, "refusal", got)
		})
	}
}
