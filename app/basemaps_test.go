package app

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
	"fieldbase/app/tiles/tilestest"
)

var (
	northColor = color.RGBA{R: 10, G: 120, B: 200, A: 255}
	southColor = color.RGBA{R: 200, G: 60, B: 10, A: 255}
)

// basemapClient talks to a listening app as one user.
type basemapClient struct {
	base, token string
}

func (bc basemapClient) do(t *testing.T, method, url string, body io.Reader, headers map[string]string) (*http.Response,
	[]byte) {
	t.Helper()
	req, err := http.NewRequest(method, bc.base+url, body)
	if err != nil {
		t.Fatal(err)
	}
	if bc.token != "" {
		req.Header.Set("Authorization", "Bearer "+bc.token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, got
}

// upload sends one file as the multipart field "file"; chunked sends it without a Content-Length.
func (bc basemapClient) upload(t *testing.T, pid int64, name string, data []byte, chunked bool) (*http.Response,
	[]byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(data)
	_ = mw.Close()
	var body io.Reader = &buf
	if chunked {
		body = io.MultiReader(&buf) // hides the length from net/http
	}
	return bc.do(t, http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/basemaps", pid), body,
		map[string]string{"Content-Type": mw.FormDataContentType()})
}

// mustUpload uploads a file and waits until its validation leaves the validating state.
func (bc basemapClient) mustUpload(t *testing.T, pid int64, name string, data []byte) BasemapBody {
	t.Helper()
	resp, got := bc.upload(t, pid, name, data, false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", name, resp.StatusCode, got)
	}
	var b BasemapBody
	decode(t, string(got), &b)
	if b.State != "validating" || b.JobID == 0 {
		t.Fatalf("uploaded = %+v", b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, got := bc.do(t, http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d", pid, b.ID), nil, nil)
		decode(t, string(got), &b)
		if b.State != "validating" {
			return b
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not for correctness
	}
	t.Fatalf("basemap %s still validating", name)
	return b
}

// finishedJob polls a job until River has finalised it.
func (bc basemapClient) finishedJob(t *testing.T, id int64) JobBody {
	t.Helper()
	var job JobBody
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, got := bc.do(t, http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), nil, nil)
		decode(t, string(got), &job)
		switch job.State {
		case "completed", "cancelled", "discarded":
			return job
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not for correctness
	}
	t.Fatalf("job %d did not finish", id)
	return job
}

// basemapFiles counts the files in the basemaps store (stored and temporary).
func (ta *testApp) basemapFiles(t *testing.T) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(filepath.Join(ta.cfg.Data.Dir, "basemaps"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func writeMBTiles(t *testing.T, spec tilestest.MBTilesSpec) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.mbtiles")
	tilestest.MBTiles(t, path, spec)
	return readFile(t, path)
}

func TestBasemapMBTilesRaster(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	north, south := tilestest.PNG(t, northColor), tilestest.PNG(t, southColor)
	file := writeMBTiles(t, tilestest.MBTilesSpec{Metadata: map[string]string{"format": "png", "name": "Town"},
		Tiles: map[tilestest.ZXY][]byte{{Z: 1, X: 0, Y: 0}: north, {Z: 1, X: 0, Y: 1}: south}})
	b := pm.mustUpload(t, fp.id, "town.mbtiles", file)
	if b.State != "ready" || b.Format != "png" || b.TileType != "raster" || b.MinZoom != 1 || b.MaxZoom != 1 ||
		b.Size != int64(len(file)) || !strings.HasSuffix(b.URL, "/tiles/{z}/{x}/{y}") {
		t.Fatalf("basemap = %+v", b)
	}
	tileURL := fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/", fp.id, b.ID)
	tests := []struct {
		name       string
		zxy        string
		client     basemapClient
		wantStatus int
		want       []byte
	}{
		{"OKNorthTileIsY0", "1/0/0", pm, http.StatusOK, north},
		{"OKSouthTileIsY1", "1/0/1", pm, http.StatusOK, south},
		{"OKExtension", "1/0/1.png", basemapClient{base: pm.base, token: fp.mapper}, http.StatusOK, south},
		{"NoContentMissingTile", "1/1/0", pm, http.StatusNoContent, nil},
		{"NoContentBeyondTheWorld", "1/5/0", pm, http.StatusNoContent, nil},
		{"NotFoundBadAddress", "1/a/0", pm, http.StatusNotFound, nil},
		{"NotFoundAnonymousPrivate", "1/0/0", basemapClient{base: pm.base}, http.StatusNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := tc.client.do(t, http.MethodGet, tileURL+tc.zxy, nil, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, got)
			}
			if tc.want == nil {
				return
			}
			if !bytes.Equal(got, tc.want) || resp.Header.Get("Content-Type") != "image/png" {
				t.Errorf("tile of %d bytes, type %q", len(got), resp.Header.Get("Content-Type"))
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=604800") ||
				!strings.HasPrefix(cc, "private") {
				t.Errorf("Cache-Control = %q", cc)
			}
		})
	}
	t.Run("NotModifiedWithETag", func(t *testing.T) {
		resp, _ := pm.do(t, http.MethodGet, tileURL+"1/0/0", nil, nil)
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		resp, _ = pm.do(t, http.MethodGet, tileURL+"1/0/0", nil, map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status = %d, want 304", resp.StatusCode)
		}
		if other, _ := pm.do(t, http.MethodGet, tileURL+"1/0/1", nil, nil); other.Header.Get("ETag") == etag {
			t.Error("two tiles share an ETag")
		}
	})
	t.Run("NotFoundPMTilesRouteOfMBTiles", func(t *testing.T) {
		resp, _ := pm.do(t, http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/file", fp.id, b.ID), nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d", resp.StatusCode)
		}
	})
}

func TestBasemapMBTilesVectorGzip(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	pbf := tilestest.Gzip(t, tilestest.MVT("water"))
	b := pm.mustUpload(t, fp.id, "v.mbtiles", writeMBTiles(t, tilestest.MBTilesSpec{
		Metadata: map[string]string{"format": "pbf", "json": `{"vector_layers":[{"id":"water"}]}`},
		Tiles:    map[tilestest.ZXY][]byte{{Z: 0}: pbf}}))
	if b.State != "ready" || b.TileType != "vector" || len(b.Layers) != 1 || b.Layers[0] != "water" {
		t.Fatalf("basemap = %+v", b)
	}
	// Asking for gzip keeps net/http from decompressing, so the bytes and the header are seen as sent.
	resp, got := pm.do(t, http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/0/0/0", fp.id, b.ID),
		nil, map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pbf) {
		t.Fatalf("tile: %d, %d bytes", resp.StatusCode, len(got))
	}
	if resp.Header.Get("Content-Encoding") != "gzip" ||
		resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Errorf("headers = %v", resp.Header)
	}
}

func TestBasemapPMTilesRange(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	tile := tilestest.PNG(t, northColor)
	pmf := tilestest.PMTiles(t, tilestest.PMTilesSpec{TileType: 2, TileCompression: 1, MinZoom: 0, MaxZoom: 1,
		Bounds: [4]float64{-10, -20, 30, 40}, Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, southColor),
			{Z: 1, X: 1, Y: 0}: tile}})
	b := pm.mustUpload(t, fp.id, "area.pmtiles", pmf.Bytes)
	if b.State != "ready" || b.Container != "pmtiles" || b.Bounds[0] != -10 || b.Bounds[3] != 40 ||
		!strings.HasSuffix(b.URL, "/file") {
		t.Fatalf("basemap = %+v", b)
	}
	size := int64(len(pmf.Bytes))
	off := pmf.Offsets[tilestest.ZXY{Z: 1, X: 1, Y: 0}]
	url := fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/file", fp.id, b.ID)
	tests := []struct {
		name         string
		rng          string
		wantStatus   int
		want         []byte
		wantRangeHdr string
	}{
		{"PartialTileBytes", fmt.Sprintf("bytes=%d-%d", off, off+int64(len(tile))-1), http.StatusPartialContent,
			tile, fmt.Sprintf("bytes %d-%d/%d", off, off+int64(len(tile))-1, size)},
		{"PartialHeader", "bytes=0-126", http.StatusPartialContent, pmf.Bytes[:127],
			fmt.Sprintf("bytes 0-126/%d", size)},
		{"PartialSuffix", "bytes=-10", http.StatusPartialContent, pmf.Bytes[size-10:],
			fmt.Sprintf("bytes %d-%d/%d", size-10, size-1, size)},
		{"PartialEndClamped", fmt.Sprintf("bytes=%d-%d", size-5, size+100), http.StatusPartialContent,
			pmf.Bytes[size-5:], fmt.Sprintf("bytes %d-%d/%d", size-5, size-1, size)},
		{"OKWholeWithoutRange", "", http.StatusOK, pmf.Bytes, ""},
		{"OKWholeForSeveralRanges", "bytes=0-1,5-6", http.StatusOK, pmf.Bytes, ""},
		{"NotSatisfiableBeyondEnd", fmt.Sprintf("bytes=%d-", size), http.StatusRequestedRangeNotSatisfiable, nil,
			fmt.Sprintf("bytes */%d", size)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.rng != "" {
				h["Range"] = tc.rng
			}
			resp, got := pm.do(t, http.MethodGet, url, nil, h)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.want != nil && !bytes.Equal(got, tc.want) {
				t.Errorf("got %d bytes, want %d exact bytes", len(got), len(tc.want))
			}
			if cr := resp.Header.Get("Content-Range"); cr != tc.wantRangeHdr {
				t.Errorf("Content-Range = %q, want %q", cr, tc.wantRangeHdr)
			}
			if resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", resp.Header)
			}
		})
	}
	t.Run("OKWholeWhenIfRangeStale", func(t *testing.T) {
		resp, got := pm.do(t, http.MethodGet, url, nil, map[string]string{"Range": "bytes=0-9", "If-Range": `"old"`})
		if resp.StatusCode != http.StatusOK || len(got) != len(pmf.Bytes) {
			t.Errorf("status = %d, %d bytes", resp.StatusCode, len(got))
		}
	})
}

