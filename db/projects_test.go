package db

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
)

// listFixture is a few users and projects to list.
type listFixture struct {
	owner, member, outsider int64
	// ids by name: alpha (public draft), beta (private draft, member is a mapper), gamma (private published),
	// pct ("100%_done", public published), delta ("Delta ROOFS", public completed).
	ids map[string]int64
}

func mustListFixture(t *testing.T, s *Store) listFixture {
	t.Helper()
	ctx := context.Background()
	user := func(name string) int64 {
		u, err := s.CreateUser(ctx, User{Username: name, DisplayName: name, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	f := listFixture{owner: user("owner"), member: user("member"), outsider: user("outsider"), ids: map[string]int64{}}
	for _, p := range []struct{ key, name, visibility, status string }{
		{"alpha", "Alpha roads", "public", "draft"},
		{"beta", "Beta roofs", "private", "draft"},
		{"gamma", "Gamma roofs", "private", "published"},
		{"pct", "100%_done", "public", "published"},
		{"delta", "Delta ROOFS", "public", "completed"},
	} {
		got, err := s.CreateProject(ctx, Project{Name: p.name, Visibility: p.visibility, Status: p.status,
			AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1,
			CreatedBy: f.owner})
		if err != nil {
			t.Fatal(err)
		}
		f.ids[p.key] = got.ID
	}
	if _, err := s.SetMember(ctx, f.ids["beta"], f.member, "mapper"); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestProjectsFilter lists projects as each kind of caller, by name and status, page by page: a private project,
// and any draft, appears only to its members and administrators, and the total counts every match whatever the page.
func TestProjectsFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	fx := mustListFixture(t, s)
	names := func(keys ...string) []string { return keys }
	tests := []struct {
		name      string
		filter    ProjectFilter
		want      []string // newest first
		wantTotal int
	}{
		{"OK_AnonymousSeesPublishedPublic", ProjectFilter{}, names("delta", "pct"), 2},
		{"OK_OutsiderSeesPublishedPublic", ProjectFilter{UserID: fx.outsider}, names("delta", "pct"), 2},
		{"OK_MemberSeesTheirPrivate", ProjectFilter{UserID: fx.member}, names("delta", "pct", "beta"), 3},
		{"OK_OwnerSeesAll", ProjectFilter{UserID: fx.owner}, names("delta", "pct", "gamma", "beta", "alpha"), 5},
		{"OK_AdminSeesAll", ProjectFilter{UserID: fx.outsider, IsAdmin: true},
			names("delta", "pct", "gamma", "beta", "alpha"), 5},
		{"OK_SearchIgnoresCase", ProjectFilter{UserID: fx.owner, Query: " roofs "}, names("delta", "gamma", "beta"), 3},
		{"OK_SearchKeepsVisibility", ProjectFilter{Query: "roofs"}, names("delta"), 1},
		{"OK_SearchOutsiderNoPrivate", ProjectFilter{UserID: fx.outsider, Query: "beta"}, names(), 0},
		{"OK_WildcardsAreLiteral", ProjectFilter{Query: "%_d"}, names("pct"), 1},
		{"OK_SearchUnderscoreIsLiteral", ProjectFilter{Query: "a_r"}, names(), 0},
		{"OK_StatusKeepsVisibility", ProjectFilter{UserID: fx.outsider, Status: "published"}, names("pct"), 1},
		{"OK_StatusAsOwner", ProjectFilter{UserID: fx.owner, Status: "published"}, names("pct", "gamma"), 2},
		{"OK_StatusAndSearch", ProjectFilter{UserID: fx.member, Status: "draft", Query: "roofs"}, names("beta"), 1},
		{"OK_UnknownStatusMatchesNothing", ProjectFilter{IsAdmin: true, Status: "nope"}, names(), 0},
		{"OK_FirstPage", ProjectFilter{UserID: fx.owner, Limit: 2}, names("delta", "pct"), 5},
		{"OK_MiddlePage", ProjectFilter{UserID: fx.owner, Limit: 2, Offset: 2}, names("gamma", "beta"), 5},
		{"OK_LastPartialPage", ProjectFilter{UserID: fx.owner, Limit: 2, Offset: 4}, names("alpha"), 5},
		{"OK_PastTheEnd", ProjectFilter{UserID: fx.owner, Limit: 2, Offset: 5}, names(), 5},
		{"OK_FilteredPage", ProjectFilter{UserID: fx.owner, Query: "roofs", Limit: 2, Offset: 2}, names("beta"), 3},
		{"OK_NegativeOffsetIsFirstPage", ProjectFilter{Limit: 1, Offset: -3}, names("delta"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			list, total, err := s.Projects(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, p := range list {
				got = append(got, p.ID)
				if p.AOI != "" {
					t.Errorf("project %d: a list carries the AOI", p.ID)
				}
			}
			want := []int64{}
			for _, k := range tt.want {
				want = append(want, fx.ids[k])
			}
			if !reflect.DeepEqual(got, want) || total != tt.wantTotal {
				t.Errorf("got %v (total %d), want %v (total %d)", got, total, want, tt.wantTotal)
			}
		})
	}
}

// TestProjectsPageBound checks that a list never returns more than one bounded page, whatever Limit asks.
func TestProjectsPageBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO projects (name, aoi, area_m2, created_at, updated_at)
			SELECT 'p' || i, '{}', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n`, maxProjectsPage+1)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE projects SET status = 'published'")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, -1, maxProjectsPage + 1} {
		list, total, err := s.Projects(ctx, ProjectFilter{Limit: limit})
		if err != nil || len(list) != maxProjectsPage || total != maxProjectsPage+1 {
			t.Errorf("limit %d: %d projects, total %d, %v; want %d of %d", limit, len(list), total, err,
				maxProjectsPage, maxProjectsPage+1)
		}
	}
}

// TestProjectsStates counts the tasks per state of several projects in one query, each project its own.
func TestProjectsStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	fx := mustListFixture(t, s)
	split := func(key string, n int, area float64) int64 {
		t.Helper()
		tasks := make([]NewTask, n)
		for i := range tasks {
			tasks[i] = NewTask{Outline: `{"type":"MultiPolygon","coordinates":[]}`, AreaM2: area}
		}
		if err := s.ReplaceTasks(ctx, fx.ids[key], tasks); err != nil {
			t.Fatal(err)
		}
		return fx.ids[key]
	}
	a, b, none := split("alpha", 3, 10), split("beta", 2, 5), fx.ids["pct"]
	if _, _, err := s.ChangeTask(ctx, a, 2, fx.owner, func(snap TaskSnapshot) (Task, TaskEvent, error) {
		next := snap.Task
		next.State = "mapped"
		return next, TaskEvent{Action: "mark_mapped", FromState: "ready", ToState: "mapped"}, nil
	}); err != nil {
		t.Fatal(err)
	}

	before := s.ReadStatements()
	got, err := s.ProjectsStates(ctx, []int64{a, b, none, 999})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.ReadStatements() - before; n != 1 {
		t.Errorf("ProjectsStates ran %d statements, want 1", n)
	}
	want := map[int64][]StateCount{
		a: {{State: "mapped", Tasks: 1, AreaM2: 10}, {State: "ready", Tasks: 2, AreaM2: 20}},
		b: {{State: "ready", Tasks: 2, AreaM2: 10}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, err := s.ProjectsStates(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no projects: %v, %v", got, err)
	}
}
