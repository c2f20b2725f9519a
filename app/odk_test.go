package app

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

type xformsList struct {
	XMLName xml.Name `xml:"http://openrosa.org/xforms/xformsList xforms"`
	Forms   []struct {
		FormID      string `xml:"formID"`
		Version     string `xml:"version"`
		Hash        string `xml:"hash"`
		DownloadURL string `xml:"downloadUrl"`
		ManifestURL string `xml:"manifestUrl"`
	} `xml:"xform"`
}

// collectToken creates a device token through the API and returns it with its server URL.
func (ta *testApp) collectToken(t *testing.T, fp formsProject) (id int64, token, serverURL string) {
	t.Helper()
	req := jsonRequest("POST", fmt.Sprintf("/api/v1/projects/%d/collect-tokens", fp.id), `{"name":"team A phone 3"}`,
		fp.pm)
	resp, body := ta.do(t, req)
	var tb CollectTokenBody
	decode(t, body, &tb)
	if resp.StatusCode != http.StatusCreated || tb.Token == "" || !strings.HasSuffix(tb.ServerURL, "/odk/"+tb.Token) {
		t.Fatalf("create token: %d %s", resp.StatusCode, body)
	}
	return tb.ID, tb.Token, tb.ServerURL
}

func jsonRequest(method, url, body, token string) *http.Request {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// post sends a Collect-like submission; chunked hides the length so the body goes out with chunked encoding.
func post(t *testing.T, c *http.Client, url string, chunked bool, parts ...part) (*http.Response, string) {
	t.Helper()
	body, ct := buildMultipart(t, parts...)
	var r io.Reader = body
	if chunked {
		r = io.MultiReader(body)
	}
	req, err := http.NewRequest("POST", url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-OpenRosa-Version", "1.0")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCollectSequence(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	formXML := readFile(t, filepath.Join(fx, "xforms", "binaryType.xml"))
	ta.mustUploadForm(t, fp, formXML)
	_, token, _ := ta.collectToken(t, fp)
	base := ta.listen(t) + "/odk/" + token

	resp, err := http.Get(base + "/formList")
	if err != nil {
		t.Fatal(err)
	}
	listBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list xformsList
	if err := xml.Unmarshal(listBody, &list); err != nil || len(list.Forms) != 1 {
		t.Fatalf("formList: %v %s", err, listBody)
	}
	if resp.Header.Get("X-OpenRosa-Version") != "1.0" || resp.Header.Get("Date") == "" {
		t.Errorf("formList headers: %v", resp.Header)
	}
	sum := fmt.Sprintf("%x", md5sum(formXML))
	if f := list.Forms[0]; f.FormID != "binaryType" || f.Hash != "md5:"+sum || f.ManifestURL != "" {
		t.Errorf("form list item: %+v", f)
	}
	resp, err = http.Get(list.Forms[0].DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, formXML) {
		t.Errorf("downloaded form differs from the upload")
	}

	req, _ := http.NewRequest("HEAD", base+"/submission", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-OpenRosa-Accept-Content-Length") != "104857600" {
		t.Errorf("HEAD: %d %v", resp.StatusCode, resp.Header)
	}

	subXML := readFile(t, filepath.Join(fx, "submissions", "binaryType__both.xml"))
	video, photo := randomBytes(t, 300<<10), randomBytes(t, 70<<10)
	xmlPart := part{"xml_submission_file", "data.xml", subXML}
	steps := []struct {
		name       string
		chunked    bool
		parts      []part
		wantStatus int
		wantBody   string
	}{
		{"OKFirstHalf", true, []part{xmlPart, {"my_file1.mp4", "my_file1.mp4", video}}, 201, "full submission received"},
		{"OKSecondHalf", false, []part{xmlPart, {"here_is_file2.jpg", "here_is_file2.jpg", photo}}, 201, "1 new attachment"},
		{"OKRetryStoresNothing", true, []part{xmlPart, {"here_is_file2.jpg", "here_is_file2.jpg", photo}}, 201, "0 new attachment"},
		{"ErrSameInstanceOtherXML", false, []part{{"xml_submission_file", "data.xml",
			bytes.Replace(subXML, []byte("my_file1.mp4"), []byte("other.mp4"), 1)}}, 409, "OpenRosaResponse"},
	}
	// One kept-alive connection, as a phone uses: a streamed body left half read would break the next request.
	phone := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			resp, body := post(t, phone, base+"/submission", st.chunked, st.parts...)
			if resp.StatusCode != st.wantStatus || !strings.Contains(body, st.wantBody) ||
				resp.Header.Get("X-OpenRosa-Version") != "1.0" {
				t.Errorf("%d %s; want %d with %q", resp.StatusCode, body, st.wantStatus, st.wantBody)
			}
		})
	}

	resp2, body := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.validator)
	var subs ListBody[SubmissionBody]
	decode(t, body, &subs)
	if resp2.StatusCode != 200 || subs.Total != 1 {
		t.Fatalf("list: %d %s", resp2.StatusCode, body)
	}
	for name, want := range map[string][]byte{"my_file1.mp4": video, "here_is_file2.jpg": photo} {
		resp, got := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions/%d/attachments/%s", fp.id,
			subs.Items[0].ID, name), fp.validator)
		if resp.StatusCode != 200 || sha([]byte(got)) != sha(want) {
			t.Errorf("attachment %s: %d, sha256 match %v", name, resp.StatusCode, sha([]byte(got)) == sha(want))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), name) {
			t.Errorf("attachment %s headers: %v", name, resp.Header)
		}
	}
	if n := ta.storedFiles(t); n != 2 {
		t.Errorf("%d files stored, want 2 (retries must not leave copies)", n)
	}
}

