package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fieldbase/app/tasking"
	"fieldbase/db"
)

// seedProjects stores n public published projects (without tasks) named "P01", "P02", ... created by owner, and returns their ids in
// creation order.
func (ta *testApp) seedProjects(t *testing.T, owner int64, n int) []int64 {
	t.Helper()
	aoi, area, err := ta.parseAOI(json.RawMessage(squareAOI(t)))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, n)
	for i := range n {
		p, err := ta.store.CreateProject(context.Background(), db.Project{Name: fmt.Sprintf("P%02d", i+1),
			Visibility: "public", Status: "published", AOI: aoi, AreaM2: area, LockMinutes: 60, MaxLocksPerUser: 1,
			CreatedBy: owner})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// splitAndPublish cuts the project into tasks and publishes it.
func (ta *testApp) splitAndPublish(t *testing.T, id int64, tasks int) {
	t.Helper()
	ctx := context.Background()
	if _, err := ta.store.UpdateProject(ctx, id, func(p *db.Project) error {
		p.Status = "draft"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tasking.RunSplit(ctx, ta.store, tasking.SplitParams{ProjectID: id, Method: tasking.SplitMethodCount,
		Tasks: tasks}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.store.UpdateProject(ctx, id, func(p *db.Project) error {
		p.Status = "published"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// taskAction applies an action to task index of the project as the token's user.
func (ta *testApp) taskAction(t *testing.T, token string, id int64, index int, action string) {
	t.Helper()
	ta.run(t, []scenario{{name: action, method: http.MethodPost,
		url: fmt.Sprintf("/api/v1/projects/%d/tasks/%d/events", id, index), body: `{"action":"` + action + `"}`,
		headers: bearer(token), wantStatus: http.StatusOK}})
}

// pageQueries returns the body of GET url and how many statements the read connections ran for it. The request
// is sent twice and the second one counted, so that the credential and statement caches are warm.
func (ta *testApp) pageQueries(t *testing.T, url, token string) (string, int64) {
	t.Helper()
	get := func() string {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, body := ta.do(t, req)
		check(t, resp, body, http.StatusOK)
		return body
	}
	get()
	before := ta.store.ReadStatements()
	body := get()
	return body, ta.store.ReadStatements() - before
}

// card returns the HTML of the project card linking to the project, or "" when the page has none.
func card(body string, id int64) string {
	for _, c := range strings.Split(body, `<section class="card project-card">`)[1:] {
		if strings.Contains(c, fmt.Sprintf(`<a href="/projects/%d">`, id)) {
			return c[:strings.Index(c, "</section>")]
		}
	}
	return ""
}

// TestProjectsPageQueriesDoNotGrowWithCards lists pages of 3 and of 20 projects: the page runs the same number of
// statements for both, and each card still shows its own progress.
func TestProjectsPageQueriesDoNotGrowWithCards(t *testing.T) {
	t.Parallel()
	type result struct{ anonymous, member int64 }
	counts := map[int]result{}
	for _, n := range []int{3, 20} {
		ta := newTestApp(t)
		ownerID, owner := ta.newUser(t, "owner", false)
		ids := ta.seedProjects(t, ownerID, n)
		ta.splitAndPublish(t, ids[0], 4)
		ta.splitAndPublish(t, ids[1], 2)
		ta.taskAction(t, owner, ids[0], 1, "lock_for_mapping")
		ta.taskAction(t, owner, ids[0], 1, "mark_mapped")

		anonBody, anon := ta.pageQueries(t, "/projects", "")
		memberBody, member := ta.pageQueries(t, "/projects", owner)
		counts[n] = result{anon, member}
		for _, body := range []string{anonBody, memberBody} {
			if got := strings.Count(body, `class="card project-card"`); got != n {
				t.Fatalf("%d projects: page shows %d cards", n, got)
			}
			first, second := card(body, ids[0]), card(body, ids[1])
			for _, want := range []string{"4 tasks", "25% mapped", "0% validated", `title="Ready: 3"`,
				`title="Mapped: 1"`} {
				if !strings.Contains(first, want) {
					t.Errorf("%d projects: the split project's card lacks %q: %s", n, want, first)
				}
			}
			for _, want := range []string{"2 tasks", "0% mapped", `title="Ready: 2"`} {
				if !strings.Contains(second, want) {
					t.Errorf("%d projects: the second card lacks %q: %s", n, want, second)
				}
			}
			if last := card(body, ids[n-1]); !strings.Contains(last, "0 tasks") || strings.Contains(last, "title=") {
				t.Errorf("%d projects: a project without tasks shows progress: %s", n, last)
			}
		}
	}
	t.Logf("statements per GET /projects: %v", counts)
	if counts[3] != counts[20] {
		t.Errorf("statements grow with the cards: 3 projects %+v, 20 projects %+v", counts[3], counts[20])
	}
	// A signed-in person's page also counts their unread notifications, for the bell in the header.
	if c := counts[20]; c.anonymous > maxProjectsPageQueries || c.member > maxProjectsPageQueries+1 {
		t.Errorf("a page of 20 projects runs %+v statements, want at most %d", c, maxProjectsPageQueries)
	}
}

// maxProjectsPageQueries is what a projects page may run: the site settings of the layout, the count of the
// matching projects, the page of them, and the tasks per state of its cards.
const maxProjectsPageQueries = 4

// TestProjectsPagePager pages through 25 visible projects (and hidden private ones) on the page and in the API:
// 20 cards then 5, the links keep the filter, and a private project shows only to its members and administrators.
func TestProjectsPagePager(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ownerID, owner := ta.newUser(t, "owner", false)
	_, other := ta.newUser(t, "other", false)
	_, admin := ta.newUser(t, "admin", true)
	ids := ta.seedProjects(t, ownerID, 25)
	if _, err := ta.store.CreateProject(context.Background(), db.Project{Name: "Hidden", Visibility: "private",
		Status: "draft", AOI: "{}", LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: ownerID}); err != nil {
		t.Fatal(err)
	}
	ta.run(t, []scenario{
		{name: "OK_FirstPage", method: "GET", url: "/projects", headers: bearer(other), wantStatus: 200,
			wantContain: []string{"25 projects", ">P25<", ">P06<", `href="/projects?q=&amp;status=&amp;page=2"`},
			wantAbsent:  []string{">P05<", "Hidden", "Previous"}},
		{name: "OK_SecondPage", method: "GET", url: "/projects?page=2", headers: bearer(other), wantStatus: 200,
			wantContain: []string{"25 projects", ">P05<", ">P01<", `href="/projects?q=&amp;status=&amp;page=1"`},
			wantAbsent:  []string{">P06<", "Hidden", "Next"}},
		{name: "OK_PastTheLastPage", method: "GET", url: "/projects?page=3", wantStatus: 200,
			wantAbsent: []string{"project-card"}},
		{name: "OK_HugePageNumber", method: "GET", url: "/projects?page=9223372036854775807", wantStatus: 200,
			wantAbsent: []string{"project-card"}},
		{name: "OK_Filtered", method: "GET", url: "/projects?q=p1&status=published", wantStatus: 200,
			wantContain: []string{"10 projects", ">P19<", ">P10<"}, wantAbsent: []string{">P20<", ">P01<", "Next"}},
		{name: "OK_PagerKeepsFilter", method: "GET", url: "/projects?q=p&status=published&page=2", wantStatus: 200,
			wantContain: []string{"25 projects", `href="/projects?q=p&amp;status=published&amp;page=1"`}},
		{name: "OK_StatusFilter", method: "GET", url: "/projects?status=archived", wantStatus: 200,
			wantContain: []string{"No project matches"}},
		{name: "OK_OwnerSeesPrivate", method: "GET", url: "/projects", headers: bearer(owner), wantStatus: 200,
			wantContain: []string{"26 projects", "Hidden"}},
		{name: "OK_AdminSeesPrivate", method: "GET", url: "/projects?q=hid", headers: bearer(admin), wantStatus: 200,
			wantContain: []string{"1 project<", "Hidden"}},
		{name: "OK_APIPage", method: "GET", url: "/api/v1/projects?page=2&per_page=10", headers: bearer(other),
			wantStatus: 200, wantContain: []string{`"total":25`, fmt.Sprintf(`"id":%d,`, ids[14]),
				fmt.Sprintf(`"id":%d,`, ids[5])}, wantAbsent: []string{"Hidden", fmt.Sprintf(`"id":%d,`, ids[4])}},
		{name: "OK_APIAdminSeesPrivate", method: "GET", url: "/api/v1/projects", headers: bearer(admin),
			wantStatus: 200, wantContain: []string{`"total":26`, "Hidden"}},
	})
}
