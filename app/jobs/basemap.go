package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river"

	"fieldbase/app/storage"
	"fieldbase/app/tiles"
	"fieldbase/db"
)

// BasemapDir is the folder of the data directory that holds basemap files: a file store of its own, so that
// multi-gigabyte files stay apart from attachments and are swept against the basemaps table only.
const BasemapDir = "basemaps"

// BasemapFiles opens the basemaps file store of a data directory.
func BasemapFiles(dataDir string) (*storage.Store, error) {
	return storage.Open(filepath.Join(dataDir, BasemapDir))
}

// ValidateBasemapArgs enqueues the check of an uploaded basemap file.
type ValidateBasemapArgs struct {
	BasemapID int64 `json:"basemap_id"`
	ProjectID int64 `json:"project_id"`
}

// Kind names the job kind.
func (ValidateBasemapArgs) Kind() string { return "validate_basemap" }

// BasemapResult is the recorded output of a basemap validation.
type BasemapResult struct {
	BasemapID int64  `json:"basemap_id"`
	State     string `json:"state"`
	Message   string `json:"message,omitempty"`
}

type basemapWorker struct {
	river.WorkerDefaults[ValidateBasemapArgs]
	j *Jobs
}

// Work reads the file and records the basemap ready (with its format, zooms and bounds) or invalid (with the
// reason). Recording overwrites, so a re-run after a crash records the same outcome again.
func (w *basemapWorker) Work(ctx context.Context, job *river.Job[ValidateBasemapArgs]) error {
	st := w.j.store
	b, err := st.Basemap(ctx, job.Args.BasemapID)
	if errors.Is(err, db.ErrNotFound) {
		return Failure("the basemap was deleted before it was checked")
	}
	if err != nil {
		return err
	}
	files, err := BasemapFiles(st.Dir())
	if err != nil {
		return err
	}
	w.j.progress(ctx, job.JobRow, b.ProjectID, 1, "opening "+b.Name)
	info, err := inspectBasemap(files, b, func(p int, msg string) { w.j.progress(ctx, job.JobRow, b.ProjectID, min(p, 99), msg) })
	res := BasemapResult{BasemapID: b.ID, State: db.BasemapReady}
	if tiles.IsInvalid(err) {
		res.State, res.Message = db.BasemapInvalid, err.Error()
	} else if err != nil {
		return err
	}
	err = st.FinishBasemap(ctx, b.ID, res.State, res.Message, db.BasemapInfo{Format: info.Format,
		TileType: info.TileType, Compression: info.Compression, MinZoom: info.MinZoom, MaxZoom: info.MaxZoom,
		West: info.Bounds[0], South: info.Bounds[1], East: info.Bounds[2], North: info.Bounds[3],
		Attribution: info.Attribution, Layers: strings.Join(info.Layers, ",")})
	if errors.Is(err, db.ErrNotFound) {
		return Failure("the basemap was deleted while it was checked")
	}
	if err != nil {
		return err
	}
	if res.State == db.BasemapInvalid {
		return Failure("%s", res.Message)
	}
	w.j.progress(ctx, job.JobRow, b.ProjectID, 100, fmt.Sprintf("%s %s tiles, zoom %d-%d", info.TileType, info.Format,
		info.MinZoom, info.MaxZoom))
	return river.RecordOutput(ctx, res)
}

// inspectBasemap reads the stored file; a file of the other container than its name says is invalid, since
// it would be served the wrong way.
func inspectBasemap(files *storage.Store, b db.Basemap, progress func(int, string)) (tiles.Info, error) {
	f, err := files.Open(b.FileKey)
	if errors.Is(err, os.ErrNotExist) {
		return tiles.Info{}, &tiles.InvalidError{Reason: "the uploaded file is missing: upload it again"}
	}
	if err != nil {
		return tiles.Info{}, err
	}
	// The store hands out an open file; its name is the path SQLite needs.
	path := f.Name()
	_ = f.Close()
	info, err := tiles.Inspect(path, b.Name, progress)
	if err == nil && info.Container != b.Container {
		return tiles.Info{}, &tiles.InvalidError{Reason: fmt.Sprintf(
			"the file is a %s file but its name ends in .%s: rename it and upload it again", info.Container,
			b.Container)}
	}
	return info, err
}
