package taskflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The actors and users of the transition table.
const (
	me       int64 = 1  // the acting user
	holder   int64 = 60 // someone else holding the lock
	mapperID int64 = 50 // someone else who mapped the task
)

func allRoles() []Role {
	return []Role{RoleNone, RoleMapper, RoleValidator, RoleFieldManager, RoleProjectManager}
}

func clock() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

func openRules() Rules {
	return Rules{ProjectOpen: true, LockDuration: 2 * time.Hour, MaxLocksPerUser: 3}
}

// taskIn builds a consistent task in state s; for the locked states mine
// says whether the acting user holds the lock.
func taskIn(t *testing.T, s State, mine bool) Task {
	t.Helper()
	lockedBy := holder
	if mine {
		lockedBy = me
	}
	expiry := clock().Add(time.Hour)
	switch s {
	case StateReady:
		return Task{State: s}
	case StateLockedForMapping:
		return Task{State: s, LockedBy: lockedBy, LockExpiresAt: expiry, StateBeforeLock: StateReady}
	case StateLockedForValidation:
		return Task{State: s, LockedBy: lockedBy, MappedBy: mapperID, LockExpiresAt: expiry, StateBeforeLock: StateMapped}
	case StateMapped, StateValidated, StateInvalidated:
		return Task{State: s, MappedBy: mapperID}
	}
	t.Fatalf("no fixture for state %q", s)
	return Task{}
}

// outcome decodes one cell of the table: an HTTP-like error code or a short
// name of the resulting state.
func outcome(t *testing.T, cell string) (State, error) {
	t.Helper()
	switch cell {
	case "403":
		return "", ErrForbidden
	case "409":
		return "", ErrConflict
	case "422":
		return "", ErrInvalid
	case "r":
		return StateReady, nil
	case "lfm":
		return StateLockedForMapping, nil
	case "m":
		return StateMapped, nil
	case "lfv":
		return StateLockedForValidation, nil
	case "v":
		return StateValidated, nil
	case "inv":
		return StateInvalidated, nil
	}
	t.Fatalf("bad table cell %q", cell)
	return "", nil
}

// transitionTable is the whole workflow for a member acting on a task of an
// open project, with a comment and a user id supplied. Columns are the roles
// none, mapper, validator, field_manager, project_manager; "holder" is the
// row when the actor holds the lock (locked states only).
var transitionTable = []struct {
	state     State
	action    Action
	nonHolder string
	holder    string
}{
	{StateReady, ActionLockForMapping, "403 lfm lfm lfm lfm", ""},
	{StateReady, ActionUnlock, "403 409 409 409 409", ""},
	{StateReady, ActionMarkMapped, "403 409 409 409 409", ""},
	{StateReady, ActionLockForValidation, "403 403 409 409 409", ""},
	{StateReady, ActionValidate, "403 403 409 409 409", ""},
	{StateReady, ActionInvalidate, "403 403 409 409 409", ""},
	{StateReady, ActionExtendLock, "403 409 409 409 409", ""},
	{StateReady, ActionAssign, "403 403 403 r r", ""},
	{StateReady, ActionUnassign, "403 403 403 409 409", ""},
	{StateReady, ActionReset, "403 403 403 403 r", ""},
	{StateReady, ActionComment, "403 r r r r", ""},
	{StateReady, ActionExpire, "403 403 403 403 403", ""},

	{StateLockedForMapping, ActionLockForMapping, "403 409 409 409 409", "403 409 409 409 409"},
	{StateLockedForMapping, ActionUnlock, "403 403 403 r r", "403 r r r r"},
	{StateLockedForMapping, ActionMarkMapped, "403 403 403 403 403", "403 m m m m"},
	{StateLockedForMapping, ActionLockForValidation, "403 403 409 409 409", "403 403 409 409 409"},
	{StateLockedForMapping, ActionValidate, "403 403 409 409 409", "403 403 409 409 409"},
	{StateLockedForMapping, ActionInvalidate, "403 403 409 409 409", "403 403 409 409 409"},
	{StateLockedForMapping, ActionExtendLock, "403 403 403 403 403", "403 lfm lfm lfm lfm"},
	{StateLockedForMapping, ActionAssign, "403 403 403 lfm lfm", "403 403 403 lfm lfm"},
	{StateLockedForMapping, ActionUnassign, "403 403 403 409 409", "403 403 403 409 409"},
	{StateLockedForMapping, ActionReset, "403 403 403 403 r", "403 403 403 403 r"},
	{StateLockedForMapping, ActionComment, "403 lfm lfm lfm lfm", "403 lfm lfm lfm lfm"},
	{StateLockedForMapping, ActionExpire, "403 403 403 403 403", "403 403 403 403 403"},

	{StateMapped, ActionLockForMapping, "403 409 409 409 409", ""},
	{StateMapped, ActionUnlock, "403 409 409 409 409", ""},
	{StateMapped, ActionMarkMapped, "403 409 409 409 409", ""},
	{StateMapped, ActionLockForValidation, "403 403 lfv lfv lfv", ""},
	{StateMapped, ActionValidate, "403 403 409 409 409", ""},
	{StateMapped, ActionInvalidate, "403 403 409 409 409", ""},
	{StateMapped, ActionExtendLock, "403 409 409 409 409", ""},
	{StateMapped, ActionAssign, "403 403 403 m m", ""},
	{StateMapped, ActionUnassign, "403 403 403 409 409", ""},
	{StateMapped, ActionReset, "403 403 403 403 r", ""},
	{StateMapped, ActionComment, "403 m m m m", ""},
	{StateMapped, ActionExpire, "403 403 403 403 403", ""},

	{StateLockedForValidation, ActionLockForMapping, "403 409 409 409 409", "403 409 409 409 409"},
	{StateLockedForValidation, ActionUnlock, "403 403 403 m m", "403 m m m m"},
	{StateLockedForValidation, ActionMarkMapped, "403 409 409 409 409", "403 409 409 409 409"},
	{StateLockedForValidation, ActionLockForValidation, "403 403 409 409 409", "403 403 409 409 409"},
	{StateLockedForValidation, ActionValidate, "403 403 403 403 403", "403 403 v v v"},
	{StateLockedForValidation, ActionInvalidate, "403 403 403 403 403", "403 403 inv inv inv"},
	{StateLockedForValidation, ActionExtendLock, "403 403 403 403 403", "403 lfv lfv lfv lfv"},
	{StateLockedForValidation, ActionAssign, "403 403 403 lfv lfv", "403 403 403 lfv lfv"},
	{StateLockedForValidation, ActionUnassign, "403 403 403 409 409", "403 403 403 409 409"},
	{StateLockedForValidation, ActionReset, "403 403 403 403 r", "403 403 403 403 r"},
	{StateLockedForValidation, ActionComment, "403 lfv lfv lfv lfv", "403 lfv lfv lfv lfv"},
	{StateLockedForValidation, ActionExpire, "403 403 403 403 403", "403 403 403 403 403"},

	{StateValidated, ActionLockForMapping, "403 409 409 409 409", ""},
	{StateValidated, ActionUnlock, "403 409 409 409 409", ""},
	{StateValidated, ActionMarkMapped, "403 409 409 409 409", ""},
	{StateValidated, ActionLockForValidation, "403 403 409 409 409", ""},
	{StateValidated, ActionValidate, "403 403 409 409 409", ""},
	{StateValidated, ActionInvalidate, "403 403 409 409 409", ""},
	{StateValidated, ActionExtendLock, "403 409 409 409 409", ""},
	{StateValidated, ActionAssign, "403 403 403 409 409", ""},
	{StateValidated, ActionUnassign, "403 403 403 409 409", ""},
	{StateValidated, ActionReset, "403 403 403 403 r", ""},
	{StateValidated, ActionComment, "403 v v v v", ""},
	{StateValidated, ActionExpire, "403 403 403 403 403", ""},

	{StateInvalidated, ActionLockForMapping, "403 lfm lfm lfm lfm", ""},
	{StateInvalidated, ActionUnlock, "403 409 409 409 409", ""},
	{StateInvalidated, ActionMarkMapped, "403 409 409 409 409", ""},
	{StateInvalidated, ActionLockForValidation, "403 403 409 409 409", ""},
	{StateInvalidated, ActionValidate, "403 403 409 409 409", ""},
	{StateInvalidated, ActionInvalidate, "403 403 409 409 409", ""},
	{StateInvalidated, ActionExtendLock, "403 409 409 409 409", ""},
	{StateInvalidated, ActionAssign, "403 403 403 inv inv", ""},
	{StateInvalidated, ActionUnassign, "403 403 403 409 409", ""},
	{StateInvalidated, ActionReset, "403 403 403 403 r", ""},
	{StateInvalidated, ActionComment, "403 inv inv inv inv", ""},
	{StateInvalidated, ActionExpire, "403 403 403 403 403", ""},
}

