package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestFeaturesGeoJSONBBox: ?bbox= answers only the features whose centroid is in the box, ?limit= bounds the
// answer and says that more were left out, and a malformed box or limit is a 422 naming it.
func TestFeaturesGeoJSONBBox(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.newProject(t, tok, "")
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 10 {
		if i > 0 {
			fc.WriteByte(',')
		}
		fmt.Fprintf(&fc, `{"type":"Feature","properties":{"n":"f%d"},"geometry":{"type":"Point","coordinates":[85.30%d,27.705]}}`, i, i)
	}
	fc.WriteString("]}")
	url := fmt.Sprintf("/api/v1/projects/%d/features", id)
	ta.run(t, []scenario{{name: "Upload", method: http.MethodPost, url: url, body: fc.String(), headers: bearer(tok),
		wantStatus: http.StatusCreated}})
	get := url + ".geojson"
	ta.run(t, []scenario{
		{name: "OK_Box", method: http.MethodGet, url: get + "?bbox=85.3025,27.7,85.3055,27.71", headers: bearer(tok),
			wantStatus: http.StatusOK, wantType: "application/geo+json",
			wantContain: []string{`"n":"f3"`, `"n":"f5"`, `"truncated":false`, `"fb_status":"ready"`},
			wantAbsent:  []string{`"n":"f2"`, `"n":"f6"`}},
		{name: "OK_Limit", method: http.MethodGet, url: get + "?bbox=85.3,27.7,85.31,27.71&limit=2", headers: bearer(tok),
			wantStatus: http.StatusOK, wantContain: []string{`"n":"f0"`, `"n":"f1"`, `"truncated":true`},
			wantAbsent: []string{`"n":"f2"`}},
		{name: "OK_Empty", method: http.MethodGet, url: get + "?bbox=0,0,1,1", headers: bearer(tok),
			wantStatus: http.StatusOK, wantContain: []string{`"features":[],"truncated":false`}},
		{name: "ErrBoxParts", method: http.MethodGet, url: get + "?bbox=1,2,3", headers: bearer(tok),
			wantStatus: http.StatusUnprocessableEntity, wantContain: []string{"bbox", "minLon,minLat,maxLon,maxLat"}},
		{name: "ErrBoxOrder", method: http.MethodGet, url: get + "?bbox=2,2,1,1", headers: bearer(tok),
			wantStatus: http.StatusUnprocessableEntity, wantContain: []string{"bbox"}},
		{name: "ErrBoxNaN", method: http.MethodGet, url: get + "?bbox=NaN,0,1,1", headers: bearer(tok),
			wantStatus: http.StatusUnprocessableEntity, wantContain: []string{"bbox"}},
		{name: "ErrLimit", method: http.MethodGet, url: get + "?bbox=0,0,1,1&limit=0", headers: bearer(tok),
			wantStatus: http.StatusUnprocessableEntity, wantContain: []string{"limit", "between 1 and 10000"}},
	})
}

// TestFeaturePanel: the project map's feature panel shows the feature's properties and survey status; a feature
// of another project, an unknown one or a malformed id is 404.
func TestFeaturePanel(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	a, b := ta.newProject(t, tok, ""), ta.newProject(t, tok, "")
	ta.run(t, []scenario{{name: "Upload", method: http.MethodPost, url: fmt.Sprintf("/api/v1/projects/%d/features", a),
		body: `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"amenity":"school","floors":3},` +
			`"geometry":{"type":"Point","coordinates":[85.305,27.705]}}]}`, headers: bearer(tok), wantStatus: http.StatusCreated}})
	var fid int64
	if err := ta.store.DB().QueryRow("SELECT id FROM features WHERE project_id = ?", a).Scan(&fid); err != nil {
		t.Fatal(err)
	}
	htmx := map[string]string{"Authorization": "Bearer " + tok, "HX-Request": "true"}
	ta.run(t, []scenario{
		{name: "OK", method: http.MethodGet, url: fmt.Sprintf("/projects/%d/features/%d", a, fid), headers: htmx,
			wantStatus: http.StatusOK, wantContain: []string{`data-feature="`, "amenity", "school", "floors", ">3<",
				"Not surveyed yet", "Outside the tasks", "None yet."}, wantAbsent: []string{"<html"}},
		{name: "OK_Page", method: http.MethodGet, url: fmt.Sprintf("/projects/%d/features/%d", a, fid), headers: bearer(tok),
			wantStatus: http.StatusOK, wantContain: []string{"<html", "Back to the project map", "school"}},
		{name: "ErrOtherProject", method: http.MethodGet, url: fmt.Sprintf("/projects/%d/features/%d", b, fid), headers: htmx,
			wantStatus: http.StatusNotFound},
		{name: "ErrUnknown", method: http.MethodGet, url: fmt.Sprintf("/projects/%d/features/%d", a, fid+100), headers: htmx,
			wantStatus: http.StatusNotFound},
		{name: "ErrMalformed", method: http.MethodGet, url: fmt.Sprintf("/projects/%d/features/abc", a), headers: htmx,
			wantStatus: http.StatusNotFound},
	})
}
