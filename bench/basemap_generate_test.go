package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"fieldbase/app/basemapgen"
	"fieldbase/app/tiles"
)

// tileBytes is the size of each tile the local server sends: a middle size for real raster tiles.
const tileBytes = 15 << 10

// localTileServer is an XYZ server on 127.0.0.1 sending PNG-headed tiles of tileBytes that name their address.
func localTileServer(b *testing.B) *httptest.Server {
	pad := make([]byte, tileBytes)
	copy(pad, "\x89PNG\r\n\x1a\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(pad)
		_, _ = w.Write([]byte(r.URL.Path))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchAOI is a square about 0.38° wide (about 42 km): zooms 10-18 cover about 100,000 tiles.
var benchAOI = orb.MultiPolygon{{{{85.10, 27.50}, {85.48, 27.50}, {85.48, 27.88}, {85.10, 27.88}, {85.10, 27.50}}}}

// BenchmarkGenerateBasemap downloads about 100,000 tiles from a local server (4 requests in flight, the default)
// into the work file and writes the MBTiles or PMTiles file, reporting tiles/s and the peak Go heap during the job.
func BenchmarkGenerateBasemap(b *testing.B) {
	total := 0
	for z := 10; z <= 18; z++ {
		total += basemapgen.Count(basemapgen.Cover(benchAOI, z))
	}
	for _, format := range []string{tiles.MBTiles, tiles.PMTiles} {
		b.Run(fmt.Sprintf("%s_%dtiles", format, total), func(b *testing.B) {
			srv := localTileServer(b)
			for b.Loop() {
				dir := b.TempDir()
				var peak atomic.Uint64
				stop := make(chan struct{})
				go func() {
					var ms runtime.MemStats
					t := time.NewTicker(50 * time.Millisecond)
					defer t.Stop()
					for {
						runtime.ReadMemStats(&ms)
						if ms.HeapInuse > peak.Load() {
							peak.Store(ms.HeapInuse)
						}
						select {
						case <-stop:
							return
						case <-t.C:
						}
					}
				}()
				start := time.Now()
				f := basemapgen.NewFetcher("Fieldbase/bench", 30*time.Second, true)
				_, pr, err := basemapgen.Generate(context.Background(), f, basemapgen.Params{
					Source: basemapgen.Source{URL: srv.URL + "/{z}/{x}/{y}.png"}, AOI: benchAOI, MinZoom: 10,
					MaxZoom: 18, Format: format, Name: "bench", Concurrency: 4},
					filepath.Join(dir, "work.sqlite"), filepath.Join(dir, "out."+format), func(basemapgen.Progress) {})
				close(stop)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(pr.Done)/time.Since(start).Seconds(), "tiles/s")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
			}
		})
	}
}
