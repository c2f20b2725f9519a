package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fieldbase/app/backup"
	"fieldbase/app/config"
	"fieldbase/app/jobs"
)

// backupNow starts a backup through the API, waits for its job and returns the archive's name.
func (ta *testApp) backupNow(t *testing.T, admin string) string {
	t.Helper()
	resp, body := ta.do(t, jsonRequest("POST", "/api/v1/backups", "", admin))
	var job JobBody
	decode(t, body, &job)
	if resp.StatusCode != http.StatusAccepted || job.ID == 0 || job.Kind != jobs.BackupKind {
		t.Fatalf("POST /backups: %d %s", resp.StatusCode, body)
	}
	return ta.backupResult(t, job.ID, admin)
}

// backupResult waits for a backup job and returns the archive's name.
func (ta *testApp) backupResult(t *testing.T, id int64, admin string) string {
	t.Helper()
	ta.waitJob(t, id, admin)
	_, body := ta.get(t, fmt.Sprintf("/api/v1/jobs/%d", id), admin)
	var job JobBody
	decode(t, body, &job)
	var res jobs.BackupResult
	if err := json.Unmarshal(job.Result, &res); err != nil || res.Name == "" {
		t.Fatalf("backup job result %s: %v", job.Result, err)
	}
	return res.Name
}

// submitWithPhoto sends a submission with one attachment through the real HTTP route and reports whether the
// server acknowledged it (201).
func submitWithPhoto(c *http.Client, url, token, instance string, photo []byte) (bool, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("submission_xml", "data.xml")
	fmt.Fprintf(w, `<data id="binaryType"><meta><instanceID>%s</instanceID></meta><file1/><file2>here_is_file2.jpg</file2></data>`,
		instance)
	w, _ = mw.CreateFormFile("attachments", "here_is_file2.jpg")
	_, _ = w.Write(photo)
	_ = mw.Close()
	req, err := http.NewRequest("POST", url, &buf)
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return false, fmt.Errorf("submission %s: %d %s", instance, resp.StatusCode, b)
	}
	return true, nil
}

// TestBackupDuringIngestStorm takes a backup through the API while phones keep sending submissions with photos,
// restores it into a new data directory and starts an app there: every submission acknowledged before the backup
// began is in it, with byte-identical photos served by the restored app, and so is every other submission it
// holds.
func TestBackupDuringIngestStorm(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join(fixturesDir(t), "xforms", "binaryType.xml")))
	_, admin := ta.newUser(t, "root", true)
	url := fmt.Sprintf("%s/api/v1/projects/%d/submissions", ta.listen(t), fp.id)

	var mu sync.Mutex
	photos := map[string][]byte{} // instance id -> photo, once acknowledged
	var acked []string
	stop := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 30 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("uuid:w%d-%d", w, i)
				photo := bytes.Repeat([]byte(id), 2000+(i*37)%3000) // 20-90 KB, different per submission
				ok, err := submitWithPhoto(c, url, fp.mapper, id, photo)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					mu.Lock()
					photos[id] = photo
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 40 })
	mu.Lock()
	before := append([]string(nil), acked...) // acknowledged before the backup was asked for
	mu.Unlock()
	name := ta.backupNow(t, admin)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mu.Lock()
	t.Logf("%d submissions acknowledged before the backup began, %d in all", len(before), len(acked))
	mu.Unlock()

	restored := filepath.Join(t.TempDir(), "restored")
	res, err := backup.Restore(context.Background(), filepath.Join(ta.jobs.BackupsDir(), name), restored)
	if err != nil {
		t.Fatal(err)
	}
	if res.Submissions < int64(len(before)) {
		t.Fatalf("restored %d submissions, %d were acknowledged before the backup", res.Submissions, len(before))
	}
	tb := newTestApp(t, func(c *config.Config) { c.Data.Dir = restored })
	_, body := tb.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions?per_page=500", fp.id), fp.validator)
	var subs ListBody[SubmissionBody]
	decode(t, body, &subs)
	ids := map[string]int64{}
	for _, s := range subs.Items {
		ids[s.InstanceID] = s.ID
	}
	if subs.Total != int(res.Submissions) || subs.Total > len(subs.Items) {
		t.Fatalf("restored app lists %d submissions (%d on the page), restore said %d", subs.Total,
			len(subs.Items), res.Submissions)
	}
	for _, id := range before {
		if _, ok := ids[id]; !ok {
			t.Fatalf("submission %s acknowledged before the backup is not in it", id)
		}
	}
	for inst, sid := range ids {
		mu.Lock()
		want, ok := photos[inst]
		mu.Unlock()
		if !ok {
			continue // stored but not yet acknowledged when the snapshot was taken: fine, and its photo is there
		}
		resp, got := tb.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions/%d/attachments/here_is_file2.jpg",
			fp.id, sid), fp.validator)
		if resp.StatusCode != http.StatusOK || !bytes.Equal([]byte(got), want) {
			t.Fatalf("restored photo of %s: %d, identical %v", inst, resp.StatusCode, bytes.Equal([]byte(got), want))
		}
	}
}

func TestBackupsAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	_, admin := ta.newUser(t, "root", true)
	_, user := ta.newUser(t, "walker", false)
	name := ta.backupNow(t, admin)
	file := filepath.Join(ta.jobs.BackupsDir(), name)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// A file outside the backups directory that a path escape would reach.
	if err := os.WriteFile(filepath.Join(ta.cfg.Data.Dir, "secret.zip"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	dl := "/api/v1/backups/" + name
	ta.run(t, []scenario{
		{name: "ErrAnonymousList", method: "GET", url: "/api/v1/backups", wantStatus: 401, wantType: "application/problem+json"},
		{name: "ErrAnonymousCreate", method: "POST", url: "/api/v1/backups", wantStatus: 401},
		{name: "ErrAnonymousDownload", method: "GET", url: dl, wantStatus: 401},
		{name: "ErrAnonymousDelete", method: "DELETE", url: dl, wantStatus: 401},
		{name: "ErrUserList", method: "GET", url: "/api/v1/backups", headers: bearer(user), wantStatus: 403},
		{name: "ErrUserCreate", method: "POST", url: "/api/v1/backups", headers: bearer(user), wantStatus: 403},
		{name: "ErrUserDownload", method: "GET", url: dl, headers: bearer(user), wantStatus: 403},
		{name: "ErrUserDelete", method: "DELETE", url: dl, headers: bearer(user), wantStatus: 403},
		{name: "ErrUserPage", method: "GET", url: "/backups", headers: bearer(user), wantStatus: 403},
		{name: "OKList", method: "GET", url: "/api/v1/backups", headers: bearer(admin), wantStatus: 200,
			wantContain: []string{`"total":1`, `"name":"` + name + `"`, `"scheduled":false`, `"app_version":"test"`,
				`"schema_version":`, `"download_url":"/api/v1/backups/` + name}},
		{name: "ErrPageTooLarge", method: "GET", url: "/api/v1/backups?per_page=100000", headers: bearer(admin), wantStatus: 422},
		{name: "ErrDotDot", method: "GET", url: "/api/v1/backups/..%2Fsecret.zip", headers: bearer(admin), wantStatus: 404},
		{name: "ErrDotDotPlain", method: "GET", url: "/api/v1/backups/../secret.zip", headers: bearer(admin), wantStatus: 404},
		{name: "ErrDotDotDelete", method: "DELETE", url: "/api/v1/backups/..%2Fsecret.zip", headers: bearer(admin), wantStatus: 404},
		{name: "ErrUnknown", method: "GET", url: "/api/v1/backups/nothing.zip", headers: bearer(admin), wantStatus: 404},
		{name: "ErrUnknownDelete", method: "DELETE", url: "/api/v1/backups/nothing.zip", headers: bearer(admin), wantStatus: 404},
		{name: "ErrRangeBeyondEnd", method: "GET", url: dl, wantStatus: 416,
			headers: map[string]string{"Authorization": "Bearer " + admin, "Range": fmt.Sprintf("bytes=%d-", len(raw)+10)}},
	})
	t.Run("OKDownloadWhole", func(t *testing.T) {
		resp, got := ta.get(t, dl, admin)
		if resp.StatusCode != 200 || !bytes.Equal([]byte(got), raw) || resp.Header.Get("Accept-Ranges") != "bytes" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), name) {
			t.Fatalf("download: %d, identical %v, headers %v", resp.StatusCode, bytes.Equal([]byte(got), raw), resp.Header)
		}
	})
	t.Run("OKDownloadResumed", func(t *testing.T) {
		req := httptest.NewRequest("GET", dl, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Range", "bytes=100-")
		resp, got := ta.do(t, req)
		if resp.StatusCode != 206 || !bytes.Equal([]byte(got), raw[100:]) ||
			resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-%d/%d", len(raw)-1, len(raw)) {
			t.Fatalf("range: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
		}
	})
	t.Run("OKDelete", func(t *testing.T) {
		resp, body := ta.do(t, jsonRequest("DELETE", dl, "", admin))
		if resp.StatusCode != 204 {
			t.Fatalf("delete: %d %s", resp.StatusCode, body)
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Fatal("the archive is still there")
		}
		if _, err := os.Stat(filepath.Join(ta.cfg.Data.Dir, "secret.zip")); err != nil {
			t.Fatal("a file outside the backups directory was touched")
		}
		resp, _ = ta.do(t, jsonRequest("DELETE", dl, "", admin))
		if resp.StatusCode != 404 {
			t.Fatalf("delete again: %d", resp.StatusCode)
		}
	})
	t.Run("OKInOpenAPI", func(t *testing.T) {
		_, doc := ta.get(t, "/api/v1/openapi.json", "")
		for _, id := range []string{"create-backup", "list-backups", "download-backup", "delete-backup"} {
			if !strings.Contains(doc, `"operationId":"`+id+`"`) {
				t.Errorf("the OpenAPI document lacks %s", id)
			}
		}
	})
}

