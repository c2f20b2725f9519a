package backup

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"fieldbase/app/dirlock"
	"fieldbase/db"
)

// ErrInUse reports a restore refused because a server holds the data directory.
var ErrInUse = errors.New("a Fieldbase server is using the data directory: stop it first")

// Verify checks the archive at file without changing anything: it is a ZIP whose manifest names exactly its other
// entries, every entry has the size and SHA-256 the manifest gives, and the database inside passes PRAGMA
// integrity_check and names no file the archive lacks. The database is extracted into a temporary directory
// (scratch, or the system's) for the check. A failed check wraps ErrDamaged and says what is wrong.
func Verify(ctx context.Context, file, scratch string) (Manifest, error) {
	tmp, err := os.MkdirTemp(scratch, tempPrefix+"verify-*")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(tmp)
	m, _, err := extract(ctx, file, tmp, false)
	return m, err
}

// extract checks the archive and writes its entries under dir (only the database, unless all), checking each
// entry's size and hash as it goes and the database once written. It returns what the database holds.
func extract(ctx context.Context, file, dir string, all bool) (Manifest, db.SnapshotInfo, error) {
	var info db.SnapshotInfo
	zr, err := zip.OpenReader(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Manifest{}, info, err
		}
		return Manifest{}, info, damaged("it is not a complete ZIP file (truncated, or not a backup): %v", err)
	}
	defer zr.Close()
	m, err := readManifest(&zr.Reader)
	if err != nil {
		return m, info, err
	}
	want := map[string]Entry{}
	for _, e := range m.Entries {
		want[e.Name] = e
	}
	for _, f := range zr.File {
		e, ok := want[f.Name]
		if !ok {
			continue // the manifest
		}
		dest := ""
		if all || f.Name == db.FileName {
			dest = filepath.Join(dir, filepath.FromSlash(f.Name))
		}
		if err := checkEntry(ctx, f, e, dest); err != nil {
			return m, info, err
		}
	}
	info, err = db.CheckSnapshot(ctx, filepath.Join(dir, db.FileName))
	if errors.Is(err, db.ErrCorrupt) {
		return m, info, damaged("%v", err)
	}
	if err != nil {
		return m, info, err
	}
	for _, name := range info.Files {
		if _, ok := want[name]; !ok {
			return m, info, damaged("the database names %s, which the archive lacks", name)
		}
	}
	return m, info, nil
}

// checkEntry reads one entry, compares its size and SHA-256 with the manifest's, and writes it (fsynced) to
// dest when dest is not empty.
func checkEntry(ctx context.Context, f *zip.File, e Entry, dest string) (err error) {
	r, err := f.Open()
	if err != nil {
		return damaged("entry %s cannot be read: %v", f.Name, err)
	}
	defer r.Close()
	var w io.Writer = io.Discard
	if dest != "" {
		if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
			return err
		}
		out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer func() {
			if serr := out.Sync(); err == nil {
				err = serr
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}()
		w = out
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), ctxReader{ctx, io.LimitReader(r, e.Size+1)})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, zip.ErrChecksum) {
			return damaged("entry %s does not match its checksum (a changed byte)", f.Name)
		}
		return damaged("entry %s cannot be read: %v", f.Name, err)
	}
	if n != e.Size {
		return damaged("entry %s has %d bytes, the manifest says %d", f.Name, n, e.Size)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != e.SHA256 {
		return damaged("entry %s does not match its checksum in the manifest", f.Name)
	}
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Inspect reads the manifest of the archive at file (its central directory and manifest only: fast) and checks
// that it names exactly the other entries; it does not read them (Verify does).
func Inspect(file string) (Manifest, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Manifest{}, err
		}
		return Manifest{}, damaged("it is not a complete ZIP file (truncated, or not a backup): %v", err)
	}
	defer zr.Close()
	return readManifest(&zr.Reader)
}

// Restored says what Restore put in place.
type Restored struct {
	Manifest    Manifest
	Projects    int64
	Submissions int64
	Files       int
	Bytes       int64
	// Previous is where the data directory that was there before now is ("" when there was none).
	Previous string
}

// Restore replaces the data directory dir with the content of the archive at file. It refuses (ErrInUse) while
// a server holds dir. It extracts and checks everything into a new sibling directory first; a damaged archive
// (ErrDamaged) or any other failure removes that directory and leaves dir as it was. Then it moves dir aside to
// dir.before-restore-<time> and the new directory into its place. The backups directory inside dir, if any, is
// carried over to the restored one.
func Restore(ctx context.Context, file, dir string) (Restored, error) {
	var res Restored
	dir = filepath.Clean(dir)
	_, statErr := os.Stat(dir)
	exists := statErr == nil
	var lock *dirlock.Lock
	if exists {
		var err error
		if lock, err = dirlock.TryLock(dir); errors.Is(err, dirlock.ErrHeld) {
			return res, fmt.Errorf("%s: %w", dir, ErrInUse)
		} else if err != nil {
			return res, err
		}
		defer lock.Unlock()
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	fresh := dir + ".restore-" + stamp
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return res, err
	}
	if err := os.Mkdir(fresh, 0o750); err != nil {
		return res, err
	}
	m, info, err := extract(ctx, file, fresh, true)
	if err != nil {
		_ = os.RemoveAll(fresh)
		return res, err
	}
	res = Restored{Manifest: m, Projects: info.Projects, Submissions: info.Submissions, Files: m.Files(),
		Bytes: m.Bytes()}
	if err := syncTree(fresh); err != nil {
		_ = os.RemoveAll(fresh)
		return res, err
	}
	if exists {
		res.Previous = dir + ".before-restore-" + stamp
		// Windows cannot rename a directory that holds an open file: the lock goes just before the move.
		_ = lock.Unlock()
		if err := os.Rename(dir, res.Previous); err != nil {
			_ = os.RemoveAll(fresh)
			return res, fmt.Errorf("move %s aside: %w", dir, err)
		}
	}
	if err := os.Rename(fresh, dir); err != nil {
		return res, fmt.Errorf("move the restored data into %s (the previous data is in %s): %w", dir,
			res.Previous, err)
	}
	if res.Previous != "" {
		old := filepath.Join(res.Previous, "backups")
		if st, err := os.Stat(old); err == nil && st.IsDir() {
			_ = os.Rename(old, filepath.Join(dir, "backups"))
		}
	}
	return res, syncDir(filepath.Dir(dir))
}

// syncTree fsyncs every directory under root (the files were fsynced as they were written).
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return syncDir(p)
	})
}