func TestCollectTokens(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	id, token, _ := ta.collectToken(t, fp)
	resp, body := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%d/qr.png", fp.id, id), fp.pm)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("qr: %d", resp.StatusCode)
	}
	resp, body = ta.get(t, fmt.Sprintf("/api/v1/projects/%d/collect-tokens", fp.id), fp.pm)
	if resp.StatusCode != 200 || strings.Contains(body, token) || !strings.Contains(body, "team A phone 3") {
		t.Errorf("list shows the token or lacks the name: %d %s", resp.StatusCode, body)
	}
	if resp, _ := ta.get(t, "/odk/"+token+"/formList", ""); resp.StatusCode != 200 {
		t.Fatalf("active token: %d", resp.StatusCode)
	}
	resp, _ = ta.do(t, jsonRequest("DELETE", fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%d", fp.id, id), "",
		fp.pm))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	for name, tok := range map[string]string{"ErrRevoked": token, "ErrUnknown": "fbc_nope"} {
		t.Run(name, func(t *testing.T) {
			resp, body := ta.get(t, "/odk/"+tok+"/formList", "")
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "OpenRosaResponse") ||
				resp.Header.Get("X-OpenRosa-Version") != "1.0" {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if resp, _ := ta.do(t, jsonRequest("POST", fmt.Sprintf("/api/v1/projects/%d/collect-tokens", fp.id),
		`{"name":"x"}`, fp.mapper)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("mapper created a token: %d", resp.StatusCode)
	}
}

type manifest struct {
	XMLName xml.Name `xml:"http://openrosa.org/xforms/xformsManifest manifest"`
	Files   []struct {
		Filename    string `xml:"filename"`
		Hash        string `xml:"hash"`
		DownloadURL string `xml:"downloadUrl"`
	} `xml:"mediaFile"`
}

func TestCollectManifest(t *testing.T) {
	t.Parallel()
	fx := fixturesDir(t)
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join(fx, "xforms", "withAttachments.xml")))
	csvData := []byte("name,label\na,A\n")
	mediaURL := fmt.Sprintf("/api/v1/projects/%d/forms/withAttachments/media", fp.id)
	tests := []struct {
		name       string
		token      string
		url        string
		file       string
		wantStatus int
	}{
		{"ErrMapper", fp.mapper, mediaURL, "good one.csv", 403},
		{"ErrPathInName", fp.pm, mediaURL, "../goodone.csv", 422},
		{"ErrUnknownForm", fp.pm, fmt.Sprintf("/api/v1/projects/%d/forms/nope/media", fp.id), "a.csv", 404},
		{"OK", fp.pm, mediaURL, "good one.csv", 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.upload(t, tc.url, tc.token, part{"file", tc.file, csvData})
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("%d %s; want %d", resp.StatusCode, body, tc.wantStatus)
			}
		})
	}
	if n := ta.storedFiles(t); n != 1 {
		t.Errorf("%d files stored, want 1 (refused uploads leave none)", n)
	}
	_, token, _ := ta.collectToken(t, fp)
	_, body := ta.get(t, "/odk/"+token+"/formList", "")
	var list xformsList
	if err := xml.Unmarshal([]byte(body), &list); err != nil || len(list.Forms) != 1 || list.Forms[0].ManifestURL == "" {
		t.Fatalf("formList: %v %s", err, body)
	}
	_, body = ta.get(t, strings.TrimPrefix(list.Forms[0].ManifestURL, "http://example.com"), "")
	var m manifest
	if err := xml.Unmarshal([]byte(body), &m); err != nil || len(m.Files) != 1 {
		t.Fatalf("manifest: %v %s", err, body)
	}
	if f := m.Files[0]; f.Filename != "good one.csv" || f.Hash != fmt.Sprintf("md5:%x", md5sum(csvData)) {
		t.Errorf("media file: %+v", f)
	}
	resp, got := ta.get(t, strings.TrimPrefix(m.Files[0].DownloadURL, "http://example.com"), "")
	if resp.StatusCode != 200 || got != string(csvData) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("media download: %d %q %q", resp.StatusCode, got, resp.Header.Get("Content-Type"))
	}
}
