package tilestest

import (
	"bytes"
	"encoding/binary"
	"sort"
	"testing"

	"fieldbase/app/tiles"
)

// PMTilesSpec is what PMTiles writes. TileType is the header's (1 mvt, 2 png, 3 jpeg, 4 webp);
// TileCompression 1 none or 2 gzip; the root directory and metadata are gzip-compressed.
type PMTilesSpec struct {
	TileType        uint8
	TileCompression uint8
	MinZoom         uint8
	MaxZoom         uint8
	// Bounds are west, south, east, north in degrees.
	Bounds [4]float64
	Tiles  map[ZXY][]byte
	// Metadata is the JSON metadata; empty means "{}".
	Metadata string
}

// PMTilesFile is a PMTiles v3 file and where each tile's bytes lie in it.
type PMTilesFile struct {
	Bytes []byte
	// Offsets maps each tile to its absolute offset in Bytes.
	Offsets map[ZXY]int64
}

type pmEntry struct {
	id     uint64
	at     ZXY
	offset uint64
	length uint64
}

// PMTiles writes a PMTiles v3 file: header, root directory (every tile, run length 1), metadata, tiles.
func PMTiles(tb testing.TB, spec PMTilesSpec) PMTilesFile {
	tb.Helper()
	entries := make([]pmEntry, 0, len(spec.Tiles))
	for at := range spec.Tiles {
		id, err := tiles.ZXYToTileID(uint8(at.Z), uint32(at.X), uint32(at.Y))
		if err != nil {
			tb.Fatal(err)
		}
		entries = append(entries, pmEntry{id: id, at: at})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
	var data []byte
	for i := range entries {
		entries[i].offset, entries[i].length = uint64(len(data)), uint64(len(spec.Tiles[entries[i].at]))
		data = append(data, spec.Tiles[entries[i].at]...)
	}
	root := Gzip(tb, directory(entries))
	if spec.Metadata == "" {
		spec.Metadata = "{}"
	}
	meta := Gzip(tb, []byte(spec.Metadata))
	rootOff := uint64(tiles.PMTilesHeaderLen)
	metaOff := rootOff + uint64(len(root))
	dataOff := metaOff + uint64(len(meta))
	h := make([]byte, tiles.PMTilesHeaderLen)
	copy(h, "PMTiles")
	h[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{rootOff, uint64(len(root)), metaOff, uint64(len(meta)), dataOff, 0, dataOff,
		uint64(len(data)), uint64(len(entries)), uint64(len(entries)), uint64(len(entries))} {
		le.PutUint64(h[8+8*i:], v)
	}
	h[96], h[97], h[98], h[99], h[100], h[101] = 1, 2, spec.TileCompression, spec.TileType, spec.MinZoom,
		spec.MaxZoom
	for i, v := range spec.Bounds {
		le.PutUint32(h[102+4*i:], uint32(int32(v*1e7)))
	}
	h[118] = spec.MinZoom
	le.PutUint32(h[119:], uint32(int32((spec.Bounds[0]+spec.Bounds[2])/2*1e7)))
	le.PutUint32(h[123:], uint32(int32((spec.Bounds[1]+spec.Bounds[3])/2*1e7)))
	out := PMTilesFile{Bytes: bytes.Join([][]byte{h, root, meta, data}, nil), Offsets: map[ZXY]int64{}}
	for _, e := range entries {
		out.Offsets[e.at] = int64(dataOff + e.offset)
	}
	return out
}

// directory encodes entries as a PMTiles v3 directory (uncompressed).
func directory(entries []pmEntry) []byte {
	b := appendVarint(nil, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = appendVarint(b, e.id-last)
		last = e.id
	}
	for range entries {
		b = appendVarint(b, 1)
	}
	for _, e := range entries {
		b = appendVarint(b, e.length)
	}
	for i, e := range entries {
		if i > 0 && e.offset == entries[i-1].offset+entries[i-1].length {
			b = appendVarint(b, 0)
		} else {
			b = appendVarint(b, e.offset+1)
		}
	}
	return b
}
