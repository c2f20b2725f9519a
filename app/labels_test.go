package app

import (
	"fieldbase/app/i18n"
	"os"
	"strings"
	"sync"
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
		plainWords(t, "state "+string(s), stateLabel(enLoc(t), string(s)), stateLabel(enLoc(t), "nope"))
	}
	for _, act := range taskflow.AllActions() {
		plainWords(t, "action "+string(act), actionLabel(enLoc(t), act), actionLabel(enLoc(t), "nope"))
		plainWords(t, "sentence of "+string(act), actionSentence(enLoc(t), "Ana", act, "Bob"), actionSentence(enLoc(t), "Ana", "nope", "Bob"))
	}
	for _, r := range []taskflow.Role{taskflow.RoleNone, taskflow.RoleMapper, taskflow.RoleValidator,
		taskflow.RoleFieldManager, taskflow.RoleProjectManager} {
		plainWords(t, "role "+r.String(), roleLabel(enLoc(t), r.String()), roleLabel(enLoc(t), "nope"))
	}
	for _, s := range reviewStates {
		plainWords(t, "review state "+s, reviewLabel(enLoc(t), s), reviewLabel(enLoc(t), "nope"))
	}
	for _, s := range projectStatuses {
		plainWords(t, "project status "+s, statusLabel(enLoc(t), s), statusLabel(enLoc(t), "nope"))
	}
	for _, o := range roleOptions(enLoc(t)) {
		plainWords(t, "role option "+o.Value, o.Label)
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"StateLockedForValidation", stateLabel(enLoc(t), "locked_for_validation"), "Locked for validation"},
		{"StateInvalidated", stateLabel(enLoc(t), "invalidated"), "Needs more mapping"},
		{"StateUnknown", stateLabel(enLoc(t), "lost"), "Unknown state"},
		{"RoleProjectManager", roleLabel(enLoc(t), "project_manager"), "project manager"},
		{"RoleFieldManager", roleLabel(enLoc(t), "field_manager"), "field manager"},
		{"RoleUnknown", roleLabel(enLoc(t), "king"), "member"},
		{"ReviewHasIssues", reviewLabel(enLoc(t), "has_issues"), "Has issues"},
		{"StatusPublished", statusLabel(enLoc(t), "published"), "Published"},
		{"ActionLockForValidation", actionLabel(enLoc(t), taskflow.ActionLockForValidation), "Start validating"},
		{"FormWithoutVersion", formName(enLoc(t), "", "simple", ""), "simple"},
		{"FormBlankVersionAndTitle", formName(enLoc(t), "  ", "simple", " "), "simple"},
		{"FormWithVersion", formName(enLoc(t), "", "linked", "3"), "linked version 3"},
		{"FormTitleAndVersion", formName(enLoc(t), "Roof survey", "roofs", "2024-05"), "Roof survey version 2024-05"},
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
			if got := eventSentence(enLoc(t), tt.event); got != tt.want {
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
			got, fields := refusalWords(enLoc(t), tt.act, &taskflow.Error{Kind: tt.kind, Message: "raw " + string(tt.act)})
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

// enCatalog loads the catalogues of web/i18n once for the package's tests (enLoc is called hundreds of times,
// and the files do not change while the tests run); a Catalog is read-only once loaded, as the app shares it.
var enCatalog = sync.OnceValues(func() (*i18n.Catalog, error) { return i18n.Load(os.DirFS("../web/i18n")) })

// enLoc is the English words, read from web/i18n.
func enLoc(t testing.TB) loc {
	t.Helper()
	cat, err := enCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return loc{cat: cat, lang: i18n.Source}
}
