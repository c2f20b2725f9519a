package app

import (
	"context"
	"fieldbase/app/tasking"
	"fieldbase/db"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// squareAOI is a 0.01° square near Kathmandu, about 1.1 km².
func squareAOI(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "square_aoi.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// newProject creates a project as the token's user and returns its id.
func (ta *testApp) newProject(t *testing.T, token, extra string) int64 {
	t.Helper()
	body := `{"name":"Roofs","aoi":` + squareAOI(t) + extra + `}`
	req := httptest.NewRequest(http.MethodPost, "/api/v1/projects", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, got := ta.do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create project: %d %s", resp.StatusCode, got)
	}
	var p ProjectBody
	decode(t, got, &p)
	return p.ID
}

// markPublished sets a project's status to published directly in the store (no split): a project anyone may
// see, for tests of reading and access.
func (ta *testApp) markPublished(t *testing.T, id int64) {
	t.Helper()
	if _, err := ta.store.UpdateProject(context.Background(), id, func(p *db.Project) error {
		p.Status = "published"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// publishedProject creates a project split into a 100 m grid (about 110 tasks) and publishes it.
func (ta *testApp) publishedProject(t *testing.T, token, extra string) int64 {
	t.Helper()
	id := ta.newProject(t, token, extra)
	_, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: id, Method: "grid",
		CellSizeM: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ta.run(t, []scenario{{name: "Publish", method: http.MethodPatch, url: fmt.Sprintf("/api/v1/projects/%d", id),
		body: `{"status":"published"}`, headers: bearer(token), wantStatus: http.StatusOK,
		wantContain: []string{`"status":"published"`}}})
	return id
}

func TestCreateProjectAOIValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "maker", false)
	ring := func(coords string) string { return `{"type":"Polygon","coordinates":[` + coords + `]}` }
	tests := []struct {
		name, aoi  string
		wantStatus int
		want       string
	}{
		{"OK_Polygon", squareAOI(t), http.StatusCreated, `"status":"draft"`},
		{"OK_FeatureCollectionMerged", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":` +
			squareAOI(t) + `}]}`, http.StatusCreated, `"area_m2"`},
		{"ErrNotGeoJSON", `{"type":"Banana"}`, http.StatusUnprocessableEntity, `"location":"body.aoi"`},
		{"ErrNotClosed", ring(`[[85.3,27.7],[85.31,27.7],[85.31,27.71],[85.3,27.71]]`), http.StatusUnprocessableEntity, "closed"},
		{"ErrTooFewPositions", ring(`[[85.3,27.7],[85.31,27.7],[85.3,27.7]]`), http.StatusUnprocessableEntity, "at least 4"},
		{"ErrOutOfRange", ring(`[[185.3,27.7],[185.31,27.7],[185.31,27.71],[185.3,27.7]]`), http.StatusUnprocessableEntity, "ongitude"},
		{"ErrSelfIntersecting", ring(`[[85.3,27.7],[85.31,27.71],[85.31,27.7],[85.3,27.71],[85.3,27.7]]`), http.StatusUnprocessableEntity, "intersect"},
		{"ErrTooLarge", ring(`[[80,20],[81,20],[81,21],[80,21],[80,20]]`), http.StatusUnprocessableEntity, "km"},
		{"ErrMissing", `null`, http.StatusUnprocessableEntity, "is required"},
	}
	for _, tt := range tests {
		ta.run(t, []scenario{{name: tt.name, method: http.MethodPost, url: "/api/v1/projects",
			body: `{"name":"P","aoi":` + tt.aoi + `}`, headers: bearer(tok), wantStatus: tt.wantStatus,
			wantContain: []string{tt.want}}})
	}
}

func TestProjectAccess(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	_, other := ta.newUser(t, "other", false)
	_, admin := ta.newUser(t, "admin", true)
	pub := ta.newProject(t, owner, "")
	ta.markPublished(t, pub)
	priv := ta.newProject(t, owner, `,"visibility":"private"`)
	draft := ta.newProject(t, owner, "")
	u := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/projects/%d%s", id, rest) }
	ta.run(t, []scenario{
		{name: "OK_AnonymousReadsPublic", method: http.MethodGet, url: u(pub, ""), wantStatus: http.StatusOK},
		{name: "OK_AnonymousReadsPublicAOI", method: http.MethodGet, url: u(pub, "/aoi.geojson"),
			wantStatus: http.StatusOK, wantType: "application/geo+json", wantContain: []string{`"MultiPolygon"`}},
		{name: "ErrPrivateHiddenFromAnonymous", method: http.MethodGet, url: u(priv, ""), wantStatus: http.StatusNotFound},
		{name: "ErrPrivateHiddenFromNonMember", method: http.MethodGet, url: u(priv, ""), headers: bearer(other),
			wantStatus: http.StatusNotFound},
		{name: "OK_AdminSeesPrivate", method: http.MethodGet, url: u(priv, ""), headers: bearer(admin),
			wantStatus: http.StatusOK, wantContain: []string{`"role":"project_manager"`}},
		{name: "OK_NonMemberIsMapperOnPublic", method: http.MethodGet, url: u(pub, ""), headers: bearer(other),
			wantStatus: http.StatusOK, wantContain: []string{`"role":"mapper"`}},
		{name: "ErrMapperCannotEdit", method: http.MethodPatch, url: u(pub, ""), body: `{"name":"x"}`,
			headers: bearer(other), wantStatus: http.StatusForbidden},
		{name: "ErrAnonymousCannotEdit", method: http.MethodPatch, url: u(pub, ""), body: `{"name":"x"}`,
			wantStatus: http.StatusUnauthorized},
		{name: "OK_ListHidesPrivate", method: http.MethodGet, url: "/api/v1/projects", headers: bearer(other),
			wantStatus: http.StatusOK, wantContain: []string{`"total":1`}},
		{name: "OK_ListShowsOwnPrivateAndDraft", method: http.MethodGet, url: "/api/v1/projects",
			headers: bearer(owner), wantStatus: http.StatusOK, wantContain: []string{`"total":3`}},
		{name: "ErrDraftHiddenFromNonMember", method: http.MethodGet, url: u(draft, ""), headers: bearer(other),
			wantStatus: http.StatusNotFound},
		{name: "ErrPublishWithoutTasks", method: http.MethodPatch, url: u(draft, ""), body: `{"status":"published"}`,
			headers: bearer(owner), wantStatus: http.StatusConflict, wantContain: []string{"split"}},
		{name: "ErrLastManagerCannotLeave", method: http.MethodDelete, url: u(pub, "/members/1"),
			headers: bearer(owner), wantStatus: http.StatusConflict},
		{name: "ErrUnknownProject", method: http.MethodGet, url: u(999, ""), wantStatus: http.StatusNotFound},
	})
}

func TestSplitJobAndTasks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.newProject(t, owner, "")
	u := fmt.Sprintf("/api/v1/projects/%d", id)
	ta.run(t, []scenario{
		{name: "ErrFeaturesWithoutExtract", method: http.MethodPost, url: u + "/split", headers: bearer(owner),
			body: `{"method":"features","features_per_task":5}`, wantStatus: http.StatusUnprocessableEntity,
			wantContain: []string{"upload a data extract"}},
		{name: "ErrTinyCells", method: http.MethodPost, url: u + "/split", headers: bearer(owner),
			body: `{"method":"grid","cell_size_m":1}`, wantStatus: http.StatusUnprocessableEntity},
		{name: "OK_Preview", method: http.MethodPost, url: u + "/split/preview", headers: bearer(owner),
			body: `{"method":"count","tasks":4}`, wantStatus: http.StatusOK, wantContain: []string{`"index":4`}},
		{name: "OK_UploadFeatures", method: http.MethodPost, url: u + "/features", headers: bearer(owner),
			body: `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"b":"yes"},` +
				`"geometry":{"type":"Point","coordinates":[85.301,27.701]}},{"type":"Feature","properties":null,` +
				`"geometry":{"type":"Point","coordinates":[85.309,27.709]}}]}`,
			wantStatus: http.StatusCreated, wantContain: []string{`"added":2`}},
		{name: "ErrBadFeature", method: http.MethodPost, url: u + "/features", headers: bearer(owner),
			body:       `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
			wantStatus: http.StatusUnprocessableEntity, wantContain: []string{"feature 1"}},
	})
	req := httptest.NewRequest(http.MethodPost, u+"/split", strings.NewReader(`{"method":"grid","cell_size_m":250}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+owner)
	resp, got := ta.do(t, req)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("split: %d %s", resp.StatusCode, got)
	}
	var job JobBody
	decode(t, got, &job)
	ta.waitJob(t, job.ID, owner)
	ta.run(t, []scenario{
		{name: "OK_TasksListed", method: http.MethodGet, url: u + "/tasks", headers: bearer(owner), wantStatus: http.StatusOK,
			wantContain: []string{`"index":1,`, `"state":"ready"`}},
		{name: "OK_TasksGeoJSON", method: http.MethodGet, url: u + "/tasks.geojson", headers: bearer(owner), wantStatus: http.StatusOK,
			wantType: "application/geo+json", wantContain: []string{`"FeatureCollection"`, `"index":1`}},
		{name: "OK_FeaturesAssigned", method: http.MethodGet, url: u + "/features.geojson", headers: bearer(owner), wantStatus: http.StatusOK,
			wantContain: []string{`"b":"yes"`, `"fb_task_index":1`}, wantAbsent: []string{`"fb_task_index":null`}},
	})
}

// waitJob polls a job until it finishes and fails the test unless it completed.
func (ta *testApp) waitJob(t *testing.T, id int64, token string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		_, got := ta.do(t, req)
		var job JobBody
		decode(t, got, &job)
		switch job.State {
		case "completed":
			return
		case "cancelled", "discarded":
			t.Fatalf("job %d %s: %s", id, job.State, job.Error)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not for correctness
	}
	t.Fatalf("job %d did not finish", id)
}

func TestConcurrentLocksOneWinner(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.publishedProject(t, owner, "")
	const n = 50
	tokens := make([]string, n)
	for i := range tokens {
		_, tokens[i] = ta.newUser(t, fmt.Sprintf("mapper%d", i), false)
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/tasks/1/events", id),
				strings.NewReader(`{"action":"lock_for_mapping"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tokens[i])
			resp, err := ta.Fiber().Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if won != 1 {
		t.Fatalf("%d requests locked the task, want exactly 1", won)
	}
	events, err := ta.store.TaskEvents(context.Background(), id, 1)
	if err != nil || len(events) != 1 {
		t.Fatalf("history has %d rows (%v), want 1", len(events), err)
	}
}

func TestTaskActionsHTTP(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	mapperID, mapper := ta.newUser(t, "mapper", false)
	_, validator := ta.newUser(t, "validator", false)
	id := ta.publishedProject(t, owner, "")
	ev := fmt.Sprintf("/api/v1/projects/%d/tasks/%%d/events", id)
	act := func(name string, task int, token, body string, status int, want ...string) scenario {
		return scenario{name: name, method: http.MethodPost, url: fmt.Sprintf(ev, task), body: body,
			headers: bearer(token), wantStatus: status, wantContain: want}
	}
	ta.run(t, []scenario{
		{name: "OK_PromoteValidator", method: http.MethodPut, url: fmt.Sprintf("/api/v1/projects/%d/members/3", id),
			body: `{"role":"validator"}`, headers: bearer(owner), wantStatus: http.StatusOK},
		{name: "ErrAnonymous", method: http.MethodPost, url: fmt.Sprintf(ev, 1), body: `{"action":"lock_for_mapping"}`,
			wantStatus: http.StatusUnauthorized},
		act("OK_Lock", 1, mapper, `{"action":"lock_for_mapping"}`, http.StatusOK, `"state":"locked_for_mapping"`),
		act("ErrSecondLockOverLimit", 2, mapper, `{"action":"lock_for_mapping"}`, http.StatusConflict, "already hold"),
		act("ErrOthersLock", 1, validator, `{"action":"mark_mapped"}`, http.StatusForbidden),
		act("ErrMapperCannotValidate", 1, mapper, `{"action":"lock_for_validation"}`, http.StatusForbidden),
		act("ErrUnknownAction", 1, mapper, `{"action":"fly"}`, http.StatusUnprocessableEntity),
		act("OK_MarkMapped", 1, mapper, `{"action":"mark_mapped"}`, http.StatusOK, `"to_state":"mapped"`),
		act("ErrMarkMappedTwice", 1, mapper, `{"action":"mark_mapped"}`, http.StatusConflict, "task is mapped"),
		act("OK_ValidatorLocks", 1, validator, `{"action":"lock_for_validation"}`, http.StatusOK),
		act("ErrInvalidateNeedsComment", 1, validator, `{"action":"invalidate"}`, http.StatusUnprocessableEntity),
		act("OK_Invalidate", 1, validator, `{"action":"invalidate","comment":"missing roofs"}`, http.StatusOK,
			`"state":"invalidated"`),
		act("ErrMapperCannotAssign", 2, mapper, fmt.Sprintf(`{"action":"assign","user_id":%d}`, mapperID),
			http.StatusForbidden),
		act("OK_ManagerAssigns", 3, owner, fmt.Sprintf(`{"action":"assign","user_id":%d}`, mapperID), http.StatusOK),
		act("ErrAssignedToAnother", 3, validator, `{"action":"lock_for_mapping"}`, http.StatusForbidden, "assigned"),
		{name: "OK_History", method: http.MethodGet, url: fmt.Sprintf(ev, 1), wantStatus: http.StatusOK,
			wantContain: []string{`"total":4`, `"comment":"missing roofs"`, `"username":"validator"`}},
		{name: "OK_Stats", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/stats", id),
			wantStatus: http.StatusOK, wantContain: []string{`"invalidated":1`, `"username":"mapper"`, `"mapped":1`}},
	})
}

// TestAllowedActionsCountHeldLocks checks that the actions offered on a task agree with the lock limit: a mapper
// who holds their one allowed lock is not offered a second one.
func TestAllowedActionsCountHeldLocks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	_, mapper := ta.newUser(t, "mapper", false)
	id := ta.publishedProject(t, owner, "")
	task := func(n int) TaskBody {
		_, body := ta.do(t, jsonReq("GET", fmt.Sprintf("/api/v1/projects/%d/tasks/%d", id, n), "", mapper))
		var b TaskBody
		decode(t, body, &b)
		return b
	}
	if b := task(2); !slices.Contains(b.AllowedActions, "lock_for_mapping") {
		t.Fatalf("a free mapper is not offered a lock: %+v", b)
	}
	resp, body := ta.do(t, jsonReq("POST", fmt.Sprintf("/api/v1/projects/%d/tasks/1/events", id),
		`{"action":"lock_for_mapping"}`, mapper))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lock: %d %s", resp.StatusCode, body)
	}
	if b := task(2); slices.Contains(b.AllowedActions, "lock_for_mapping") || len(b.WhyNot) != 1 ||
		b.WhyNot[0].Action != "lock_for_mapping" {
		t.Fatalf("a mapper at the lock limit is offered another lock, or not told why not: %+v", b)
	}
}

// strangerToken gives a token of a fresh user who belongs to no project.
func (ta *testApp) strangerToken(t *testing.T) string {
	t.Helper()
	_, tok := ta.newUser(t, "stranger", false)
	return tok
}
