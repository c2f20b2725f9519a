package backup

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/dirlock"
	"fieldbase/app/storage"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// fixture is a data directory with a project, a form, n submissions each with a photo, and a collect key.
func fixture(t *testing.T, n int) (dir string, store *db.Store, photos map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	store = dbtest.OpenDir(t, dir, db.Options{Synchronous: "normal"})
	u, err := store.CreateUser(ctx, db.User{Username: "pm", DisplayName: "PM", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.CreateProject(ctx, db.Project{Name: "p", Visibility: "public", Status: "published",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: u.ID})
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
	photos = map[string][]byte{}
	for i := range n {
		photo := bytes.Repeat([]byte(fmt.Sprintf("photo %d ", i)), 1000+i)
		tmp, err := files.Write(bytes.NewReader(photo), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("att/%d/photo.jpg", i)
		if err := tmp.Commit(key); err != nil {
			t.Fatal(err)
		}
		xml := fmt.Sprintf("<data><meta><instanceID>uuid:%d</instanceID></meta></data>", i)
		sum := sha256.Sum256([]byte(xml))
		_, err = store.SaveSubmission(ctx, db.Submission{ProjectID: p.ID, FormRow: form.ID, FormID: "f",
			InstanceID: fmt.Sprintf("uuid:%d", i), XML: []byte(xml), XMLSHA256: hex.EncodeToString(sum[:]),
			SubmitterID: u.ID}, []db.Attachment{{Name: "photo.jpg", FileKey: key, Size: tmp.Info.Size,
			SHA256: tmp.Info.SHA256, ContentType: "image/jpeg"}})
		if err != nil {
			t.Fatal(err)
		}
		photos["files/"+key] = photo
	}
	if err := os.WriteFile(filepath.Join(dir, "collect.key"), bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	// The local certificate authority phones were told to trust (LAN HTTPS).
	if err := os.MkdirAll(filepath.Join(dir, "tls", "ca"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"ca.crt": "certificate", "ca.key": "private key"} {
		if err := os.WriteFile(filepath.Join(dir, "tls", "ca", name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, store, photos
}

func TestCreateVerifyRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, photos := fixture(t, 5)
	// A file no row names (an upload in flight) is not backed up.
	if err := os.WriteFile(filepath.Join(dir, "files", "stray.jpg"), []byte("stray"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backups", NewName(time.Now(), false))
	var steps []int
	m, err := Create(ctx, dir, out, Options{AppVersion: "v9", Progress: func(p int, _ Step) {
		steps = append(steps, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Submissions != 5 || m.Files() != 8 || m.SchemaVersion == 0 || m.AppVersion != "v9" {
		t.Fatalf("manifest = %+v", m)
	}
	if len(steps) < 3 || steps[len(steps)-1] != 100 {
		t.Fatalf("progress steps = %v", steps)
	}
	assertWindowsReadable(t, out)
	if _, err := Verify(ctx, out, t.TempDir()); err != nil {
		t.Fatalf("verify a good archive: %v", err)
	}
	list, err := List(filepath.Dir(out))
	if err != nil || len(list) != 1 || list[0].Name != filepath.Base(out) || list[0].Scheduled {
		t.Fatalf("list = %+v, %v", list, err)
	}

	target := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(target, "backups"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "old.txt"), []byte("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(ctx, out, target)
	if err != nil {
		t.Fatal(err)
	}
	if res.Submissions != 5 || res.Projects != 1 || res.Files != 8 || res.Previous == "" {
		t.Fatalf("restored = %+v", res)
	}
	if got, err := os.ReadFile(filepath.Join(target, "tls", "ca", "ca.key")); err != nil || string(got) != "private key" {
		t.Fatalf("the local CA's key was not restored (%q, %v)", got, err)
	}
	if st, err := os.Stat(filepath.Join(target, "tls", "ca", "ca.key")); err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Fatalf("the restored CA key is readable by others: %v", st.Mode())
	}
	for name, want := range photos {
		got, err := os.ReadFile(filepath.Join(target, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("restored %s differs (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(target, "files", "stray.jpg")); err == nil {
		t.Fatal("a file no row names was restored")
	}
	if got, _ := os.ReadFile(filepath.Join(res.Previous, "old.txt")); string(got) != "before" {
		t.Fatal("the previous data directory was not kept aside")
	}
	if st, err := os.Stat(filepath.Join(target, "backups")); err != nil || !st.IsDir() {
		t.Fatal("the backups directory was not carried over")
	}
}

// assertWindowsReadable checks the entry names: forward slashes, relative, UTF-8.
func assertWindowsReadable(t *testing.T, file string) {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.Contains(f.Name, `\`) || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "..") ||
			strings.Contains(f.Name, ":") {
			t.Errorf("entry name %q is not portable", f.Name)
		}
	}
	if last := zr.File[len(zr.File)-1].Name; last != ManifestName {
		t.Errorf("last entry = %s, want the manifest", last)
	}
}

// TestRestoreDamaged: a damaged archive is refused with the reason, and the data directory is left as it was.
func TestRestoreDamaged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, _ := fixture(t, 3)
	good := filepath.Join(t.TempDir(), "good.zip")
	if _, err := Create(ctx, dir, good, Options{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		damage func(t *testing.T) []byte
		want   string
	}{
		{"ErrFlippedByte", func(t *testing.T) []byte {
			b := bytes.Clone(raw)
			i := bytes.Index(b, []byte("photo 1 photo 1"))
			b[i] ^= 0x01
			return b
		}, "checksum"},
		{"ErrTruncated", func(t *testing.T) []byte { return raw[:len(raw)*2/3] }, "not a complete ZIP"},
		{"ErrMissingEntry", func(t *testing.T) []byte {
			return rewrite(t, raw, func(name string, body []byte) ([]byte, bool) {
				return body, name != "files/att/2/photo.jpg"
			})
		}, `"files/att/2/photo.jpg" named in the manifest is missing`},
		{"ErrManifestMismatch", func(t *testing.T) []byte {
			return rewrite(t, raw, func(name string, body []byte) ([]byte, bool) {
				if name == ManifestName {
					body = bytes.Replace(body, []byte(`"size": 32`), []byte(`"size": 33`), 1)
				}
				return body, true
			})
		}, "collect.key has 32 bytes, the manifest says 33"},
		{"ErrExtraEntry", func(t *testing.T) []byte {
			return rewrite(t, raw, func(name string, body []byte) ([]byte, bool) { return body, true },
				"../../evil.sh")
		}, "not in the manifest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "bad.zip")
			if err := os.WriteFile(file, c.damage(t), 0o600); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(t.TempDir(), "data")
			if err := os.MkdirAll(target, 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, "mine.txt"), []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			before := listTree(t, filepath.Dir(target))
			_, err := Restore(ctx, file, target)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("restore: %v, want ErrDamaged saying %q", err, c.want)
			}
			if after := listTree(t, filepath.Dir(target)); after != before {
				t.Fatalf("restore changed files:\nbefore %s\nafter  %s", before, after)
			}
			if _, err := Verify(ctx, file, t.TempDir()); !errors.Is(err, ErrDamaged) {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// rewrite copies an archive entry by entry through edit (false drops the entry), then adds extra entries.
func rewrite(t *testing.T, raw []byte, edit func(string, []byte) ([]byte, bool), extra ...string) []byte {
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
		body, keep := edit(f.Name, body)
		if !keep {
			continue
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(body)
	}
	for _, name := range extra {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte("echo hi"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listTree is every path under root with its size, one string, to compare before and after.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() != dirlock.FileName {
			fmt.Fprintf(&b, "%s:%d ", strings.TrimPrefix(p, root), fi.Size())
		}
		return err
	})
	return b.String()
}

func TestRestoreRefusedWhileLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, _ := fixture(t, 1)
	file := filepath.Join(t.TempDir(), "b.zip")
	if _, err := Create(ctx, dir, file, Options{}); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	l, err := dirlock.TryLock(target)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	before := listTree(t, filepath.Dir(target))
	if _, err := Restore(ctx, file, target); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore while locked: %v, want ErrInUse", err)
	}
	if after := listTree(t, filepath.Dir(target)); after != before {
		t.Fatalf("restore changed files:\nbefore %s\nafter  %s", before, after)
	}
}

func TestPruneKeepsNewestScheduled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, _ := fixture(t, 1)
	bdir := filepath.Join(dir, "backups")
	start := time.Now()
	var names []string
	for i := range 4 {
		name := NewName(start.Add(time.Duration(i)*time.Second), true)
		if _, err := Create(ctx, dir, filepath.Join(bdir, name), Options{Scheduled: true}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	manual := NewName(start.Add(-time.Hour), false)
	if _, err := Create(ctx, dir, filepath.Join(bdir, manual), Options{}); err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(bdir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Fatalf("removed %v, want the 2 oldest scheduled", removed)
	}
	list, _ := List(bdir)
	var left []string
	for _, b := range list {
		left = append(left, b.Name)
	}
	want := []string{manual, names[3], names[2]} // newest first, by when they were taken
	if fmt.Sprint(left) != fmt.Sprint(want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}

func TestNamesNeverEscape(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"../secret.zip", "..", "a/b.zip", `a\b.zip`, "/etc/passwd", ".lock", "x.db",
		"..%2Fsecret.zip", ""} {
		if ValidName(name) {
			t.Errorf("ValidName(%q) = true", name)
		}
		if err := Remove(dir, name); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Remove(%q) = %v, want not found", name, err)
		}
		if _, _, err := Open(dir, name); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want not found", name, err)
		}
	}
}

// TestCreateSweepsLeftovers: temporary files of a backup cut short are removed by the next one and never listed.
func TestCreateSweepsLeftovers(t *testing.T) {
	t.Parallel()
	dir, _, _ := fixture(t, 1)
	bdir := filepath.Join(dir, "backups")
	if err := os.MkdirAll(bdir, 0o750); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(bdir, tempPrefix+"123.zip")
	if err := os.WriteFile(left, []byte("PK partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if list, _ := List(bdir); len(list) != 0 {
		t.Fatalf("a temporary file is listed: %+v", list)
	}
	if _, err := Create(context.Background(), dir, filepath.Join(bdir, "b.zip"), Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatal("the leftover temporary file was not swept")
	}
}

func TestLastScheduled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if !LastScheduled(dir).IsZero() {
		t.Fatal("an empty directory has a last backup")
	}
	at := time.Date(2026, 11, 30, 22, 15, 1, 500e6, time.UTC)
	for _, name := range []string{NewName(at, true), NewName(at.Add(time.Hour), false), NewName(at.Add(-time.Hour), true),
		tempPrefix + "x.zip"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := LastScheduled(dir); !got.Equal(at) {
		t.Fatalf("LastScheduled = %v, want %v", got, at)
	}
}
