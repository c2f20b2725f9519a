package app

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/db"
)

// fixturesDir is ../shared/fixtures seen from the repository root.
func fixturesDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	return dir
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// formsProject is a published project with a manager, a validator and a mapper, each with a bearer token.
type formsProject struct {
	id                    int64
	pm, validator, mapper string
	pmID, validatorID     int64
}

func (ta *testApp) formsProject(t *testing.T) formsProject {
	t.Helper()
	ctx := context.Background()
	var fp formsProject
	var mapperID int64
	fp.pmID, fp.pm = ta.newUser(t, "manager", false)
	fp.validatorID, fp.validator = ta.newUser(t, "checker", false)
	mapperID, fp.mapper = ta.newUser(t, "walker", false)
	p, err := ta.store.CreateProject(ctx, db.Project{Name: "Survey", Visibility: "private", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`, AreaM2: 1,
		LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: fp.pmID})
	if err != nil {
		t.Fatal(err)
	}
	fp.id = p.ID
	for uid, role := range map[int64]string{fp.validatorID: "validator", mapperID: "mapper"} {
		if _, err := ta.store.SetMember(ctx, p.ID, uid, role); err != nil {
			t.Fatal(err)
		}
	}
	return fp
}

// part is one multipart part: a field (no file name) or a file.
type part struct {
	field, filename string
	data            []byte
}

func buildMultipart(t *testing.T, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename == "" {
			w, err = mw.CreateFormField(p.field)
		} else {
			w, err = mw.CreateFormFile(p.field, p.filename)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func (ta *testApp) upload(t *testing.T, url, token string, parts ...part) (*http.Response, string) {
	t.Helper()
	body, ct := buildMultipart(t, parts...)
	req := httptest.NewRequest("POST", url, body)
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ta.do(t, req)
}

func (ta *testApp) mustUploadForm(t *testing.T, fp formsProject, xml []byte) {
	t.Helper()
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/forms", fp.id), fp.pm, part{"file", "form.xml", xml})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload form: %d %s", resp.StatusCode, body)
	}
}

// storedFiles counts the files under the data directory's files and tmp folders.
func (ta *testApp) storedFiles(t *testing.T) int {
	t.Helper()
	n := 0
	for _, sub := range []string{"files", "tmp"} {
		_ = filepath.WalkDir(filepath.Join(ta.cfg.Data.Dir, sub), func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
	}
	return n
}

func TestUploadFixtureForms(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	url := fmt.Sprintf("/api/v1/projects/%d/forms", fp.id)
	entries, err := os.ReadDir(filepath.Join(fx, "xforms"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run("OK_"+e.Name(), func(t *testing.T) {
			xml := readFile(t, filepath.Join(fx, "xforms", e.Name()))
			resp, body := ta.upload(t, url, fp.pm, part{"file", e.Name(), xml})
			if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"hash":"md5:`) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	var list FormListBody
	resp, body := ta.get(t, url, fp.mapper)
	decode(t, body, &list)
	if resp.StatusCode != 200 || list.Total != len(entries) {
		t.Errorf("list: %d, %d forms, want %d", resp.StatusCode, list.Total, len(entries))
	}
	resp, body = ta.get(t, url+"/withrepeat", fp.mapper)
	var f FormBody
	decode(t, body, &f)
	if resp.StatusCode != 200 || f.Version != "1.0" || !hasField(f.Fields, "/data/children/child/name", true) {
		t.Errorf("get withrepeat: %d %+v", resp.StatusCode, f)
	}
	resp, body = ta.get(t, url+"/simple.xml", fp.mapper)
	if want := string(readFile(t, filepath.Join(fx, "xforms", "simple.xml"))); resp.StatusCode != 200 || body != want {
		t.Errorf("simple.xml: %d, identical bytes %v", resp.StatusCode, body == want)
	}
}

func hasField(fields []FieldBody, path string, repeat bool) bool {
	for _, f := range fields {
		if f.Path == path && f.Repeat == repeat {
			return true
		}
	}
	return false
}

func (ta *testApp) get(t *testing.T, url, token string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ta.do(t, req)
}

func TestUploadFormErrors(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	url := fmt.Sprintf("/api/v1/projects/%d/forms", fp.id)
	linked := readFile(t, filepath.Join("testdata", "forms", "linked.xml"))
	ta.mustUploadForm(t, fp, linked)
	tests := []struct {
		name       string
		token      string
		parts      []part
		wantStatus int
		wantBody   string
	}{
		{"ErrNotXML", fp.pm, []part{{"file", "f.xml", []byte("hello")}}, 422, "file"},
		{"ErrNoFormID", fp.pm, []part{{"file", "f.xml", readFile(t, filepath.Join("testdata", "forms", "no_id.xml"))}}, 422, "id"},
		{"ErrNoFile", fp.pm, []part{{"other", "", []byte("x")}}, 422, "file"},
		{"ErrSameVersionOtherBytes", fp.pm, []part{{"file", "f.xml", bytes.Replace(linked, []byte("Linked survey"), []byte("Changed"), 1)}}, 409, "new version"},
		{"OKSameBytesAgain", fp.pm, []part{{"file", "f.xml", linked}}, 201, `"version":"3"`},
		{"ErrMapperMayNotUpload", fp.mapper, []part{{"file", "f.xml", linked}}, 403, ""},
		{"ErrAnonymousPrivateProjectHidden", "", []part{{"file", "f.xml", linked}}, 404, "no such project"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, url, tc.token, tc.parts...)
			if resp.StatusCode != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Errorf("%d %s; want %d with %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
	resp, body := ta.do(t, func() *http.Request {
		b, ct := buildMultipart(t, part{"file", "f.xml", []byte("x")})
		req := httptest.NewRequest("POST", url, b)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+fp.pm)
		req.Header.Set("Content-Type", "application/json")
		return req
	}())
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("json body: %d %s", resp.StatusCode, body)
	}
}

func md5sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// TestFormVersions uploads a second version of a form: it becomes the one served (form list, download, detail),
// the first stays readable with ?version=, and an unknown version is 404.
func TestFormVersions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	v3 := readFile(t, filepath.Join("testdata", "forms", "linked.xml"))
	v4 := bytes.Replace(bytes.Replace(v3, []byte(`version="3"`), []byte(`version="4"`), 1),
		[]byte("Linked survey"), []byte("Linked survey, revised"), 1)
	if bytes.Equal(v3, v4) {
		t.Fatal("the test form has no version 3 to change")
	}
	ta.mustUploadForm(t, fp, v3)
	ta.mustUploadForm(t, fp, v4)
	url := fmt.Sprintf("/api/v1/projects/%d/forms/linked", fp.id)
	for _, tc := range []struct {
		name, query string
		wantStatus  int
		want        []byte
	}{
		{"OKCurrent", "", 200, v4},
		{"OKOldVersion", "?version=3", 200, v3},
		{"OKNewVersion", "?version=4", 200, v4},
		{"ErrUnknownVersion", "?version=9", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.get(t, url+".xml"+tc.query, fp.mapper)
			if resp.StatusCode != tc.wantStatus || (tc.want != nil && body != string(tc.want)) {
				t.Errorf("%d, body matches %v; want %d", resp.StatusCode, body == string(tc.want), tc.wantStatus)
			}
		})
	}
	resp, body := ta.get(t, url, fp.mapper)
	var f FormBody
	decode(t, body, &f)
	if resp.StatusCode != 200 || f.Version != "4" || f.Title != "Linked survey, revised" {
		t.Errorf("detail: %d %s", resp.StatusCode, body)
	}
}
