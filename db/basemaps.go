package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Basemap states: a new upload is validating until its job records it ready or invalid.
const (
	BasemapValidating = "validating"
	BasemapReady      = "ready"
	BasemapInvalid    = "invalid"
)

// Basemap is an offline basemap file (MBTiles or PMTiles) uploaded to a project.
type Basemap struct {
	ID        int64
	ProjectID int64
	Name      string // the file name as uploaded
	FileKey   string // the file's key in the basemaps file store
	Container string // mbtiles or pmtiles
	Size      int64
	SHA256    string
	State     string // validating, ready or invalid
	Message   string // why the file is invalid, in words a person can act on
	JobID     int64
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	BasemapInfo
}

// BasemapInfo is what the validation job reads from a basemap file.
type BasemapInfo struct {
	Format      string // png, jpg, webp, avif or pbf
	TileType    string // raster or vector
	Compression string // gzip or none (of the tile bytes)
	MinZoom     int
	MaxZoom     int
	// West, South, East, North are the bounds in WGS 84 degrees.
	West, South, East, North float64
	Attribution              string
	// Layers are a vector tileset's layer ids, comma-separated.
	Layers string
}

const basemapColumns = `id, project_id, name, file_key, container, size, sha256, state, message, format, tile_type,
	compression, min_zoom, max_zoom, west, south, east, north, attribution, layers, job_id, coalesce(created_by, 0),
	created_at, updated_at`

func scanBasemap(row scanner) (Basemap, error) {
	var b Basemap
	var created, updated string
	if err := row.Scan(&b.ID, &b.ProjectID, &b.Name, &b.FileKey, &b.Container, &b.Size, &b.SHA256, &b.State,
		&b.Message, &b.Format, &b.TileType, &b.Compression, &b.MinZoom, &b.MaxZoom, &b.West, &b.South, &b.East,
		&b.North, &b.Attribution, &b.Layers, &b.JobID, &b.CreatedBy, &created, &updated); err != nil {
		return Basemap{}, mapErr(err)
	}
	b.CreatedAt, b.UpdatedAt = parseTime(created), parseTime(updated)
	return b, nil
}

// CreateBasemap stores a validating basemap whose file is already committed under b.FileKey and, in the same
// write, calls enqueue to insert the job that validates it, so that the row exists if and only if its job does.
func (s *Store) CreateBasemap(ctx context.Context, b Basemap,
	enqueue func(ctx context.Context, tx *sql.Tx, basemapID int64) (int64, error)) (Basemap, error) {
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO basemaps (project_id, name, file_key, container, size, sha256,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.ProjectID, b.Name,
			b.FileKey, b.Container, b.Size, b.SHA256, nullID(b.CreatedBy), t, t).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		jobID, err := enqueue(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("enqueue basemap validation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE basemaps SET job_id = ? WHERE id = ?", jobID, id); err != nil {
			return err
		}
		b, err = scanBasemap(tx.QueryRowContext(ctx, "SELECT "+basemapColumns+" FROM basemaps WHERE id = ?", id))
		return err
	})
	return b, err
}

// Basemap returns a basemap by id, or ErrNotFound.
func (s *Store) Basemap(ctx context.Context, id int64) (Basemap, error) {
	return scanBasemap(s.read.QueryRowContext(ctx, "SELECT "+basemapColumns+" FROM basemaps WHERE id = ?", id))
}

// ProjectBasemap returns a basemap of a project, or ErrNotFound when the project has no such basemap.
func (s *Store) ProjectBasemap(ctx context.Context, projectID, id int64) (Basemap, error) {
	return scanBasemap(s.read.QueryRowContext(ctx, "SELECT "+basemapColumns+
		" FROM basemaps WHERE id = ? AND project_id = ?", id, projectID))
}

// Basemaps lists a project's basemaps, oldest first.
func (s *Store) Basemaps(ctx context.Context, projectID int64) ([]Basemap, error) {
	return queryAll(ctx, s.read, scanBasemap, "SELECT "+basemapColumns+
		" FROM basemaps WHERE project_id = ? ORDER BY id", projectID)
}

// FinishBasemap records the outcome of a validation: ready with what was read from the file, or invalid with a
// message. Recording it again (a retried job) overwrites the earlier outcome. ErrNotFound if the basemap was
// deleted meanwhile.
func (s *Store) FinishBasemap(ctx context.Context, id int64, state, message string, info BasemapInfo) error {
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE basemaps SET state = ?, message = ?, format = ?, tile_type = ?,
			compression = ?, min_zoom = ?, max_zoom = ?, west = ?, south = ?, east = ?, north = ?, attribution = ?,
			layers = ?, updated_at = ? WHERE id = ?`, state, message, info.Format, info.TileType, info.Compression,
			info.MinZoom, info.MaxZoom, info.West, info.South, info.East, info.North, info.Attribution, info.Layers,
			now(), id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("basemap %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// DeleteBasemap removes a basemap of a project and returns its file key, for the caller to remove the file
// after the row is gone. ErrNotFound when the project has no such basemap.
func (s *Store) DeleteBasemap(ctx context.Context, projectID, id int64) (string, error) {
	var key string
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "DELETE FROM basemaps WHERE id = ? AND project_id = ? RETURNING file_key",
			id, projectID).Scan(&key)
		return mapErr(err)
	})
	return key, err
}

// BasemapFileReferenced reports whether a basemap row names the file key: the start-up sweep of the basemaps
// file store removes files that none names.
func (s *Store) BasemapFileReferenced(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM basemaps WHERE file_key = ?)", key).Scan(&n)
	return n == 1, err
}
