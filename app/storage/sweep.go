package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SweepResult counts what Sweep removed.
type SweepResult struct {
	// Temp is the number of temporary files removed: uploads cut short by a crash.
	Temp int
	// Orphans is the number of stored files no database row names: written before a crash that came before
	// their row committed.
	Orphans int
}

// Sweep removes every temporary file and every stored file for which referenced answers false. It must run
// before the server accepts uploads (at start-up), since an upload in flight has files that no row names yet.
// A nil referenced keeps every stored file.
func (s *Store) Sweep(referenced func(key string) (bool, error)) (SweepResult, error) {
	var res SweepResult
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return res, fmt.Errorf("storage: sweep: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			return res, fmt.Errorf("storage: sweep: %w", err)
		}
		res.Temp++
	}
	if referenced == nil {
		return res, nil
	}
	err = filepath.WalkDir(s.files, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(s.files, p)
		if err != nil {
			return err
		}
		ok, err := referenced(filepath.ToSlash(rel))
		if err != nil || ok {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		res.Orphans++
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("storage: sweep: %w", err)
	}
	return res, nil
}
