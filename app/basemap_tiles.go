package app

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/tiles"
)

// basemapMaxAge is how long browsers keep tiles and PMTiles ranges: the bytes at a basemap URL never change
// (a new upload is a new basemap), so a week is safe; the ETag lets a browser revalidate cheaply after that.
const basemapMaxAge = "max-age=604800"

var (
	basemapTileDoc = huma.Operation{OperationID: "get-basemap-tile", Tags: []string{"Basemaps"},
		Summary: "A tile of a ready MBTiles basemap (XYZ numbering: y from the north)",
		Description: "Content-Type follows the tile format (image/png, image/jpeg, image/webp, " +
			"application/vnd.mapbox-vector-tile); gzip-compressed vector tiles are sent with Content-Encoding " +
			"gzip. A tile the file does not hold is 204 No Content (an empty tile, which map libraries draw " +
			"as nothing without reporting an error). Cached for a week with an ETag (304 on If-None-Match). " +
			"409 while the basemap is validating or when it is invalid."}
	basemapFileDoc = huma.Operation{OperationID: "get-basemap-file", Tags: []string{"Basemaps"},
		Summary: "The file of a ready PMTiles basemap, with HTTP Range requests",
		Description: "A single byte range (Range: bytes=a-b, a- or -n) is answered 206 with Content-Range; " +
			"no Range (or several) the whole file, 200. Accept-Ranges: bytes; an ETag for If-None-Match and " +
			"If-Range; 416 for a range beyond the end."}
)

// basemapCache is the Cache-Control of a basemap of the project: private projects stay out of shared caches.
func basemapCache(c *fiber.Ctx) string {
	if pa := projectFrom(c.UserContext()); pa != nil && pa.Project.Visibility == "public" {
		return "public, " + basemapMaxAge
	}
	return "private, " + basemapMaxAge
}

// notModified sets the caching headers and reports whether the client already holds this version.
func notModified(c *fiber.Ctx, etag string) bool {
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, basemapCache(c))
	inm := c.Get(fiber.HeaderIfNoneMatch)
	for _, t := range strings.Split(inm, ",") {
		if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
			return true
		}
	}
	return false
}

// tileAddress reads z/x/y from the path; y may carry an extension (12/2048/1361.png).
func tileAddress(c *fiber.Ctx) (z, x, y int, ok bool) {
	ys, _, _ := strings.Cut(c.Params("y"), ".")
	var err [3]error
	z, err[0] = strconv.Atoi(c.Params("z"))
	x, err[1] = strconv.Atoi(c.Params("x"))
	y, err[2] = strconv.Atoi(ys)
	return z, x, y, err[0] == nil && err[1] == nil && err[2] == nil
}

// basemapTile serves one tile of an MBTiles basemap.
func (a *App) basemapTile(c *fiber.Ctx) error {
	b, err := a.readyBasemap(c, tiles.MBTiles)
	if err != nil {
		return err
	}
	z, x, y, ok := tileAddress(c)
	if !ok {
		return errorf(http.StatusNotFound, "a tile address is z/x/y in whole numbers")
	}
	if notModified(c, fmt.Sprintf(`"%.16s-%d-%d-%d"`, b.SHA256, z, x, y)) {
		return c.SendStatus(http.StatusNotModified)
	}
	data, err := a.basemaps.mbtiles.tile(c.UserContext(), b, z, x, y)
	if errors.Is(err, tiles.ErrNoTile) || (err == nil && len(data) == 0) {
		return c.SendStatus(http.StatusNoContent)
	}
	if err != nil {
		return err
	}
	if _, gz := tiles.Sniff(data); gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	c.Set(fiber.HeaderContentType, tiles.ContentType(b.Format))
	return c.Send(data)
}

// basemapFile serves a PMTiles basemap, whole or one byte range of it, streamed from disk.
func (a *App) basemapFile(c *fiber.Ctx) error {
	b, err := a.readyBasemap(c, tiles.PMTiles)
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"%.32s"`, b.SHA256)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	if notModified(c, etag) {
		return c.SendStatus(http.StatusNotModified)
	}
	f, err := a.basemaps.files.Open(b.FileKey)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	size := st.Size()
	c.Set(fiber.HeaderContentType, "application/vnd.pmtiles")
	rng := c.Get(fiber.HeaderRange)
	if ir := c.Get(fiber.HeaderIfRange); ir != "" && ir != etag {
		rng = ""
	}
	start, end, status := byteRange(rng, size)
	switch status {
	case http.StatusRequestedRangeNotSatisfiable:
		_ = f.Close()
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", size))
		return c.SendStatus(status)
	case http.StatusPartialContent:
		c.Status(status)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	}
	c.Context().SetBodyStream(&sectionFile{SectionReader: io.NewSectionReader(f, start, end-start+1), f: f},
		int(end-start+1))
	return nil
}

// sectionFile is a byte range of an open file, closed when fasthttp has sent it.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionFile) Close() error { return s.f.Close() }

// byteRange reads a Range header of one range ("bytes=a-b", "bytes=a-", "bytes=-n") over a file of size bytes.
// It answers the inclusive range to send and 206, the whole file and 200 when there is no range it serves (none,
// several, or not in bytes), or 416 when the range starts beyond the end.
func byteRange(h string, size int64) (start, end int64, status int) {
	whole := func() (int64, int64, int) { return 0, size - 1, http.StatusOK }
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return whole()
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return whole()
		}
		return max(size-n, 0), size - 1, http.StatusPartialContent
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return whole()
	}
	if start >= size {
		return 0, 0, http.StatusRequestedRangeNotSatisfiable
	}
	end = size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return whole()
		}
		end = min(end, size-1)
	}
	return start, end, http.StatusPartialContent
}
