package app

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureSubmissions uploads the fixture forms and submissions an export test needs.
func (ta *testApp) fixtureSubmissions(t *testing.T, fp formsProject, fx string, forms []string, subs ...part) {
	t.Helper()
	for _, f := range forms {
		ta.mustUploadForm(t, fp, readFile(t, filepath.Join(fx, "xforms", f)))
	}
	for _, s := range subs {
		parts := []part{{"submission_xml", "", readFile(t, filepath.Join(fx, "submissions", s.field))}}
		if s.filename != "" {
			parts = append(parts, part{"attachments", s.filename, s.data})
		}
		resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper, parts...)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("submit %s: %d %s", s.field, resp.StatusCode, body)
		}
	}
}

func TestSubmissionsCSV(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.fixtureSubmissions(t, fp, fx, []string{"withrepeat.xml", "simple.xml"},
		part{field: "withrepeat__rone.xml"}, part{field: "withrepeat__rtwo.xml"}, part{field: "simple__one.xml"})
	base := fmt.Sprintf("/api/v1/projects/%d/submissions.csv", fp.id)
	tests := []struct {
		name       string
		query      string
		wantStatus int
		wantRows   int
		wantCells  map[string]string // column -> value in the last row
	}{
		{"OKRepeatsFlattened", "?form=withrepeat", 200, 2, map[string]string{"instance_id": "rtwo", "name": "Bob",
			"children/child[1]/name": "Billy", "children/child[2]/age": "6", "form_version": "1.0"}},
		{"OKSimple", "?form=simple", 200, 1, map[string]string{"name": "Alice", "age": "30"}},
		{"ErrFormNeeded", "", 422, 0, nil},
		{"ErrUnknownForm", "?form=nope", 404, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.get(t, base+tc.query, fp.validator)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if tc.wantStatus != 200 {
				return
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(recs) != tc.wantRows+1 {
				t.Fatalf("%d records (%v), want header + %d: %s", len(recs), err, tc.wantRows, body)
			}
			col := map[string]int{}
			for i, h := range recs[0] {
				col[h] = i
			}
			last := recs[len(recs)-1]
			for c, want := range tc.wantCells {
				if i, ok := col[c]; !ok || last[i] != want {
					t.Errorf("column %q = %v, want %q (header %v)", c, ok, want, recs[0])
				}
			}
		})
	}
	if resp, _ := ta.get(t, base+"?form=simple", fp.mapper); resp.StatusCode != http.StatusForbidden {
		t.Errorf("mapper exported: %d", resp.StatusCode)
	}
}

func TestSubmissionsGeoJSON(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.fixtureSubmissions(t, fp, fx, []string{"geotest.xml", "simple.xml"}, part{field: "geotest__1.xml"},
		part{field: "geotest__1.1_edit.xml"}, part{field: "simple__one.xml"})
	resp, body := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions.geojson", fp.id), fp.validator)
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(body), &fc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, body)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2 {
		t.Fatalf("want 2 points (simple has no geopoint): %s", body)
	}
	wants := map[string][]float64{"1": {0, 50}, "1.1": {1.1, 1.1}}
	for _, f := range fc.Features {
		inst, _ := f.Properties["instance_id"].(string)
		if want := wants[inst]; fmt.Sprint(f.Geometry.Coordinates) != fmt.Sprint(want) {
			t.Errorf("%s: coordinates %v, want %v", inst, f.Geometry.Coordinates, want)
		}
	}
}

func TestZipExportJob(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	png := readFile(t, filepath.Join(fx, "submissions", "attachments", "submission_image.png"))
	ta.fixtureSubmissions(t, fp, fx, []string{"buildings.xml", "simple.xml"},
		part{field: "buildings__dummy-id-not-uploaded.xml", filename: "submission_image.png", data: png},
		part{field: "simple__two.xml"})
	resp, body := ta.do(t, jsonRequest("POST", fmt.Sprintf("/api/v1/projects/%d/exports", fp.id), `{"format":"zip"}`,
		fp.validator))
	var e ExportBody
	decode(t, body, &e)
	if resp.StatusCode != http.StatusAccepted || e.JobID == 0 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for e.State == "pending" && time.Now().Before(deadline) {
		_, body = ta.get(t, fmt.Sprintf("/api/v1/exports/%d", e.ID), fp.validator)
		decode(t, body, &e)
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not for correctness
	}
	if e.State != "done" || e.Rows != 2 {
		t.Fatalf("export: %+v", e)
	}
	if resp, _ := ta.get(t, e.DownloadURL, fp.mapper); resp.StatusCode != http.StatusForbidden {
		t.Errorf("mapper downloaded: %d", resp.StatusCode)
	}
	resp, body = ta.get(t, e.DownloadURL, fp.validator)
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		names[f.Name] = b
	}
	if got := names["attachments/dummy-id-not-uploaded/submission_image.png"]; !bytes.Equal(got, png) {
		t.Errorf("attachment missing or changed; files %v", keys(names))
	}
	if csv := string(names["simple.csv"]); !strings.Contains(csv, "Bob") || !strings.Contains(string(names["test_form.csv"]), "dummy-id-not-uploaded") {
		t.Errorf("csv files: %v", keys(names))
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
