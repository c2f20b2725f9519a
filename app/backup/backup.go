// Package backup writes, checks, lists and restores Fieldbase backup archives: one ZIP file holding a consistent
// snapshot of the database (VACUUM INTO, checked with PRAGMA integrity_check), every stored file the snapshot
// names, the collect key, and manifest.json (versions, creation time, size and SHA-256 of every entry). The
// command line, the scheduled job and the API all call it. An archive is written under a temporary name in its
// directory, fsynced and renamed: only a complete archive ever bears a backup's name.
//
// It must not import fiber, huma or River.
package backup

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"fieldbase/db"
)

// ManifestName is the name of the manifest entry, the last one in the archive.
const ManifestName = "manifest.json"

// FormatVersion is the version of the archive layout written by this package.
const FormatVersion = 1

// extraFiles are files of the data directory that no row names but a restored server needs: the collect key
// signs the device tokens, which stay valid only with it; the local CA of LAN HTTPS is the one phones were told
// to trust (the LAN certificate it signs is issued again at start). Those absent are left out.
var extraFiles = []string{"collect.key", "tls/ca/ca.crt", "tls/ca/ca.key"}

// Manifest describes an archive: what wrote it, when, and every other entry's size and SHA-256.
type Manifest struct {
	Format        int       `json:"format"`
	AppVersion    string    `json:"app_version"`
	SchemaVersion int64     `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	Scheduled     bool      `json:"scheduled"`
	Projects      int64     `json:"projects"`
	Submissions   int64     `json:"submissions"`
	Entries       []Entry   `json:"entries"`
}

// Entry is one file of the archive.
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bytes is the total size of the entries.
func (m Manifest) Bytes() int64 {
	var n int64
	for _, e := range m.Entries {
		n += e.Size
	}
	return n
}

// Files is the number of entries besides the database.
func (m Manifest) Files() int {
	n := 0
	for _, e := range m.Entries {
		if e.Name != db.FileName {
			n++
		}
	}
	return n
}

// ErrDamaged reports an archive that is not a complete, intact Fieldbase backup; its text says what is wrong.
var ErrDamaged = errors.New("the backup archive is damaged")

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, args...))
}

// safeEntry reports whether an entry name may be extracted into a data directory: a relative, clean,
// slash-separated path that is the database, an extra file, or a stored file under files/ or basemaps/files/.
func safeEntry(name string) bool {
	if name == "" || strings.Contains(name, `\`) || path.IsAbs(name) || path.Clean(name) != name ||
		strings.HasPrefix(name, "../") || strings.Contains(name, "/../") || strings.Contains(name, ":") {
		return false
	}
	if name == db.FileName {
		return true
	}
	for _, x := range extraFiles {
		if name == x {
			return true
		}
	}
	for _, r := range db.FileRoots {
		if rest, ok := strings.CutPrefix(name, r.Dir+"/"); ok && rest != "" {
			return true
		}
	}
	return false
}

// readManifest reads and checks the manifest of an open archive: present, valid JSON of a known format, and
// naming exactly the other entries, each once, with safe names.
func readManifest(zr *zip.Reader) (Manifest, error) {
	var m Manifest
	var mf *zip.File
	inZip := map[string]bool{}
	for _, f := range zr.File {
		if f.Name == ManifestName {
			mf = f
			continue
		}
		if inZip[f.Name] {
			return m, damaged("entry %q appears twice", f.Name)
		}
		inZip[f.Name] = true
	}
	if mf == nil {
		return m, damaged("it has no %s", ManifestName)
	}
	if mf.UncompressedSize64 > 64<<20 {
		return m, damaged("its manifest is too large")
	}
	r, err := mf.Open()
	if err != nil {
		return m, damaged("its manifest cannot be read: %v", err)
	}
	defer r.Close()
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return m, damaged("its manifest is not valid: %v", err)
	}
	if m.Format != FormatVersion {
		return m, damaged("its format %d is not one this version reads (%d)", m.Format, FormatVersion)
	}
	listed := map[string]bool{}
	for _, e := range m.Entries {
		switch {
		case !safeEntry(e.Name):
			return m, damaged("the manifest names %q, which is not a file a backup holds", e.Name)
		case listed[e.Name]:
			return m, damaged("the manifest names %q twice", e.Name)
		case !inZip[e.Name]:
			return m, damaged("entry %q named in the manifest is missing", e.Name)
		}
		listed[e.Name] = true
	}
	for name := range inZip {
		if !listed[name] {
			return m, damaged("entry %q is not in the manifest", name)
		}
	}
	if !listed[db.FileName] {
		return m, damaged("it holds no database")
	}
	return m, nil
}

// nameRE is what a backup's file name may be: it is used in URLs, so nothing that could leave the backups
// directory.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.zip$`)

// ValidName reports whether name may name a backup archive in a backups directory.
func ValidName(name string) bool { return nameRE.MatchString(name) && !strings.Contains(name, "..") }

// NewName is the file name of a backup taken at t: fieldbase-20261201T021500Z-scheduled.zip (or -manual).
func NewName(t time.Time, scheduled bool) string {
	kind := "manual"
	if scheduled {
		kind = "scheduled"
	}
	return fmt.Sprintf("fieldbase-%s-%s.zip", t.UTC().Format(nameTime), kind)
}

// nameTime is the layout of the time in a backup's file name.
const nameTime = "20060102T150405.000Z"
