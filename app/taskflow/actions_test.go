package taskflow

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// situations enumerates tasks, actors and rules across every dimension the
// rules look at: state, role, system, lock holder, mapper, assignee, lock
// limit, expiry, self-validation and project status.
func situations(t *testing.T) []situation {
	t.Helper()
	var out []situation
	expiry := clock().Add(time.Hour)
	for _, s := range States() {
		for _, lockedBy := range []int64{0, me, holder} {
			for _, mappedBy := range []int64{0, me, mapperID} {
				for _, assigned := range []int64{0, me, 9} {
					task := Task{State: s, LockedBy: lockedBy, MappedBy: mappedBy, AssignedTo: assigned, LockExpiresAt: expiry}
					out = append(out, situationsFor(task)...)
				}
			}
		}
	}
	return out
}

type situation struct {
	task  Task
	actor Actor
	rules Rules
	now   time.Time
}

func situationsFor(task Task) []situation {
	var out []situation
	actors := []Actor{{System: true}}
	for _, role := range allRoles() {
		for _, locks := range []int{0, 3} {
			actors = append(actors, Actor{UserID: me, Role: role, Locks: locks})
		}
	}
	for _, a := range actors {
		for _, open := range []bool{true, false} {
			for _, self := range []bool{true, false} {
				r := Rules{ProjectOpen: open, LockDuration: time.Hour, AllowSelfValidation: self, MaxLocksPerUser: 3}
				for _, now := range []time.Time{clock(), clock().Add(2 * time.Hour)} {
					out = append(out, situation{task, a, r, now})
				}
			}
		}
	}
	return out
}

func TestActionsAgreeWithApply(t *testing.T) {
	t.Parallel()
	listed := 0
	for _, sit := range situations(t) {
		got := Actions(sit.task, sit.actor, sit.rules, sit.now)
		for _, act := range AllActions() {
			r := Request{Action: act, Comment: "note", UserID: 7, Now: sit.now}
			_, _, err := Apply(sit.task, sit.actor, sit.rules, r)
			if err != nil && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrConflict) {
				t.Fatalf("%+v %s: unexpected error kind %v", sit, act, err)
			}
			if slices.Contains(got, act) != (err == nil) {
				t.Fatalf("%+v: Actions lists %s = %v, but Apply err = %v", sit, act, slices.Contains(got, act), err)
			}
		}
		listed += len(got)
	}
	if listed == 0 {
		t.Fatal("no situation allowed any action")
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		task  Task
		actor Actor
		rules Rules
		want  []Action
	}{
		{"OK_MapperOnReadyTask", Task{State: StateReady}, mapper(), openRules(), []Action{ActionLockForMapping, ActionComment}},
		{"OK_HolderOfMappingLock", taskIn(t, StateLockedForMapping, true), mapper(), openRules(),
			[]Action{ActionUnlock, ActionMarkMapped, ActionExtendLock, ActionComment}},
		{"OK_ValidatorOnMappedTask", taskIn(t, StateMapped, false), validator(), openRules(), []Action{ActionLockForValidation, ActionComment}},
		{"OK_ManagerOnOthersLock", taskIn(t, StateLockedForValidation, false), Actor{UserID: me, Role: RoleProjectManager}, openRules(),
			[]Action{ActionUnlock, ActionAssign, ActionReset, ActionComment}},
		{"OK_NothingForNonMember", Task{State: StateReady}, Actor{UserID: me}, openRules(), nil},
		{"OK_NothingOnClosedProject", Task{State: StateReady}, mapper(), Rules{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Actions(tt.task, tt.actor, tt.rules, clock()); !slices.Equal(got, tt.want) {
				t.Fatalf("Actions = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"none", RoleNone, false},
		{"mapper", RoleMapper, false},
		{"validator", RoleValidator, false},
		{"field_manager", RoleFieldManager, false},
		{"project_manager", RoleProjectManager, false},
		{"admin", RoleNone, true},
		{"Mapper", RoleNone, true},
		{"", RoleNone, true},
	}
	for _, tt := range tests {
		name := "OK_" + tt.in
		if tt.wantErr {
			name = "Err_" + tt.in
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRole(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseRole(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestRoleAtLeast(t *testing.T) {
	t.Parallel()
	for i, have := range allRoles() {
		for j, min := range allRoles() {
			want := i >= j
			if got := RoleAtLeast(have, min); got != want {
				t.Errorf("RoleAtLeast(%s, %s) = %v, want %v", have, min, got, want)
			}
		}
	}
}

func TestStateValid(t *testing.T) {
	t.Parallel()
	for _, s := range States() {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, s := range []State{"", "Ready", "locked", "archived"} {
		if s.Valid() {
			t.Errorf("%q valid, want invalid", s)
		}
	}
}
