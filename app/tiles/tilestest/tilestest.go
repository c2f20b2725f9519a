// Package tilestest writes small basemap files for tests: MBTiles databases with chosen metadata and tiles,
// PMTiles v3 files written by hand (header, root directory, metadata, tile data), a raster PNG tile and a
// gzip-compressed vector tile. It must only be imported by tests; it must not import fiber or fieldbase/db.
package tilestest

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"image"
	"image/color"
	"image/png"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ZXY is a tile address in XYZ numbering (y from the north).
type ZXY struct{ Z, X, Y int }

// PNG is a 256x256 PNG tile filled with one colour.
func PNG(tb testing.TB, c color.RGBA) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// Gzip compresses b.
func Gzip(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MVT is a Mapbox vector tile with one layer (named layer) holding one square polygon, uncompressed.
func MVT(layer string) []byte {
	// Geometry commands: MoveTo(1) to (512,512), LineTo(3) by (+3072,0), (0,+3072), (-3072,0), ClosePath.
	geom := []uint64{9, zz(512), zz(512), 26, zz(3072), 0, 0, zz(3072), zz(-3072), 0, 15}
	var g []byte
	for _, v := range geom {
		g = appendVarint(g, v)
	}
	feature := appendField(appendVarintField(appendVarintField(nil, 1, 1), 3, 3), 4, g)
	l := appendVarintField(nil, 15, 2)
	l = appendField(l, 1, []byte(layer))
	l = appendField(l, 2, feature)
	l = appendVarintField(l, 5, 4096)
	return appendField(nil, 3, l)
}

func zz(v int64) uint64 { return uint64((v << 1) ^ (v >> 63)) }

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return appendVarint(appendVarint(b, uint64(field<<3)), v)
}

func appendField(b []byte, field int, data []byte) []byte {
	b = appendVarint(b, uint64(field<<3|2))
	return append(appendVarint(b, uint64(len(data))), data...)
}

// MBTilesSpec is what MBTiles writes: metadata rows and tiles (XYZ addresses, stored as TMS rows). A false
// NoMetadata/NoTiles creates the table.
type MBTilesSpec struct {
	Metadata   map[string]string
	Tiles      map[ZXY][]byte
	NoMetadata bool
	NoTiles    bool
}

// MBTiles writes an MBTiles database at path.
func MBTiles(tb testing.TB, path string, spec MBTilesSpec) {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	stmts := []string{}
	if !spec.NoMetadata {
		stmts = append(stmts, "CREATE TABLE metadata (name TEXT, value TEXT)")
	}
	if !spec.NoTiles {
		stmts = append(stmts, `CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
			tile_data BLOB)`, "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
	for k, v := range spec.Metadata {
		if _, err := db.Exec("INSERT INTO metadata (name, value) VALUES (?, ?)", k, v); err != nil {
			tb.Fatal(err)
		}
	}
	for t, data := range spec.Tiles {
		if _, err := db.Exec("INSERT INTO tiles VALUES (?, ?, ?, ?)", t.Z, t.X, (1<<t.Z)-1-t.Y, data); err != nil {
			tb.Fatal(err)
		}
	}
}
