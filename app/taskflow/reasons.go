package taskflow

import (
	"fmt"
	"slices"
	"time"
)

// Names are how people know the users a task refers to, for WhyNot's sentences; "" when unknown.
type Names struct {
	LockedBy   string
	AssignedTo string
	// AssignedTeam is the name of the team the task is assigned to.
	AssignedTeam string
}

// Reason is why an actor cannot take one of the main actions on a task now, as a sentence to show them where
// the action's button would be.
type Reason struct {
	Action Action
	Text   string
}

// MainActions are the actions that move a task through the workflow, in workflow order: the ones whose missing
// button WhyNot explains.
func MainActions() []Action {
	return []Action{ActionLockForMapping, ActionMarkMapped, ActionLockForValidation, ActionValidate}
}

// WhyNot explains, for each main action that actor a may not take on task t now (Actions leaves it out) although
// the task's state is one it starts from, why not: a closed project, the actor's role, another user's lock, an
// assignee, self-validation, the lock limit or an expired lock. An action the state rules out anyway (marking a
// ready task mapped) is not explained. A sentence that would repeat for a later action is given once; a closed
// project is the only reason given. The system actor gets no reasons.
func WhyNot(t Task, a Actor, r Rules, now time.Time, names Names) []Reason {
	var out []Reason
	for _, act := range MainActions() {
		sp, _ := specFor(act)
		if a.System || !slices.Contains(sp.from, t.State) || check(t, a, r, act, now) == nil {
			continue
		}
		text := whyNot(t, a, r, act, sp.minRole, now, names)
		if !r.ProjectOpen {
			return []Reason{{Action: act, Text: text}}
		}
		if !slices.ContainsFunc(out, func(x Reason) bool { return x.Text == text }) {
			out = append(out, Reason{Action: act, Text: text})
		}
	}
	return out
}

// cannotNow is the answer when no rule below explains a refusal; the table tests keep it unused.
const cannotNow = "This cannot be done right now"

// whyNot words the first rule, in the order a person should hear them, that refuses act.
func whyNot(t Task, a Actor, r Rules, act Action, minRole Role, now time.Time, names Names) string {
	switch {
	case !r.ProjectOpen && r.Draft:
		return "The project is not published yet"
	case !r.ProjectOpen:
		return "The project is closed, so its tasks no longer change"
	case !RoleAtLeast(a.Role, RoleMapper):
		return "Only members of the project can work on its tasks"
	case t.State.Locked() && !holds(t, a):
		return lockedByOther(t.State, names.LockedBy)
	case !RoleAtLeast(a.Role, minRole):
		return "Only validators can validate"
	case act == ActionLockForMapping && !mayMapAssigned(t, a) && t.AssignedTeam != 0:
		return "This task is assigned to " + teamOrAnother(names.AssignedTeam)
	case act == ActionLockForMapping && !mayMapAssigned(t, a):
		return "This task is assigned to " + orSomeone(names.AssignedTo)
	case act == ActionLockForValidation && !r.AllowSelfValidation && t.MappedBy != 0 && t.MappedBy == a.UserID:
		return "You mapped this task, so someone else validates it"
	case (act == ActionLockForMapping || act == ActionLockForValidation) && r.MaxLocksPerUser > 0 &&
		a.Locks >= r.MaxLocksPerUser:
		return fmt.Sprintf("You already hold the most tasks you may lock (%d)", r.MaxLocksPerUser)
	case holds(t, a) && lockExpired(t, now):
		return "Your lock has expired: unlock the task, then lock it again"
	}
	return cannotNow
}

// ReasonCode names the sentence WhyNot gives for act, for the message catalogues ("taskflow.reason.<code>"),
// with the values that fill it (Name, Count).
func ReasonCode(t Task, a Actor, r Rules, act Action, now time.Time, names Names) (string, map[string]any) {
	sp, _ := specFor(act)
	return whyNotCode(t, a, r, act, sp.minRole, now, names)
}

// whyNotCode is whyNot's sentence as a catalogue code and its values, in the same order of rules.
func whyNotCode(t Task, a Actor, r Rules, act Action, minRole Role, now time.Time, names Names) (string,
	map[string]any) {
	switch {
	case !r.ProjectOpen && r.Draft:
		return "not_published", nil
	case !r.ProjectOpen:
		return "closed", nil
	case !RoleAtLeast(a.Role, RoleMapper):
		return "members_only", nil
	case t.State.Locked() && !holds(t, a):
		code := "locked_by_mapper"
		if t.State == StateLockedForValidation {
			code = "locked_by_validator"
		}
		if names.LockedBy == "" {
			return code, nil
		}
		return code + "_named", map[string]any{"Name": names.LockedBy}
	case !RoleAtLeast(a.Role, minRole):
		return "validators_only", nil
	case act == ActionLockForMapping && !mayMapAssigned(t, a) && t.AssignedTeam != 0:
		if names.AssignedTeam == "" {
			return "assigned_other_team", nil
		}
		return "assigned_team", map[string]any{"Name": names.AssignedTeam}
	case act == ActionLockForMapping && !mayMapAssigned(t, a):
		if names.AssignedTo == "" {
			return "assigned_other", nil
		}
		return "assigned_to", map[string]any{"Name": names.AssignedTo}
	case act == ActionLockForValidation && !r.AllowSelfValidation && t.MappedBy != 0 && t.MappedBy == a.UserID:
		return "self_validation", nil
	case (act == ActionLockForMapping || act == ActionLockForValidation) && r.MaxLocksPerUser > 0 &&
		a.Locks >= r.MaxLocksPerUser:
		return "lock_limit", map[string]any{"Count": r.MaxLocksPerUser}
	case holds(t, a) && lockExpired(t, now):
		return "lock_expired", nil
	}
	return "cannot_now", nil
}

func lockedByOther(s State, name string) string {
	text := "Another mapper has this task locked"
	if s == StateLockedForValidation {
		text = "Another validator is validating this task"
	}
	if name != "" {
		text += " (" + name + ")"
	}
	return text
}

func teamOrAnother(team string) string {
	if team == "" {
		return "another team"
	}
	return "team " + team
}

func orSomeone(name string) string {
	if name == "" {
		return "someone else"
	}
	return name
}

// ReasonCodes are every code whyNotCode gives, for the message catalogues' checks.
func ReasonCodes() []string {
	return []string{"not_published", "closed", "members_only", "locked_by_mapper", "locked_by_mapper_named",
		"locked_by_validator", "locked_by_validator_named", "validators_only", "assigned_other", "assigned_to",
		"assigned_other_team", "assigned_team",
		"self_validation", "lock_limit", "lock_expired", "cannot_now"}
}
