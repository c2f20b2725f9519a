package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// walkSubmissions continues the browser walk: the project manager opens the submissions page, a mapper sends a
// submission over REST, the row appears without a reload, and the CSV export downloads with that submission.
func walkSubmissions(t *testing.T, ta *testApp, pm context.Context, base, projectURL, mapperToken string) {
	t.Helper()
	ctx := context.Background()
	m := regexp.MustCompile(`/projects/(\d+)`).FindStringSubmatch(projectURL)
	if m == nil {
		t.Fatalf("no project id in %q", projectURL)
	}
	pid := m[1]
	formXML, subXML, instance := submissionFiles(t)
	admin, err := ta.store.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	pmToken, _, err := ta.issue(ctx, admin.ID, "token", "walk")
	if err != nil {
		t.Fatal(err)
	}
	postMultipart(t, base+"/api/v1/projects/"+pid+"/forms", pmToken, part{"file", "form.xml", formXML})

	run(t, pm, "submissions page", chromedp.Navigate(base+"/projects/"+pid+"/submissions"),
		waitJS(`window.fbSubmissions && fbSubmissions.connected === true`))
	postMultipart(t, base+"/api/v1/projects/"+pid+"/submissions", mapperToken, part{"submission_xml", "", subXML})
	tctx, cancel := context.WithTimeout(pm, 2*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, waitJS(`document.querySelectorAll("#submission-rows tr[data-submission]").length === 1`)); err != nil {
		t.Fatalf("the submission did not appear in the table without a reload: %v", err)
	}
	csvURL := value(t, pm, "csv link", chromedp.Evaluate[string](`document.querySelector("a.export-csv").href`))
	csv := value(t, pm, "csv download", chromedp.Evaluate[string](
		`fetch(document.querySelector("a.export-csv").href).then(r => r.ok ? r.text() : "status " + r.status)`,
		chromedp.EvalAwaitPromise))
	if !strings.Contains(csv, instance) || strings.Count(strings.TrimSpace(csv), "\n") != 1 {
		t.Fatalf("CSV from %s lacks the submission %s:\n%s", csvURL, instance, csv)
	}
}

// submissionFiles is the fixture simple form and its first submission, or the package's own linked form.
func submissionFiles(t *testing.T) (form, sub []byte, instance string) {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err == nil {
		sub = readFile(t, filepath.Join(dir, "submissions", "simple__one.xml"))
		m := regexp.MustCompile(`<instanceID>([^<]+)</instanceID>`).FindSubmatch(sub)
		if m == nil {
			t.Fatal("simple__one.xml has no instanceID")
		}
		return readFile(t, filepath.Join(dir, "xforms", "simple.xml")), sub, string(m[1])
	}
	return readFile(t, filepath.Join("testdata", "forms", "linked.xml")), linkedXML("uuid:walk", "", "", ""), "uuid:walk"
}

// postMultipart sends parts to the running server with a bearer token and fails unless it answers 201.
func postMultipart(t *testing.T, url, token string, parts ...part) {
	t.Helper()
	body, ct := buildMultipart(t, parts...)
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
}