// TestBackupRetention: scheduled backups beyond [backups] keep are deleted after a good one; manual ones stay.
func TestBackupRetention(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Backups.Keep = 2 })
	ta.startJobs(t)
	_, admin := ta.newUser(t, "root", true)
	manual := ta.backupNow(t, admin)
	var scheduled []string
	for range 4 {
		id, err := ta.jobs.Insert(context.Background(), jobs.BackupArgs{Scheduled: true})
		if err != nil {
			t.Fatal(err)
		}
		scheduled = append(scheduled, ta.backupResult(t, id, admin))
	}
	list, err := backup.List(ta.jobs.BackupsDir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range list {
		got = append(got, b.Name)
	}
	want := []string{scheduled[3], scheduled[2], manual}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

// TestFailedBackupShows: a scheduled backup that fails shows on the backups page and in the healthcheck that an
// administrator reads, and not in the one anybody reads.
func TestFailedBackupShows(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	_, admin := ta.newUser(t, "root", true)
	// The backups directory cannot be created: a file has its name.
	if err := os.WriteFile(ta.jobs.BackupsDir(), []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := ta.jobs.Insert(context.Background(), jobs.BackupArgs{Scheduled: true})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		st, err := ta.jobs.Status(context.Background(), id)
		return err == nil && st.State == "cancelled"
	})
	_, page := ta.get(t, "/backups", admin)
	if !strings.Contains(page, "The last backup failed") || !strings.Contains(page, "not a directory") {
		t.Fatalf("the backups page does not show the failure:\n%s", page)
	}
	_, health := ta.get(t, "/api/v1/healthcheck", admin)
	var hb HealthBody
	decode(t, health, &hb)
	if hb.Backups == nil || hb.Backups.LastFailure == nil || hb.Backups.LastFailure.JobID != id ||
		!strings.Contains(hb.Backups.LastFailure.Error, "the backup failed") {
		t.Fatalf("healthcheck for an administrator: %s", health)
	}
	if _, anon := ta.get(t, "/api/v1/healthcheck", ""); strings.Contains(anon, "backup") {
		t.Fatalf("healthcheck for anybody shows the backups: %s", anon)
	}
	// A good backup afterwards clears the failure.
	if err := os.Remove(ta.jobs.BackupsDir()); err != nil {
		t.Fatal(err)
	}
	ta.backupNow(t, admin)
	if _, page := ta.get(t, "/backups", admin); strings.Contains(page, "The last backup failed") {
		t.Fatal("the failure still shows after a good backup")
	}
}
