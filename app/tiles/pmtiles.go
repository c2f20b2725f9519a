package tiles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// PMTilesHeaderLen is the length of a PMTiles v3 header.
const PMTilesHeaderLen = 127

// maxRootDir bounds the root directory: the specification keeps header and root directory in the first 16 KiB.
const maxRootDir = 16384 - PMTilesHeaderLen

// PMTilesHeader is the fixed header of a PMTiles v3 file.
type PMTilesHeader struct {
	Version                        uint8
	RootOffset, RootLength         uint64
	MetadataOffset, MetadataLength uint64
	LeafOffset, LeafLength         uint64
	DataOffset, DataLength         uint64
	AddressedTiles, TileEntries    uint64
	TileContents                   uint64
	Clustered                      bool
	InternalCompression            uint8 // 1 none, 2 gzip, 3 brotli, 4 zstd
	TileCompression                uint8
	TileType                       uint8 // 1 mvt, 2 png, 3 jpeg, 4 webp, 5 avif
	MinZoom, MaxZoom               uint8
	MinLonE7, MinLatE7             int32
	MaxLonE7, MaxLatE7             int32
	CenterZoom                     uint8
	CenterLonE7, CenterLatE7       int32
}

// ParsePMTilesHeader decodes the first PMTilesHeaderLen bytes of a file.
func ParsePMTilesHeader(b []byte) (PMTilesHeader, error) {
	var h PMTilesHeader
	if len(b) < PMTilesHeaderLen {
		return h, invalid("the file is too short for a PMTiles header (%d bytes)", len(b))
	}
	if !bytes.Equal(b[:7], pmtilesMagic) {
		return h, invalid("wrong magic: the file does not start with \"PMTiles\", it is not a PMTiles file")
	}
	if h.Version = b[7]; h.Version != 3 {
		return h, invalid("PMTiles version %d is not supported: convert the file to version 3", h.Version)
	}
	u64 := func(at int) uint64 { return binary.LittleEndian.Uint64(b[at:]) }
	i32 := func(at int) int32 { return int32(binary.LittleEndian.Uint32(b[at:])) }
	h.RootOffset, h.RootLength = u64(8), u64(16)
	h.MetadataOffset, h.MetadataLength = u64(24), u64(32)
	h.LeafOffset, h.LeafLength = u64(40), u64(48)
	h.DataOffset, h.DataLength = u64(56), u64(64)
	h.AddressedTiles, h.TileEntries, h.TileContents = u64(72), u64(80), u64(88)
	h.Clustered = b[96] == 1
	h.InternalCompression, h.TileCompression, h.TileType = b[97], b[98], b[99]
	h.MinZoom, h.MaxZoom = b[100], b[101]
	h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7 = i32(102), i32(106), i32(110), i32(114)
	h.CenterZoom, h.CenterLonE7, h.CenterLatE7 = b[118], i32(119), i32(123)
	return h, nil
}

var pmtilesFormats = map[uint8]string{1: "pbf", 2: "png", 3: "jpg", 4: "webp", 5: "avif"}

var compressionNames = map[uint8]string{0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}

// InspectPMTiles checks a PMTiles v3 file of the given size: header, sections within the file, a supported
// tile type and compression, zoom range, bounds, and a root directory that decodes to at least one entry.
func InspectPMTiles(r io.ReaderAt, size int64, progress func(percent int, message string)) (Info, error) {
	buf := make([]byte, PMTilesHeaderLen)
	if _, err := r.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		return Info{}, err
	}
	h, err := ParsePMTilesHeader(buf)
	if err != nil {
		return Info{}, err
	}
	progress(20, "checking the header")
	info, err := h.info(size)
	if err != nil {
		return Info{}, err
	}
	progress(50, "reading the root directory")
	raw := make([]byte, h.RootLength)
	if _, err := r.ReadAt(raw, int64(h.RootOffset)); err != nil {
		return Info{}, err
	}
	entries, err := decodeDirectory(raw, h.InternalCompression)
	if err != nil {
		return Info{}, err
	}
	if entries == 0 {
		return Info{}, invalid("the PMTiles root directory is empty: the file holds no tiles")
	}
	progress(80, "reading the metadata")
	if info.TileType == Vector && h.MetadataLength > 0 && h.MetadataLength <= maxMetadata {
		raw := make([]byte, h.MetadataLength)
		if _, err := r.ReadAt(raw, int64(h.MetadataOffset)); err != nil {
			return Info{}, err
		}
		info.Layers = vectorLayers(decompress(raw, h.InternalCompression))
	}
	return info, nil
}

