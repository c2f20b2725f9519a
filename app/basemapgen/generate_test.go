package basemapgen_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"fieldbase/app/basemapgen"
	"fieldbase/app/basemapgen/xyztest"
	"fieldbase/app/tiles"
)

// aoi is a small triangle near Kathmandu: at zooms 12-14 it covers a few dozen tiles, fewer than its bounding box.
var aoi = orb.MultiPolygon{{{{85.30, 27.68}, {85.36, 27.68}, {85.30, 27.73}, {85.30, 27.68}}}}

// expected lists the tiles covering the AOI at zooms minZ-maxZ.
func expected(minZ, maxZ int) []xyztest.ZXY {
	var out []xyztest.ZXY
	for z := minZ; z <= maxZ; z++ {
		for _, s := range basemapgen.Cover(aoi, z) {
			for x := s.X0; x <= s.X1; x++ {
				out = append(out, xyztest.ZXY{Z: z, X: x, Y: s.Y})
			}
		}
	}
	return out
}

func fetcher(timeout time.Duration) *basemapgen.Fetcher {
	f := basemapgen.NewFetcher("Fieldbase/test (+https://fieldbase.example)", timeout, true)
	f.Backoff = 20 * time.Millisecond
	return f
}

// readTile reads a tile back through package tiles' readers.
func readTile(t *testing.T, path, format string, at xyztest.ZXY) ([]byte, error) {
	t.Helper()
	if format == tiles.PMTiles {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return tiles.PMTilesTile(f, uint8(at.Z), uint32(at.X), uint32(at.Y))
	}
	m, err := tiles.OpenMBTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return m.Tile(context.Background(), at.Z, at.X, at.Y)
}

// TestGenerateHoldsExactlyTheTiles downloads PNG, JPEG and vector tiles from a local server that answers some
// tiles 404, some 429 with Retry-After, one 503 and stalls on one: the file holds every tile of the cover
// byte for byte, none of the 404s, and nothing else; the 429s were retried after Retry-After.
func TestGenerateHoldsExactlyTheTiles(t *testing.T) {
	t.Parallel()
	want := expected(13, 15)
	if len(want) < 20 {
		t.Fatalf("the AOI covers only %d tiles", len(want))
	}
	missing, limited, busy, stall := want[3:5], want[6:8], want[9:10], want[len(want)-1]
	for _, tc := range []struct{ kind, format, tileFormat string }{
		{"png", tiles.MBTiles, "png"}, {"jpg", tiles.PMTiles, "jpg"}, {"mvt", tiles.MBTiles, "pbf"},
		{"mvt", tiles.PMTiles, "pbf"},
	} {
		t.Run(tc.kind+"_"+tc.format, func(t *testing.T) {
			t.Parallel()
			srv := xyztest.New(t, xyztest.Options{Missing: missing, Limited: limited, Busy: busy,
				Stall: []xyztest.ZXY{stall}})
			dir := t.TempDir()
			out := filepath.Join(dir, "out."+tc.format)
			p := basemapgen.Params{Source: basemapgen.Source{Name: "local", URL: srv.Template(tc.kind),
				Attribution: "© Test"}, AOI: aoi, MinZoom: 13, MaxZoom: 15, Format: tc.format, Name: "Test",
				Concurrency: 4}
			var last basemapgen.Progress
			info, pr, err := basemapgen.Generate(context.Background(), fetcher(2*time.Second), p,
				filepath.Join(dir, "work.sqlite"), out, func(p basemapgen.Progress) { last = p })
			if err != nil {
				t.Fatal(err)
			}
			if pr.Total != len(want) || pr.Done != len(want) || pr.Missing != len(missing) || last != pr {
				t.Errorf("progress %+v (last reported %+v), want %d done of %d, %d missing", pr, last,
					len(want), len(want), len(missing))
			}
			if tc.kind == "mvt" && (len(info.Layers) != 1 || info.Layers[0] != "roads") {
				t.Errorf("vector layers %v, want [roads]", info.Layers)
			}
			if info.Format != tc.tileFormat || info.MinZoom != 13 || info.MaxZoom != 15 || info.Container != tc.format {
				t.Errorf("info %+v", info)
			}
			isMissing := map[xyztest.ZXY]bool{}
			for _, m := range missing {
				isMissing[m] = true
			}
			var bytesWant int64
			for _, at := range want {
				got, err := readTile(t, out, tc.format, at)
				if isMissing[at] {
					if !errors.Is(err, tiles.ErrNoTile) {
						t.Errorf("tile %v: the source had none but the file holds %q (%v)", at, got, err)
					}
					continue
				}
				bytesWant += int64(len(xyztest.Tile(tc.kind, at)))
				if err != nil || !bytes.Equal(got, xyztest.Tile(tc.kind, at)) {
					t.Errorf("tile %v: got %q, %v", at, got, err)
				}
			}
			if pr.Bytes != bytesWant {
				t.Errorf("bytes %d, want %d", pr.Bytes, bytesWant)
			}
			// A tile just outside the cover is not there.
			if _, err := readTile(t, out, tc.format, xyztest.ZXY{Z: 15, X: want[len(want)-1].X + 1,
				Y: want[len(want)-1].Y}); !errors.Is(err, tiles.ErrNoTile) {
				t.Errorf("a tile outside the cover: %v", err)
			}
			reqs := srv.Requests(tc.kind)
			for _, at := range want {
				n := 1
				if at == stall || at == busy[0] || at == limited[0] || at == limited[1] {
					n = 2
				}
				if reqs[at] != n {
					t.Errorf("tile %v asked %d times, want %d", at, reqs[at], n)
				}
			}
			if len(reqs) != len(want) {
				t.Errorf("%d tiles asked for, want %d", len(reqs), len(want))
			}
			if g := srv.Gap(limited[0]); g < 900*time.Millisecond {
				t.Errorf("the 429 with Retry-After: 1 was retried after %v", g)
			}
			if a := srv.Agents(); len(a) != 1 || !strings.HasPrefix(a[0], "Fieldbase/") {
				t.Errorf("User-Agent %v", a)
			}
		})
	}
}

