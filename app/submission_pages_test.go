package app

import (
	"fieldbase/app/live"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jpegBytes is enough of a JPEG for content sniffing.
var jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")

// sendSubmission stores one submission of the linked form as the mapper, with a photo.
func (ta *testApp) sendSubmission(t *testing.T, fp formsProject, instance string) {
	t.Helper()
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper,
		part{"submission_xml", "", linkedXML(instance, "", "", "")}, part{"attachments", "p.jpg", jpegBytes})
	if resp.StatusCode != 201 {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
}

func TestSubmissionsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	b, csrf := ta.pageBrowser(t, "checker")
	page := fmt.Sprintf("/projects/%d/submissions", fp.id)
	t.Run("OK_EmptyState", func(t *testing.T) {
		resp, got := b.get(page)
		check(t, resp, got, 200, "No submissions yet", "submissions.js", "submissions.csv?form=linked")
	})
	ta.sendSubmission(t, fp, "uuid:one")
	ta.sendSubmission(t, fp, "uuid:two")
	today := time.Now().UTC().Format("2006-01-02")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	ta.run(t, []scenario{
		{name: "OK_Table", method: "GET", url: page, headers: bearer(fp.validator), wantStatus: 200,
			wantContain: []string{"2 submissions", `data-submission="1"`, `data-submission="2"`, "walker", "Received"}},
		{name: "OK_HTMXContentOnly", method: "GET", url: page, headers: map[string]string{"HX-Request": "true",
			"Authorization": "Bearer " + fp.validator}, wantStatus: 200,
			wantContain: []string{`id="submission-table"`}, wantAbsent: []string{"<html"}},
		{name: "OK_FilterBySubmitterAndDay", method: "GET", url: page + "?submitter=walker&from=" + today + "&to=" + today,
			headers: bearer(fp.validator), wantStatus: 200, wantContain: []string{"2 submissions match", "Clear"}},
		{name: "OK_FilterFromTomorrowIsEmpty", method: "GET", url: page + "?from=" + tomorrow, headers: bearer(fp.validator),
			wantStatus: 200, wantContain: []string{"No submission matches"}, wantAbsent: []string{`data-submission="1"`}},
		{name: "OK_FilterByState", method: "GET", url: page + "?review_state=approved", headers: bearer(fp.validator),
			wantStatus: 200, wantContain: []string{"0 submissions match"}},
		{name: "Invalid_FilterRerendered", method: "GET", url: page + "?submitter=nobody&task=x&from=yesterday",
			headers: bearer(fp.validator), wantStatus: 422,
			wantContain: []string{"no user has this name", "must be a task id", "must be a date", `value="nobody"`}},
		{name: "Forbidden_Mapper", method: "GET", url: page, headers: bearer(fp.mapper), wantStatus: 403},
		{name: "OK_Detail", method: "GET", url: page + "/1", headers: bearer(fp.validator), wantStatus: 200,
			wantContain: []string{"Submission 1", "uuid:one", "/submissions/1/files/p.jpg", `<img src=`, "Approve", "Reject"}},
		{name: "NotFound_Detail", method: "GET", url: page + "/999", headers: bearer(fp.validator), wantStatus: 404},
		{name: "Forbidden_DetailMapper", method: "GET", url: page + "/1", headers: bearer(fp.mapper), wantStatus: 403},
	})
	t.Run("OK_PhotoInline", func(t *testing.T) {
		resp, got := b.get(page + "/1/files/p.jpg")
		check(t, resp, got, 200, "JFIF")
		if cd := resp.Header.Get("Content-Disposition"); cd != "inline" {
			t.Errorf("content disposition %q, want inline", cd)
		}
	})
	t.Run("Invalid_ReviewStateRerendered", func(t *testing.T) {
		resp, got := b.form(page+"/1/review", url.Values{"csrf_token": {csrf}, "review_state": {"bogus"},
			"comment": {"keep me"}}, nil)
		check(t, resp, got, 422, `id="e-review_state"`, "keep me")
	})
	t.Run("OK_RejectWithComment", func(t *testing.T) {
		resp, got := b.form(page+"/1/review", url.Values{"csrf_token": {csrf}, "review_state": {"rejected"},
			"comment": {"blurry photo"}}, nil)
		check(t, resp, got, 303)
		resp, got = b.get(resp.Header.Get("Location"))
		check(t, resp, got, 200, "Saved: marked rejected", "checker: Received → <strong>Rejected</strong>", "blurry photo")
		resp, got = b.get(page + "?review_state=rejected")
		check(t, resp, got, 200, "1 submission matches", `data-submission="1"`)
	})
}

func TestSubmissionEvents(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	sub, _, _ := ta.events.Subscribe(fp.id, 0)
	defer ta.events.Unsubscribe(sub)
	ta.sendSubmission(t, fp, "uuid:live")
	ta.sendSubmission(t, fp, "uuid:live") // the same again: stored once, announced once
	ta.sendSubmission(t, fp, "uuid:other")
	var got []string
	for len(got) < 2 {
		select {
		case ev := <-sub.C():
			if ev.Kind == live.KindSubmission {
				got = append(got, string(ev.Data))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d submission events, want 2", len(got))
		}
	}
	if !strings.Contains(got[0], `"submission_id":1`) || !strings.Contains(got[0], `"submitted_by":"walker"`) ||
		!strings.Contains(got[1], `"submission_id":2`) {
		t.Fatalf("events %v", got)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("unexpected event %s %s", ev.Kind, ev.Data)
	default:
	}
}

func TestExportJobPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	ta.sendSubmission(t, fp, "uuid:zip")
	sub, _, _ := ta.events.Subscribe(fp.id, 0)
	defer ta.events.Unsubscribe(sub)
	b, csrf := ta.pageBrowser(t, "checker")
	resp, got := b.form(fmt.Sprintf("/projects/%d/exports", fp.id), url.Values{},
		map[string]string{"HX-Request": "true", "X-CSRF-Token": csrf})
	check(t, resp, got, 202, `id="export-job"`, `data-download="/api/v1/exports/`, "<progress")
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-sub.C():
			if ev.Kind == live.KindJob && strings.Contains(string(ev.Data), `"state":"completed"`) {
				i := strings.Index(got, `data-download="`) + len(`data-download="`)
				resp, zip := b.get(got[i : i+strings.Index(got[i:], `"`)])
				check(t, resp, zip, 200, "PK")
				return
			}
		case <-deadline:
			t.Fatal("no completed job event")
		}
	}
}

func TestProjectPageLinksByRole(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	page := fmt.Sprintf("/projects/%d", fp.id)
	link := func(p string) string { return fmt.Sprintf(`href="/projects/%d/%s"`, fp.id, p) }
	ta.run(t, []scenario{
		{name: "OK_ManagerSeesAll", method: "GET", url: page, headers: bearer(fp.pm), wantStatus: 200,
			wantContain: []string{link("forms"), link("submissions"), link("devices"), link("basemaps"), link("members")}},
		{name: "OK_ValidatorSeesSubmissions", method: "GET", url: page, headers: bearer(fp.validator), wantStatus: 200,
			wantContain: []string{link("forms"), link("submissions"), link("basemaps")}, wantAbsent: []string{link("devices")}},
		{name: "OK_MapperSeesForms", method: "GET", url: page, headers: bearer(fp.mapper), wantStatus: 200,
			wantContain: []string{link("forms"), link("members")}, wantAbsent: []string{link("submissions"), link("devices")}},
	})
}
