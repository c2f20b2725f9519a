package taskflow

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWhyNot(t *testing.T) {
	t.Parallel()
	limited := openRules()
	limited.MaxLocksPerUser = 1
	atLimit := func(a Actor) Actor { a.Locks = 1; return a }
	selfOK := openRules()
	selfOK.AllowSelfValidation = true
	mappedByMe := Task{State: StateMapped, MappedBy: me}
	expired := taskIn(t, StateLockedForMapping, true)
	expired.LockExpiresAt = clock().Add(-time.Minute)
	names := Names{LockedBy: "Ana", AssignedTo: "Bob"}
	tests := []struct {
		name  string
		task  Task
		actor Actor
		rules Rules
		names Names
		want  []Reason
	}{
		{"OK_MapperMayLockReadyTask", Task{State: StateReady}, mapper(), openRules(), names, nil},
		{"OK_HolderMayMarkMapped", taskIn(t, StateLockedForMapping, true), mapper(), openRules(), names, nil},
		{"OK_ValidatedTaskHasNoMainAction", taskIn(t, StateValidated, false), mapper(), openRules(), names, nil},
		{"OK_InvalidatedTaskMayBeLocked", taskIn(t, StateInvalidated, false), mapper(), openRules(), names, nil},
		{"OK_SelfValidationAllowed", mappedByMe, validator(), selfOK, names, nil},
		{"OK_SystemGetsNoReasons", Task{State: StateReady}, Actor{System: true}, openRules(), names, nil},
		{"Draft", Task{State: StateReady}, mapper(), Rules{Draft: true}, names,
			[]Reason{{ActionLockForMapping, "The project is not published yet"}}},
		{"DraftOneReasonOnly", taskIn(t, StateLockedForMapping, false), mapper(), Rules{Draft: true}, names,
			[]Reason{{ActionMarkMapped, "The project is not published yet"}}},
		{"Closed", taskIn(t, StateMapped, false), validator(), Rules{}, names,
			[]Reason{{ActionLockForValidation, "The project is closed, so its tasks no longer change"}}},
		{"NotMember", Task{State: StateReady}, Actor{UserID: me}, openRules(), names,
			[]Reason{{ActionLockForMapping, "Only members of the project can work on its tasks"}}},
		{"AssignedToOther", Task{State: StateReady, AssignedTo: 9}, mapper(), openRules(), names,
			[]Reason{{ActionLockForMapping, "This task is assigned to Bob"}}},
		{"AssignedToUnnamed", Task{State: StateReady, AssignedTo: 9}, mapper(), openRules(), Names{},
			[]Reason{{ActionLockForMapping, "This task is assigned to someone else"}}},
		{"LockLimitForMapping", Task{State: StateReady}, atLimit(mapper()), limited, names,
			[]Reason{{ActionLockForMapping, "You already hold the most tasks you may lock (1)"}}},
		{"LockLimitForValidation", taskIn(t, StateMapped, false), atLimit(validator()), limited, names,
			[]Reason{{ActionLockForValidation, "You already hold the most tasks you may lock (1)"}}},
		{"LockedByOtherMapper", taskIn(t, StateLockedForMapping, false), mapper(), openRules(), names,
			[]Reason{{ActionMarkMapped, "Another mapper has this task locked (Ana)"}}},
		{"LockedByUnnamedMapper", taskIn(t, StateLockedForMapping, false), validator(), openRules(), Names{},
			[]Reason{{ActionMarkMapped, "Another mapper has this task locked"}}},
		{"MapperOnMappedTask", taskIn(t, StateMapped, false), mapper(), openRules(), names,
			[]Reason{{ActionLockForValidation, "Only validators can validate"}}},
		{"SelfValidation", mappedByMe, validator(), openRules(), names,
			[]Reason{{ActionLockForValidation, "You mapped this task, so someone else validates it"}}},
		{"SelfValidationBeforeLockLimit", mappedByMe, atLimit(validator()), limited, names,
			[]Reason{{ActionLockForValidation, "You mapped this task, so someone else validates it"}}},
		{"ValidatingByOtherSeenByMapper", taskIn(t, StateLockedForValidation, false), mapper(), openRules(), names,
			[]Reason{{ActionValidate, "Another validator is validating this task (Ana)"}}},
		{"ValidatingByOtherSeenByManager", taskIn(t, StateLockedForValidation, false),
			Actor{UserID: me, Role: RoleProjectManager}, openRules(), names,
			[]Reason{{ActionValidate, "Another validator is validating this task (Ana)"}}},
		{"MapperHoldsValidationLock", taskIn(t, StateLockedForValidation, true), mapper(), openRules(), names,
			[]Reason{{ActionValidate, "Only validators can validate"}}},
		{"ExpiredOwnLock", expired, mapper(), openRules(), names,
			[]Reason{{ActionMarkMapped, "Your lock has expired: unlock the task, then lock it again"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := WhyNot(tt.task, tt.actor, tt.rules, clock(), tt.names)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("WhyNot = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWhyNotAgreesWithActions checks every situation: a reason is never given for an allowed action, every
// refused main action whose state allows it is explained by a rule (never the catch-all), and no sentence
// carries an identifier such as lock_for_validation.
func TestWhyNotAgreesWithActions(t *testing.T) {
	t.Parallel()
	explained := 0
	for _, sit := range situations(t) {
		allowed := Actions(sit.task, sit.actor, sit.rules, sit.now)
		for _, r := range WhyNot(sit.task, sit.actor, sit.rules, sit.now, Names{LockedBy: "Ana"}) {
			if slices.Contains(allowed, r.Action) {
				t.Fatalf("%+v: %s is allowed but WhyNot says %q", sit, r.Action, r.Text)
			}
			if r.Text == "" || r.Text == cannotNow || strings.Contains(r.Text, "_") {
				t.Fatalf("%+v: %s explained as %q", sit, r.Action, r.Text)
			}
			explained++
		}
		if sit.actor.System {
			continue
		}
		for _, act := range MainActions() {
			sp, _ := specFor(act)
			if !slices.Contains(sp.from, sit.task.State) || slices.Contains(allowed, act) {
				continue
			}
			if text := whyNot(sit.task, sit.actor, sit.rules, act, sp.minRole, sit.now, Names{}); text == cannotNow {
				t.Fatalf("%+v: no rule explains why %s is refused", sit, act)
			}
		}
	}
	if explained == 0 {
		t.Fatal("no situation was explained")
	}
}

// TestReasonCodeFollowsWhyNot: each sentence WhyNot gives has a code, one of ReasonCodes, for the catalogues.
func TestReasonCodeFollowsWhyNot(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		task  Task
		actor Actor
		rules Rules
		names Names
		want  string
	}{
		{"Draft", Task{State: StateReady}, Actor{UserID: 1, Role: RoleMapper}, Rules{Draft: true}, Names{}, "not_published"},
		{"Closed", Task{State: StateReady}, Actor{UserID: 1, Role: RoleMapper}, Rules{}, Names{}, "closed"},
		{"NotMember", Task{State: StateReady}, Actor{UserID: 1}, Rules{ProjectOpen: true}, Names{}, "members_only"},
		{"AssignedNamed", Task{State: StateReady, AssignedTo: 9}, Actor{UserID: 1, Role: RoleMapper},
			Rules{ProjectOpen: true}, Names{AssignedTo: "Bob"}, "assigned_to"},
		{"AssignedUnnamed", Task{State: StateReady, AssignedTo: 9}, Actor{UserID: 1, Role: RoleMapper},
			Rules{ProjectOpen: true}, Names{}, "assigned_other"},
		{"AssignedTeamNamed", Task{State: StateReady, AssignedTeam: 4}, Actor{UserID: 1, Role: RoleMapper},
			Rules{ProjectOpen: true}, Names{AssignedTeam: "North"}, "assigned_team"},
		{"AssignedTeamUnnamed", Task{State: StateReady, AssignedTeam: 4}, Actor{UserID: 1, Role: RoleMapper},
			Rules{ProjectOpen: true}, Names{}, "assigned_other_team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reasons := WhyNot(tt.task, tt.actor, tt.rules, now, tt.names)
			if len(reasons) == 0 {
				t.Fatal("no reason")
			}
			code, data := ReasonCode(tt.task, tt.actor, tt.rules, reasons[0].Action, now, tt.names)
			if code != tt.want || !slices.Contains(ReasonCodes(), code) {
				t.Errorf("code %q, want %q", code, tt.want)
			}
			if name := tt.names.AssignedTo + tt.names.AssignedTeam; name != "" && data["Name"] != name {
				t.Errorf("data %v lacks the name", data)
			}
		})
	}
}
