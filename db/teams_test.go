package db

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// teamFixture is a published project with four tasks, an owner (project manager), a mapper member and an
// outsider.
type teamFixture struct {
	s                       *Store
	project                 int64
	owner, member, outsider int64
}

func mustTeamFixture(t *testing.T) teamFixture {
	t.Helper()
	ctx := context.Background()
	f := teamFixture{s: mustOpen(t, Options{})}
	user := func(name string) int64 {
		u, err := f.s.CreateUser(ctx, User{Username: name, DisplayName: name, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	f.owner, f.member, f.outsider = user("owner"), user("member"), user("outsider")
	p, err := f.s.CreateProject(ctx, Project{Name: "P", Visibility: "public", Status: "draft",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: f.owner})
	if err != nil {
		t.Fatal(err)
	}
	f.project = p.ID
	sq := `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`
	tasks := make([]NewTask, 4)
	for i := range tasks {
		tasks[i] = NewTask{Outline: sq, MaxLon: 1, MaxLat: 1, AreaM2: 1}
	}
	if err := f.s.ReplaceTasks(ctx, f.project, tasks); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetMember(ctx, f.project, f.owner, "project_manager"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetMember(ctx, f.project, f.member, "mapper"); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTeamsStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := mustTeamFixture(t)
	s := f.s
	north, err := s.CreateTeam(ctx, f.project, "North", "#ABCDEF", []int64{f.member})
	if err != nil || north.Colour != "#abcdef" || len(north.Members) != 1 || north.Members[0].Username != "member" {
		t.Fatalf("create = %+v, %v", north, err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"ErrConflict_SameNameOtherCase", errOf(s.CreateTeam(ctx, f.project, "NORTH", "#000000", nil)), ErrConflict},
		{"ErrNotProjectMember_Create", errOf(s.CreateTeam(ctx, f.project, "South", "#000000", []int64{f.outsider})),
			ErrNotProjectMember},
		{"ErrNotProjectMember_Add", s.AddTeamMember(ctx, f.project, north.ID, f.outsider), ErrNotProjectMember},
		{"ErrNotFound_OtherProjectsTeam", s.AddTeamMember(ctx, f.project+1, north.ID, f.member), ErrNotFound},
		{"OK_AddAgain", s.AddTeamMember(ctx, f.project, north.ID, f.member), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) || (tt.want == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", tt.err, tt.want)
			}
		})
	}
	if _, err := s.CreateTeam(ctx, f.project, "Bad", "red", nil); err == nil {
		t.Fatal("the schema took a colour that is not #rrggbb")
	}
	// The failed creates left no team behind.
	if list, total, err := s.Teams(ctx, f.project, 10, 0); err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("teams = %+v (%d), %v", list, total, err)
	}
	if ids, err := s.UserTeams(ctx, f.project, f.member); err != nil || len(ids) != 1 || ids[0] != north.ID {
		t.Fatalf("member's teams = %v, %v", ids, err)
	}
	// Leaving the project leaves its teams.
	if err := s.RemoveMember(ctx, f.project, f.member); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.UserTeams(ctx, f.project, f.member); err != nil || len(ids) != 0 {
		t.Fatalf("teams after leaving the project = %v, %v", ids, err)
	}
}

func errOf(_ Team, err error) error { return err }

func TestTaskAssigneeIsPersonOrTeam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := mustTeamFixture(t)
	team, err := f.s.CreateTeam(ctx, f.project, "North", "#000000", nil)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) error {
		return f.s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		})
	}
	if err := exec("UPDATE tasks SET assigned_team_id = ? WHERE project_id = ? AND idx = 1", team.ID, f.project); err != nil {
		t.Fatal(err)
	}
	err = mapErr(exec("UPDATE tasks SET assigned_to = ? WHERE project_id = ? AND idx = 1", f.member, f.project))
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("a task assigned to a person and a team: err = %v", err)
	}
	task, err := f.s.Task(ctx, f.project, 1)
	if err != nil || task.AssignedTeamID != team.ID || task.AssignedTeamName != "North" || task.AssignedTo != 0 {
		t.Fatalf("task = %+v, %v", task, err)
	}
	// Deleting the team unassigns its tasks.
	if err := f.s.DeleteTeam(ctx, f.project, team.ID); err != nil {
		t.Fatal(err)
	}
	if task, err = f.s.Task(ctx, f.project, 1); err != nil || task.AssignedTeamID != 0 {
		t.Fatalf("task after the team was deleted = %+v, %v", task, err)
	}
}

func TestChangeTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := mustTeamFixture(t)
	team, err := f.s.CreateTeam(ctx, f.project, "North", "#000000", nil)
	if err != nil {
		t.Fatal(err)
	}
	refusal := errors.New("refused by the rules")
	assign := func(snap TaskSnapshot) (Task, TaskEvent, error) {
		if snap.Task.Index == 2 {
			return Task{}, TaskEvent{}, refusal
		}
		next := snap.Task
		next.AssignedTeamID = team.ID
		return next, TaskEvent{Action: "assign", FromState: next.State, ToState: next.State, TargetTeamID: team.ID}, nil
	}
	isRefusal := func(err error) bool { return errors.Is(err, refusal) }
	changed, events, refused, err := f.s.ChangeTasks(ctx, f.project, []int{1, 2, 3, 99}, f.owner, assign, isRefusal)
	if err != nil || len(changed) != 2 || len(events) != 2 || len(refused) != 2 {
		t.Fatalf("changed %d, events %d, refused %+v, err %v", len(changed), len(events), refused, err)
	}
	if refused[0].Index != 2 || !errors.Is(refused[0].Err, refusal) || refused[1].Index != 99 ||
		!errors.Is(refused[1].Err, ErrNotFound) {
		t.Fatalf("refused = %+v", refused)
	}
	hist, err := f.s.TaskEvents(ctx, f.project, 3)
	if err != nil || len(hist) != 1 || hist[0].TargetTeamID != team.ID || hist[0].TargetTeamName != "North" {
		t.Fatalf("history of task 3 = %+v, %v", hist, err)
	}
	// Any other error undoes the whole change: task 1 is assigned, then task 4 fails.
	boom := errors.New("disk on fire")
	_, _, _, err = f.s.ChangeTasks(ctx, f.project, []int{4, 2}, f.owner, func(snap TaskSnapshot) (Task, TaskEvent,
		error) {
		if snap.Task.Index == 2 {
			return Task{}, TaskEvent{}, boom
		}
		return assign(snap)
	}, isRefusal)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the decide error", err)
	}
	if task, err := f.s.Task(ctx, f.project, 4); err != nil || task.AssignedTeamID != 0 {
		t.Fatalf("task 4 after the failed change = %+v, %v", task, err)
	}
	if _, _, _, err := f.s.ChangeTasks(ctx, f.project, make([]int, MaxBulkTasks+1), f.owner, assign,
		isRefusal); !errors.Is(err, ErrConflict) {
		t.Fatalf("over the bound: err = %v", err)
	}
	st, err := f.s.TeamStats(ctx, f.project, team.ID)
	if err != nil || st.Mapped != 0 || st.LastActivity.IsZero() {
		t.Fatalf("stats = %+v, %v", st, err)
	}
	mine, total, err := f.s.AssignedTasks(ctx, f.project, f.member, 10, 0)
	if err != nil || total != 0 || len(mine) != 0 {
		t.Fatalf("a member outside the team has tasks %+v (%d), %v", mine, total, err)
	}
	if err := f.s.AddTeamMember(ctx, f.project, team.ID, f.member); err != nil {
		t.Fatal(err)
	}
	mine, total, err = f.s.AssignedTasks(ctx, f.project, f.member, 1, 1)
	if err != nil || total != 2 || len(mine) != 1 || mine[0].Index != 3 {
		t.Fatalf("second page of the member's tasks = %+v (%d), %v", mine, total, err)
	}
}
