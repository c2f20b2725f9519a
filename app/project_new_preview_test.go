package app

import (
	"net/http"
	"strings"
	"testing"
)

// TestNewProjectSplitPreview: the new project page previews a grid split of an area not saved yet. A valid area
// answers the tasks as GeoJSON; a refused area, cell size or body is a problem naming what is wrong (never a 500).
func TestNewProjectSplitPreview(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "pm", false)
	b, csrf := ta.pageBrowser(t, "pm")
	preview := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "/projects/new/split-preview", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, got := b.send(req, map[string]string{"X-CSRF-Token": csrf})
		return resp.StatusCode, got
	}
	bowTie := `{"type":"Polygon","coordinates":[[[85.3,27.7],[85.31,27.71],[85.31,27.7],[85.3,27.71],[85.3,27.7]]]}`
	for _, tc := range []struct {
		name, body string
		status     int
		want       []string
	}{
		// The 0.01° square is about 990 m x 1,110 m: at least 2 x 2 cells of 500 m.
		{"OK", `{"aoi":` + squareAOI(t) + `,"cell_size_m":500}`, 200, []string{`"type":"FeatureCollection"`, `"index":4`}},
		{"ErrSelfIntersecting", `{"aoi":` + bowTie + `,"cell_size_m":100}`, 422, []string{`"location":"body.aoi"`, "intersects itself"}},
		{"ErrNoArea", `{"cell_size_m":100}`, 422, []string{`"location":"body.aoi"`, "is required"}},
		{"ErrTooLarge", `{"aoi":{"type":"Polygon","coordinates":[[[80,20],[81,20],[81,21],[80,21],[80,20]]]},"cell_size_m":100}`,
			422, []string{`"location":"body.aoi"`, "km"}},
		{"ErrCellSize", `{"aoi":` + squareAOI(t) + `,"cell_size_m":1}`, 422, []string{`"location":"body.cell_size_m"`, "between 10 and 100000"}},
		{"ErrNotJSON", `{"aoi":`, 400, []string{"not valid JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got := preview(tc.body)
			check(t, &http.Response{StatusCode: status}, got, tc.status, tc.want...)
		})
	}
	t.Run("Forbidden_WithoutCSRF", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "/projects/new/split-preview", strings.NewReader(`{}`))
		resp, _ := b.send(req, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}
