package storage

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriteCommit(t *testing.T) {
	t.Parallel()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
	tests := []struct {
		name     string
		data     []byte
		limit    int64
		wantErr  error
		wantType string
	}{
		{"OKPNG", png, 0, nil, "image/png"},
		{"OKText", []byte("hello, field"), 12, nil, "text/plain; charset=utf-8"},
		{"OKEmpty", nil, 10, nil, "text/plain; charset=utf-8"},
		{"ErrTooLarge", []byte("hello, field"), 11, ErrTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, dir := newStore(t)
			tmp, err := s.Write(bytes.NewReader(tc.data), tc.limit, true)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if n := countFiles(t, dir); n != 0 {
					t.Fatalf("%d files left after a refused write", n)
				}
				return
			}
			sum := sha256.Sum256(tc.data)
			m := md5.Sum(tc.data)
			if tmp.Info.SHA256 != hex.EncodeToString(sum[:]) || tmp.Info.Size != int64(len(tc.data)) ||
				tmp.Info.MD5 != hex.EncodeToString(m[:]) {
				t.Errorf("info = %+v", tmp.Info)
			}
			if tmp.Info.ContentType != tc.wantType {
				t.Errorf("content type = %q, want %q", tmp.Info.ContentType, tc.wantType)
			}
			if err := tmp.Commit("a/b/" + SafeName("x.bin")); err != nil {
				t.Fatal(err)
			}
			f, err := s.Open("a/b/x.bin")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, tc.data) {
				t.Error("stored bytes differ")
			}
			if n := countFiles(t, filepath.Join(dir, "tmp")); n != 0 {
				t.Errorf("%d temp files left after commit", n)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"OKNested", "submissions/p1/abc_photo.jpg", true},
		{"ErrParent", "../x", false},
		{"ErrInnerParent", "a/../../x", false},
		{"ErrAbsolute", "/etc/passwd", false},
		{"ErrEmpty", "", false},
		{"ErrDotFile", "a/.hidden", false},
		{"ErrBackslash", `a\..\x`, false},
		{"ErrDoubleSlash", "a//b", false},
		{"ErrLong", strings.Repeat("x", 300), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmp, err := s.Write(strings.NewReader("x"), 0, false)
			if err != nil {
				t.Fatal(err)
			}
			err = tmp.Commit(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("commit %q: err = %v, want ok=%v", tc.key, err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, ErrBadKey) {
				t.Errorf("err = %v, want ErrBadKey", err)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"OKPlain", "photo.jpg", "photo.jpg"},
		{"OKSeparators", "../../x", "_.._x"},
		{"OKBackslash", `a\b`, "a_b"},
		{"OKControl", "a\x00b\nc", "a_b_c"},
		{"OKLeadingDots", "...env", "env"},
		{"OKEmpty", "", "file"},
		{"OKLong", strings.Repeat("é", 200) + ".jpg", strings.Repeat("é", 78) + ".jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := SafeName(tc.in)
			if got != tc.want {
				t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !safeSegment(got) {
				t.Errorf("SafeName(%q) = %q is not a safe segment", tc.in, got)
			}
		})
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	s, dir := newStore(t)
	for _, key := range []string{"p/keep.txt", "p/orphan.txt"} {
		tmp, err := s.Write(strings.NewReader(key), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := tmp.Commit(key); err != nil {
			t.Fatal(err)
		}
	}
	// A crash mid-upload leaves a temp file that nobody will commit.
	if _, err := s.Write(strings.NewReader("half"), 0, false); err != nil {
		t.Fatal(err)
	}
	res, err := s.Sweep(func(key string) (bool, error) { return key == "p/keep.txt", nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Temp != 1 || res.Orphans != 1 {
		t.Errorf("sweep = %+v, want 1 temp and 1 orphan", res)
	}
	if n := countFiles(t, dir); n != 1 {
		t.Errorf("%d files left, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "files", "p", "keep.txt")); err != nil {
		t.Errorf("referenced file removed: %v", err)
	}
}

// TestConcurrentCommits commits many files into one directory at once: the directory fsyncs are shared, every
// file is in place whole, and a failing fsync reaches its callers.
func TestConcurrentCommits(t *testing.T) {
	s, dir := newStore(t)
	const n = 64
	errs := make(chan error, n)
	for i := range n {
		go func() {
			tmp, err := s.Write(strings.NewReader(strings.Repeat("x", i+1)), 0, false)
			if err == nil {
				err = tmp.Commit("p1/f" + strconv.Itoa(i))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		b, err := os.ReadFile(filepath.Join(dir, "files", "p1", "f"+strconv.Itoa(i)))
		if err != nil || len(b) != i+1 {
			t.Fatalf("file %d: %d bytes, %v", i, len(b), err)
		}
	}
	if countFiles(t, filepath.Join(dir, "tmp")) != 0 {
		t.Fatal("temporary files left behind")
	}
	if len(s.dirs.dirs) != 0 {
		t.Fatalf("directory syncer still tracks %d directories", len(s.dirs.dirs))
	}
	if err := s.dirs.sync(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("the fsync of a missing directory must fail")
	}
}
