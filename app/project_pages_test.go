package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// pageBrowser signs a user in with a session cookie and returns the client and its CSRF token.
func (ta *testApp) pageBrowser(t *testing.T, username string) (*browser, string) {
	t.Helper()
	b := &browser{t: t, ta: ta}
	b.login(username, testPassword)
	return b, b.csrf()
}

// check fails the test unless the answer has the status and every fragment.
func check(t *testing.T, resp *http.Response, body string, status int, want ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func TestProjectListAndNewProjectPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	ta.newUser(t, "other", false)
	ta.markPublished(t, ta.newProject(t, tok, `,"description":"public one"`))
	body := `{"name":"Secret","visibility":"private","aoi":` + squareAOI(t) + `}`
	ta.run(t, []scenario{{name: "CreatePrivate", method: "POST", url: "/api/v1/projects", body: body,
		headers: bearer(tok), wantStatus: 201}})
	ta.run(t, []scenario{
		{name: "OK_AnonymousSeesPublicOnly", method: "GET", url: "/projects", wantStatus: 200,
			wantContain: []string{"Roofs", "public one", `class="progress"`, "0% mapped"}, wantAbsent: []string{"Secret", "New project"}},
		{name: "OK_MemberSeesPrivate", method: "GET", url: "/projects", headers: bearer(tok), wantStatus: 200,
			wantContain: []string{"Roofs", "Secret", "New project"}},
		{name: "OK_SearchByName", method: "GET", url: "/projects?q=secr", headers: bearer(tok), wantStatus: 200,
			wantContain: []string{"Secret"}, wantAbsent: []string{"Roofs"}},
		{name: "OK_StatusFilterEmptyState", method: "GET", url: "/projects?status=archived", headers: bearer(tok),
			wantStatus: 200, wantContain: []string{"No project matches"}, wantAbsent: []string{"Roofs"}},
		{name: "OK_HTMXGetsContentOnly", method: "GET", url: "/projects", headers: map[string]string{"HX-Request": "true"},
			wantStatus: 200, wantContain: []string{"Roofs"}, wantAbsent: []string{"<html", "topnav"}},
		{name: "Redirect_NewProjectNeedsLogin", method: "GET", url: "/projects/new", wantStatus: 303},
		{name: "OK_NewProjectForm", method: "GET", url: "/projects/new", headers: bearer(tok), wantStatus: 200,
			wantContain: []string{`name="aoi"`, `id="map"`, "new_project.js", "maplibre-gl.js"}},
	})
	b, csrf := ta.pageBrowser(t, "other")
	t.Run("Invalid_AOIKeepsInput", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"csrf_token": {csrf}, "name": {"Mine"}, "aoi": {`{"type":"Point","coordinates":[1,2]}`}}, nil)
		check(t, resp, got, 422, `value="Mine"`, `class="field-error"`, `aria-invalid="true"`)
	})
	t.Run("Invalid_NameRequired", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"csrf_token": {csrf}, "aoi": {squareAOI(t)}}, nil)
		check(t, resp, got, 422, "is required", "coordinates")
	})
	t.Run("OK_CreatedGoesToSplit", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"csrf_token": {csrf}, "name": {"Mine"}, "aoi": {squareAOI(t)}}, nil)
		check(t, resp, got, 303)
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "/projects/") || !strings.HasSuffix(loc, "/split?created=1") {
			t.Fatalf("location %q", loc)
		}
		resp, got = b.get(loc)
		check(t, resp, got, 200, "Project created", `name="cell_size_m"`, "Preview on the map")
	})
	t.Run("Forbidden_NoCSRF", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"name": {"X"}, "aoi": {squareAOI(t)}}, nil)
		check(t, resp, got, 403)
	})
}

func TestSplitAndPublishPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, pmTok := ta.newUser(t, "pm", false)
	_, tok := ta.newUser(t, "boss", false)
	b, csrf := ta.pageBrowser(t, "pm")
	resp, _ := b.form("/projects", url.Values{"csrf_token": {csrf}, "name": {"Split me"}, "aoi": {squareAOI(t)}}, nil)
	id := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/projects/"), "/split?created=1")
	split := "/projects/" + id + "/split"
	hx := map[string]string{"HX-Request": "true", "X-CSRF-Token": csrf}
	t.Run("Invalid_CellSize", func(t *testing.T) {
		resp, got := b.form(split, url.Values{"method": {"grid"}, "cell_size_m": {"1"}}, hx)
		check(t, resp, got, 422, "between 10 and 100000", `value="1"`)
		if strings.Contains(got, "<html") {
			t.Error("htmx answer is a whole page")
		}
	})
	t.Run("Conflict_PublishWithoutTasks", func(t *testing.T) {
		resp, got := b.form("/projects/"+id+"/publish", url.Values{"csrf_token": {csrf}}, nil)
		check(t, resp, got, 409, "split the project")
	})
	t.Run("OK_SplitStartsJob", func(t *testing.T) {
		ta.startJobs(t)
		resp, got := b.form(split, url.Values{"method": {"grid"}, "cell_size_m": {"200"}}, hx)
		check(t, resp, got, 202, `id="split-job"`, `data-job="`)
		i := strings.Index(got, `data-job="`) + len(`data-job="`)
		var job int64
		fmt.Sscan(got[i:i+strings.Index(got[i:], `"`)], &job)
		ta.waitJob(t, job, pmTok) // a draft's job: only its members may read it
		resp, got = b.get(split)
		check(t, resp, got, 200, "task", `id="publish-button"`)
		resp, got = b.form("/projects/"+id+"/publish", url.Values{"csrf_token": {csrf}}, nil)
		check(t, resp, got, 303)
		resp, got = b.get(resp.Header.Get("Location"))
		check(t, resp, got, 200, "Published: mappers can now lock tasks", `<span class="badge">Published</span>`)
	})
	t.Run("Forbidden_SplitPageForOthers", func(t *testing.T) {
		ta.run(t, []scenario{{name: "Mapper", method: "GET", url: split, headers: bearer(tok), wantStatus: 403}})
	})
}
