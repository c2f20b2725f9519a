package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/backup"
	"fieldbase/app/dirlock"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// fillDataDir creates a data directory (through admin create, so with the root administrator) holding n
// submissions, each with a random attachment of size bytes, written through the store and the file store.
func fillDataDir(t *testing.T, dir string, n, size int) {
	t.Helper()
	createRoot(t, dir)
	ctx := context.Background()
	store, err := db.Open(ctx, dir, db.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	root, err := store.UserByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.CreateProject(ctx, db.Project{Name: "p", Visibility: "public", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	form, err := store.CreateForm(ctx, db.Form{ProjectID: p.ID, FormID: "f", Title: "F", XML: []byte("x"), MD5: "m"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := storage.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		tmp, err := files.Write(io.LimitReader(rand.Reader, int64(size)), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("att/%d/photo.jpg", i)
		if err := tmp.Commit(key); err != nil {
			t.Fatal(err)
		}
		xml := fmt.Sprintf("<data><meta><instanceID>uuid:%d</instanceID></meta></data>", i)
		sum := sha256.Sum256([]byte(xml))
		if _, err := store.SaveSubmission(ctx, db.Submission{ProjectID: p.ID, FormRow: form.ID, FormID: "f",
			InstanceID: fmt.Sprintf("uuid:%d", i), XML: []byte(xml), XMLSHA256: hex.EncodeToString(sum[:]),
			SubmitterID: root.ID}, []db.Attachment{{Name: "photo.jpg", FileKey: key, Size: tmp.Info.Size,
			SHA256: tmp.Info.SHA256, ContentType: "image/jpeg"}}); err != nil {
			t.Fatal(err)
		}
	}
}

// cli runs one fieldbase command in this process and returns its output.
func cli(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"fieldbase"}, args...),
		func(k string) string { return cheapHashing[k] }, nil, &out)
	return out.String(), err
}

// apiBackups lists the backups through GET /api/v1/backups as the root administrator.
func apiBackups(t *testing.T, base string) []string {
	t.Helper()
	token := apiToken(t, base, "root", "a long password")
	req, _ := http.NewRequest("GET", base+"/api/v1/backups", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/backups: %d %v", resp.StatusCode, err)
	}
	var names []string
	for _, b := range list.Items {
		names = append(names, b.Name)
	}
	return names
}

// TestKill9DuringBackup kills a real `fieldbase backup` process with SIGKILL while it writes its archive: no
// archive is listed as good (by the command line or the API), and the leftover is swept when the server starts.
func TestKill9DuringBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fillDataDir(t, dir, 48, 4<<20) // 192 MiB of attachments: the archive takes a while to write
	bdir := filepath.Join(dir, "backups")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FB_TEST_CHILD_ARGS=backup\x1f--dir\x1f"+dir)
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Kill once the archive is being written (its temporary file has grown past 16 MiB).
	partial := ""
	deadline := time.Now().Add(60 * time.Second)
	for partial == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no archive being written; child said: %s", childOut.String())
		}
		matches, _ := filepath.Glob(filepath.Join(bdir, ".backup-*.zip"))
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Size() > 16<<20 {
				partial = m
			}
		}
		time.Sleep(time.Millisecond) // polling with a deadline, not for correctness
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred code runs in the child
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if strings.Contains(childOut.String(), "backup written") {
		t.Fatal("the backup finished before it was killed: make the data larger")
	}
	if _, err := os.Stat(partial); err != nil {
		t.Fatalf("the partial archive is gone already: %v", err)
	}
	if list, err := backup.List(bdir); err != nil || len(list) != 0 {
		t.Fatalf("a killed backup is listed: %+v %v", list, err)
	}
	out, err := cli("backup", "list", "--dir", dir)
	if err != nil || !strings.Contains(out, "no backups in") {
		t.Fatalf("backup list after the kill: %q %v", out, err)
	}

	base, stop, done := startServe(t, dir)
	if names := apiBackups(t, base); len(names) != 0 {
		t.Fatalf("the API lists %v after a killed backup", names)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Fatal("serve did not sweep the partial archive at start")
	}
	// A backup taken now, while the server runs, is good and listed.
	out, err = cli("backup", "--dir", dir)
	if err != nil || !strings.Contains(out, "48 submissions, 49 files") { // 49: and the collect key
		t.Fatalf("backup while serving: %q %v", out, err)
	}
	if names := apiBackups(t, base); len(names) != 1 {
		t.Fatalf("the API lists %v, want the one good backup", names)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// treeSums lists every file under root with its size and SHA-256, to compare a directory before and after.
func treeSums(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || fi.Name() == dirlock.FileName { // the lock file restore takes may stay
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		fmt.Fprintf(&b, "%s %x\n", strings.TrimPrefix(p, root), sum[:8])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRestoreRefusals: restore refuses a damaged archive and a directory a server holds, says why, and changes
// nothing; a good archive restores, and a server then serves the restored data.
func TestRestoreRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fillDataDir(t, dir, 3, 50<<10)
	good := filepath.Join(t.TempDir(), "good.zip")
	if out, err := cli("backup", "--dir", dir, "--out", good); err != nil {
		t.Fatalf("backup: %s %v", out, err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var photoAt int64
	for _, f := range zr.File {
		if f.Name == "files/att/1/photo.jpg" {
			photoAt, _ = f.DataOffset()
		}
	}
	flipped := bytes.Clone(raw)
	flipped[photoAt+100] ^= 0x40
	target := filepath.Join(t.TempDir(), "data")
	fillDataDir(t, target, 1, 10)

	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"ErrFlippedByte", flipped, "entry files/att/1/photo.jpg does not match its checksum"},
		{"ErrTruncated", raw[:len(raw)-200], "not a complete ZIP file"},
		{"ErrNewerSchema", newerSchema(t, raw), "newer than this one knows"},
	}
	for _, c := range cases {
		file := filepath.Join(t.TempDir(), "bad.zip")
		if err := os.WriteFile(file, c.file, 0o600); err != nil {
			t.Fatal(err)
		}
		before := treeSums(t, filepath.Dir(target))
		_, err := cli("restore", file, "--dir", target)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was changed") ||
			exitCode(err) != 1 {
			t.Errorf("%s: restore said %v, want %q", c.name, err, c.want)
		}
		if after := treeSums(t, filepath.Dir(target)); after != before {
			t.Errorf("%s: restore changed files", c.name)
		}
	}

	// While a server holds the directory: refused, and no directory is created or moved beside it.
	_, stop, done := startServe(t, target)
	siblings := func() string {
		entries, _ := os.ReadDir(filepath.Dir(target))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, " ")
	}
	was := siblings()
	_, err = cli("restore", good, "--dir", target)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore while serving: %v", err)
	}
	if now := siblings(); now != was {
		t.Fatalf("restore while serving changed the parent directory: %s -> %s", was, now)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	out, err := cli("restore", good, "--dir", target)
	if err != nil || !strings.Contains(out, "1 projects, 3 submissions, 3 files") ||
		!strings.Contains(out, "previous data directory is kept in") {
		t.Fatalf("restore: %q %v", out, err)
	}
	base, stop, done := startServe(t, target)
	token := apiToken(t, base, "root", "a long password")
	req, _ := http.NewRequest("GET", base+"/api/v1/projects/1/submissions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"total":3`) {
		t.Fatalf("the restored server lists: %d %s", resp.StatusCode, body)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// newerSchema rewrites an archive's manifest as if a later Fieldbase had written it.
func newerSchema(t *testing.T, raw []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r)
		_ = r.Close()
		if f.Name == backup.ManifestName {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			m["schema_version"] = latestMigration() + 1
			body, _ = json.Marshal(m)
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
