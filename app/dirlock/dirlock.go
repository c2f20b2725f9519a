// Package dirlock holds a lock on a directory through a lock file inside it, so that two processes do not use
// one data directory in ways that cannot share it: `serve` holds its data directory's lock while it runs, and
// `restore` refuses a directory whose lock is held. The lock is an advisory lock of the operating system (flock
// on Unix, LockFileEx on Windows): it ends with the process, even on kill -9, so a crash leaves no stale lock.
// It must not import anything of Fieldbase.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the lock file's name inside the locked directory.
const FileName = ".lock"

// ErrHeld reports a directory whose lock another process (or another Lock in this one) holds.
var ErrHeld = errors.New("the directory is in use by another process")

// Lock is a held directory lock.
type Lock struct {
	f    *os.File
	path string
}

// TryLock takes the lock of dir (creating dir and the lock file if needed) without waiting: it returns an error
// wrapping ErrHeld when another holder has it.
func TryLock(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		if errors.Is(err, ErrHeld) {
			return nil, fmt.Errorf("%s: %w", dir, ErrHeld)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &Lock{f: f, path: path}, nil
}

// Unlock releases the lock. The lock file stays (removing it would race with a process about to lock it).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
