package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// problemBody is a problem document with its errors list.
type problemBody struct {
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// TestUploadXLSForm uploads real XLSForms: the workbook is converted and stored with the version (downloadable
// byte for byte), the generated itemsets.csv becomes form media listed in the manifest, the XForm is served like
// an uploaded one, and an .xls workbook works the same way.
func TestUploadXLSForm(t *testing.T) {
	t.Parallel()
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	url := fmt.Sprintf("/api/v1/projects/%d/forms", fp.id)

	book := readFile(t, filepath.Join(fx, "external-choices.xlsx"))
	resp, body := ta.upload(t, url, fp.pm, part{"file", "external-choices.xlsx", book})
	var f FormBody
	decode(t, body, &f)
	if resp.StatusCode != http.StatusCreated || f.XLSForm == nil || f.XLSForm.Name != "external-choices.xlsx" ||
		f.XLSForm.Size != int64(len(book)) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	resp, got := ta.get(t, f.XLSForm.URL, fp.mapper)
	if resp.StatusCode != 200 || got != string(book) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "external-choices.xlsx") ||
		!strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("workbook download: %d %v, same bytes %v", resp.StatusCode, resp.Header, got == string(book))
	}
	formURL := fmt.Sprintf("%s/%s", url, f.FormID)
	resp, body = ta.get(t, formURL, fp.mapper)
	var detail FormBody
	decode(t, body, &detail)
	if resp.StatusCode != 200 || len(detail.Media) != 1 || detail.Media[0].Name != "itemsets.csv" {
		t.Errorf("detail: %d %s; want itemsets.csv as media", resp.StatusCode, body)
	}
	want := readFile(t, filepath.Join(fx, "external-choices.itemsets.csv"))
	m, err := ta.store.FormMediaFile(context.Background(), fp.id, f.FormID, "itemsets.csv")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ta.uploads.files.Open(m.FileKey)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(bytes.TrimSpace(csv), bytes.TrimSpace(want)) {
		t.Errorf("itemsets.csv differs from pyxform's:\n%s\nwant\n%s", csv, want)
	}

	_, token, _ := ta.collectToken(t, fp)
	base := ta.listen(t) + "/odk/" + token
	lr, err := http.Get(base + "/formList")
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := io.ReadAll(lr.Body)
	lr.Body.Close()
	var list xformsList
	if err := xml.Unmarshal(lb, &list); err != nil || len(list.Forms) != 1 || list.Forms[0].ManifestURL == "" ||
		list.Forms[0].Hash != f.Hash {
		t.Errorf("formList: %v %s", err, lb)
	}

	t.Run("OKSameWorkbookAgain", func(t *testing.T) {
		before := ta.storedFiles(t)
		resp, body := ta.upload(t, url, fp.pm, part{"file", "external-choices.xlsx", book})
		if resp.StatusCode != http.StatusCreated || ta.storedFiles(t) != before {
			t.Errorf("%d %s; %d files, want %d", resp.StatusCode, body, ta.storedFiles(t), before)
		}
	})
	t.Run("OKFormIDWithSlashAndPercent", func(t *testing.T) {
		book := readFile(t, filepath.Join(fx, "non_ascii_form_id.xlsx"))
		resp, body := ta.upload(t, url, fp.pm, part{"file", "non_ascii_form_id.xlsx", book})
		var f FormBody
		decode(t, body, &f)
		if resp.StatusCode != http.StatusCreated || f.XLSForm == nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if resp, got := ta.get(t, f.XLSForm.URL, fp.mapper); resp.StatusCode != 200 || got != string(book) {
			t.Errorf("download of %s: %d", f.XLSForm.URL, resp.StatusCode)
		}
	})
	t.Run("OKXLS", func(t *testing.T) {
		xls := readFile(t, filepath.Join(fx, "library-locking-example.xls"))
		resp, body := ta.upload(t, url, fp.pm, part{"file", "library-locking-example.xls", xls})
		var f FormBody
		decode(t, body, &f)
		if resp.StatusCode != http.StatusCreated || f.XLSForm == nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, _ = ta.get(t, f.XLSForm.URL, fp.mapper)
		if resp.Header.Get("Content-Type") != "application/vnd.ms-excel" {
			t.Errorf("content type %q", resp.Header.Get("Content-Type"))
		}
	})
}

