package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/app/config"
)

// outboxEntry is one item of a test outbox ZIP.
type outboxEntry struct {
	instance string
	project  any
	xml      []byte
	files    map[string][]byte
}

// outboxZip builds an archive as outbox.js exportZip does (store-only entries, manifest.json first).
func outboxZip(t *testing.T, items []outboxEntry, extra map[string][]byte) []byte {
	t.Helper()
	return outboxZipMethod(t, zip.Store, items, extra)
}

func outboxZipMethod(t *testing.T, method uint16, items []outboxEntry, extra map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	type row struct {
		InstanceID string   `json:"instance_id"`
		ProjectID  any      `json:"project_id"`
		FormID     string   `json:"form_id"`
		State      string   `json:"state"`
		Dir        string   `json:"dir"`
		Files      []string `json:"files"`
	}
	m := struct {
		Format string `json:"format"`
		Items  []row  `json:"items"`
	}{Format: "fieldbase-outbox/1"}
	write := func(name string, b []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	for i, it := range items {
		dir := fmt.Sprintf("%04d-%s", i+1, strings.ReplaceAll(it.instance, ":", "_"))
		r := row{InstanceID: it.instance, ProjectID: it.project, FormID: "linked", State: "waiting", Dir: dir,
			Files: []string{"submission.xml"}}
		write(dir+"/submission.xml", it.xml)
		for name, b := range it.files {
			write(dir+"/"+name, b)
			r.Files = append(r.Files, name)
		}
		m.Items = append(m.Items, r)
	}
	mb, _ := json.Marshal(m)
	write("manifest.json", mb)
	for name, b := range extra {
		write(name, b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportOutboxZip: a manager imports an outbox ZIP twice (the second time adds nothing), with an item of
// another project refused and one in conflict; bad archives are refused and change nothing.
func TestImportOutboxZip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t, func(c *config.Config) { c.Submissions.MaxRequestMB, c.Submissions.MaxFileMB = 2, 1 })
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	url := fmt.Sprintf("/api/v1/projects/%d/submissions/import", fp.id)
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 30000)
	// Already on the server with other XML: the import's copy is a conflict.
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper,
		part{"submission_xml", "", linkedXML("uuid:c", "", "", "")})
	if resp.StatusCode != 201 {
		t.Fatalf("seed: %d %s", resp.StatusCode, body)
	}
	good := outboxZip(t, []outboxEntry{
		{instance: "uuid:a", project: fp.id, xml: linkedXML("uuid:a", "", "", ""), files: map[string][]byte{"p.jpg": photo}},
		{instance: "uuid:b", project: fp.id, xml: linkedXML("uuid:b", "", "", "")},
		{instance: "uuid:c", project: fp.id, xml: linkedXML("uuid:c", "", "", "0.5 0.5 0 0")},
		{instance: "uuid:x", project: fp.id + 1000, xml: linkedXML("uuid:x", "", "", "")},
	}, nil)

	t.Run("OK_Twice", func(t *testing.T) {
		var first, second ImportBody
		resp, body := ta.upload(t, url, fp.pm, part{"file", "outbox.zip", good})
		if resp.StatusCode != 200 {
			t.Fatalf("first import: %d %s", resp.StatusCode, body)
		}
		decode(t, body, &first)
		if first.Added != 2 || first.Conflict != 1 || first.Refused != 1 || first.AlreadyThere != 0 {
			t.Fatalf("first import: %s", body)
		}
		if !strings.Contains(body, "belongs to project") {
			t.Errorf("the other project's item is not refused for it: %s", body)
		}
		resp, body = ta.upload(t, url, fp.pm, part{"file", "outbox.zip", good})
		if resp.StatusCode != 200 {
			t.Fatalf("second import: %d %s", resp.StatusCode, body)
		}
		decode(t, body, &second)
		if second.Added != 0 || second.AlreadyThere != 2 || second.Conflict != 1 || second.Refused != 1 {
			t.Fatalf("second import: %s", body)
		}
		if n := ta.submissionCount(t); n != 3 {
			t.Fatalf("%d submissions, want 3 (seed + 2 imported)", n)
		}
		var size int64
		var sum string
		if err := ta.store.DB().QueryRowContext(ctx, `SELECT a.size, a.sha256 FROM submission_attachments a
			JOIN submissions s ON s.id = a.submission_id WHERE s.instance_id = 'uuid:a'`).Scan(&size, &sum); err != nil {
			t.Fatal(err)
		}
		if size != int64(len(photo)) {
			t.Errorf("attachment size %d, want %d", size, len(photo))
		}
	})

	before := ta.submissionCount(t)
	traversal := outboxZip(t, nil, map[string][]byte{"../../evil.txt": []byte("x")})
	inner := outboxZip(t, nil, map[string][]byte{"0001-uuid_a/../../x": []byte("x")})
	// One file over the 1 MiB file limit (deflated, the upload is small): that item is refused, nothing stored.
	big := outboxZipMethod(t, zip.Deflate, []outboxEntry{{instance: "uuid:big", project: fp.id,
		xml: linkedXML("uuid:big", "", "", ""), files: map[string][]byte{"a.bin": make([]byte, 1<<20+1)}}}, nil)
	// Twelve files of 1 MiB of zeros: a few KB to upload, more than the 8 MiB an import may unpack (4 x 2 MiB).
	var many []outboxEntry
	for i := range 12 {
		id := fmt.Sprintf("uuid:bomb%d", i)
		many = append(many, outboxEntry{instance: id, project: fp.id, xml: linkedXML(id, "", "", ""),
			files: map[string][]byte{"z.bin": make([]byte, 1<<20)}})
	}
	bomb := outboxZipMethod(t, zip.Deflate, many, nil)
	noManifest := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("0001-x/submission.xml")
		_, _ = io.WriteString(w, "<data/>")
		_ = zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name       string
		token      string
		data       []byte
		wantStatus int
		wantBody   string
	}{
		{"ErrNotAZip", fp.pm, []byte("this is not a zip"), 400, "not a readable ZIP"},
		{"ErrNoManifest", fp.pm, noManifest, 422, "manifest.json"},
		{"ErrTraversal", fp.pm, traversal, 422, "file"},
		{"ErrTraversalInside", fp.pm, inner, 422, "unsafe"},
		{"ErrTooLarge", fp.pm, bytes.Repeat([]byte("z"), 3<<20), 413, "larger"},
		{"ErrNotManager", fp.mapper, good, 403, ""},
		{"ErrValidatorNotManager", fp.validator, good, 403, ""},
		{"OK_BigFileRefusedNotStored", fp.pm, big, 200, "larger than allowed"},
		{"ErrZipBomb", fp.pm, bomb, 413, "more data than an import may unpack"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, url, tc.token, part{"file", "outbox.zip", tc.data})
			if resp.StatusCode != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Fatalf("%d %s; want %d with %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus != 200 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("content type %q", resp.Header.Get("Content-Type"))
			}
			if n := ta.submissionCount(t); n != before {
				t.Errorf("%d submissions after a refused import, want %d", n, before)
			}
		})
	}
}