// maxMetadata bounds the PMTiles metadata read for layer names.
const maxMetadata = 16 << 20

// decompress undoes the internal compression of a section, or returns nil.
func decompress(raw []byte, compression uint8) []byte {
	if compression != 2 {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxMetadata))
	if err != nil {
		return nil
	}
	return out
}

// info checks the header against the file size and reads what it says.
func (h PMTilesHeader) info(size int64) (Info, error) {
	sections := []struct {
		name        string
		off, length uint64
	}{{"root directory", h.RootOffset, h.RootLength}, {"metadata", h.MetadataOffset, h.MetadataLength},
		{"leaf directories", h.LeafOffset, h.LeafLength}, {"tile data", h.DataOffset, h.DataLength}}
	for _, s := range sections {
		if s.off > uint64(size) || s.length > uint64(size)-s.off {
			return Info{}, invalid("the PMTiles %s lies beyond the end of the file: the upload is truncated",
				s.name)
		}
	}
	if h.RootLength == 0 || h.RootLength > maxRootDir {
		return Info{}, invalid("the PMTiles root directory length %d is not within 1-%d", h.RootLength, maxRootDir)
	}
	format, ok := pmtilesFormats[h.TileType]
	if !ok {
		return Info{}, invalid("the PMTiles tile type %d is not supported: use mvt, png, jpeg, webp or avif",
			h.TileType)
	}
	for _, c := range []uint8{h.InternalCompression, h.TileCompression} {
		if c != 1 && c != 2 {
			return Info{}, invalid("the PMTiles compression %s is not supported by browsers: convert with gzip "+
				"or none", compressionNames[c])
		}
	}
	info := Info{Container: PMTiles, Format: format, TileType: tileType(format), Compression: "none",
		MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom),
		Bounds: [4]float64{e7(h.MinLonE7), e7(h.MinLatE7), e7(h.MaxLonE7), e7(h.MaxLatE7)}}
	if h.TileCompression == 2 {
		info.Compression = "gzip"
	}
	if err := checkZooms(info.MinZoom, info.MaxZoom); err != nil {
		return Info{}, err
	}
	return info, checkBounds(info.Bounds)
}

func e7(v int32) float64 { return float64(v) / 1e7 }

// decodeDirectory decompresses a directory and decodes its entries (tile ids, run lengths, lengths, offsets as
// varints), returning how many it holds.
func decodeDirectory(raw []byte, compression uint8) (int, error) {
	var rd io.ByteReader = bytes.NewReader(raw)
	if compression == 2 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return 0, invalid("the PMTiles root directory is not valid gzip: %v", err)
		}
		defer zr.Close()
		rd = bufio.NewReader(io.LimitReader(zr, 64<<20))
	}
	n, err := binary.ReadUvarint(rd)
	if err != nil {
		return 0, invalid("the PMTiles root directory cannot be decoded: %v", err)
	}
	if n > 1<<24 {
		return 0, invalid("the PMTiles root directory claims %d entries", n)
	}
	// Four columns of n varints each: tile id deltas, run lengths, lengths, offsets.
	for i := uint64(0); i < 4*n; i++ {
		if _, err := binary.ReadUvarint(rd); err != nil {
			return 0, invalid("the PMTiles root directory is cut short: %v", err)
		}
	}
	return int(n), nil
}

// ZXYToTileID is the PMTiles tile id of z/x/y: tiles of lower zooms first, then along a Hilbert curve.
func ZXYToTileID(z uint8, x, y uint32) (uint64, error) {
	if z > 31 || x >= 1<<z || y >= 1<<z {
		return 0, fmt.Errorf("tile %d/%d/%d out of range", z, x, y)
	}
	var acc uint64
	for t := uint8(0); t < z; t++ {
		acc += uint64(1) << (2 * t)
	}
	n := uint64(1) << z
	var d uint64
	tx, ty := uint64(x), uint64(y)
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if tx&s > 0 {
			rx = 1
		}
		if ty&s > 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				tx, ty = s-1-tx, s-1-ty
			}
			tx, ty = ty, tx
		}
	}
	return acc + d, nil
}
