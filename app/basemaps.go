package app

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"fieldbase/app/jobs"
	"fieldbase/app/storage"
	"fieldbase/app/tiles"
	"fieldbase/db"
)

// basemaps is what the basemap routes need beside the database: their own file store (files of several GB,
// kept apart from attachments), the upload limit and the MBTiles files open for tile serving.
type basemaps struct {
	files     *storage.Store
	maxUpload int64
	// readTimeout is how long an upload may stall before the connection is dropped.
	readTimeout time.Duration
	mbtiles     *mbtilesHandles
}

// newBasemaps opens the basemaps file store and sweeps it: temporary files of uploads cut short and files no
// basemap row names are removed. It runs before the server accepts uploads.
func newBasemaps(ctx context.Context, dataDir string, maxUploadMB int, readTimeout time.Duration,
	store *db.Store) (*basemaps, error) {
	files, err := jobs.BasemapFiles(dataDir)
	if err != nil {
		return nil, err
	}
	if _, err := files.Sweep(func(key string) (bool, error) { return store.BasemapFileReferenced(ctx, key) }); err != nil {
		return nil, err
	}
	bm := &basemaps{files: files, maxUpload: int64(maxUploadMB) << 20, readTimeout: readTimeout}
	bm.mbtiles = newMBTilesHandles(maxOpenMBTiles, bm.openMBTiles)
	return bm, nil
}

// openMBTiles opens the MBTiles file of a basemap read-only.
func (bm *basemaps) openMBTiles(b db.Basemap) (*tiles.MBTilesFile, error) {
	f, err := bm.files.Open(b.FileKey)
	if err != nil {
		return nil, err
	}
	path := f.Name()
	_ = f.Close()
	return tiles.OpenMBTiles(path)
}