// TestImportOutboxZipPage: the submissions page offers the import to a project manager only, and its htmx upload
// answers the outcome of each item.
func TestImportOutboxZipPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	page := fmt.Sprintf("/projects/%d/submissions", fp.id)
	checker := &browser{t: t, ta: ta}
	checker.login("checker", testPassword)
	if _, body := checker.get(page); strings.Contains(body, "import-form") {
		t.Error("a validator is offered the import")
	}
	pm := &browser{t: t, ta: ta}
	pm.login("manager", testPassword)
	if _, body := pm.get(page); !strings.Contains(body, `id="import-form"`) {
		t.Fatal("the manager is not offered the import")
	}
	data := outboxZip(t, []outboxEntry{
		{instance: "uuid:p1", project: fp.id, xml: linkedXML("uuid:p1", "", "", "")},
		{instance: "uuid:p2", project: fp.id, xml: []byte("<broken")},
	}, nil)
	body, ct := buildMultipart(t, part{"file", "outbox.zip", data})
	req := httptest.NewRequest("POST", page+"/import", body)
	req.Header.Set("Content-Type", ct)
	resp, html := pm.send(req, map[string]string{"X-CSRF-Token": pm.csrf(), "HX-Request": "true"})
	if resp.StatusCode != 200 || !strings.Contains(html, "1 added, 0 already there, 0 in conflict, 1 refused") ||
		!strings.Contains(html, `data-outcome="refused"`) {
		t.Fatalf("%d %s", resp.StatusCode, html)
	}
	if n := ta.submissionCount(t); n != 1 {
		t.Errorf("%d submissions", n)
	}
}
