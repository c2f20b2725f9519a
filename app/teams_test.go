package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"fieldbase/app/geo"
)

// teamsFixture is a published project with a field manager, two mappers and an outsider who is not a member.
type teamsFixture struct {
	id                     int64
	owner, fm, m1, m2, out string
	m1ID, m2ID, outID      int64
}

func newTeamsFixture(t *testing.T, ta *testApp) teamsFixture {
	t.Helper()
	var f teamsFixture
	_, f.owner = ta.newUser(t, "owner", false)
	fmID, fm := ta.newUser(t, "fieldlead", false)
	f.fm = fm
	f.m1ID, f.m1 = ta.newUser(t, "ana", false)
	f.m2ID, f.m2 = ta.newUser(t, "bo", false)
	f.outID, f.out = ta.newUser(t, "outsider", false)
	f.id = ta.publishedProject(t, f.owner, "")
	for uid, role := range map[int64]string{fmID: "field_manager", f.m1ID: "mapper", f.m2ID: "mapper"} {
		if _, err := ta.store.SetMember(context.Background(), f.id, uid, role); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f teamsFixture) url(rest string) string {
	return fmt.Sprintf("/api/v1/projects/%d%s", f.id, rest)
}

func TestTeamsAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := newTeamsFixture(t, ta)
	post := func(name, url, token, body string, status int, want ...string) scenario {
		return scenario{name: name, method: http.MethodPost, url: f.url(url), body: body, headers: bearer(token),
			wantStatus: status, wantContain: want}
	}
	ta.run(t, []scenario{
		post("OK_Create", "/teams", f.fm, fmt.Sprintf(`{"name":" North ","colour":"#E69F00","members":[%d]}`, f.m1ID),
			http.StatusCreated, `"name":"North"`, `"colour":"#e69f00"`, `"username":"ana"`),
		post("ErrDuplicateName", "/teams", f.fm, `{"name":"north","colour":"#000000"}`, http.StatusConflict,
			`"location":"body.name"`, "already the name"),
		post("ErrFields", "/teams", f.fm, `{"name":"  ","colour":"red"}`, http.StatusUnprocessableEntity,
			`"location":"body.name"`, `"location":"body.colour"`, "#rrggbb"),
		post("ErrMemberNotInProject", "/teams", f.fm, fmt.Sprintf(`{"name":"X","colour":"#000000","members":[%d]}`,
			f.outID), http.StatusUnprocessableEntity, `"location":"body.members"`),
		post("ErrMapperCannotCreate", "/teams", f.m1, `{"name":"Mine","colour":"#000000"}`, http.StatusForbidden),
		post("ErrAnonymous", "/teams", "", `{"name":"Mine","colour":"#000000"}`, http.StatusUnauthorized),
		post("OK_CreateSouth", "/teams", f.owner, `{"name":"South","colour":"#56b4e9"}`, http.StatusCreated),
		{name: "OK_MapperLists", method: http.MethodGet, url: f.url("/teams?per_page=1"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{`"total":2`, `"name":"North"`, `"per_page":1`},
			wantAbsent: []string{`"South"`}},
		{name: "OK_SecondPage", method: http.MethodGet, url: f.url("/teams?per_page=1&page=2"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{`"name":"South"`}},
		{name: "ErrOutsiderPrivateNo_PublicReadsButCannotPatch", method: http.MethodPatch, url: f.url("/teams/2"),
			body: `{"colour":"#111111"}`, headers: bearer(f.out), wantStatus: http.StatusForbidden},
		{name: "OK_PatchColour", method: http.MethodPatch, url: f.url("/teams/2"), body: `{"colour":"#0072B2"}`,
			headers: bearer(f.fm), wantStatus: http.StatusOK, wantContain: []string{`"colour":"#0072b2"`, `"name":"South"`}},
		{name: "ErrPatchDuplicate", method: http.MethodPatch, url: f.url("/teams/2"), body: `{"name":"NORTH"}`,
			headers: bearer(f.fm), wantStatus: http.StatusConflict},
		{name: "ErrPatchBadColour", method: http.MethodPatch, url: f.url("/teams/2"), body: `{"colour":"#12345"}`,
			headers: bearer(f.fm), wantStatus: http.StatusUnprocessableEntity, wantContain: []string{`"location":"body.colour"`}},
		{name: "ErrPatchMissing", method: http.MethodPatch, url: f.url("/teams/99"), body: `{"colour":"#123456"}`,
			headers: bearer(f.fm), wantStatus: http.StatusNotFound},
		{name: "OK_PutMember", method: http.MethodPut, url: f.url(fmt.Sprintf("/teams/2/members/%d", f.m2ID)),
			headers: bearer(f.fm), wantStatus: http.StatusOK, wantContain: []string{`"username":"bo"`}},
		{name: "ErrPutOutsider", method: http.MethodPut, url: f.url(fmt.Sprintf("/teams/2/members/%d", f.outID)),
			headers: bearer(f.fm), wantStatus: http.StatusUnprocessableEntity},
		{name: "ErrMapperPutsMember", method: http.MethodPut, url: f.url(fmt.Sprintf("/teams/2/members/%d", f.m1ID)),
			headers: bearer(f.m1), wantStatus: http.StatusForbidden},
		{name: "OK_DeleteMember", method: http.MethodDelete, url: f.url(fmt.Sprintf("/teams/2/members/%d", f.m2ID)),
			headers: bearer(f.fm), wantStatus: http.StatusNoContent},
		{name: "ErrDeleteMemberAgain", method: http.MethodDelete, url: f.url(fmt.Sprintf("/teams/2/members/%d", f.m2ID)),
			headers: bearer(f.fm), wantStatus: http.StatusNotFound},
		{name: "OK_Get", method: http.MethodGet, url: f.url("/teams/1"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{`"name":"North"`, `"tasks":0`}},
		{name: "ErrMapperDeletes", method: http.MethodDelete, url: f.url("/teams/2"), headers: bearer(f.m1),
			wantStatus: http.StatusForbidden},
		{name: "OK_Delete", method: http.MethodDelete, url: f.url("/teams/2"), headers: bearer(f.fm),
			wantStatus: http.StatusNoContent},
		{name: "ErrGetDeleted", method: http.MethodGet, url: f.url("/teams/2"), headers: bearer(f.fm),
			wantStatus: http.StatusNotFound},
	})
}

func TestBulkAssignAndTeamLocks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := newTeamsFixture(t, ta)
	post := func(name, url, token, body string, status int, want ...string) scenario {
		return scenario{name: name, method: http.MethodPost, url: f.url(url), body: body, headers: bearer(token),
			wantStatus: status, wantContain: want}
	}
	lock := func(name string, task int, token string, status int, want ...string) scenario {
		return post(name, fmt.Sprintf("/tasks/%d/events", task), token, `{"action":"lock_for_mapping"}`, status, want...)
	}
	setState(t, ta, f.id, 50, "validated")
	ta.run(t, []scenario{
		post("OK_CreateTeam", "/teams", f.fm, fmt.Sprintf(`{"name":"North","colour":"#e69f00","members":[%d]}`, f.m1ID),
			http.StatusCreated),
		post("ErrMapperAssigns", "/tasks/assign", f.m1, `{"task_indexes":[1],"team_id":1}`, http.StatusForbidden),
		post("ErrNoSelection", "/tasks/assign", f.fm, `{"team_id":1}`, http.StatusUnprocessableEntity,
			`"location":"body.task_indexes"`),
		post("ErrBothAssignees", "/tasks/assign", f.fm, fmt.Sprintf(`{"task_indexes":[1],"team_id":1,"user_id":%d}`,
			f.m2ID), http.StatusUnprocessableEntity, `"location":"body.team_id"`),
		post("ErrNoAssignee", "/tasks/assign", f.fm, `{"task_indexes":[1]}`, http.StatusUnprocessableEntity,
			`"location":"body.user_id"`),
		post("ErrUnknownTeam", "/tasks/assign", f.fm, `{"task_indexes":[1],"team_id":9}`,
			http.StatusUnprocessableEntity, `"location":"body.team_id"`),
		post("ErrOutsiderAssignee", "/tasks/assign", f.fm, fmt.Sprintf(`{"task_indexes":[1],"user_id":%d}`, f.outID),
			http.StatusUnprocessableEntity, "not a member"),
		post("ErrBadGrid", "/tasks/assign", f.fm, `{"zones":{"grid":9,"cells":[0]},"team_id":1}`,
			http.StatusUnprocessableEntity, `"location":"body.zones.grid"`),
		post("ErrCellOutside", "/tasks/assign", f.fm, `{"zones":{"grid":2,"cells":[4]},"team_id":1}`,
			http.StatusUnprocessableEntity, `"location":"body.zones.cells"`),
		post("ErrTooMany", "/tasks/assign", f.fm, `{"task_indexes":[`+manyIndexes(10001)+`],"team_id":1}`,
			http.StatusUnprocessableEntity),
		post("OK_AssignTeam", "/tasks/assign", f.fm, `{"task_indexes":[3,1,2,2,50,9999],"team_id":1}`, http.StatusOK,
			`"changed":[1,2,3]`, `{"index":50,"state":"validated","reason":"task is validated`, `"code":"validated"}`,
			`{"index":9999,"reason":"no such task","code":"no_task"}`),
		lock("OK_TeamMemberLocks", 1, f.m1, http.StatusOK, `"state":"locked_for_mapping"`, `"assigned_team":{"id":1`),
		lock("ErrNonMemberLocks", 2, f.m2, http.StatusForbidden, "assigned to a team you are not in"),
		lock("OK_FieldManagerLocks", 2, f.fm, http.StatusOK),
		{name: "OK_WhyNotNamesTeam", method: http.MethodGet, url: f.url("/tasks/3"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{"This task is assigned to team North", `"code":"assigned_team"`}},
		{name: "OK_HistoryNamesTeam", method: http.MethodGet, url: f.url("/tasks/3/events"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{`"action":"assign"`, `"target_team_id":1`,
				`"target_team":"North"`}},
		post("OK_TeamMemberMaps", "/tasks/1/events", f.m1, `{"action":"mark_mapped"}`, http.StatusOK),
		{name: "OK_TeamStats", method: http.MethodGet, url: f.url("/teams/1/stats"), headers: bearer(f.m2),
			wantStatus: http.StatusOK, wantContain: []string{`"tasks_assigned":3`, `"mapped":1`, `"validated":0`,
				`"submissions":0`, `"last_activity":"`}},
		{name: "ErrStatsOfMissingTeam", method: http.MethodGet, url: f.url("/teams/7/stats"), headers: bearer(f.m2),
			wantStatus: http.StatusNotFound},
		post("OK_AssignZoneToPerson", "/tasks/assign", f.fm, fmt.Sprintf(`{"zones":{"grid":2,"cells":[0]},"user_id":%d}`,
			f.m2ID), http.StatusOK),
		{name: "OK_MyTasksOfTeamMember", method: http.MethodGet, url: f.url("/my-tasks"), headers: bearer(f.m1),
			wantStatus: http.StatusOK, wantContain: []string{`"name":"North"`}},
		{name: "ErrMyTasksAnonymous", method: http.MethodGet, url: f.url("/my-tasks"), wantStatus: http.StatusUnauthorized},
		post("OK_Unassign", "/tasks/unassign", f.fm, `{"task_indexes":[2,3,60]}`, http.StatusOK, `"changed":[2,3]`,
			`{"index":60,"state":"ready","reason":"task is not assigned","code":"not_assigned"}`),
		post("ErrUnassignWithTeam", "/tasks/unassign", f.fm, `{"task_indexes":[2],"team_id":1}`,
			http.StatusUnprocessableEntity),
	})
	// The zone assignment gave bo the tasks whose centre is in the north-west quarter of the area, and only those.
	var mine MyTasksOutput
	_, body := ta.do(t, jsonReq("GET", f.url("/my-tasks?per_page=500"), "", f.m2))
	decode(t, body, &mine.Body)
	p, err := ta.store.Project(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := ta.apiListTasks(context.Background(), &ProjectIDInput{ID: f.id})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, tk := range tasks.Body.Items {
		if tk.AssignedTo != nil && tk.AssignedTo.Username == "bo" {
			want = append(want, tk.Index)
		}
	}
	got := make([]int, 0, len(mine.Body.Items))
	for _, tk := range mine.Body.Items {
		got = append(got, tk.Index)
		if tk.BBox[0] > midLon(t, p.AOI) || tk.BBox[3] < midLat(t, p.AOI) {
			t.Errorf("task %d (%v) is outside the north-west zone", tk.Index, tk.BBox)
		}
	}
	if len(got) < 10 || !slices.Equal(got, want) || mine.Body.Total != len(want) {
		t.Fatalf("my tasks = %v (total %d), assigned to bo = %v", got, mine.Body.Total, want)
	}
}

// setState puts a task of a project in a state directly, for a situation the workflow takes long to reach.
func setState(t *testing.T, ta *testApp, projectID int64, index int, state string) {
	t.Helper()
	err := ta.store.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE tasks SET state = ? WHERE project_id = ? AND idx = ?", state,
			projectID, index)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func manyIndexes(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(parts, ",")
}

func aoiBound(t *testing.T, aoi string) orb.Bound {
	t.Helper()
	mp, err := geo.ParseMultiPolygon(aoi)
	if err != nil {
		t.Fatal(err)
	}
	return mp.Bound()
}

func midLon(t *testing.T, aoi string) float64 {
	b := aoiBound(t, aoi)
	return (b.Min[0] + b.Max[0]) / 2
}
func midLat(t *testing.T, aoi string) float64 {
	b := aoiBound(t, aoi)
	return (b.Min[1] + b.Max[1]) / 2
}
