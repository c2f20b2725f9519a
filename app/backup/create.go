package backup

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"fieldbase/app/dirlock"
	"fieldbase/db"
)

// Options describe a backup being taken.
type Options struct {
	// AppVersion is recorded in the manifest.
	AppVersion string
	// Scheduled marks a backup taken by the schedule (only those are pruned).
	Scheduled bool
	// Progress, when set, is told how far the backup is (0-100) and what it is doing.
	Progress func(percent int, step Step)
}

// ErrBusy reports a backup refused because another one is being written into the same directory.
var ErrBusy = errors.New("another backup is being written to that directory")

// tempPrefix starts the name of every temporary file a backup writes beside its archive; Sweep removes them.
const tempPrefix = ".backup-"

// snapshotTries bounds how often Create takes a new snapshot when a file the previous one named was removed
// (a basemap deleted) before it could be copied.
const snapshotTries = 3

// Step is what a backup is doing: Text in English, and ID and Data the same as a message of the catalogues
// (web/i18n), for a page to say in its reader's language.
type Step struct {
	Text string
	ID   string
	Data map[string]any
}

// StepIDs are the message ids of the steps.
func StepIDs() []string {
	return []string{"job.backup.database", "job.backup.archive", "job.backup.files", "job.backup.done"}
}

// Create writes a backup of the data directory dataDir to the archive out (its directory is created if need
// be). It may run while a server uses dataDir. The database snapshot is taken first and checked; the archive
// then holds the files that snapshot names, whatever was written since. The archive is written to a temporary
// file beside out, fsynced and renamed to out: out exists only when the backup is complete. Only one backup at a
// time writes into a directory (ErrBusy), and leftovers of interrupted ones there are removed first.
func Create(ctx context.Context, dataDir, out string, opts Options) (Manifest, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(int, Step) {}
	}
	dir := filepath.Dir(out)
	lock, err := dirlock.TryLock(dir)
	if errors.Is(err, dirlock.ErrHeld) {
		return Manifest{}, ErrBusy
	}
	if err != nil {
		return Manifest{}, err
	}
	defer lock.Unlock()
	if err := sweep(dir); err != nil {
		return Manifest{}, err
	}
	if _, err := os.Stat(out); err == nil {
		return Manifest{}, fmt.Errorf("%s already exists", out)
	}
	progress(1, Step{Text: "copying the database", ID: "job.backup.database"})
	m, snap, files, err := snapshot(ctx, dataDir, dir)
	if snap != "" {
		defer os.Remove(snap)
	}
	if err != nil {
		return Manifest{}, err
	}
	m.AppVersion, m.Scheduled, m.Format = opts.AppVersion, opts.Scheduled, FormatVersion
	if err := writeArchive(ctx, dataDir, snap, files, out, &m, progress); err != nil {
		return Manifest{}, err
	}
	progress(100, Step{Text: fmt.Sprintf("backed up %d submissions and %d files", m.Submissions, m.Files()),
		ID: "job.backup.done", Data: map[string]any{"Submissions": m.Submissions, "Files": m.Files()}})
	return m, nil
}

