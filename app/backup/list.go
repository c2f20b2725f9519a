package backup

import (
	"archive/zip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fieldbase/db"
)

// Info is a backup archive in a backups directory, as its manifest describes it.
type Info struct {
	Name          string
	Size          int64
	CreatedAt     time.Time
	AppVersion    string
	SchemaVersion int64
	Scheduled     bool
	Submissions   int64
}

// List returns the good archives in dir, newest first: complete ZIP files with a valid manifest under a backup's
// name. Temporary files of backups being written (or cut short) are never listed; a directory that does not
// exist holds none.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		if !e.Type().IsRegular() || !ValidName(e.Name()) {
			continue
		}
		if info, err := describe(filepath.Join(dir, e.Name())); err == nil {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}

// describe reads the manifest of one archive (its central directory and manifest only: fast).
func describe(file string) (Info, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return Info{}, err
	}
	defer zr.Close()
	m, err := readManifest(&zr.Reader)
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return Info{}, err
	}
	return Info{Name: filepath.Base(file), Size: st.Size(), CreatedAt: m.CreatedAt, AppVersion: m.AppVersion,
		SchemaVersion: m.SchemaVersion, Scheduled: m.Scheduled, Submissions: m.Submissions}, nil
}

// Open opens the archive name in dir for reading. A name that is not a backup's (one with a slash or "..") or
// an archive that is not there wraps db.ErrNotFound: a name never reaches outside dir.
func Open(dir, name string) (*os.File, Info, error) {
	if !ValidName(name) {
		return nil, Info{}, fmt.Errorf("backup %q: %w", name, db.ErrNotFound)
	}
	p := filepath.Join(dir, name)
	info, err := describe(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("backup %q: %w", name, db.ErrNotFound)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("backup %q: %w: %v", name, db.ErrNotFound, err)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("backup %q: %w", name, db.ErrNotFound)
	}
	return f, info, err
}

// Remove deletes the archive name in dir (db.ErrNotFound as Open).
func Remove(dir, name string) error {
	if !ValidName(name) {
		return fmt.Errorf("backup %q: %w", name, db.ErrNotFound)
	}
	err := os.Remove(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup %q: %w", name, db.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// Prune deletes the scheduled archives in dir beyond the keep newest ones (keep <= 0 keeps all) and returns
// their names. Manual backups are never pruned.
func Prune(dir string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	list, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	kept := 0
	for _, b := range list {
		if !b.Scheduled || !strings.HasSuffix(b.Name, ".zip") {
			continue
		}
		if kept < keep {
			kept++
			continue
		}
		if err := Remove(dir, b.Name); err != nil {
			return removed, err
		}
		removed = append(removed, b.Name)
	}
	return removed, nil
}

// LastScheduled is when the newest scheduled archive in dir was taken, read from the file names alone (fast
// enough for a schedule check); the zero time when there is none.
func LastScheduled(dir string) time.Time {
	entries, _ := os.ReadDir(dir)
	var last time.Time
	for _, e := range entries {
		stamp, ok := strings.CutSuffix(strings.TrimPrefix(e.Name(), "fieldbase-"), "-scheduled.zip")
		if !ok {
			continue
		}
		if t, err := time.Parse(nameTime, stamp); err == nil && t.After(last) {
			last = t
		}
	}
	return last
}
