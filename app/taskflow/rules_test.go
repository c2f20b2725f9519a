package taskflow

import (
	"errors"
	"testing"
	"time"
)

func mapper() Actor { return Actor{UserID: me, Role: RoleMapper} }

func validator() Actor { return Actor{UserID: me, Role: RoleValidator} }

func req(act Action) Request {
	return Request{Action: act, Comment: "ok", UserID: 7, Now: clock()}
}

// wantKind fails unless err is of kind want (nil meaning success).
func wantKind(t *testing.T, err, want error) {
	t.Helper()
	if want == nil && err != nil {
		t.Fatalf("err = %v, want success", err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want kind %v", err, want)
	}
}

func TestApplyLockLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		state  State
		action Action
		max    int
		locks  int
		want   error
	}{
		{"OK_BelowLimit", StateReady, ActionLockForMapping, 3, 2, nil},
		{"ErrConflict_AtLimit", StateReady, ActionLockForMapping, 3, 3, ErrConflict},
		{"ErrConflict_AboveLimit", StateInvalidated, ActionLockForMapping, 1, 5, ErrConflict},
		{"OK_NoLimit", StateReady, ActionLockForMapping, 0, 100, nil},
		{"ErrConflict_ValidationAtLimit", StateMapped, ActionLockForValidation, 2, 2, ErrConflict},
		{"OK_ValidationBelowLimit", StateMapped, ActionLockForValidation, 2, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := openRules()
			r.MaxLocksPerUser = tt.max
			a := validator()
			a.Locks = tt.locks
			_, _, err := Apply(taskIn(t, tt.state, false), a, r, req(tt.action))
			wantKind(t, err, tt.want)
		})
	}
}

func TestApplyAssignment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		role       Role
		assignedTo int64
		want       error
	}{
		{"OK_Unassigned", RoleMapper, 0, nil},
		{"OK_AssignedToActor", RoleMapper, me, nil},
		{"ErrForbidden_AssignedToOther", RoleMapper, 9, ErrForbidden},
		{"ErrForbidden_ValidatorAssignedToOther", RoleValidator, 9, ErrForbidden},
		{"OK_FieldManagerAssignedToOther", RoleFieldManager, 9, nil},
		{"OK_ManagerAssignedToOther", RoleProjectManager, 9, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task := Task{State: StateReady, AssignedTo: tt.assignedTo}
			got, _, err := Apply(task, Actor{UserID: me, Role: tt.role}, openRules(), req(ActionLockForMapping))
			wantKind(t, err, tt.want)
			if err == nil && got.AssignedTo != tt.assignedTo {
				t.Fatalf("locking changed the assignee to %d", got.AssignedTo)
			}
		})
	}
}

func TestApplyAssignAndUnassign(t *testing.T) {
	t.Parallel()
	fm := Actor{UserID: me, Role: RoleFieldManager}
	t.Run("OK_AssignSetsAssignee", func(t *testing.T) {
		t.Parallel()
		got, ev, err := Apply(Task{State: StateMapped}, fm, openRules(), Request{Action: ActionAssign, UserID: 42, Now: clock()})
		wantKind(t, err, nil)
		if got.AssignedTo != 42 || ev.UserID != 42 || got.State != StateMapped {
			t.Fatalf("task %+v event %+v, want assigned to 42 in state mapped", got, ev)
		}
	})
	t.Run("ErrInvalid_AssignWithoutUser", func(t *testing.T) {
		t.Parallel()
		_, _, err := Apply(Task{State: StateReady}, fm, openRules(), Request{Action: ActionAssign, Now: clock()})
		wantKind(t, err, ErrInvalid)
	})
	t.Run("OK_UnassignClearsAssignee", func(t *testing.T) {
		t.Parallel()
		got, _, err := Apply(Task{State: StateReady, AssignedTo: 42}, fm, openRules(), req(ActionUnassign))
		wantKind(t, err, nil)
		if got.AssignedTo != 0 {
			t.Fatalf("assignee = %d, want none", got.AssignedTo)
		}
	})
}

func TestApplySelfValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mappedBy int64
		allow    bool
		want     error
	}{
		{"ErrForbidden_OwnWork", me, false, ErrForbidden},
		{"OK_OwnWorkAllowed", me, true, nil},
		{"OK_OthersWork", mapperID, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := openRules()
			r.AllowSelfValidation = tt.allow
			task := Task{State: StateMapped, MappedBy: tt.mappedBy}
			_, _, err := Apply(task, validator(), r, req(ActionLockForValidation))
			wantKind(t, err, tt.want)
		})
	}
}

func TestApplyLockFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		from   State
		action Action
		actor  Actor
	}{
		{"OK_MappingFromReady", StateReady, ActionLockForMapping, mapper()},
		{"OK_MappingFromInvalidated", StateInvalidated, ActionLockForMapping, mapper()},
		{"OK_ValidationFromMapped", StateMapped, ActionLockForValidation, validator()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			locked, _, err := Apply(taskIn(t, tt.from, false), tt.actor, openRules(), req(tt.action))
			wantKind(t, err, nil)
			if locked.LockedBy != me || !locked.LockExpiresAt.Equal(clock().Add(2*time.Hour)) || locked.StateBeforeLock != tt.from {
				t.Fatalf("locked task %+v: want holder %d, expiry now+2h, before-lock %s", locked, me, tt.from)
			}
			unlocked, _, err := Apply(locked, tt.actor, openRules(), req(ActionUnlock))
			wantKind(t, err, nil)
			if want := taskIn(t, tt.from, false); unlocked != want {
				t.Fatalf("after unlock %+v, want %+v", unlocked, want)
			}
		})
	}
}

func TestApplyFinishingActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from     State
		action   Action
		actor    Actor
		wantTo   State
		wantMap  int64
		wantNote string
	}{
		{"OK_MarkMappedRecordsMapper", StateLockedForMapping, ActionMarkMapped, mapper(), StateMapped, me, "done"},
		{"OK_ValidateKeepsMapper", StateLockedForValidation, ActionValidate, validator(), StateValidated, mapperID, "done"},
		{"OK_InvalidateKeepsComment", StateLockedForValidation, ActionInvalidate, validator(), StateInvalidated, mapperID, "road missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Request{Action: tt.action, Comment: "  " + tt.wantNote + "\n", Now: clock()}
			got, ev, err := Apply(taskIn(t, tt.from, true), tt.actor, openRules(), r)
			wantKind(t, err, nil)
			want := Task{State: tt.wantTo, MappedBy: tt.wantMap}
			if got != want {
				t.Fatalf("task %+v, want %+v (lock cleared)", got, want)
			}
			wantEv := Event{Action: tt.action, From: tt.from, To: tt.wantTo, Comment: tt.wantNote, ActorID: me}
			if ev != wantEv {
				t.Fatalf("event %+v, want %+v", ev, wantEv)
			}
		})
	}
}

func TestApplyCommentRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		action  Action
		comment string
		want    error
	}{
		{"ErrInvalid_InvalidateWithoutComment", ActionInvalidate, "", ErrInvalid},
		{"ErrInvalid_InvalidateBlankComment", ActionInvalidate, " \t\n", ErrInvalid},
		{"ErrInvalid_CommentWithoutText", ActionComment, "", ErrInvalid},
		{"OK_ValidateWithoutComment", ActionValidate, "", nil},
		{"OK_CommentWithText", ActionComment, "gate locked", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Request{Action: tt.action, Comment: tt.comment, Now: clock()}
			_, _, err := Apply(taskIn(t, StateLockedForValidation, true), validator(), openRules(), r)
			wantKind(t, err, tt.want)
		})
	}
}

func TestApplyResetClearsEverything(t *testing.T) {
	t.Parallel()
	task := taskIn(t, StateLockedForValidation, false)
	task.AssignedTo = 9
	got, ev, err := Apply(task, Actor{UserID: me, Role: RoleProjectManager}, openRules(), req(ActionReset))
	wantKind(t, err, nil)
	if got != (Task{State: StateReady}) || ev.From != StateLockedForValidation {
		t.Fatalf("task %+v event %+v, want a clean ready task", got, ev)
	}
}

func TestApplyProjectNotOpen(t *testing.T) {
	t.Parallel()
	pm := Actor{UserID: me, Role: RoleProjectManager}
	for _, act := range AllActions() {
		t.Run(string(act)+"/ErrConflict", func(t *testing.T) {
			t.Parallel()
			a, task := pm, taskIn(t, StateLockedForMapping, true)
			if act == ActionExpire {
				a, task.LockExpiresAt = Actor{System: true}, clock()
			}
			_, _, err := Apply(task, a, Rules{LockDuration: time.Hour}, req(act))
			wantKind(t, err, ErrConflict)
		})
	}
}

func TestApplyUnknownAction(t *testing.T) {
	t.Parallel()
	for _, a := range []Actor{{System: true}, {UserID: me}, {UserID: me, Role: RoleProjectManager}} {
		t.Run(a.Role.String()+"/ErrInvalid", func(t *testing.T) {
			t.Parallel()
			_, _, err := Apply(Task{State: StateReady}, a, openRules(), req("delete"))
			wantKind(t, err, ErrInvalid)
		})
	}
}

func TestStateBeforeLockFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		task Task
		want State
	}{
		{"OK_MappingLockReturnsToReady", Task{State: StateLockedForMapping, LockedBy: me}, StateReady},
		{"OK_ValidationLockReturnsToMapped", Task{State: StateLockedForValidation, LockedBy: me}, StateMapped},
		{"OK_StoredStateWins", Task{State: StateLockedForMapping, LockedBy: me, StateBeforeLock: StateInvalidated}, StateInvalidated},
		{"OK_LockedBeforeStateIgnored", Task{State: StateLockedForMapping, LockedBy: me, StateBeforeLock: StateLockedForValidation}, StateReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := Apply(tt.task, validator(), openRules(), req(ActionUnlock))
			wantKind(t, err, nil)
			if got.State != tt.want {
				t.Fatalf("state = %s, want %s", got.State, tt.want)
			}
		})
	}
}
