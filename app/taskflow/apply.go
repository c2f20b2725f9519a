package taskflow

import (
	"strings"
	"time"
)

// Apply decides whether actor a may take the action req asks of task t under
// the project rules r at req.Now. On success it returns the changed task and
// the event to record; otherwise it returns t unchanged, a zero Event and an
// *Error of kind ErrForbidden, ErrConflict or ErrInvalid. A disallowed action
// is never a silent no-op.
//
// The checks run in a fixed order, so the answer is predictable: unknown
// action (invalid), who may act (forbidden), project open (conflict), task
// state (conflict), the action's own guard (holder, assignee, lock limit,
// self-validation, expiry), and last the request body (comment, user id).
func Apply(t Task, a Actor, r Rules, req Request) (Task, Event, error) {
	if err := check(t, a, r, req.Action, req.Now); err != nil {
		return t, Event{}, err
	}
	comment := strings.TrimSpace(req.Comment)
	if err := checkInput(req.Action, comment, req.UserID, req.TeamID); err != nil {
		return t, Event{}, err
	}
	next := transition(t, a, r, req)
	ev := Event{
		Action:  req.Action,
		From:    t.State,
		To:      next.State,
		Comment: comment,
		ActorID: a.UserID,
	}
	if req.Action == ActionAssign {
		ev.UserID, ev.TeamID = req.UserID, req.TeamID
	}
	if a.System {
		ev.ActorID = 0
	}
	return next, ev, nil
}

// Actions lists the actions actor a may take on task t now, in AllActions
// order: exactly those for which Apply succeeds given a comment and, for
// assign, a user id. The UI shows a button for each.
func Actions(t Task, a Actor, r Rules, now time.Time) []Action {
	var out []Action
	for _, act := range AllActions() {
		if check(t, a, r, act, now) == nil {
			out = append(out, act)
		}
	}
	return out
}

// checkInput validates the request body once the action itself is allowed.
func checkInput(act Action, comment string, userID, teamID int64) error {
	switch {
	case (act == ActionInvalidate || act == ActionComment) && comment == "":
		return invalidf("%s needs a comment", act)
	case act == ActionAssign && userID <= 0 && teamID <= 0:
		return invalidf("assign needs a user_id or a team_id")
	case act == ActionAssign && userID > 0 && teamID > 0:
		return invalidf("assign takes a user_id or a team_id, not both")
	}
	return nil
}

// transition computes the task after an allowed action.
func transition(t Task, a Actor, r Rules, req Request) Task {
	next := t
	switch req.Action {
	case ActionLockForMapping, ActionLockForValidation:
		next.StateBeforeLock = t.State
		next.LockedBy = a.UserID
		next.LockExpiresAt = lockExpiry(r, req.Now)
		next.State = StateLockedForMapping
		if req.Action == ActionLockForValidation {
			next.State = StateLockedForValidation
		}
	case ActionUnlock, ActionExpire:
		next = release(t, stateBeforeLock(t))
	case ActionMarkMapped:
		next = release(t, StateMapped)
		next.MappedBy = a.UserID
	case ActionValidate:
		next = release(t, StateValidated)
	case ActionInvalidate:
		next = release(t, StateInvalidated)
	case ActionExtendLock:
		next.LockExpiresAt = lockExpiry(r, req.Now)
	case ActionAssign:
		next.AssignedTo, next.AssignedTeam = max(req.UserID, 0), max(req.TeamID, 0)
	case ActionUnassign:
		next.AssignedTo, next.AssignedTeam = 0, 0
	case ActionReset:
		next = Task{State: StateReady}
	}
	return next
}

// release clears the lock and moves the task to state s.
func release(t Task, s State) Task {
	t.State = s
	t.LockedBy = 0
	t.LockExpiresAt = time.Time{}
	t.StateBeforeLock = ""
	return t
}

// stateBeforeLock is where unlocking t returns to. A task stored without it
// falls back to the state its lock is always taken from.
func stateBeforeLock(t Task) State {
	if t.StateBeforeLock.Valid() && !t.StateBeforeLock.Locked() {
		return t.StateBeforeLock
	}
	if t.State == StateLockedForValidation {
		return StateMapped
	}
	return StateReady
}

func lockExpiry(r Rules, now time.Time) time.Time {
	if r.LockDuration <= 0 {
		return time.Time{}
	}
	return now.Add(r.LockDuration)
}
