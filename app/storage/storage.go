// Package storage is Fieldbase's durable file store for submission attachments, form media and export files.
// A file is streamed to a temporary file in <data dir>/tmp while it is hashed and measured, fsynced, then renamed
// into place under <data dir>/files with a sanitised name, and the directory is fsynced: a file either exists
// whole under its key or not at all. The database row that names a key is written after the rename, so a crash
// in between leaves an unreferenced file, which Sweep removes at start-up.
//
// The package must not import fiber, huma or fieldbase/db: the caller decides which keys are referenced.
package storage

import (
	"bufio"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
)

// ErrTooLarge reports a file longer than the limit given to Write.
var ErrTooLarge = errors.New("file too large")

// ErrBadKey reports a key that is empty, absolute, or has a segment that is not a safe file name.
var ErrBadKey = errors.New("invalid storage key")

// maxSegment bounds each key segment, in bytes (file systems allow 255).
const maxSegment = 200

// Store keeps files under one data directory.
type Store struct {
	files string
	tmp   string
	dirs  dirSyncer
}

// Open prepares the files and tmp directories inside dataDir and returns the store.
func Open(dataDir string) (*Store, error) {
	s := &Store{files: filepath.Join(dataDir, "files"), tmp: filepath.Join(dataDir, "tmp")}
	for _, d := range []string{s.files, s.tmp} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	return s, nil
}

// Info describes a stored file.
type Info struct {
	Size        int64
	SHA256      string // hex
	MD5         string // hex, when asked for
	ContentType string // sniffed from the first 512 bytes
}

var writeBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// Temp is a file written and fsynced in the tmp directory, waiting to be committed under a key or discarded.
type Temp struct {
	s    *Store
	path string
	Info Info
}

// Write streams r into a new temporary file, at most limit bytes (ErrTooLarge beyond; limit <= 0 means no
// limit), hashing (SHA-256, and MD5 when withMD5: form media need it for OpenRosa manifests) and sniffing it on
// the way, and fsyncs it. The caller must Commit or Discard the result.
func (s *Store) Write(r io.Reader, limit int64, withMD5 bool) (*Temp, error) {
	f, err := os.CreateTemp(s.tmp, "up-*")
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	t := &Temp{s: s, path: f.Name()}
	// Readers such as multipart parts hand out a few KiB at a time: buffer so a file is written in large
	// blocks rather than one system call per read. The buffers are reused: allocating (and zeroing) one per
	// upload costs more than the hashing.
	bw := writeBuffers.Get().(*bufio.Writer)
	bw.Reset(f)
	info, err := copyHashed(bw, r, limit, withMD5)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writeBuffers.Put(bw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(t.path)
		return nil, err
	}
	t.Info = info
	return t, nil
}

func copyHashed(w io.Writer, r io.Reader, limit int64, withMD5 bool) (Info, error) {
	sh := sha256.New()
	sniff := &sniffer{}
	writers := []io.Writer{w, sh, sniff}
	var mh hash.Hash
	if withMD5 {
		mh = md5.New()
		writers = append(writers, mh)
	}
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(io.MultiWriter(writers...), src)
	if err != nil {
		return Info{}, fmt.Errorf("storage: write: %w", err)
	}
	if limit > 0 && n > limit {
		return Info{}, ErrTooLarge
	}
	info := Info{Size: n, SHA256: hex.EncodeToString(sh.Sum(nil)), ContentType: http.DetectContentType(sniff.buf)}
	if mh != nil {
		info.MD5 = hex.EncodeToString(mh.Sum(nil))
	}
	return info, nil
}

// sniffer keeps the first 512 bytes for content type detection.
type sniffer struct{ buf []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if room := 512 - len(s.buf); room > 0 {
		s.buf = append(s.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Commit renames the temporary file to key (creating its directories) and fsyncs the directory, so the file
// survives a crash once Commit returns. An existing file under key is replaced.
func (t *Temp) Commit(key string) error {
	dst, err := t.s.path(key)
	if err != nil {
		_ = os.Remove(t.path)
		return err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		_ = os.Remove(t.path)
		return fmt.Errorf("storage: %w", err)
	}
	if err := os.Rename(t.path, dst); err != nil {
		_ = os.Remove(t.path)
		return fmt.Errorf("storage: %w", err)
	}
	return t.s.dirs.sync(dir)
}

// Discard removes the temporary file.
func (t *Temp) Discard() { _ = os.Remove(t.path) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("storage: sync %s: %w", dir, err)
	}
	return nil
}

// Open opens the file stored under key for reading.
func (s *Store) Open(key string) (*os.File, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Remove deletes the file stored under key; a missing file is not an error.
func (s *Store) Remove(key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// path maps a key ("a/b/name") to its file, refusing anything that could leave the files directory.
func (s *Store) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || path.Clean(key) != key {
		return "", fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if !safeSegment(seg) {
			return "", fmt.Errorf("%w: %q", ErrBadKey, key)
		}
	}
	return filepath.Join(s.files, filepath.FromSlash(key)), nil
}

func safeSegment(seg string) bool {
	if seg == "" || seg == "." || seg == ".." || len(seg) > maxSegment || strings.HasPrefix(seg, ".") {
		return false
	}
	return strings.IndexFunc(seg, func(r rune) bool {
		return r == '\\' || r == ':' || r == 0 || unicode.IsControl(r)
	}) < 0
}

// SafeName turns a client's file name into a key segment: path separators, control characters and other
// unsafe runes become "_", a leading dot is dropped and the result is bounded to a safe length, keeping the
// extension. It never returns an empty string.
func SafeName(name string) string {
	b := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || unicode.IsControl(r) || r == unicode.ReplacementChar ||
			!unicode.IsPrint(r) {
			return '_'
		}
		return r
	}, name)
	b = strings.TrimLeft(b, ".")
	if len(b) > maxSegment-40 {
		ext := path.Ext(b)
		if len(ext) > 16 {
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(b, ext))
		for len(string(stem))+len(ext) > maxSegment-40 {
			stem = stem[:len(stem)-1]
		}
		b = string(stem) + ext
	}
	if b == "" {
		return "file"
	}
	return b
}

// Open opens the temporary file for reading (an uploaded archive read in place before it is discarded).
func (t *Temp) Open() (*os.File, error) { return os.Open(t.path) }
