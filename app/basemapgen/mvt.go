package basemapgen

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"sort"
)

// layerNames collects the layer names of Mapbox vector tiles (Tile.layers = 3, Layer.name = 1), which a style
// must name; a tile that is not a vector tile adds nothing.
type layerNames map[string]bool

// add reads the names of one tile's layers (gzip-compressed or not).
func (ln layerNames) add(tile []byte, gz bool) {
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(tile))
		if err != nil {
			return
		}
		raw, err := io.ReadAll(io.LimitReader(zr, 64<<20))
		if err != nil {
			return
		}
		tile = raw
	}
	forEachField(tile, func(field int, value []byte) {
		if field == 3 {
			forEachField(value, func(f int, v []byte) {
				if f == 1 && len(v) > 0 && len(ln) < 256 {
					ln[string(v)] = true
				}
			})
		}
	})
}

// vectorLayer is an entry of the TileJSON vector_layers list.
type vectorLayer struct {
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
}

// list is the vector_layers entries, sorted by name (nil when there is none).
func (ln layerNames) list() []vectorLayer {
	names := make([]string, 0, len(ln))
	for n := range ln {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []vectorLayer
	for _, n := range names {
		out = append(out, vectorLayer{ID: n, Fields: map[string]string{}})
	}
	return out
}

// json is the MBTiles metadata document naming the layers ({"vector_layers":[...]}), or "" when there is none.
func (ln layerNames) json() string {
	if len(ln) == 0 {
		return ""
	}
	b, _ := json.Marshal(struct {
		VectorLayers []vectorLayer `json:"vector_layers"`
	}{ln.list()})
	return string(b)
}

// forEachField calls fn for each length-delimited field of a protobuf message, skipping the others; it stops at
// the first malformed field.
func forEachField(msg []byte, fn func(field int, value []byte)) {
	for len(msg) > 0 {
		tag, n := binary.Uvarint(msg)
		if n <= 0 {
			return
		}
		msg = msg[n:]
		switch tag & 7 {
		case 0:
			_, n = binary.Uvarint(msg)
			if n <= 0 {
				return
			}
			msg = msg[n:]
		case 1:
			if len(msg) < 8 {
				return
			}
			msg = msg[8:]
		case 2:
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) {
				return
			}
			fn(int(tag>>3), msg[n:n+int(l)])
			msg = msg[n+int(l):]
		case 5:
			if len(msg) < 4 {
				return
			}
			msg = msg[4:]
		default:
			return
		}
	}
}
