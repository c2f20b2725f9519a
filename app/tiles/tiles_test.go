package tiles_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fieldbase/app/tiles"
	"fieldbase/app/tiles/tilestest"
)

var red = color.RGBA{R: 200, A: 255}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tile   []byte
		format string
		gzip   bool
	}{
		{"PNG", tilestest.PNG(t, red), "png", false},
		{"JPEG", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, "jpg", false},
		{"WebP", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), "webp", false},
		{"GzipPBF", tilestest.Gzip(t, tilestest.MVT("water")), "pbf", true},
		{"PlainPBF", tilestest.MVT("water"), "pbf", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, gz := tiles.Sniff(tc.tile)
			if f != tc.format || gz != tc.gzip {
				t.Errorf("Sniff = %s, %v; want %s, %v", f, gz, tc.format, tc.gzip)
			}
		})
	}
}

func TestZXYToTileID(t *testing.T) {
	t.Parallel()
	// The PMTiles v3 specification's examples: z1 is 1 (0,0), 2 (0,1), 3 (1,1), 4 (1,0).
	known := []struct {
		z    uint8
		x, y uint32
		want uint64
	}{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5}}
	for _, k := range known {
		if got, err := tiles.ZXYToTileID(k.z, k.x, k.y); err != nil || got != k.want {
			t.Errorf("ZXYToTileID(%d,%d,%d) = %d, %v; want %d", k.z, k.x, k.y, got, err, k.want)
		}
	}
	t.Run("OKEveryIDOnceUpToZoom5", func(t *testing.T) {
		seen := map[uint64]bool{}
		for z := uint8(0); z <= 5; z++ {
			for x := uint32(0); x < 1<<z; x++ {
				for y := uint32(0); y < 1<<z; y++ {
					id, err := tiles.ZXYToTileID(z, x, y)
					if err != nil || seen[id] {
						t.Fatalf("id %d for %d/%d/%d repeated or failed: %v", id, z, x, y, err)
					}
					seen[id] = true
				}
			}
		}
		for id := range uint64(len(seen)) {
			if !seen[id] {
				t.Fatalf("id %d skipped", id)
			}
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		if _, err := tiles.ZXYToTileID(1, 2, 0); err == nil {
			t.Error("x=2 at z1 accepted")
		}
	})
}

