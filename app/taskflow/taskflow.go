// Package taskflow holds the task workflow rules of a Fieldbase project: the
// states a task moves through, the project roles ordered by power, and the
// one pure function, Apply, that decides whether an actor may take an action
// on a task now and what the task looks like afterwards.
//
// The server is authoritative about task transitions, so every handler that
// changes a task's state goes through Apply, and every page that shows task
// buttons asks Actions. The package is pure: it must not import fiber, huma,
// fieldbase/db or anything that does input/output; the caller loads the task,
// resolves the actor's effective role and stores the result.
package taskflow

import (
	"fmt"
	"slices"
	"time"
)

// State is where a task stands in the mapping and validation workflow.
type State string

// The task states. A task starts ready; the two locked states are held by one
// user until they finish, unlock, or the lock expires.
const (
	StateReady               State = "ready"
	StateLockedForMapping    State = "locked_for_mapping"
	StateMapped              State = "mapped"
	StateLockedForValidation State = "locked_for_validation"
	StateValidated           State = "validated"
	StateInvalidated         State = "invalidated"
)

// States returns every task state in workflow order.
func States() []State {
	return []State{
		StateReady, StateLockedForMapping, StateMapped,
		StateLockedForValidation, StateValidated, StateInvalidated,
	}
}

// Valid reports whether s is one of the known task states.
func (s State) Valid() bool {
	return slices.Contains(States(), s)
}

// Locked reports whether s is one of the two locked states.
func (s State) Locked() bool {
	return s == StateLockedForMapping || s == StateLockedForValidation
}

// Action is something a user (or the system) asks to do to a task.
type Action string

// The task actions, as sent in the "action" field of a task event.
const (
	ActionLockForMapping    Action = "lock_for_mapping"
	ActionUnlock            Action = "unlock"
	ActionMarkMapped        Action = "mark_mapped"
	ActionLockForValidation Action = "lock_for_validation"
	ActionValidate          Action = "validate"
	ActionInvalidate        Action = "invalidate"
	ActionExtendLock        Action = "extend_lock"
	ActionAssign            Action = "assign"
	ActionUnassign          Action = "unassign"
	ActionReset             Action = "reset"
	ActionComment           Action = "comment"
	ActionExpire            Action = "expire"
)

// AllActions returns every known action, in the order Actions lists them.
func AllActions() []Action {
	return []Action{
		ActionLockForMapping, ActionUnlock, ActionMarkMapped,
		ActionLockForValidation, ActionValidate, ActionInvalidate,
		ActionExtendLock, ActionAssign, ActionUnassign, ActionReset,
		ActionComment, ActionExpire,
	}
}

// Role is a user's effective role in one project. Roles are ordered: a
// higher role may do everything a lower one may.
type Role int

// The project roles from least to most powerful. RoleNone is a user who is
// not a member of the project.
const (
	RoleNone Role = iota
	RoleMapper
	RoleValidator
	RoleFieldManager
	RoleProjectManager
)

// String returns the role's name as stored and sent over the API.
func (r Role) String() string {
	switch r {
	case RoleNone:
		return "none"
	case RoleMapper:
		return "mapper"
	case RoleValidator:
		return "validator"
	case RoleFieldManager:
		return "field_manager"
	case RoleProjectManager:
		return "project_manager"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// ParseRole returns the role named s ("none", "mapper", "validator",
// "field_manager" or "project_manager").
func ParseRole(s string) (Role, error) {
	for r := RoleNone; r <= RoleProjectManager; r++ {
		if r.String() == s {
			return r, nil
		}
	}
	return RoleNone, fmt.Errorf("unknown project role %q", s)
}

// RoleAtLeast reports whether the role have is min or a more powerful one.
func RoleAtLeast(have, min Role) bool {
	return have >= min
}

// Task is the part of a task the workflow rules read and change. User ids
// are 0 when nobody holds that part. A task is assigned to a person
// (AssignedTo) or to a team (AssignedTeam), never both.
type Task struct {
	State           State
	LockedBy        int64
	MappedBy        int64
	AssignedTo      int64
	AssignedTeam    int64
	LockExpiresAt   time.Time // zero: the lock never expires
	StateBeforeLock State     // where unlock and expire return to
}

// Actor is who asks for an action. Role is the effective role the caller
// resolved (administrators as project managers, any logged-in user at least a
// mapper on a public project). System is the periodic job that expires locks.
type Actor struct {
	UserID int64
	Role   Role
	System bool
	// Locks is how many tasks of this project the actor holds locked now.
	Locks int
	// Teams are the ids of the project's teams the actor belongs to (the
	// caller loads them; a task assigned to one of them may be locked).
	Teams []int64
}

// InTeam reports whether the actor belongs to the team.
func (a Actor) InTeam(team int64) bool {
	return team != 0 && slices.Contains(a.Teams, team)
}

// Rules are the project settings the workflow obeys.
type Rules struct {
	// ProjectOpen is true only for a published project; draft, archived and
	// completed projects accept no task actions.
	ProjectOpen bool
	// Draft is true for a project not yet published (so not open either);
	// it changes only how WhyNot words the refusal.
	Draft bool
	// LockDuration is how long a lock lasts before the system may expire
	// it; zero or less means locks never expire.
	LockDuration        time.Duration
	AllowSelfValidation bool
	// MaxLocksPerUser caps the tasks one user may hold locked at once, for
	// mapping and validation together; zero or less means no cap.
	MaxLocksPerUser int
}

// Request is one action asked of a task.
type Request struct {
	Action  Action
	Comment string
	UserID  int64 // the user to assign, for ActionAssign
	TeamID  int64 // or the team to assign, for ActionAssign (exactly one of the two)
	Now     time.Time
}

// Event is the history record of an applied action.
type Event struct {
	Action  Action
	From    State
	To      State
	Comment string
	ActorID int64 // 0 for the system
	UserID  int64 // the assigned user, for ActionAssign
	TeamID  int64 // the assigned team, for ActionAssign
}
