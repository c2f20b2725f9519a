package app

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestFormsPageReadyForms offers the ready forms while a project has no form, adds one with a click (a plain
// form post with the CSRF field), and stops offering them once the project has a form.
func TestFormsPageReadyForms(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	b, csrf := ta.pageBrowser(t, "manager")
	page := fmt.Sprintf("/projects/%d/forms", fp.id)
	resp, got := b.get(page)
	check(t, resp, got, 200, "Start from a ready form", "Buildings", "Points of interest", "Health facilities",
		"Water points", `action="/projects/`+fmt.Sprint(fp.id)+`/ready-forms/water_points"`,
		`href="/api/v1/ready-forms/buildings.xml"`, "XLSForm (.xlsx, .xls) or XForm (.xml)")
	mapper, _ := ta.pageBrowser(t, "walker")
	if resp, got := mapper.get(page); resp.StatusCode != 200 || strings.Contains(got, "Start from a ready form") {
		t.Errorf("mapper: %d, offered the ready forms %v", resp.StatusCode, strings.Contains(got, "ready form"))
	}
	resp, got = b.form(page[:strings.LastIndex(page, "/")]+"/ready-forms/water_points",
		url.Values{"csrf_token": {"wrong"}}, nil)
	if resp.StatusCode != 403 {
		t.Fatalf("wrong CSRF token: %d %s", resp.StatusCode, got)
	}
	resp, got = b.form(page[:strings.LastIndex(page, "/")]+"/ready-forms/water_points",
		url.Values{"csrf_token": {csrf}}, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("use ready form: %d %s", resp.StatusCode, got)
	}
	resp, got = b.get(resp.Header.Get("Location"))
	check(t, resp, got, 200, "Saved: Water points added", `id="form-water_points"`)
	if strings.Contains(got, "Start from a ready form") {
		t.Error("ready forms still offered to a project that has a form")
	}
}

// TestFormsPageWorkbookProblems shows a refused workbook's problems as a list beside the file field, in the
// re-rendered page (422), and a converted workbook's download link, notes and missing media once accepted.
func TestFormsPageWorkbookProblems(t *testing.T) {
	t.Parallel()
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	b, csrf := ta.pageBrowser(t, "manager")
	page := fmt.Sprintf("/projects/%d/forms", fp.id)
	status, _, got := b.multipartPage(page, csrf, part{"file", "pyxform-error.xlsx",
		readFile(t, filepath.Join(fx, "pyxform-error.xlsx"))})
	if status != 422 || !strings.Contains(got, `id="e-file-problems"`) || !strings.Contains(got, "textX") ||
		!strings.Contains(got, `aria-describedby="h-file e-file e-file-problems"`) {
		t.Fatalf("status %d, want 422 with the problems beside the file field: %s", status, got)
	}
	status, to, got := b.multipartPage(page, csrf, part{"file", "building_natural_risks_survey.xlsx",
		readFile(t, filepath.Join(fx, "building_natural_risks_survey.xlsx"))})
	if status != 204 {
		t.Fatalf("upload: %d %s", status, got)
	}
	resp, got := b.get(to)
	check(t, resp, got, 200, "Spreadsheet (building_natural_risks_survey.xlsx)", "/xlsform?version=",
		"Upload these files", "Notes from the conversion")
}
