package app

import (
	"fmt"
	"net/http"
	"testing"
)

// TestDraftsVisibleOnlyToMembers: a draft project (public or not) is seen by its members and administrators
// only, on the pages and in the API, and by everyone once published.
func TestDraftsVisibleOnlyToMembers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, admin := ta.newUser(t, "root", true)
	_, owner := ta.newUser(t, "owner", false)
	_, outsider := ta.newUser(t, "outsider", false)
	draft := ta.newProject(t, owner, "")
	page := fmt.Sprintf("/projects/%d", draft)
	api := "/api/v1" + page
	hidden := []string{"Roofs"}
	ta.run(t, []scenario{
		{name: "Hidden_AnonymousPage", method: "GET", url: page, wantStatus: http.StatusNotFound},
		{name: "Hidden_AnonymousAPI", method: "GET", url: api, wantStatus: http.StatusNotFound},
		{name: "Hidden_AnonymousTasksGeoJSON", method: "GET", url: api + "/tasks.geojson",
			wantStatus: http.StatusNotFound},
		{name: "Hidden_OutsiderAPI", method: "GET", url: api, headers: bearer(outsider),
			wantStatus: http.StatusNotFound},
		{name: "Hidden_AnonymousList", method: "GET", url: "/projects", wantStatus: http.StatusOK,
			wantAbsent: hidden},
		{name: "Hidden_OutsiderAPIList", method: "GET", url: "/api/v1/projects", headers: bearer(outsider),
			wantStatus: http.StatusOK, wantAbsent: hidden},
		{name: "OK_OwnerAPI", method: "GET", url: api, headers: bearer(owner), wantStatus: http.StatusOK,
			wantContain: []string{`"status":"draft"`}},
		{name: "OK_OwnerAPIList", method: "GET", url: "/api/v1/projects", headers: bearer(owner),
			wantStatus: http.StatusOK, wantContain: hidden},
		{name: "OK_AdminAPI", method: "GET", url: api, headers: bearer(admin), wantStatus: http.StatusOK},
	})
	published := ta.publishedProject(t, owner, "")
	ta.run(t, []scenario{
		{name: "OK_AnonymousPublishedPage", method: "GET", url: fmt.Sprintf("/projects/%d", published),
			wantStatus: http.StatusOK},
		{name: "OK_AnonymousPublishedInList", method: "GET", url: "/api/v1/projects", wantStatus: http.StatusOK,
			wantContain: []string{fmt.Sprintf(`"id":%d`, published)}, wantAbsent: []string{fmt.Sprintf(`"id":%d,`, draft)}},
	})
}
