package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// FileRoots says where the files named by each table's file_key column are kept, relative to the data
// directory. Every column of the schema that names a stored file must be listed here (a test checks it against
// the migrations), or a backup would leave its files behind.
var FileRoots = []FileRoot{
	{Table: "submission_attachments", Column: "file_key", Dir: "files"},
	{Table: "form_media", Column: "file_key", Dir: "files"},
	{Table: "exports", Column: "file_key", Dir: "files"},
	{Table: "basemaps", Column: "file_key", Dir: "basemaps/files"},
}

// FileRoot is a column that names stored files and the directory (slash-separated, relative to the data
// directory) they are under.
type FileRoot struct{ Table, Column, Dir string }

// Snapshot writes a consistent copy of the database file at dbPath to dest with VACUUM INTO, on a read-only
// connection of its own: it works while a server writes to the database (in this process or another), and the
// copy holds exactly the transactions committed when its read began. dest must not exist.
func Snapshot(ctx context.Context, dbPath, dest string) error {
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	conn, err := openFile(dbPath, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// openFile opens one connection to a database file outside a Store: for a snapshot, or to check a copy.
func openFile(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", (30*time.Second).Milliseconds()))
	if readOnly {
		// mode=ro, not query_only: SQLite refuses VACUUM INTO on a query_only connection but allows it on a
		// read-only one (the copy is a new file, the database is only read).
		q.Set("mode", "ro")
	}
	conn, err := sqlite.NewConnector("file:" + filepath.ToSlash(path) + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(1)
	return pool, nil
}

// SnapshotInfo is what a checked database copy holds.
type SnapshotInfo struct {
	// SchemaVersion is the version of the last applied migration.
	SchemaVersion int64
	// Files are the stored files its rows name, as slash-separated paths relative to the data directory.
	Files       []string
	Projects    int64
	Submissions int64
}

// ErrCorrupt reports a database copy that fails PRAGMA integrity_check (or is not a database at all).
var ErrCorrupt = errors.New("the database copy is damaged")

// CheckSnapshot runs PRAGMA integrity_check on the database copy at path (a snapshot, or one taken out of a
// backup archive) and, when it passes, reads its schema version, the stored files it names and its counts.
// A failed check wraps ErrCorrupt.
func CheckSnapshot(ctx context.Context, path string) (SnapshotInfo, error) {
	var info SnapshotInfo
	conn, err := openFile(path, true)
	if err != nil {
		return info, err
	}
	defer conn.Close()
	var problems []string
	rows, err := conn.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return info, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			_ = rows.Close()
			return info, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Close(); err != nil {
		return info, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(problems) > 0 {
		return info, fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems[:min(3, len(problems))], "; "))
	}
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).
		Scan(&info.SchemaVersion)
	if err == nil {
		err = conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM submissions)`).
			Scan(&info.Projects, &info.Submissions)
	}
	if err != nil {
		return info, fmt.Errorf("%w: not a Fieldbase database: %v", ErrCorrupt, err)
	}
	info.Files, err = referencedFiles(ctx, conn)
	return info, err
}

// referencedFiles lists the stored files every FileRoots column names, each once, in a stable order.
func referencedFiles(ctx context.Context, conn *sql.DB) ([]string, error) {
	var out []string
	for _, r := range FileRoots {
		// Table and column names come from FileRoots, never from input.
		rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT %[2]s FROM %[1]s
			WHERE %[2]s IS NOT NULL AND %[2]s <> '' ORDER BY %[2]s`, r.Table, r.Column))
		if err != nil {
			return nil, fmt.Errorf("list files of %s: %w", r.Table, err)
		}
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				_ = rows.Close()
				return nil, err
			}
			out = append(out, r.Dir+"/"+key)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FileColumns lists every column of the database at path whose name says it holds a stored file's key or path
// (file_key, *_path, *_file), as "table.column": the test of FileRoots compares it with that list.
func FileColumns(ctx context.Context, path string) ([]string, error) {
	conn, err := openFile(path, true)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND (p.name LIKE '%file_key' OR p.name LIKE '%\_path' ESCAPE '\'
			OR p.name LIKE '%\_file' ESCAPE '\') ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out = append(out, t+"."+c)
	}
	return out, rows.Err()
}
