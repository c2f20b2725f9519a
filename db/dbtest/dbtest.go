// Package dbtest opens real, migrated SQLite stores for the tests of other packages: a new file in a temporary
// directory, migrated by the project's own migrations, closed when the test ends. Never :memory: (each pooled
// connection would get a database of its own) and never a mock.
package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"fieldbase/db"
)

// Migrations is the project's migrations folder (db/migrations), found from this file's place in the tree.
func Migrations() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "migrations")
}

// Open returns a migrated store on a new file in a temporary directory.
func Open(tb testing.TB, opts db.Options) *db.Store {
	tb.Helper()
	return OpenDir(tb, tb.TempDir(), opts)
}

// OpenDir returns a migrated store in dir (the data directory of an app under test).
func OpenDir(tb testing.TB, dir string, opts db.Options) *db.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := db.Open(ctx, dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	m, err := db.NewMigrator(s, os.DirFS(Migrations()))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}
