package tiles

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// PMTilesWriter writes a PMTiles v3 file: tiles are added in increasing tile id order, their bytes go to a
// temporary file beside the result, and Finish writes header, root directory, metadata, leaf directories and tile
// data into place. Identical tiles are stored once; consecutive ids with the same bytes share a run.
type PMTilesWriter struct {
	data    *os.File
	entries []pmEntry
	seen    map[[sha256.Size]byte]pmEntry
	size    uint64
	lastID  uint64
	started bool
	tiles   uint64
	minZ    uint8
	maxZ    uint8
}

type pmEntry struct {
	id, offset, length uint64
	run                uint32
}

// NewPMTilesWriter starts a writer whose tile data goes to a temporary file in dir.
func NewPMTilesWriter(dir string) (*PMTilesWriter, error) {
	f, err := os.CreateTemp(dir, ".pmtiles-data-*")
	if err != nil {
		return nil, err
	}
	return &PMTilesWriter{data: f, seen: map[[sha256.Size]byte]pmEntry{}, minZ: 255}, nil
}

// Add appends the tile z/x/y (XYZ numbering). Tiles must come in increasing tile id order (ZXYToTileID).
func (w *PMTilesWriter) Add(z uint8, x, y uint32, tile []byte) error {
	id, err := ZXYToTileID(z, x, y)
	if err != nil {
		return err
	}
	if w.started && id <= w.lastID {
		return fmt.Errorf("pmtiles: tile %d/%d/%d out of order", z, x, y)
	}
	w.started, w.lastID = true, id
	w.tiles++
	w.minZ, w.maxZ = min(w.minZ, z), max(w.maxZ, z)
	sum := sha256.Sum256(tile)
	if prev, ok := w.seen[sum]; ok {
		last := &w.entries[len(w.entries)-1]
		if last.offset == prev.offset && last.id+uint64(last.run) == id {
			last.run++
			return nil
		}
		w.entries = append(w.entries, pmEntry{id: id, offset: prev.offset, length: prev.length, run: 1})
		return nil
	}
	if _, err := w.data.Write(tile); err != nil {
		return err
	}
	e := pmEntry{id: id, offset: w.size, length: uint64(len(tile)), run: 1}
	w.size += uint64(len(tile))
	w.seen[sum] = e
	w.entries = append(w.entries, e)
	return nil
}

// PMTilesMeta is what the header and metadata say of the tiles.
type PMTilesMeta struct {
	Format string // png, jpg, webp, avif or pbf
	// Gzip says the tile bytes are gzip-compressed (vector tiles).
	Gzip bool
	// Bounds are west, south, east, north in degrees.
	Bounds [4]float64
	// Metadata is the JSON metadata document.
	Metadata []byte
}

// Finish writes the PMTiles file to path (through a temporary file, synced and renamed) and removes the
// temporary tile data. The writer cannot be used afterwards.
func (w *PMTilesWriter) Finish(path string, meta PMTilesMeta) (err error) {
	defer w.Abort()
	if len(w.entries) == 0 {
		return errors.New("pmtiles: no tiles")
	}
	root, leaves, err := buildDirectories(w.entries)
	if err != nil {
		return err
	}
	md, err := gzipBytes(meta.Metadata)
	if err != nil {
		return err
	}
	h := w.header(meta, uint64(len(root)), uint64(len(md)), uint64(len(leaves)))
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pmtiles-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	for _, b := range [][]byte{h, root, md, leaves} {
		if _, err = tmp.Write(b); err != nil {
			return err
		}
	}
	if _, err = w.data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err = io.Copy(tmp, w.data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Abort removes the temporary tile data.
func (w *PMTilesWriter) Abort() {
	if w.data != nil {
		_ = w.data.Close()
		_ = os.Remove(w.data.Name())
		w.data = nil
	}
}

var pmtilesTypes = map[string]uint8{"pbf": 1, "png": 2, "jpg": 3, "webp": 4, "avif": 5}

func (w *PMTilesWriter) header(meta PMTilesMeta, rootLen, metaLen, leafLen uint64) []byte {
	h := make([]byte, PMTilesHeaderLen)
	copy(h, pmtilesMagic)
	h[7] = 3
	rootOff := uint64(PMTilesHeaderLen)
	metaOff := rootOff + rootLen
	leafOff := metaOff + metaLen
	dataOff := leafOff + leafLen
	contents := uint64(len(w.seen))
	le := binary.LittleEndian
	for i, v := range []uint64{rootOff, rootLen, metaOff, metaLen, leafOff, leafLen, dataOff, w.size, w.tiles,
		uint64(len(w.entries)), contents} {
		le.PutUint64(h[8+8*i:], v)
	}
	tc := uint8(1)
	if meta.Gzip {
		tc = 2
	}
	h[96], h[97], h[98], h[99], h[100], h[101] = 1, 2, tc, pmtilesTypes[meta.Format], w.minZ, w.maxZ
	for i, v := range meta.Bounds {
		le.PutUint32(h[102+4*i:], uint32(int32(v*1e7)))
	}
	h[118] = w.minZ
	le.PutUint32(h[119:], uint32(int32((meta.Bounds[0]+meta.Bounds[2])/2*1e7)))
	le.PutUint32(h[123:], uint32(int32((meta.Bounds[1]+meta.Bounds[3])/2*1e7)))
	return h
}

// buildDirectories encodes the entries as one gzip root directory when it fits in the first 16 KiB, else as
// leaf directories of growing size with a root that points at them.
func buildDirectories(entries []pmEntry) (root, leaves []byte, err error) {
	if root, err = gzipBytes(encodeDirectory(entries)); err != nil || len(root) <= maxRootDir {
		return root, nil, err
	}
	for size := 4096; ; size *= 2 {
		var rootEntries []pmEntry
		leaves = leaves[:0]
		for i := 0; i < len(entries); i += size {
			chunk := entries[i:min(i+size, len(entries))]
			leaf, err := gzipBytes(encodeDirectory(chunk))
			if err != nil {
				return nil, nil, err
			}
			rootEntries = append(rootEntries, pmEntry{id: chunk[0].id, offset: uint64(len(leaves)),
				length: uint64(len(leaf))})
			leaves = append(leaves, leaf...)
		}
		if root, err = gzipBytes(encodeDirectory(rootEntries)); err != nil || len(root) <= maxRootDir {
			return root, leaves, err
		}
	}
}

// encodeDirectory is the PMTiles v3 directory of entries (uncompressed): count, tile id deltas, run lengths,
// lengths, offsets (0 for "right after the previous entry", else offset+1).
func encodeDirectory(entries []pmEntry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.id-last)
		last = e.id
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.run))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.length)
	}
	for i, e := range entries {
		if i > 0 && e.offset == entries[i-1].offset+entries[i-1].length {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
	}
	return b
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
