package taskflow

import (
	"slices"
	"strings"
	"time"
)

// spec is what an action demands before its own guard runs.
type spec struct {
	minRole Role
	from    []State // nil: any state
	guard   func(t Task, a Actor, r Rules, now time.Time) error
}

// specFor is the workflow table: one entry per action.
func specFor(act Action) (spec, bool) {
	locked := []State{StateLockedForMapping, StateLockedForValidation}
	switch act {
	case ActionLockForMapping:
		return spec{RoleMapper, []State{StateReady, StateInvalidated}, guardLockForMapping}, true
	case ActionUnlock:
		return spec{RoleMapper, locked, guardUnlock}, true
	case ActionMarkMapped:
		return spec{RoleMapper, []State{StateLockedForMapping}, guardHolder}, true
	case ActionLockForValidation:
		return spec{RoleValidator, []State{StateMapped}, guardLockForValidation}, true
	case ActionValidate, ActionInvalidate:
		return spec{RoleValidator, []State{StateLockedForValidation}, guardHolder}, true
	case ActionExtendLock:
		return spec{RoleMapper, locked, guardHolder}, true
	case ActionAssign:
		// A validated task has nothing left to do, so it is not handed to anyone.
		return spec{RoleFieldManager, []State{StateReady, StateLockedForMapping, StateMapped,
			StateLockedForValidation, StateInvalidated}, nil}, true
	case ActionUnassign:
		return spec{RoleFieldManager, nil, guardAssigned}, true
	case ActionReset:
		return spec{RoleProjectManager, nil, nil}, true
	case ActionComment:
		return spec{RoleMapper, nil, nil}, true
	case ActionExpire:
		return spec{RoleNone, locked, guardExpired}, true
	}
	return spec{}, false
}

// check runs every rule of act except the request body checks.
func check(t Task, a Actor, r Rules, act Action, now time.Time) error {
	sp, ok := specFor(act)
	if !ok {
		return invalidf("unknown action %q", act)
	}
	if err := checkActor(a, act, sp.minRole); err != nil {
		return err
	}
	if !r.ProjectOpen {
		return conflictf("the project is not open, tasks cannot change")
	}
	if sp.from != nil && !slices.Contains(sp.from, t.State) {
		return conflictf("task is %s, %s needs %s", t.State, act, joinStates(sp.from))
	}
	if sp.guard != nil {
		return sp.guard(t, a, r, now)
	}
	return nil
}

// checkActor keeps expire for the system and everything else for members
// with a high enough role.
func checkActor(a Actor, act Action, min Role) error {
	if act == ActionExpire {
		if !a.System {
			return forbiddenf("only the system expires locks")
		}
		return nil
	}
	if a.System {
		return forbiddenf("the system can only expire locks")
	}
	if !RoleAtLeast(a.Role, RoleMapper) {
		return forbiddenf("you are not a member of this project")
	}
	if !RoleAtLeast(a.Role, min) {
		return forbiddenf("%s needs the %s role or higher", act, min)
	}
	return nil
}

func guardLockForMapping(t Task, a Actor, r Rules, _ time.Time) error {
	if !mayMapAssigned(t, a) {
		if t.AssignedTeam != 0 {
			return forbiddenf("task is assigned to a team you are not in")
		}
		return forbiddenf("task is assigned to another user")
	}
	return checkLockLimit(a, r)
}

// mayMapAssigned reports whether the task's assignment lets a lock it for mapping: an unassigned task anyone,
// a task assigned to a person that person, to a team any member of it; field managers and above always.
func mayMapAssigned(t Task, a Actor) bool {
	switch {
	case RoleAtLeast(a.Role, RoleFieldManager):
		return true
	case t.AssignedTeam != 0:
		return a.InTeam(t.AssignedTeam)
	case t.AssignedTo != 0:
		return t.AssignedTo == a.UserID
	}
	return true
}

func guardLockForValidation(t Task, a Actor, r Rules, _ time.Time) error {
	if !r.AllowSelfValidation && t.MappedBy != 0 && t.MappedBy == a.UserID {
		return forbiddenf("you mapped this task and the project does not allow self-validation")
	}
	return checkLockLimit(a, r)
}

func checkLockLimit(a Actor, r Rules) error {
	if r.MaxLocksPerUser > 0 && a.Locks >= r.MaxLocksPerUser {
		return conflictf("you already hold %d locked tasks, the project allows %d", a.Locks, r.MaxLocksPerUser)
	}
	return nil
}

// guardHolder lets only the holder of a live lock act.
func guardHolder(t Task, a Actor, _ Rules, now time.Time) error {
	if !holds(t, a) {
		return forbiddenf("task is locked by another user")
	}
	if lockExpired(t, now) {
		return conflictf("your lock expired at %s", t.LockExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// guardUnlock lets the holder, even of an expired lock, or a field manager
// release the task.
func guardUnlock(t Task, a Actor, _ Rules, _ time.Time) error {
	if holds(t, a) || RoleAtLeast(a.Role, RoleFieldManager) {
		return nil
	}
	return forbiddenf("task is locked by another user, only they or a field manager can unlock it")
}

func guardAssigned(t Task, _ Actor, _ Rules, _ time.Time) error {
	if t.AssignedTo == 0 && t.AssignedTeam == 0 {
		return conflictf("task is not assigned")
	}
	return nil
}

func guardExpired(t Task, _ Actor, _ Rules, now time.Time) error {
	if !lockExpired(t, now) {
		return conflictf("the lock has not expired")
	}
	return nil
}

func holds(t Task, a Actor) bool {
	return a.UserID != 0 && t.LockedBy == a.UserID
}

// lockExpired reports whether t's lock has run out at now; a zero expiry
// never does.
func lockExpired(t Task, now time.Time) bool {
	return !t.LockExpiresAt.IsZero() && !now.Before(t.LockExpiresAt)
}

func joinStates(set []State) string {
	names := make([]string, len(set))
	for i, s := range set {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}