func TestBasemapInvalidFiles(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	fp := ta.formsProject(t)
	pm := basemapClient{base: ta.listen(t), token: fp.pm}
	good := tilestest.PMTiles(t, tilestest.PMTilesSpec{TileType: 2, TileCompression: 1, Bounds: [4]float64{0, 0, 1, 1},
		Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, northColor)}}).Bytes
	badMagic := append([]byte("PMTilez"), good[7:]...)
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"InvalidNotADatabase", "notes.mbtiles", []byte("these are my notes, not a map"), "not a database"},
		{"InvalidNoTilesTable", "t.mbtiles", writeMBTiles(t, tilestest.MBTilesSpec{NoTiles: true}), "no tiles table"},
		{"InvalidNoMetadataTable", "m.mbtiles", writeMBTiles(t, tilestest.MBTilesSpec{NoMetadata: true,
			Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, northColor)}}), "no metadata table"},
		{"InvalidWrongMagic", "x.pmtiles", badMagic, "wrong magic"},
		{"InvalidContainerMismatch", "x.pmtiles", writeMBTiles(t, tilestest.MBTilesSpec{
			Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, northColor)}}), "rename it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := pm.mustUpload(t, fp.id, tc.file, tc.data)
			if b.State != "invalid" || !strings.Contains(b.Message, tc.want) || b.URL != "" {
				t.Fatalf("basemap = %+v; want invalid with %q", b, tc.want)
			}
			if job := pm.finishedJob(t, b.JobID); job.State != "cancelled" || !strings.Contains(job.Error, tc.want) {
				t.Errorf("job = %s %q, want cancelled with %q", job.State, job.Error, tc.want)
			}
			resp, _ := pm.do(t, http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/0/0/0", fp.id,
				b.ID), nil, nil)
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("tile of an invalid basemap: %d, want 409", resp.StatusCode)
			}
		})
	}
}

func TestBasemapUploadRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Basemaps.MaxUploadMB = 1 })
	fp := ta.formsProject(t)
	base := ta.listen(t)
	pm := basemapClient{base: base, token: fp.pm}
	// Just over the limit: small enough for the loopback socket buffers to take it whole, so the client reads the
	// 413 rather than failing on a reset while it still writes.
	big := bytes.Repeat([]byte("x"), 1<<20+64<<10)
	small := writeMBTiles(t, tilestest.MBTilesSpec{})
	tests := []struct {
		name       string
		client     basemapClient
		file       string
		data       []byte
		chunked    bool
		wantStatus int
	}{
		{"TooLargeAnnounced", pm, "big.mbtiles", big, false, http.StatusRequestEntityTooLarge},
		{"TooLargeChunked", pm, "big.mbtiles", big, true, http.StatusRequestEntityTooLarge},
		{"UnprocessableExtension", pm, "map.zip", small, false, http.StatusUnprocessableEntity},
		{"ForbiddenValidator", basemapClient{base: base, token: fp.validator}, "m.mbtiles", small, false,
			http.StatusForbidden},
		{"NotFoundAnonymousPrivate", basemapClient{base: base}, "m.mbtiles", small, false, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := tc.client.upload(t, fp.id, tc.file, tc.data, tc.chunked)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, got)
			}
			if n := ta.basemapFiles(t); n != 0 {
				t.Errorf("%d files left behind", n)
			}
		})
	}
	t.Run("UnprocessableNoFile", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("note", "x")
		_ = mw.Close()
		resp, got := pm.do(t, http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/basemaps", fp.id), &buf,
			map[string]string{"Content-Type": mw.FormDataContentType()})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(got), "file") {
			t.Errorf("status = %d: %s", resp.StatusCode, got)
		}
	})
}
