package app

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// multipartPage posts parts as a signed-in browser through htmx (the CSRF token in the header).
func (b *browser) multipartPage(path, csrf string, parts ...part) (int, string, string) {
	b.t.Helper()
	body, ct := buildMultipart(b.t, parts...)
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", ct)
	resp, got := b.send(req, map[string]string{"HX-Request": "true", "X-CSRF-Token": csrf})
	return resp.StatusCode, resp.Header.Get("HX-Redirect"), got
}

func TestFormsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	b, csrf := ta.pageBrowser(t, "manager")
	page := fmt.Sprintf("/projects/%d/forms", fp.id)
	xml := readFile(t, filepath.Join("testdata", "forms", "linked.xml"))
	t.Run("OK_EmptyState", func(t *testing.T) {
		resp, got := b.get(page)
		check(t, resp, got, 200, "No forms yet", `hx-encoding="multipart/form-data"`, "<html")
	})
	t.Run("Invalid_NotAnXFormRerenders", func(t *testing.T) {
		status, _, got := b.multipartPage(page, csrf, part{"file", "bad.xml", []byte("<html>no</html>")})
		if status != 422 || !strings.Contains(got, `id="e-file"`) || strings.Contains(got, "<html lang") {
			t.Fatalf("status %d, want 422 with the field error in a partial: %s", status, got)
		}
	})
	t.Run("Forbidden_NoCSRFHeader", func(t *testing.T) {
		status, _, _ := b.multipartPage(page, "", part{"file", "form.xml", xml})
		if status != 403 {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("OK_UploadRedirectsToList", func(t *testing.T) {
		status, to, got := b.multipartPage(page, csrf, part{"file", "form.xml", xml})
		if status != 204 || !strings.HasPrefix(to, page+"?saved=") {
			t.Fatalf("status %d redirect %q: %s", status, to, got)
		}
		resp, got := b.get(to)
		check(t, resp, got, 200, "Saved: linked version 3 uploaded", `id="form-linked"`, ".xml?version=3", "Upload media")
	})
	t.Run("OK_MediaUpload", func(t *testing.T) {
		status, to, got := b.multipartPage(page+"/linked/media", csrf, part{"file", "logo.png", []byte("\x89PNG fake")})
		if status != 204 {
			t.Fatalf("status %d: %s", status, got)
		}
		resp, got := b.get(to)
		check(t, resp, got, 200, "logo.png added to linked", "logo.png <span class=\"muted\">9 bytes")
	})
	t.Run("Invalid_MediaWithoutFile", func(t *testing.T) {
		status, _, got := b.multipartPage(page+"/linked/media", csrf, part{"other", "", []byte("x")})
		if status != 422 || !strings.Contains(got, `id="me-linked"`) {
			t.Fatalf("status %d, want 422 beside the media field: %s", status, got)
		}
	})
	t.Run("NotFound_MediaOfUnknownForm", func(t *testing.T) {
		status, _, _ := b.multipartPage(page+"/nope/media", csrf, part{"file", "a.png", []byte("x")})
		if status != 404 {
			t.Fatalf("status %d, want 404", status)
		}
	})
	ta.run(t, []scenario{
		{name: "OK_MapperReadsWithoutUpload", method: "GET", url: page, headers: bearer(fp.mapper), wantStatus: 200,
			wantContain: []string{"linked", "logo.png"}, wantAbsent: []string{"Upload form", "Upload media"}},
		{name: "Forbidden_ValidatorUploads", method: "POST", url: page, headers: bearer(fp.validator), wantStatus: 403},
		{name: "NotFound_Stranger", method: "GET", url: page, headers: bearer(ta.strangerToken(t)), wantStatus: 404},
	})
}