// zipOf is a zip archive holding the given files: a zip that is not a workbook.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUploadXLSFormErrors refuses workbooks a person must fix with 422, one errors entry per problem at
// body.file, and stores nothing: no form row, no file.
func TestUploadXLSFormErrors(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	url := fmt.Sprintf("/api/v1/projects/%d/forms", fp.id)
	linked := readFile(t, filepath.Join("testdata", "forms", "linked.xml"))
	ta.mustUploadForm(t, fp, linked)
	tests := []struct {
		name     string
		filename string
		data     []byte
		want     int
		wantMsg  string
	}{
		{"ErrNamedXLSXButText", "form.xlsx", []byte("name,type\nq,text\n"), 422, "named like a workbook"},
		{"ErrZipNotWorkbook", "photos.zip", zipOf(t, map[string]string{"a.txt": "hello"}), 422, "neither an XForm"},
		{"ErrTooLarge", "big.xlsx", append([]byte("PK\x03\x04"), make([]byte, maxFormFileBytes)...), 413, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, url, fp.pm, part{"file", tc.filename, tc.data})
			if resp.StatusCode != tc.want || !strings.Contains(body, tc.wantMsg) ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%d %s; want %d with %q", resp.StatusCode, body, tc.want, tc.wantMsg)
			}
		})
	}
	t.Run("ErrXLSFormOfXMLVersion", func(t *testing.T) {
		resp, body := ta.get(t, fmt.Sprintf("%s/linked/xlsform", url), fp.mapper)
		if resp.StatusCode != 404 || !strings.Contains(body, "not uploaded as an XLSForm") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	for _, tc := range []struct{ file, want string }{
		{"pyxform-error.xlsx", "textX"},
		{"not_closed_group_test.xls", "group"},
		{"buildings.xls", "yes_no"},
	} {
		t.Run("ErrFixture_"+tc.file, func(t *testing.T) {
			resp, body := ta.upload(t, url, fp.pm, part{"file", tc.file, readFile(t, filepath.Join(fx, tc.file))})
			var p problemBody
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 422 || len(p.Errors) == 0 || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s; want 422 naming %q", resp.StatusCode, body, tc.want)
			}
			for _, e := range p.Errors {
				if e.Location != "body.file" || !strings.Contains(e.Message, " row ") {
					t.Errorf("entry %+v: want location body.file and a sheet row", e)
				}
			}
		})
	}
	forms, err := ta.store.Forms(context.Background(), fp.id)
	if err != nil || len(forms) != 1 || ta.storedFiles(t) != 0 {
		t.Errorf("%d forms (%v), %d files stored; want only the XML form and no file", len(forms), err,
			ta.storedFiles(t))
	}
}

// TestUploadXLSFormConflict uploads an XForm with a workbook's form id and version but another title, then the
// workbook itself: the same form id and version with other bytes is 409, and neither the workbook nor its
// itemsets.csv stays on disk.
func TestUploadXLSFormConflict(t *testing.T) {
	t.Parallel()
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	url := fmt.Sprintf("/api/v1/projects/%d/forms", fp.id)
	ref := readFile(t, filepath.Join(fx, "external-choices.pyxform-4.5.0.xml"))
	ta.mustUploadForm(t, fp, bytes.Replace(ref, []byte("<h:title>"), []byte("<h:title>Changed "), 1))
	before := ta.storedFiles(t)
	resp, body := ta.upload(t, url, fp.pm, part{"file", "external-choices.xlsx",
		readFile(t, filepath.Join(fx, "external-choices.xlsx"))})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "new version") {
		t.Fatalf("%d %s; want 409 (same version, other bytes)", resp.StatusCode, body)
	}
	if n := ta.storedFiles(t); n != before {
		t.Errorf("%d files stored after the refusal, want %d", n, before)
	}
}
