package tiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Containers of basemap files.
const (
	MBTiles = "mbtiles"
	PMTiles = "pmtiles"
)

// Tile types: raster images or vector tiles.
const (
	Raster = "raster"
	Vector = "vector"
)

// Info is what a basemap file holds.
type Info struct {
	Container   string // mbtiles or pmtiles
	Format      string // png, jpg, webp, avif or pbf
	TileType    string // raster or vector
	Compression string // of the tile bytes: gzip or none
	MinZoom     int
	MaxZoom     int
	// Bounds are west, south, east, north in WGS 84 degrees.
	Bounds [4]float64
	Name   string
	// Attribution is the metadata's attribution text (may hold HTML; escape it before showing it).
	Attribution string
	// Layers are the ids of a vector tileset's layers (metadata vector_layers), which a style must name.
	Layers []string
}

// vectorLayers reads the layer ids of TileJSON-like metadata ({"vector_layers":[{"id":...}]}); metadata that
// is not JSON has none.
func vectorLayers(doc []byte) []string {
	var meta struct {
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	if json.Unmarshal(doc, &meta) != nil {
		return nil
	}
	var out []string
	for _, l := range meta.VectorLayers {
		if l.ID != "" && !strings.ContainsAny(l.ID, ",\x00") {
			out = append(out, l.ID)
		}
	}
	return out
}

// InvalidError says why a file is not a usable basemap, in words a person can act on.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// IsInvalid reports whether err says the file is unusable (rather than that it could not be read).
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}

// MaxZoomLevel is the deepest zoom level accepted.
const MaxZoomLevel = 30

var (
	sqliteMagic  = []byte("SQLite format 3\x00")
	pmtilesMagic = []byte("PMTiles")
)

// Detect tells a file's container from its first bytes, falling back on its name's extension to explain a
// mismatch: a ".mbtiles" that is not SQLite is "not a database".
func Detect(r io.ReaderAt, name string) (string, error) {
	head := make([]byte, 16)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, sqliteMagic):
		return MBTiles, nil
	case bytes.HasPrefix(head, pmtilesMagic):
		return PMTiles, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mbtiles":
		return "", invalid("the file is not a database: an MBTiles file is an SQLite database, export it again")
	case ".pmtiles":
		return "", invalid("wrong magic: the file does not start with \"PMTiles\", it is not a PMTiles file")
	}
	return "", invalid("the file is neither MBTiles (SQLite) nor PMTiles: upload a .mbtiles or .pmtiles file")
}

// Inspect detects the container of the file at path and reads what it holds. progress (may be nil) hears how
// far it is, 0-100.
func Inspect(path, name string, progress func(percent int, message string)) (Info, error) {
	if progress == nil {
		progress = func(int, string) {}
	}
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	kind, err := Detect(f, name)
	if err != nil {
		return Info{}, err
	}
	if kind == PMTiles {
		st, err := f.Stat()
		if err != nil {
			return Info{}, err
		}
		return InspectPMTiles(f, st.Size(), progress)
	}
	m, err := OpenMBTiles(path)
	if err != nil {
		return Info{}, err
	}
	defer m.Close()
	return m.Inspect(progress)
}

// Sniff tells a tile's format from its first bytes: png, jpg, webp, avif, or pbf for anything else (vector
// tiles have no magic). gzip reports whether the bytes are gzip-compressed (then the format is pbf).
func Sniff(tile []byte) (format string, gzip bool) {
	switch {
	case bytes.HasPrefix(tile, []byte("\x89PNG\r\n\x1a\n")):
		return "png", false
	case bytes.HasPrefix(tile, []byte{0xff, 0xd8, 0xff}):
		return "jpg", false
	case len(tile) >= 12 && bytes.Equal(tile[:4], []byte("RIFF")) && bytes.Equal(tile[8:12], []byte("WEBP")):
		return "webp", false
	case len(tile) >= 12 && bytes.Equal(tile[4:12], []byte("ftypavif")):
		return "avif", false
	case bytes.HasPrefix(tile, []byte{0x1f, 0x8b}):
		return "pbf", true
	}
	return "pbf", false
}

// ContentType is the media type of tiles of a format.
func ContentType(format string) string {
	switch format {
	case "png":
		return "image/png"
	case "jpg":
		return "image/jpeg"
	case "webp":
		return "image/webp"
	case "avif":
		return "image/avif"
	}
	return "application/vnd.mapbox-vector-tile"
}

// tileType is raster for images, vector for pbf.
func tileType(format string) string {
	if format == "pbf" {
		return Vector
	}
	return Raster
}

// checkBounds refuses bounds outside the globe or upside down.
func checkBounds(b [4]float64) error {
	w, s, e, n := b[0], b[1], b[2], b[3]
	if w < -180 || e > 180 || s < -90 || n > 90 || w >= e || s >= n {
		return invalid("the bounds %g,%g,%g,%g are not west,south,east,north in degrees", w, s, e, n)
	}
	return nil
}

// checkZooms refuses a zoom range outside 0-MaxZoomLevel or upside down.
func checkZooms(minZ, maxZ int) error {
	if minZ < 0 || maxZ > MaxZoomLevel || minZ > maxZ {
		return invalid("the zoom range %d-%d is not within 0-%d", minZ, maxZ, MaxZoomLevel)
	}
	return nil
}
