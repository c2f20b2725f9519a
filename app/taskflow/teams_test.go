package taskflow

import (
	"slices"
	"testing"
)

// The teams of the team tables: the actor is in teamA, not in teamB.
const (
	teamA int64 = 3
	teamB int64 = 4
)

func TestLockAssignedTask(t *testing.T) {
	t.Parallel()
	inA := []int64{teamA}
	tests := []struct {
		name  string
		task  Task
		role  Role
		teams []int64
		want  error
	}{
		{"OK_Unassigned", Task{State: StateReady}, RoleMapper, nil, nil},
		{"OK_TeamMember", Task{State: StateReady, AssignedTeam: teamA}, RoleMapper, inA, nil},
		{"OK_TeamMemberInvalidated", Task{State: StateInvalidated, AssignedTeam: teamA}, RoleMapper, inA, nil},
		{"OK_TeamMemberOfSeveral", Task{State: StateReady, AssignedTeam: teamB}, RoleMapper, []int64{teamA, teamB}, nil},
		{"ErrForbidden_NotInTeam", Task{State: StateReady, AssignedTeam: teamB}, RoleMapper, inA, ErrForbidden},
		{"ErrForbidden_NoTeams", Task{State: StateReady, AssignedTeam: teamA}, RoleMapper, nil, ErrForbidden},
		{"ErrForbidden_ValidatorNotInTeam", Task{State: StateReady, AssignedTeam: teamB}, RoleValidator, inA, ErrForbidden},
		{"OK_FieldManagerNotInTeam", Task{State: StateReady, AssignedTeam: teamB}, RoleFieldManager, nil, nil},
		{"OK_ProjectManagerNotInTeam", Task{State: StateReady, AssignedTeam: teamB}, RoleProjectManager, nil, nil},
		{"OK_AssignedPerson", Task{State: StateReady, AssignedTo: me}, RoleMapper, nil, nil},
		{"ErrForbidden_OtherPersonEvenInTeams", Task{State: StateReady, AssignedTo: 9}, RoleMapper, inA, ErrForbidden},
		{"OK_FieldManagerOtherPerson", Task{State: StateReady, AssignedTo: 9}, RoleFieldManager, nil, nil},
		{"ErrForbidden_NotMember", Task{State: StateReady, AssignedTeam: teamA}, RoleNone, inA, ErrForbidden},
		{"ErrConflict_TeamMemberMappedTask", Task{State: StateMapped, AssignedTeam: teamA}, RoleMapper, inA, ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := Actor{UserID: me, Role: tt.role, Teams: tt.teams}
			got, _, err := Apply(tt.task, a, openRules(), req(ActionLockForMapping))
			wantKind(t, err, tt.want)
			if err == nil && (got.AssignedTeam != tt.task.AssignedTeam || got.LockedBy != me) {
				t.Fatalf("locked task %+v: the assignment must stay and the actor hold the lock", got)
			}
			inActions := slices.Contains(Actions(tt.task, a, openRules(), clock()), ActionLockForMapping)
			if inActions != (tt.want == nil) {
				t.Fatalf("Actions lists lock_for_mapping = %v, Apply err = %v", inActions, err)
			}
		})
	}
}

func TestAssignTeam(t *testing.T) {
	t.Parallel()
	fm := Actor{UserID: me, Role: RoleFieldManager}
	assign := func(user, team int64) Request {
		return Request{Action: ActionAssign, UserID: user, TeamID: team, Now: clock()}
	}
	tests := []struct {
		name     string
		task     Task
		actor    Actor
		req      Request
		want     error
		wantUser int64
		wantTeam int64
	}{
		{"OK_Team", Task{State: StateReady}, fm, assign(0, teamA), nil, 0, teamA},
		{"OK_TeamReplacesPerson", Task{State: StateReady, AssignedTo: 42}, fm, assign(0, teamA), nil, 0, teamA},
		{"OK_PersonReplacesTeam", Task{State: StateMapped, AssignedTeam: teamA}, fm, assign(42, 0), nil, 42, 0},
		{"OK_LockedTask", Task{State: StateLockedForMapping, LockedBy: holder}, fm, assign(0, teamB), nil, 0, teamB},
		{"OK_UnassignTeam", Task{State: StateReady, AssignedTeam: teamA}, fm, req(ActionUnassign), nil, 0, 0},
		{"ErrInvalid_Both", Task{State: StateReady}, fm, assign(42, teamA), ErrInvalid, 0, 0},
		{"ErrInvalid_Neither", Task{State: StateReady}, fm, assign(0, 0), ErrInvalid, 0, 0},
		{"ErrConflict_Validated", Task{State: StateValidated}, fm, assign(0, teamA), ErrConflict, 0, 0},
		{"ErrConflict_UnassignUnassigned", Task{State: StateReady}, fm, req(ActionUnassign), ErrConflict, 0, 0},
		{"ErrForbidden_Mapper", Task{State: StateReady}, Actor{UserID: me, Role: RoleMapper, Teams: []int64{teamA}},
			assign(0, teamA), ErrForbidden, 0, 0},
		{"ErrForbidden_Validator", Task{State: StateReady}, Actor{UserID: me, Role: RoleValidator},
			assign(0, teamA), ErrForbidden, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ev, err := Apply(tt.task, tt.actor, openRules(), tt.req)
			wantKind(t, err, tt.want)
			if err != nil {
				return
			}
			if got.AssignedTo != tt.wantUser || got.AssignedTeam != tt.wantTeam || got.State != tt.task.State {
				t.Fatalf("task %+v, want user %d team %d in state %s", got, tt.wantUser, tt.wantTeam, tt.task.State)
			}
			if tt.req.Action == ActionAssign && (ev.UserID != tt.wantUser || ev.TeamID != tt.wantTeam) {
				t.Fatalf("event %+v does not name the assignee", ev)
			}
		})
	}
}

func TestWhyNotAssignedTeam(t *testing.T) {
	t.Parallel()
	names := Names{AssignedTo: "Bob", AssignedTeam: "North"}
	member := Actor{UserID: me, Role: RoleMapper, Teams: []int64{teamA}}
	tests := []struct {
		name  string
		task  Task
		actor Actor
		names Names
		want  []Reason
	}{
		{"OK_Member", Task{State: StateReady, AssignedTeam: teamA}, member, names, nil},
		{"OK_FieldManager", Task{State: StateReady, AssignedTeam: teamB}, Actor{UserID: me, Role: RoleFieldManager},
			names, nil},
		{"OtherTeam", Task{State: StateReady, AssignedTeam: teamB}, member, names,
			[]Reason{{ActionLockForMapping, "This task is assigned to team North"}}},
		{"OtherTeamUnnamed", Task{State: StateInvalidated, AssignedTeam: teamB}, member, Names{},
			[]Reason{{ActionLockForMapping, "This task is assigned to another team"}}},
		{"OtherPerson", Task{State: StateReady, AssignedTo: 9}, member, names,
			[]Reason{{ActionLockForMapping, "This task is assigned to Bob"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := WhyNot(tt.task, tt.actor, openRules(), clock(), tt.names)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("WhyNot = %q, want %q", got, tt.want)
			}
		})
	}
}
