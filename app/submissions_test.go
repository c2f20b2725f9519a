package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	neturl "net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
	"fieldbase/app/storage"
	"fieldbase/db"
)

func linkedXML(instance, taskID, featureID, location string) []byte {
	return []byte(fmt.Sprintf(`<data id="linked" version="3"><task_id>%s</task_id><feature_id>%s</feature_id>`+
		`<location>%s</location><photo>p.jpg</photo><meta><instanceID>%s</instanceID></meta></data>`,
		taskID, featureID, location, instance))
}

func (ta *testApp) submissionCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := ta.store.DB().QueryRow("SELECT count(*) FROM submissions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmissionBadInputs(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Submissions.MaxFileMB = 1 })
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	url := fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id)
	good := linkedXML("uuid:ok", "", "", "")
	tests := []struct {
		name       string
		parts      []part
		wantStatus int
		wantBody   string
	}{
		{"ErrNotXML", []part{{"submission_xml", "", []byte("not xml at all")}}, 422, "submission_xml"},
		{"ErrNoInstanceID", []part{{"submission_xml", "", []byte(`<data id="linked" version="3"><task_id/></data>`)}}, 422, "instanceID"},
		{"ErrUnknownForm", []part{{"submission_xml", "", []byte(`<data id="nope"><meta><instanceID>x</instanceID></meta></data>`)}}, 422, "nope"},
		{"ErrMissingXML", []part{{"attachments", "p.jpg", []byte("jpg")}}, 422, "submission_xml"},
		{"ErrPathInName", []part{{"submission_xml", "", good}, {"attachments", "../../x", []byte("evil")}}, 400, "path separator"},
		{"ErrOversizeFile", []part{{"submission_xml", "", good}, {"attachments", "big.jpg", make([]byte, 1<<20+1)}}, 413, "larger"},
		{"ErrDoctype", []part{{"submission_xml", "", []byte(`<!DOCTYPE x [<!ENTITY e "x">]><data id="linked"/>`)}}, 422, "submission_xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, url, fp.mapper, tc.parts...)
			if resp.StatusCode != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Errorf("%d %s; want %d with %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if n := ta.submissionCount(t); n != 0 {
				t.Errorf("%d submissions stored", n)
			}
			if n := ta.storedFiles(t); n != 0 {
				t.Errorf("%d files left", n)
			}
		})
	}
}

func TestSubmissionLinkAndReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	var taskA, taskB, feature int64
	err := ta.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for i, outline := range []string{
			`{"type":"MultiPolygon","coordinates":[[[[0,0],[0.5,0],[0.5,1],[0,1],[0,0]]]]}`,
			`{"type":"MultiPolygon","coordinates":[[[[0.5,0],[1,0],[1,1],[0.5,1],[0.5,0]]]]}`,
		} {
			id := &taskA
			if i == 1 {
				id = &taskB
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, idx, outline, min_lon, min_lat, max_lon,
				max_lat, area_m2, updated_at) VALUES (?, ?, ?, ?, 0, ?, 1, 1, '2026-01-01T00:00:00Z') RETURNING id`,
				fp.id, i+1, outline, float64(i)*0.5, float64(i+1)*0.5).Scan(id); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO features (project_id, geometry, lon, lat)
			VALUES (?, '{"type":"Point","coordinates":[0.7,0.5]}', 0.7, 0.5) RETURNING id`, fp.id).Scan(&feature)
	})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id)
	links := []struct {
		name               string
		xml                []byte
		wantTask, wantFeat int64
	}{
		{"OKTaskFromGeopoint", linkedXML("uuid:geo", "", fmt.Sprint(feature), "0.5 0.7 10 5"), taskB, feature},
		{"OKTaskFromField", linkedXML("uuid:field", fmt.Sprint(taskA), "", "0.5 0.7 10 5"), taskA, 0},
		{"OKNoPositionNoTask", linkedXML("uuid:none", "", "999999", ""), 0, 0},
	}
	var geoID int64
	for _, tc := range links {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, url, fp.mapper, part{"submission_xml", "", tc.xml}, part{"device_id", "", []byte("collect:abc")})
			var sb SubmissionBody
			decode(t, body, &sb)
			if resp.StatusCode != 201 || sb.TaskID != tc.wantTask || sb.FeatureID != tc.wantFeat || sb.DeviceID != "collect:abc" {
				t.Fatalf("%d %s; want task %d feature %d", resp.StatusCode, body, tc.wantTask, tc.wantFeat)
			}
			if tc.wantFeat != 0 {
				geoID = sb.ID
			}
		})
	}
	featureStatus := func() string {
		var s string
		if err := ta.store.DB().QueryRow("SELECT status FROM features WHERE id = ?", feature).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := featureStatus(); s != "submitted" {
		t.Errorf("feature after submission: %s", s)
	}
	reviewURL := fmt.Sprintf("%s/%d", url, geoID)
	reviews := []struct {
		name        string
		token, body string
		wantStatus  int
		wantFeature string
	}{
		{"ErrMapperMayNotReview", fp.mapper, `{"review_state":"approved"}`, 403, "submitted"},
		{"ErrBadState", fp.validator, `{"review_state":"great"}`, 422, "submitted"},
		{"OKHasIssues", fp.validator, `{"review_state":"has_issues","comment":"blurry"}`, 200, "submitted"},
		{"OKApproveValidates", fp.validator, `{"review_state":"approved"}`, 200, "validated"},
		{"OKRejectMarksBad", fp.pm, `{"review_state":"rejected"}`, 200, "bad"},
	}
	for _, tc := range reviews {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, jsonRequest("PATCH", reviewURL, tc.body, tc.token))
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("%d %s; want %d", resp.StatusCode, body, tc.wantStatus)
			}
			if s := featureStatus(); s != tc.wantFeature {
				t.Errorf("feature %s, want %s", s, tc.wantFeature)
			}
		})
	}
	resp, body := ta.get(t, reviewURL, fp.validator)
	var sb SubmissionBody
	decode(t, body, &sb)
	if resp.StatusCode != 200 || len(sb.Reviews) != 3 || sb.ReviewState != "rejected" || sb.Data["location"] != "0.5 0.7 10 5" {
		t.Errorf("detail: %d %s", resp.StatusCode, body)
	}
	resp, body = ta.get(t, url+"?review_state=rejected&per_page=1", fp.validator)
	var list ListBody[SubmissionBody]
	decode(t, body, &list)
	if resp.StatusCode != 200 || list.Total != 1 || list.PerPage != 1 {
		t.Errorf("filtered list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := ta.get(t, url, fp.mapper); resp.StatusCode != http.StatusForbidden {
		t.Errorf("mapper listed submissions: %d", resp.StatusCode)
	}

	// Every filter of the list, alone, against the three submissions above (all sent by the mapper just now).
	hour := func(d time.Duration) string { return neturl.QueryEscape(time.Now().Add(d).UTC().Format(time.RFC3339)) }
	filters := []struct {
		name, query string
		wantStatus  int
		wantTotal   int
	}{
		{"OKAll", "", 200, 3},
		{"OKForm", "?form=linked", 200, 3},
		{"OKOtherForm", "?form=other", 200, 0},
		{"OKTask", fmt.Sprintf("?task=%d", taskA), 200, 1},
		{"OKSubmitter", fmt.Sprintf("?submitter=%d", fp.pmID), 200, 0},
		{"OKFromPast", "?from=" + hour(-time.Hour), 200, 3},
		{"OKFromFuture", "?from=" + hour(time.Hour), 200, 0},
		{"OKToPast", "?to=" + hour(-time.Hour), 200, 0},
		{"OKRange", "?from=" + hour(-time.Hour) + "&to=" + hour(time.Hour), 200, 3},
		{"ErrBadDate", "?from=yesterday", 422, 0},
		{"ErrBadReviewState", "?review_state=lost", 422, 0},
		{"ErrPageTooLarge", "?per_page=100000", 422, 0},
	}
	for _, tc := range filters {
		t.Run("List"+tc.name, func(t *testing.T) {
			resp, body := ta.get(t, url+tc.query, fp.validator)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%d %s; want %d", resp.StatusCode, body, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			var list ListBody[SubmissionBody]
			decode(t, body, &list)
			if list.Total != tc.wantTotal || len(list.Items) != tc.wantTotal {
				t.Errorf("total %d, %d items; want %d", list.Total, len(list.Items), tc.wantTotal)
			}
		})
	}
}

// TestCrashBetweenFileAndCommit replays what ingest does up to the moment the row would commit, then "restarts":
// the start-up sweep must leave no orphan and no submission may be visible.
func TestCrashBetweenFileAndCommit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	// One acknowledged submission whose file must survive the sweep.
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper,
		part{"submission_xml", "", linkedXML("uuid:kept", "", "", "")}, part{"attachments", "p.jpg", []byte("kept")})
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	files, err := storage.Open(ta.cfg.Data.Dir)
	if err != nil {
		t.Fatal(err)
	}
	placed, err := files.Write(strings.NewReader("photo bytes"), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := placed.Commit(fmt.Sprintf("submissions/p%d/crashed_p.jpg", fp.id)); err != nil {
		t.Fatal(err)
	}
	if _, err := files.Write(strings.NewReader("half an upload"), 0, false); err != nil {
		t.Fatal(err)
	}
	if n := ta.storedFiles(t); n != 3 {
		t.Fatalf("%d files before the restart, want 3", n)
	}
	res, err := SweepFiles(context.Background(), ta.cfg.Data.Dir, ta.store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Temp != 1 || res.Orphans != 1 || ta.storedFiles(t) != 1 {
		t.Errorf("sweep %+v left %d files; want 1 temp and 1 orphan removed, the acknowledged file kept", res,
			ta.storedFiles(t))
	}
	list, total, err := ta.store.Submissions(context.Background(), db.SubmissionFilter{ProjectID: fp.id})
	if err != nil || total != 1 || list[0].InstanceID != "uuid:kept" {
		t.Errorf("visible submissions: %d %v", total, err)
	}
}