// BasemapBody is a basemap as the API shows it. Format, tile type, zooms and bounds are known once the
// validation job has found the file ready.
type BasemapBody struct {
	ID          int64      `json:"id"`
	ProjectID   int64      `json:"project_id"`
	Name        string     `json:"name"`
	Container   string     `json:"container" enum:"mbtiles,pmtiles"`
	Size        int64      `json:"size"`
	State       string     `json:"state" enum:"validating,ready,invalid"`
	Message     string     `json:"message,omitempty" doc:"Why the file is invalid"`
	JobID       int64      `json:"job_id" doc:"The validation job (GET /jobs/{id} shows its progress)"`
	Format      string     `json:"format,omitempty" doc:"png, jpg, webp, avif or pbf"`
	TileType    string     `json:"tile_type,omitempty" doc:"raster or vector"`
	MinZoom     int        `json:"min_zoom"`
	MaxZoom     int        `json:"max_zoom"`
	Bounds      []float64  `json:"bounds,omitempty" doc:"west, south, east, north in degrees"`
	Attribution string     `json:"attribution,omitempty"`
	Layers      []string   `json:"layers,omitempty" doc:"Layer ids of a vector tileset, for a style"`
	URL         string     `json:"url,omitempty" doc:"Tile URL template (MBTiles) or file URL (PMTiles), once ready"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
}

func basemapBody(b db.Basemap) BasemapBody {
	out := BasemapBody{ID: b.ID, ProjectID: b.ProjectID, Name: b.Name, Container: b.Container, Size: b.Size,
		State: b.State, Message: b.Message, JobID: b.JobID, CreatedAt: b.CreatedAt.UTC()}
	if !b.UpdatedAt.Equal(b.CreatedAt) {
		u := b.UpdatedAt.UTC()
		out.UpdatedAt = &u
	}
	if b.State != db.BasemapReady {
		return out
	}
	out.Format, out.TileType, out.MinZoom, out.MaxZoom = b.Format, b.TileType, b.MinZoom, b.MaxZoom
	out.Bounds, out.Attribution = []float64{b.West, b.South, b.East, b.North}, b.Attribution
	if b.Layers != "" {
		out.Layers = strings.Split(b.Layers, ",")
	}
	base := fmt.Sprintf("%s/projects/%d/basemaps/%d", apiPrefix, b.ProjectID, b.ID)
	if b.Container == tiles.PMTiles {
		out.URL = base + "/file"
	} else {
		out.URL = base + "/tiles/{z}/{x}/{y}"
	}
	return out
}

// BasemapListBody is a page of a project's basemaps.
type BasemapListBody struct {
	Items   []BasemapBody `json:"items"`
	Total   int           `json:"total"`
	Page    int           `json:"page"`
	PerPage int           `json:"per_page"`
}

// BasemapPath names a basemap of a project.
type BasemapPath struct {
	ID  int64 `path:"id"`
	BID int64 `path:"bid"`
}

var (
	listBasemapsOp = huma.Operation{OperationID: "list-basemaps", Tags: []string{"Basemaps"},
		Summary: "List a project's offline basemaps with their validation state", Errors: []int{http.StatusNotFound}}
	getBasemapOp = huma.Operation{OperationID: "get-basemap", Tags: []string{"Basemaps"}, Summary: "Show a basemap",
		Errors: []int{http.StatusNotFound}}
	deleteBasemapOp = huma.Operation{OperationID: "delete-basemap", Tags: []string{"Basemaps"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Delete a basemap and its file (project managers)", Errors: []int{http.StatusNotFound}}
	uploadBasemapDoc = huma.Operation{OperationID: "upload-basemap", Tags: []string{"Basemaps"},
		Summary: "Upload an MBTiles or PMTiles file (multipart field file; project managers)",
		Description: "The file is streamed to disk and answered 201 with the basemap in state validating and its " +
			"job_id; the job records it ready (format, zooms, bounds) or invalid with a message. 413 over " +
			"[basemaps] max_upload_mb; 422 when the file is missing or not named .mbtiles or .pmtiles."}
)

func (a *App) apiListBasemaps(ctx context.Context, in *struct {
	ID int64 `path:"id"`
	Page
}) (*struct{ Body BasemapListBody }, error) {
	list, err := a.store.Basemaps(ctx, projectFrom(ctx).Project.ID)
	if err != nil {
		return nil, err
	}
	limit, offset := in.limitOffset()
	out := &struct{ Body BasemapListBody }{Body: BasemapListBody{Items: []BasemapBody{}, Total: len(list),
		Page: in.Page.Page, PerPage: in.PerPage}}
	for i := offset; i < len(list) && i < offset+limit; i++ {
		out.Body.Items = append(out.Body.Items, basemapBody(list[i]))
	}
	return out, nil
}

func (a *App) apiGetBasemap(ctx context.Context, in *BasemapPath) (*struct{ Body BasemapBody }, error) {
	b, err := a.store.ProjectBasemap(ctx, projectFrom(ctx).Project.ID, in.BID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body BasemapBody }{Body: basemapBody(b)}, nil
}

func (a *App) apiDeleteBasemap(ctx context.Context, in *BasemapPath) (*struct{}, error) {
	key, err := a.store.DeleteBasemap(ctx, projectFrom(ctx).Project.ID, in.BID)
	if err != nil {
		return nil, err
	}
	a.basemaps.mbtiles.forget(in.BID)
	if err := a.basemaps.files.Remove(key); err != nil {
		a.log.Warn("basemap file not removed", "key", key, "err", err)
	}
	return &struct{}{}, nil
}

// basemapContainer is the container a file name announces.
func basemapContainer(name string) (string, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mbtiles":
		return tiles.MBTiles, true
	case ".pmtiles":
		return tiles.PMTiles, true
	}
	return "", false
}

// uploadBasemap streams the file to disk, renames it into place, then stores its row and its validation job in
// one write; a failure on the way leaves no file behind.
func (a *App) uploadBasemap(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tmp, name, err := a.basemapPart(c)
	if err != nil {
		return err
	}
	container, _ := basemapContainer(name)
	pid := projectFrom(ctx).Project.ID
	key := fmt.Sprintf("p%d/%s_%s", pid, uuid.NewString(), storage.SafeName(name))
	if err := tmp.Commit(key); err != nil {
		return err
	}
	b, err := a.store.CreateBasemap(ctx, db.Basemap{ProjectID: pid, Name: name, FileKey: key, Container: container,
		Size: tmp.Info.Size, SHA256: tmp.Info.SHA256, CreatedBy: principal(ctx).UserID},
		func(ctx context.Context, tx *sql.Tx, id int64) (int64, error) {
			return a.jobs.InsertTx(ctx, tx, jobs.ValidateBasemapArgs{BasemapID: id, ProjectID: pid})
		})
	if err != nil {
		_ = a.basemaps.files.Remove(key)
		return err
	}
	return c.Status(http.StatusCreated).JSON(basemapBody(b))
}

// basemapPart reads the multipart part "file" into a temporary file. The read deadline moves forward while
// bytes arrive, so a large file on a slow link is not cut at server.read_timeout, but a stalled one is.
func (a *App) basemapPart(c *fiber.Ctx) (*storage.Temp, string, error) {
	mr, err := multipartBody(c, a.basemaps.maxUpload)
	if err != nil {
		return nil, "", err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", fieldError("file", coded("validation_basemap_file_required",
				"a basemap file (.mbtiles or .pmtiles) is required"))
		}
		if err != nil {
			return nil, "", bodyError(err)
		}
		if p.FormName() != "file" {
			continue
		}
		name := fileName(p)
		if _, ok := basemapContainer(name); !ok {
			return nil, "", fieldError("file", coded("validation_basemap_file_kind", "upload an .mbtiles or .pmtiles file"))
		}
		tmp, err := a.basemaps.files.Write(&deadlineReader{r: p, c: c.Context().Conn(),
			every: a.basemaps.readTimeout}, 0, false)
		if err != nil {
			return nil, "", bodyError(err)
		}
		return tmp, name, nil
	}
}

// deadlineReader pushes the connection's read deadline forward as data arrives (at most once a second).
type deadlineReader struct {
	r     io.Reader
	c     interface{ SetReadDeadline(time.Time) error }
	every time.Duration
	last  time.Time
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if now := time.Now(); d.c != nil && d.every > 0 && now.Sub(d.last) > time.Second {
		d.last = now
		_ = d.c.SetReadDeadline(now.Add(d.every))
	}
	return d.r.Read(p)
}

// errNotReady answers a tile or file request for a basemap that is not ready.
var errNotReady = errorf(http.StatusConflict, "the basemap is not ready: see its state")

// readyBasemap loads the route's basemap and checks it is ready and of the container the route serves.
func (a *App) readyBasemap(c *fiber.Ctx, container string) (db.Basemap, error) {
	ctx := c.UserContext()
	bid, err := c.ParamsInt("bid")
	if err != nil {
		return db.Basemap{}, errorf(http.StatusNotFound, "no such basemap")
	}
	b, err := a.store.ProjectBasemap(ctx, projectFrom(ctx).Project.ID, int64(bid))
	if err != nil {
		return b, err
	}
	if b.State != db.BasemapReady {
		return b, errNotReady
	}
	if b.Container != container {
		return b, errorf(http.StatusNotFound, fmt.Sprintf("this basemap is a %s file", b.Container))
	}
	return b, nil
}
