package tiles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"sort"
)

// PMTilesTile reads the tile z/x/y (XYZ numbering) of a PMTiles v3 file of the given size, following leaf
// directories, or returns ErrNoTile.
func PMTilesTile(r io.ReaderAt, z uint8, x, y uint32) ([]byte, error) {
	buf := make([]byte, PMTilesHeaderLen)
	if _, err := r.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	h, err := ParsePMTilesHeader(buf)
	if err != nil {
		return nil, err
	}
	id, err := ZXYToTileID(z, x, y)
	if err != nil {
		return nil, ErrNoTile
	}
	off, length := h.RootOffset, h.RootLength
	for depth := 0; depth < 4; depth++ {
		raw := make([]byte, length)
		if _, err := r.ReadAt(raw, int64(off)); err != nil {
			return nil, err
		}
		entries, err := readDirectory(raw, h.InternalCompression)
		if err != nil {
			return nil, err
		}
		i := sort.Search(len(entries), func(i int) bool { return entries[i].id > id }) - 1
		if i < 0 {
			return nil, ErrNoTile
		}
		e := entries[i]
		if e.run == 0 { // a leaf directory
			off, length = h.LeafOffset+e.offset, e.length
			continue
		}
		if id >= e.id+uint64(e.run) {
			return nil, ErrNoTile
		}
		tile := make([]byte, e.length)
		if _, err := r.ReadAt(tile, int64(h.DataOffset+e.offset)); err != nil {
			return nil, err
		}
		return tile, nil
	}
	return nil, invalid("the PMTiles directories are nested too deep")
}

// readDirectory decodes a directory's entries.
func readDirectory(raw []byte, compression uint8) ([]pmEntry, error) {
	var rd io.ByteReader = bytes.NewReader(raw)
	if compression == 2 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, invalid("a PMTiles directory is not valid gzip: %v", err)
		}
		defer zr.Close()
		rd = bufio.NewReader(io.LimitReader(zr, 256<<20))
	}
	n, err := binary.ReadUvarint(rd)
	if err != nil || n > 1<<24 {
		return nil, invalid("a PMTiles directory cannot be decoded")
	}
	entries := make([]pmEntry, n)
	var id uint64
	for i := range entries {
		d, err := binary.ReadUvarint(rd)
		if err != nil {
			return nil, invalid("a PMTiles directory is cut short")
		}
		id += d
		entries[i].id = id
	}
	for col := 0; col < 3; col++ {
		for i := range entries {
			v, err := binary.ReadUvarint(rd)
			if err != nil {
				return nil, invalid("a PMTiles directory is cut short")
			}
			switch col {
			case 0:
				entries[i].run = uint32(v)
			case 1:
				entries[i].length = v
			case 2:
				if v == 0 && i > 0 {
					entries[i].offset = entries[i-1].offset + entries[i-1].length
				} else {
					entries[i].offset = v - 1
				}
			}
		}
	}
	return entries, nil
}