// TestGenerateResumes stops a generation half-way (its context is cancelled), then runs it again: the second run
// asks only for the tiles the first did not keep.
func TestGenerateResumes(t *testing.T) {
	t.Parallel()
	want := expected(13, 15)
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 20 * time.Millisecond
	dir := t.TempDir()
	work, out := filepath.Join(dir, "work.sqlite"), filepath.Join(dir, "out.mbtiles")
	p := basemapgen.Params{Source: basemapgen.Source{URL: srv.Template("png")}, AOI: aoi, MinZoom: 13, MaxZoom: 15,
		Format: tiles.MBTiles, Concurrency: 2}
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	go func() { // stop once a third of the tiles were asked for (or when the run ends first)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for len(srv.Requests("png")) < len(want)/3 {
			select {
			case <-ended:
				return
			case <-tick.C:
			}
		}
		cancel()
	}()
	_, first, err := basemapgen.Generate(ctx, fetcher(time.Second), p, work, out, func(basemapgen.Progress) {})
	close(ended)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v", err)
	}
	if first.Done == 0 || first.Done >= len(want) {
		t.Fatalf("first run kept %d of %d", first.Done, len(want))
	}
	before := srv.Requests("png")
	_, second, err := basemapgen.Generate(context.Background(), fetcher(time.Second), p, work, out,
		func(basemapgen.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if second.Fetched != len(want)-first.Done {
		t.Errorf("second run fetched %d, want %d - %d", second.Fetched, len(want), first.Done)
	}
	after := srv.Requests("png")
	again := 0
	for _, n := range after {
		if n > 1 {
			again++
		}
	}
	// Tiles in flight when the first run stopped were not kept and are asked again; no kept tile is.
	if again > p.Concurrency {
		t.Errorf("%d tiles asked twice (more than the %d in flight): before %d, after %d", again, p.Concurrency,
			len(before), len(after))
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateStopsOnRefusal: a 403 stops the job with a message rather than retrying for ever.
func TestGenerateStopsOnRefusal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := xyztest.New(t, xyztest.Options{})
	p := basemapgen.Params{Source: basemapgen.Source{URL: srv.Template("forbidden")}, AOI: aoi,
		MinZoom: 12, MaxZoom: 12, Format: tiles.MBTiles, Concurrency: 2}
	_, _, err := basemapgen.Generate(context.Background(), fetcher(time.Second), p, filepath.Join(dir, "w"),
		filepath.Join(dir, "o.mbtiles"), func(basemapgen.Progress) {})
	var pe *basemapgen.PermanentError
	if !errors.As(err, &pe) {
		t.Fatalf("err %v, want a PermanentError", err)
	}
}