func TestMBTilesTileFlipsY(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.mbtiles")
	tilestest.MBTiles(t, path, tilestest.MBTilesSpec{Metadata: map[string]string{"format": "png"}})
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// TMS row 0 is the southern row: XYZ y = 1 at zoom 1.
	if _, err := raw.Exec("INSERT INTO tiles VALUES (1, 0, 0, ?), (1, 0, 1, ?)", []byte("south"),
		[]byte("north")); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	m, err := tiles.OpenMBTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tests := []struct {
		name    string
		z, x, y int
		want    string
		wantErr error
	}{
		{"OKNorthIsY0", 1, 0, 0, "north", nil},
		{"OKSouthIsY1", 1, 0, 1, "south", nil},
		{"ErrNoTileMissing", 1, 1, 0, "", tiles.ErrNoTile},
		{"ErrNoTileOutOfRange", 1, 2, 0, "", tiles.ErrNoTile},
		{"ErrNoTileNegative", 0, -1, 0, "", tiles.ErrNoTile},
		{"ErrNoTileDeepZoom", 40, 0, 0, "", tiles.ErrNoTile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Tile(context.Background(), tc.z, tc.x, tc.y)
			if !errors.Is(err, tc.wantErr) || string(got) != tc.want {
				t.Errorf("Tile = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	pngTile, pbf := tilestest.PNG(t, red), tilestest.Gzip(t, tilestest.MVT("water"))
	rasterTiles := map[tilestest.ZXY][]byte{{Z: 2, X: 1, Y: 1}: pngTile, {Z: 3, X: 2, Y: 3}: pngTile}
	pm := func(mut func(b []byte)) []byte {
		f := tilestest.PMTiles(t, tilestest.PMTilesSpec{TileType: 2, TileCompression: 1, MinZoom: 0, MaxZoom: 1,
			Bounds: [4]float64{-10, -20, 30, 40}, Tiles: map[tilestest.ZXY][]byte{{}: pngTile, {Z: 1}: pngTile}})
		if mut != nil {
			mut(f.Bytes)
		}
		return f.Bytes
	}
	tests := []struct {
		name    string
		file    string
		mbtiles *tilestest.MBTilesSpec
		raw     []byte
		want    tiles.Info
		wantErr string
	}{
		{name: "OKRasterMBTiles", file: "r.mbtiles", mbtiles: &tilestest.MBTilesSpec{Metadata: map[string]string{
			"name": "Town", "format": "png", "bounds": "-1.5,50.25,2,52", "attribution": "© us"}, Tiles: rasterTiles},
			want: tiles.Info{Container: "mbtiles", Format: "png", TileType: "raster", Compression: "none",
				MinZoom: 2, MaxZoom: 3, Bounds: [4]float64{-1.5, 50.25, 2, 52}, Name: "Town", Attribution: "© us"}},
		{name: "OKVectorMBTilesBoundsFromTiles", file: "v.mbtiles", mbtiles: &tilestest.MBTilesSpec{
			Metadata: map[string]string{"format": "pbf", "json": `{"vector_layers":[{"id":"water"},{"id":"roads"}]}`},
			Tiles:    map[tilestest.ZXY][]byte{{Z: 1, X: 1, Y: 0}: pbf}},
			want: tiles.Info{Container: "mbtiles", Format: "pbf", TileType: "vector", Compression: "gzip",
				MinZoom: 1, MaxZoom: 1, Bounds: [4]float64{0, 0, 180, 85.0511287798066},
				Layers: []string{"water", "roads"}}},
		{name: "OKVectorPMTilesLayers", file: "vp.pmtiles", raw: tilestest.PMTiles(t, tilestest.PMTilesSpec{
			TileType: 1, TileCompression: 2, MaxZoom: 0, Bounds: [4]float64{-180, -85, 180, 85},
			Tiles: map[tilestest.ZXY][]byte{{}: pbf}, Metadata: `{"vector_layers":[{"id":"water"}]}`}).Bytes,
			want: tiles.Info{Container: "pmtiles", Format: "pbf", TileType: "vector", Compression: "gzip",
				Bounds: [4]float64{-180, -85, 180, 85}, Layers: []string{"water"}}},
		{name: "OKFormatSniffedWithoutMetadata", file: "s.mbtiles", mbtiles: &tilestest.MBTilesSpec{
			Tiles: rasterTiles}, want: tiles.Info{Container: "mbtiles", Format: "png", TileType: "raster",
			Compression: "none", MinZoom: 2, MaxZoom: 3, Bounds: [4]float64{-90, 0, 0, 66.51326044311186}}},
		{name: "OKPMTiles", file: "p.pmtiles", raw: pm(nil), want: tiles.Info{Container: "pmtiles", Format: "png",
			TileType: "raster", Compression: "none", MinZoom: 0, MaxZoom: 1, Bounds: [4]float64{-10, -20, 30, 40}}},
		{name: "ErrNotADatabase", file: "x.mbtiles", raw: []byte("hello, this is text"), wantErr: "not a database"},
		{name: "ErrCorruptSQLite", file: "c.mbtiles", raw: append([]byte("SQLite format 3\x00"),
			bytes.Repeat([]byte{0xee}, 4096)...), wantErr: "cannot be read as MBTiles"},
		{name: "ErrNoTilesTable", file: "t.mbtiles", mbtiles: &tilestest.MBTilesSpec{NoTiles: true},
			wantErr: "no tiles table"},
		{name: "ErrNoMetadataTable", file: "m.mbtiles", mbtiles: &tilestest.MBTilesSpec{NoMetadata: true,
			Tiles: rasterTiles}, wantErr: "no metadata table"},
		{name: "ErrEmpty", file: "e.mbtiles", mbtiles: &tilestest.MBTilesSpec{}, wantErr: "contains no tiles"},
		{name: "ErrFormatMismatch", file: "f.mbtiles", mbtiles: &tilestest.MBTilesSpec{
			Metadata: map[string]string{"format": "jpg"}, Tiles: rasterTiles}, wantErr: "says the tiles are jpg"},
		{name: "ErrUnsupportedFormat", file: "u.mbtiles", mbtiles: &tilestest.MBTilesSpec{
			Metadata: map[string]string{"format": "tiff"}, Tiles: rasterTiles}, wantErr: "not supported"},
		{name: "ErrBadBounds", file: "b.mbtiles", mbtiles: &tilestest.MBTilesSpec{Metadata: map[string]string{
			"bounds": "10,0,5,1"}, Tiles: rasterTiles}, wantErr: "not west,south,east,north"},
		{name: "ErrWrongMagic", file: "w.pmtiles", raw: pm(func(b []byte) { copy(b, "PMTilez") }),
			wantErr: "wrong magic"},
		{name: "ErrVersion2", file: "v2.pmtiles", raw: pm(func(b []byte) { b[7] = 2 }), wantErr: "version 2"},
		{name: "ErrBrotli", file: "br.pmtiles", raw: pm(func(b []byte) { b[98] = 3 }), wantErr: "brotli"},
		{name: "ErrTileType", file: "tt.pmtiles", raw: pm(func(b []byte) { b[99] = 9 }), wantErr: "tile type 9"},
		{name: "ErrZooms", file: "z.pmtiles", raw: pm(func(b []byte) { b[100] = 5 }), wantErr: "zoom range 5-1"},
		{name: "ErrTruncated", file: "tr.pmtiles", raw: pm(nil)[:200], wantErr: "truncated"},
		{name: "ErrRootNotGzip", file: "g.pmtiles", raw: pm(func(b []byte) { b[tiles.PMTilesHeaderLen] = 0 }),
			wantErr: "not valid gzip"},
		{name: "ErrUnknownKind", file: "x.txt", raw: []byte("hello"), wantErr: "neither MBTiles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.file)
			if tc.mbtiles != nil {
				tilestest.MBTiles(t, path, *tc.mbtiles)
			} else if err := os.WriteFile(path, tc.raw, 0o600); err != nil {
				t.Fatal(err)
			}
			var last int
			got, err := tiles.Inspect(path, tc.file, func(p int, _ string) { last = p })
			if tc.wantErr != "" {
				if !tiles.IsInvalid(err) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want an InvalidError containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if last == 0 {
				t.Error("no progress reported")
			}
			if !sameInfo(got, tc.want) {
				t.Errorf("Inspect =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func sameInfo(a, b tiles.Info) bool {
	for i := range a.Bounds {
		if math.Abs(a.Bounds[i]-b.Bounds[i]) > 1e-6 {
			return false
		}
	}
	a.Bounds, b.Bounds = [4]float64{}, [4]float64{}
	return reflect.DeepEqual(a, b)
}
