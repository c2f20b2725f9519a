package tiles

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestPMTilesWriterLeaves writes enough tiles that the directory needs leaf directories, with runs of identical
// tiles, and reads every tile back through PMTilesTile and the file's header through InspectPMTiles.
func TestPMTilesWriterLeaves(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := NewPMTilesWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Zoom 8 (65,536 tiles) in tile id order.
	type tile struct {
		z    uint8
		x, y uint32
	}
	var order []tile
	byID := map[uint64]tile{}
	for x := uint32(0); x < 256; x++ {
		for y := uint32(0); y < 256; y++ {
			id, _ := ZXYToTileID(8, x, y)
			byID[id] = tile{8, x, y}
		}
	}
	first, _ := ZXYToTileID(8, 0, 0)
	for id := first; id < first+65536; id++ {
		order = append(order, byID[id])
	}
	content := func(i int, tl tile) []byte {
		if i%10 < 3 { // runs of three identical "ocean" tiles
			return []byte("\x89PNG\r\n\x1a\nocean")
		}
		return []byte(fmt.Sprintf("\x89PNG\r\n\x1a\n%d/%d/%d", tl.z, tl.x, tl.y))
	}
	for i, tl := range order {
		if err := w.Add(tl.z, tl.x, tl.y, content(i, tl)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Add(8, 0, 0, []byte("x")); err == nil {
		t.Error("a tile out of order was accepted")
	}
	path := filepath.Join(dir, "out.pmtiles")
	if err := w.Finish(path, PMTilesMeta{Format: "png", Bounds: [4]float64{-180, -85, 180, 85},
		Metadata: []byte(`{"name":"t"}`)}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	info, err := InspectPMTiles(f, st.Size(), func(int, string) {})
	if err != nil || info.Format != "png" || info.MinZoom != 8 || info.MaxZoom != 8 {
		t.Fatalf("inspect: %+v %v", info, err)
	}
	head := make([]byte, PMTilesHeaderLen)
	_, _ = f.ReadAt(head, 0)
	h, _ := ParsePMTilesHeader(head)
	if h.LeafLength == 0 || h.AddressedTiles != 65536 || h.TileContents >= 65536 {
		t.Errorf("header %+v: want leaf directories, 65536 tiles, fewer contents", h)
	}
	for i, tl := range order {
		if i%7 != 0 {
			continue
		}
		got, err := PMTilesTile(f, tl.z, tl.x, tl.y)
		if err != nil || !bytes.Equal(got, content(i, tl)) {
			t.Fatalf("tile %v: %q %v", tl, got, err)
		}
	}
	if _, err := PMTilesTile(f, 9, 0, 0); !errors.Is(err, ErrNoTile) {
		t.Errorf("a tile of another zoom: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
