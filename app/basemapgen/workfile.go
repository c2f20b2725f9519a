package basemapgen

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"fieldbase/app/tiles"
)

// WorkDir is the folder of the data directory holding the work files of generation jobs.
const WorkDir = "basemap-work"

// WorkPath is the work file of a generation job: the tiles downloaded so far, kept across restarts.
func WorkPath(dataDir string, jobID int64) string {
	return filepath.Join(dataDir, WorkDir, "job-"+strconv.FormatInt(jobID, 10)+".sqlite")
}

// RemoveWork deletes a job's work file (and SQLite's files beside it); a missing file is no error.
func RemoveWork(dataDir string, jobID int64) error {
	p := WorkPath(dataDir, jobID)
	var errs []error
	for _, f := range []string{p, p + "-wal", p + "-shm", p + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// workFile is an SQLite database of the tiles downloaded so far (by PMTiles tile id, which orders them for the
// PMTiles writer) and of the tiles the source does not have. Commits are batched; a crash loses at most the last
// batch, which is downloaded again.
type workFile struct {
	db *sql.DB
}

func openWork(ctx context.Context, path string) (*workFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path),
		RawQuery: "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS tiles (tile_id INTEGER PRIMARY KEY, z INTEGER NOT NULL, x INTEGER NOT NULL,
			y INTEGER NOT NULL, data BLOB NOT NULL)`,
		"CREATE TABLE IF NOT EXISTS missing (tile_id INTEGER PRIMARY KEY)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return &workFile{db: db}, nil
}

func (w *workFile) close() error { return w.db.Close() }

// done returns the ids of the tiles already settled (downloaded or missing) and the bytes downloaded.
func (w *workFile) done(ctx context.Context) (map[uint64]bool, int64, int, error) {
	out := map[uint64]bool{}
	var bytes int64
	var missing int
	for _, q := range []string{"SELECT tile_id, length(data) FROM tiles", "SELECT tile_id, -1 FROM missing"} {
		rows, err := w.db.QueryContext(ctx, q)
		if err != nil {
			return nil, 0, 0, err
		}
		for rows.Next() {
			var id uint64
			var n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, 0, 0, err
			}
			out[id] = true
			if n < 0 {
				missing++
			} else {
				bytes += n
			}
		}
		if err := rows.Close(); err != nil {
			return nil, 0, 0, err
		}
	}
	return out, bytes, missing, nil
}

// result is one settled tile: data nil means the source has no such tile.
type result struct {
	id      uint64
	z, x, y int
	data    []byte
}

// save commits a batch of results.
func (w *workFile) save(ctx context.Context, batch []result) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, r := range batch {
		if r.data == nil {
			_, err = tx.ExecContext(ctx, "INSERT OR IGNORE INTO missing (tile_id) VALUES (?)", r.id)
		} else {
			_, err = tx.ExecContext(ctx, "INSERT OR REPLACE INTO tiles (tile_id, z, x, y, data) VALUES (?, ?, ?, ?, ?)",
				r.id, r.z, r.x, r.y, r.data)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// each calls fn for every downloaded tile in tile id order.
func (w *workFile) each(ctx context.Context, fn func(z, x, y int, data []byte) error) error {
	rows, err := w.db.QueryContext(ctx, "SELECT z, x, y, data FROM tiles ORDER BY tile_id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var z, x, y int
		var data []byte
		if err := rows.Scan(&z, &x, &y, &data); err != nil {
			return err
		}
		if err := fn(z, x, y, data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// first returns a downloaded tile (to tell the format), or nil when there is none.
func (w *workFile) first(ctx context.Context) ([]byte, error) {
	var data []byte
	err := w.db.QueryRowContext(ctx, "SELECT data FROM tiles ORDER BY tile_id DESC LIMIT 1").Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return data, err
}

// tileID is the PMTiles id of z/x/y (within range by construction).
func tileID(z, x, y int) uint64 {
	id, _ := tiles.ZXYToTileID(uint8(z), uint32(x), uint32(y))
	return id
}
