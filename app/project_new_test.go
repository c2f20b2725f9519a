package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fieldbase/app/config"
)

// TestNewProjectAOICheck: the AOI picked on the new project page is checked by the server's own rules before the
// form is sent (its area against the configured maximum, its validity), with one message; the limit itself holds
// through the page, which keeps the chosen area after the refusal; the project page shows the area.
func TestNewProjectAOICheck(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Projects.MaxAOIKm2 = 0.5 })
	ta.newUser(t, "pm", false)
	b, csrf := ta.pageBrowser(t, "pm")
	square := squareAOI(t) // about 1 km x 1.1 km: more than 0.5 km²
	small := `{"type":"Polygon","coordinates":[[[85.3,27.7],[85.301,27.7],[85.301,27.701],[85.3,27.701],[85.3,27.7]]]}`
	checkAOI := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "/projects/new/aoi", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, got := b.send(req, map[string]string{"X-CSRF-Token": csrf})
		return resp.StatusCode, got
	}
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"OK_Small", small, []string{`"ok":true`, `"area_km2":0.01`, `"max_km2":0.5`, "shown on the map", `"geometry":`}},
		{"Refused_TooLarge", square, []string{`"ok":false`, "larger than the 0.5 km² a project may cover", `"geometry":`}},
		{"Refused_Point", `{"type":"Point","coordinates":[1,2]}`, []string{`"ok":false`, "cannot be the area"}},
		{"Refused_NotJSON", `not json`, []string{`"ok":false`, "cannot be the area"}},
		{"Refused_Empty", ``, []string{`"ok":false`, "empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got := checkAOI(tc.body)
			check(t, &http.Response{StatusCode: status}, got, 200, tc.want...)
		})
	}
	t.Run("Forbidden_WithoutCSRF", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "/projects/new/aoi", strings.NewReader(small))
		resp, _ := b.send(req, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("Invalid_OverMaximumThroughThePage", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"csrf_token": {csrf}, "name": {"Too big"}, "aoi": {square}}, nil)
		check(t, resp, got, 422, `class="field-error" id="e-aoi">`, "more than the maximum of 0.5 km²",
			`value="Too big"`, "[85.31,27.71]")
		if strings.Contains(got, `id="e-aoi" hidden`) {
			t.Error("the error is hidden")
		}
	})
	t.Run("OK_AreaOnProjectPage", func(t *testing.T) {
		resp, got := b.form("/projects", url.Values{"csrf_token": {csrf}, "name": {"Small"}, "aoi": {small}}, nil)
		check(t, resp, got, http.StatusSeeOther)
		id := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/projects/"), "/split?created=1")
		resp, got = b.get(fmt.Sprintf("/projects/%s", id))
		check(t, resp, got, 200, `id="project-area">Area: 0.01 km²`)
	})
}

func TestFormatKm2(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0.01: "0.01", 582.3: "582.3", 2000: "2,000", 1234567.5: "1,234,567.5", 0: "0"} {
		if got := formatKm2(in); got != want {
			t.Errorf("formatKm2(%v) = %q, want %q", in, got, want)
		}
	}
}
