package tiles

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
)

// MBTilesWriter writes an MBTiles file (MBTiles 1.3: metadata and tiles tables, TMS rows) into a temporary
// database beside the result, in one transaction; Finish adds the metadata, commits, syncs and renames it into
// place, so that the result either is a complete file or does not exist.
type MBTilesWriter struct {
	db   *sql.DB
	tx   *sql.Tx
	ins  *sql.Stmt
	tmp  string
	minZ int
	maxZ int
}

// NewMBTilesWriter starts a writer whose temporary database is in dir.
func NewMBTilesWriter(ctx context.Context, dir string) (*MBTilesWriter, error) {
	f, err := os.CreateTemp(dir, ".mbtiles-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	_ = f.Close()
	w := &MBTilesWriter{tmp: tmp, minZ: MaxZoomLevel + 1, maxZ: -1}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(tmp), RawQuery: "_pragma=journal_mode(DELETE)&_pragma=synchronous(FULL)"}
	if w.db, err = sql.Open("sqlite", u.String()); err != nil {
		w.Abort()
		return nil, err
	}
	w.db.SetMaxOpenConns(1)
	for _, q := range []string{"CREATE TABLE metadata (name TEXT, value TEXT)",
		"CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"} {
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			w.Abort()
			return nil, err
		}
	}
	if w.tx, err = w.db.BeginTx(ctx, nil); err != nil {
		w.Abort()
		return nil, err
	}
	if w.ins, err = w.tx.PrepareContext(ctx,
		"INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)"); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// Add stores the tile z/x/y given in XYZ numbering (y from the north) under its TMS row.
func (w *MBTilesWriter) Add(ctx context.Context, z, x, y int, tile []byte) error {
	if z < 0 || z > MaxZoomLevel || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return fmt.Errorf("mbtiles: tile %d/%d/%d out of range", z, x, y)
	}
	w.minZ, w.maxZ = min(w.minZ, z), max(w.maxZ, z)
	_, err := w.ins.ExecContext(ctx, z, x, (1<<z)-1-y, tile)
	return err
}

// MBTilesMeta is the metadata of a written MBTiles file.
type MBTilesMeta struct {
	Name        string
	Format      string // png, jpg, webp or pbf
	Attribution string
	// Bounds are west, south, east, north in degrees.
	Bounds [4]float64
	// JSON is the vector tileset's metadata document (vector_layers), empty for raster tiles.
	JSON string
}

// Finish indexes the tiles, writes the metadata, commits and moves the file to path.
func (w *MBTilesWriter) Finish(ctx context.Context, path string, meta MBTilesMeta) error {
	defer w.Abort()
	if w.maxZ < 0 {
		return fmt.Errorf("mbtiles: no tiles")
	}
	rows := [][2]string{{"name", meta.Name}, {"format", meta.Format}, {"type", "baselayer"}, {"version", "1"},
		{"minzoom", strconv.Itoa(w.minZ)}, {"maxzoom", strconv.Itoa(w.maxZ)},
		{"bounds", fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", meta.Bounds[0], meta.Bounds[1], meta.Bounds[2], meta.Bounds[3])},
		{"center", fmt.Sprintf("%.7f,%.7f,%d", (meta.Bounds[0]+meta.Bounds[2])/2, (meta.Bounds[1]+meta.Bounds[3])/2,
			w.minZ)}}
	if meta.Attribution != "" {
		rows = append(rows, [2]string{"attribution", meta.Attribution})
	}
	if meta.JSON != "" {
		rows = append(rows, [2]string{"json", meta.JSON})
	}
	for _, r := range rows {
		if _, err := w.tx.ExecContext(ctx, "INSERT INTO metadata (name, value) VALUES (?, ?)", r[0], r[1]); err != nil {
			return err
		}
	}
	if _, err := w.tx.ExecContext(ctx,
		"CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)"); err != nil {
		return err
	}
	_ = w.ins.Close()
	w.ins = nil
	if err := w.tx.Commit(); err != nil {
		return err
	}
	w.tx = nil
	if err := w.db.Close(); err != nil {
		return err
	}
	w.db = nil
	if err := syncFile(w.tmp); err != nil {
		return err
	}
	if err := os.Rename(w.tmp, path); err != nil {
		return err
	}
	w.tmp = ""
	return nil
}

// Abort drops the temporary database (a no-op after Finish).
func (w *MBTilesWriter) Abort() {
	if w.ins != nil {
		_ = w.ins.Close()
	}
	if w.tx != nil {
		_ = w.tx.Rollback()
	}
	if w.db != nil {
		_ = w.db.Close()
	}
	w.ins, w.tx, w.db = nil, nil, nil
	if w.tmp != "" {
		for _, p := range []string{w.tmp, w.tmp + "-journal"} {
			_ = os.Remove(p)
		}
		w.tmp = ""
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