// snapshot copies the database into dir, checks the copy, and lists the files it names with their sizes. A file
// named but gone (removed since the snapshot) means a new snapshot; the extra files are taken when present.
func snapshot(ctx context.Context, dataDir, dir string) (Manifest, string, []Entry, error) {
	var last error
	for range snapshotTries {
		f, err := os.CreateTemp(dir, tempPrefix+"*.db")
		if err != nil {
			return Manifest{}, "", nil, err
		}
		snap := f.Name()
		_ = f.Close()
		_ = os.Remove(snap) // VACUUM INTO wants a new file
		m := Manifest{CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		if err := db.Snapshot(ctx, filepath.Join(dataDir, db.FileName), snap); err != nil {
			return Manifest{}, snap, nil, err
		}
		info, err := db.CheckSnapshot(ctx, snap)
		if err != nil {
			return Manifest{}, snap, nil, fmt.Errorf("the database copy failed its check, no backup written: %w", err)
		}
		m.SchemaVersion, m.Projects, m.Submissions = info.SchemaVersion, info.Projects, info.Submissions
		files, missing, err := sizes(dataDir, info.Files)
		if err != nil {
			return Manifest{}, snap, nil, err
		}
		if missing == "" {
			for _, x := range extraFiles {
				if st, err := os.Stat(filepath.Join(dataDir, x)); err == nil && st.Mode().IsRegular() {
					files = append(files, Entry{Name: x, Size: st.Size()})
				}
			}
			return m, snap, files, nil
		}
		last = fmt.Errorf("file %s named by the database is missing", missing)
		_ = os.Remove(snap)
	}
	return Manifest{}, "", nil, last
}

// sizes stats each named file; missing is the first one that does not exist.
func sizes(dataDir string, names []string) (files []Entry, missing string, err error) {
	files = make([]Entry, 0, len(names))
	for _, n := range names {
		if !safeEntry(n) {
			return nil, "", fmt.Errorf("the database names a file at %q, outside the data directory", n)
		}
		st, err := os.Stat(filepath.Join(dataDir, filepath.FromSlash(n)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, n, nil
		}
		if err != nil {
			return nil, "", err
		}
		files = append(files, Entry{Name: n, Size: st.Size()})
	}
	return files, "", nil
}

// writeArchive writes the snapshot, the files and the manifest into a temporary file in out's directory,
// fsyncs it, renames it to out and fsyncs the directory.
func writeArchive(ctx context.Context, dataDir, snap string, files []Entry, out string, m *Manifest,
	progress func(int, Step)) (err error) {
	dir := filepath.Dir(out)
	f, err := os.CreateTemp(dir, tempPrefix+"*.zip")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	st, err := os.Stat(snap)
	if err != nil {
		return err
	}
	all := append([]Entry{{Name: db.FileName, Size: st.Size()}}, files...)
	var total, done int64
	for _, e := range all {
		total += e.Size
	}
	step := -1
	for i, e := range all {
		src := filepath.Join(dataDir, filepath.FromSlash(e.Name))
		if i == 0 {
			src = snap
		}
		sum, n, err := addFile(ctx, zw, src, e.Name, m.CreatedAt, func(n int64) {
			done += n
			if p := 10 + int(89*done/max(total, 1)); p != step {
				step = p
				step := Step{Text: "writing the database into the archive", ID: "job.backup.archive"}
				if i > 0 {
					step = Step{Text: fmt.Sprintf("copying the files: %d of %d", i, len(all)-1), ID: "job.backup.files",
						Data: map[string]any{"Done": i, "Total": len(all) - 1}}
				}
				progress(p, step)
			}
		})
		if err != nil {
			return err
		}
		m.Entries = append(m.Entries, Entry{Name: e.Name, Size: n, SHA256: sum})
	}
	if err := addManifest(zw, m); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return err
	}
	return syncDir(dir)
}

// addFile copies one file into the archive, hashing it on the way. Files under a file root are stored as they
// are (photos, tiles: compressing them again gains nothing); the database is deflated.
func addFile(ctx context.Context, zw *zip.Writer, src, name string, mod time.Time, copied func(int64)) (string,
	int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	h := &zip.FileHeader{Name: name, Method: zip.Store, Modified: mod}
	if name == db.FileName || !strings.Contains(name, "/") {
		h.Method = zip.Deflate
	}
	h.SetMode(0o600)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return "", 0, err
	}
	sum := sha256.New()
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		k, rerr := in.Read(buf)
		if k > 0 {
			sum.Write(buf[:k])
			if _, err := w.Write(buf[:k]); err != nil {
				return "", 0, err
			}
			n += int64(k)
			copied(int64(k))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", 0, rerr
		}
	}
	return hex.EncodeToString(sum.Sum(nil)), n, nil
}

func addManifest(zw *zip.Writer, m *Manifest) error {
	h := &zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: m.CreatedAt}
	h.SetMode(0o600)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// Sweep removes the temporary files that interrupted backups (a crash, a kill -9) left in dir. It does nothing
// while a backup is being written there.
func Sweep(dir string) error {
	lock, err := dirlock.TryLock(dir)
	if errors.Is(err, dirlock.ErrHeld) {
		return nil
	}
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return sweep(dir)
}

func sweep(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// syncDir fsyncs a directory so that a rename in it survives a power cut. Windows cannot fsync a directory
// (its renames are journaled by NTFS), so there the error is ignored.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return err
	}
	return nil
}
