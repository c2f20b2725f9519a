package db

import (
	"os"
	"testing"

	"fieldbase/db/pgtest"
)

// The db tests run on SQLite, and again on PostgreSQL when FIELDBASE_TEST_DB=postgres (make test does both where
// PostgreSQL is at hand). testURL is the database URL a test's store opens: empty for SQLite in its temporary
// directory, a fresh database of its own on PostgreSQL.
func testURL(tb testing.TB) string {
	tb.Helper()
	if onPostgres() {
		return pgtest.NewDatabase(tb)
	}
	return ""
}

func onPostgres() bool { return os.Getenv("FIELDBASE_TEST_DB") == "postgres" }

// sqliteOnly skips a test of SQLite's own machinery (pragmas, the group-committing writer, the statement
// counter, file snapshots) in the PostgreSQL run.
func sqliteOnly(tb testing.TB) {
	tb.Helper()
	if onPostgres() {
		tb.Skip("SQLite engine only")
	}
}
