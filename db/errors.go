package db

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound means the row asked for does not exist (or the caller may not know that it does).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write contradicts the current state: a unique value taken, a row still referenced,
	// a state changed by someone else.
	ErrConflict = errors.New("conflict")
)

// mapErr turns sql.ErrNoRows into ErrNotFound and SQLite constraint violations into ErrConflict, keeping the
// original error in the chain for the log.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if pgConflict(err) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
			sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	return err
}
