package taskflow

import (
	"testing"
	"time"
)

func TestApplyExpire(t *testing.T) {
	t.Parallel()
	system := Actor{System: true}
	expiry := clock().Add(time.Hour)
	tests := []struct {
		name   string
		task   Task
		actor  Actor
		now    time.Time
		want   error
		wantTo State
	}{
		{"OK_MappingLockExpired", Task{State: StateLockedForMapping, LockedBy: holder, LockExpiresAt: expiry, StateBeforeLock: StateInvalidated}, system, expiry, nil, StateInvalidated},
		{"OK_ValidationLockLongExpired", Task{State: StateLockedForValidation, LockedBy: holder, MappedBy: mapperID, LockExpiresAt: expiry, StateBeforeLock: StateMapped}, system, expiry.Add(time.Hour), nil, StateMapped},
		{"ErrConflict_NotYetExpired", Task{State: StateLockedForMapping, LockedBy: holder, LockExpiresAt: expiry}, system, expiry.Add(-time.Second), ErrConflict, ""},
		{"ErrConflict_LockWithoutExpiry", Task{State: StateLockedForMapping, LockedBy: holder}, system, expiry, ErrConflict, ""},
		{"ErrConflict_NotLocked", Task{State: StateMapped}, system, expiry, ErrConflict, ""},
		{"ErrForbidden_UserCannotExpire", Task{State: StateLockedForMapping, LockedBy: holder, LockExpiresAt: expiry}, Actor{UserID: me, Role: RoleProjectManager}, expiry, ErrForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ev, err := Apply(tt.task, tt.actor, openRules(), Request{Action: ActionExpire, Now: tt.now})
			wantKind(t, err, tt.want)
			if err != nil {
				return
			}
			want := tt.task
			want.State, want.LockedBy, want.LockExpiresAt, want.StateBeforeLock = tt.wantTo, 0, time.Time{}, ""
			if got != want || ev.ActorID != 0 || ev.To != tt.wantTo {
				t.Fatalf("task %+v event %+v, want %+v", got, ev, want)
			}
		})
	}
}

func TestApplySystemOnlyExpires(t *testing.T) {
	t.Parallel()
	for _, act := range AllActions() {
		if act == ActionExpire {
			continue
		}
		t.Run(string(act)+"/ErrForbidden", func(t *testing.T) {
			t.Parallel()
			_, _, err := Apply(taskIn(t, StateLockedForMapping, false), Actor{System: true, Role: RoleProjectManager}, openRules(), req(act))
			wantKind(t, err, ErrForbidden)
		})
	}
}

func TestApplyHolderAfterExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		state  State
		action Action
		want   error
	}{
		{"ErrConflict_MarkMappedExpired", StateLockedForMapping, ActionMarkMapped, ErrConflict},
		{"ErrConflict_ExtendExpired", StateLockedForMapping, ActionExtendLock, ErrConflict},
		{"ErrConflict_ValidateExpired", StateLockedForValidation, ActionValidate, ErrConflict},
		{"ErrConflict_InvalidateExpired", StateLockedForValidation, ActionInvalidate, ErrConflict},
		{"OK_UnlockExpired", StateLockedForValidation, ActionUnlock, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task := taskIn(t, tt.state, true)
			r := req(tt.action)
			r.Now = task.LockExpiresAt
			_, _, err := Apply(task, validator(), openRules(), r)
			wantKind(t, err, tt.want)
		})
	}
}

func TestApplyExtendLock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		duration time.Duration
		want     time.Time
	}{
		{"OK_NewExpiryFromNow", 30 * time.Minute, clock().Add(90 * time.Minute)},
		{"OK_NoDurationNeverExpires", 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := openRules()
			r.LockDuration = tt.duration
			extend := req(ActionExtendLock)
			extend.Now = clock().Add(time.Hour)
			task := taskIn(t, StateLockedForMapping, true)
			task.LockExpiresAt = clock().Add(61 * time.Minute)
			got, _, err := Apply(task, mapper(), r, extend)
			wantKind(t, err, nil)
			if !got.LockExpiresAt.Equal(tt.want) || got.State != StateLockedForMapping || got.LockedBy != me {
				t.Fatalf("task %+v, want still locked by %d until %v", got, me, tt.want)
			}
		})
	}
}