func TestApplyTransitionTable(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, row := range transitionTable {
		covered[string(row.state)+"/"+string(row.action)] = true
		if row.state.Locked() == (row.holder == "") {
			t.Fatalf("%s/%s: holder column must be given exactly for locked states", row.state, row.action)
		}
		runTableRow(t, row.state, row.action, false, row.nonHolder)
		if row.holder != "" {
			runTableRow(t, row.state, row.action, true, row.holder)
		}
	}
	if want := len(States()) * len(AllActions()); len(covered) != want {
		t.Fatalf("table covers %d state/action pairs, want %d", len(covered), want)
	}
}

func runTableRow(t *testing.T, s State, act Action, mine bool, cells string) {
	t.Helper()
	fields := strings.Fields(cells)
	if len(fields) != len(allRoles()) {
		t.Fatalf("%s/%s: %d cells, want %d", s, act, len(fields), len(allRoles()))
	}
	who := "non_holder"
	if mine {
		who = "holder"
	}
	for i, role := range allRoles() {
		wantState, wantErr := outcome(t, fields[i])
		name := fmt.Sprintf("%s/%s/%s/%s/%s", s, act, role, who, outcomeName(wantState, wantErr))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			task := taskIn(t, s, mine)
			actor := Actor{UserID: me, Role: role}
			req := Request{Action: act, Comment: "checked on site", UserID: 7, Now: clock()}
			got, ev, err := Apply(task, actor, openRules(), req)
			assertOutcome(t, task, got, ev, err, wantState, wantErr)
		})
	}
}

func outcomeName(s State, err error) string {
	if err != nil {
		return "Err" + strings.ToUpper(err.Error()[:1]) + err.Error()[1:]
	}
	return "OK_" + string(s)
}

// assertOutcome checks a refusal leaves everything untouched and a success
// reaches the wanted state with a matching event.
func assertOutcome(t *testing.T, before, got Task, ev Event, err error, wantState State, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("err = %v, want kind %v", err, wantErr)
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.Message == "" {
			t.Fatalf("err %v is not a *Error with a message", err)
		}
		if got != before || ev != (Event{}) {
			t.Fatalf("refused action changed the task or produced an event: %+v %+v", got, ev)
		}
		return
	}
	if err != nil {
		t.Fatalf("err = %v, want state %s", err, wantState)
	}
	if got.State != wantState {
		t.Fatalf("state = %s, want %s", got.State, wantState)
	}
	if ev.From != before.State || ev.To != wantState {
		t.Fatalf("event %s -> %s, want %s -> %s", ev.From, ev.To, before.State, wantState)
	}
}
