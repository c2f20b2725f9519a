// Package navfile writes one task for navigation apps (Organic Maps, OsmAnd, Google Earth, QGIS): the task's
// outline and the data-extract features inside it, as GeoJSON, KML 2.2 or GPX 1.1. A writer takes the features
// one at a time, so a caller can stream them from the database.
//
// It must not import fiber, huma, River, fieldbase/db or the app package; it depends on the standard library
// and paulmach/orb only.
package navfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Format is a file format a task can be written in.
type Format string

// The formats, named by their file extensions.
const (
	GeoJSON Format = "geojson"
	KML     Format = "kml"
	GPX     Format = "gpx"
)

// ParseFormat returns the format with the extension ext ("geojson", "kml", "gpx").
func ParseFormat(ext string) (Format, bool) {
	switch f := Format(ext); f {
	case GeoJSON, KML, GPX:
		return f, true
	}
	return "", false
}

// ContentType is the media type a file of the format is served as.
func (f Format) ContentType() string {
	switch f {
	case KML:
		return "application/vnd.google-earth.kml+xml"
	case GPX:
		return "application/gpx+xml"
	}
	return "application/geo+json"
}

// Task is what a file describes: one task of a project.
type Task struct {
	Project string           // the project's name
	Index   int              // the task's number in its project
	Outline orb.MultiPolygon // the task's area; a MultiPolygon of one or more parts
}

// name is the task's name as the files show it.
func (t Task) name() string { return "Task " + strconv.Itoa(t.Index) }

// partName names part i (from 0) of the outline: "Task 3", or "Task 3 (part 2 of 3)".
func (t Task) partName(i int) string {
	if len(t.Outline) < 2 {
		return t.name()
	}
	return fmt.Sprintf("%s (part %d of %d)", t.name(), i+1, len(t.Outline))
}

func (t Task) description() string {
	return fmt.Sprintf("Outline of task %d of %s, with the features to map inside it.", t.Index, t.Project)
}

// Feature is one feature of the data extract.
type Feature struct {
	ID         int64
	Status     string          // ready, submitted, validated or bad
	Geometry   json.RawMessage // its GeoJSON geometry
	Properties json.RawMessage // its tags: a JSON object (or empty)
}

// Writer writes one file: the outline when it is created, each Feature in turn, and the end on Close.
type Writer interface {
	Feature(f Feature) error
	Close() error
}

// NewWriter starts a file of format f for task t on w (the header and the task's outline are written now).
func NewWriter(w io.Writer, f Format, t Task) (Writer, error) {
	ew := &errWriter{w: w}
	var out Writer
	switch f {
	case GeoJSON:
		out = newGeoJSONWriter(ew, t)
	case KML:
		out = newKMLWriter(ew, t)
	case GPX:
		out = newGPXWriter(ew, t)
	default:
		return nil, fmt.Errorf("unknown format %q", f)
	}
	return out, ew.err
}

// geometry decodes a GeoJSON geometry: the six simple types and GeometryCollection, heights dropped.
func geometry(raw json.RawMessage) (orb.Geometry, error) {
	var g struct {
		Type        string            `json:"type"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Geometries  []json.RawMessage `json:"geometries"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	var out orb.Geometry
	switch g.Type {
	case "Point":
		out = new(orb.Point)
	case "MultiPoint":
		out = new(orb.MultiPoint)
	case "LineString":
		out = new(orb.LineString)
	case "MultiLineString":
		out = new(orb.MultiLineString)
	case "Polygon":
		out = new(orb.Polygon)
	case "MultiPolygon":
		out = new(orb.MultiPolygon)
	case "GeometryCollection":
		c := make(orb.Collection, len(g.Geometries))
		for i, part := range g.Geometries {
			var err error
			if c[i], err = geometry(part); err != nil {
				return nil, err
			}
		}
		return c, nil
	default:
		return nil, fmt.Errorf("geometry type %q", g.Type)
	}
	if err := json.Unmarshal(g.Coordinates, out); err != nil {
		return nil, fmt.Errorf("%s coordinates: %w", g.Type, err)
	}
	return deref(out), nil
}

// deref turns the pointer geometry.Unmarshal filled back into a value.
func deref(g orb.Geometry) orb.Geometry {
	switch p := g.(type) {
	case *orb.Point:
		return *p
	case *orb.MultiPoint:
		return *p
	case *orb.LineString:
		return *p
	case *orb.MultiLineString:
		return *p
	case *orb.Polygon:
		return *p
	case *orb.MultiPolygon:
		return *p
	}
	return g
}

// tag is one key and value of a feature's properties, the value as text.
type tag struct{ Key, Value string }

// tags returns a feature's properties sorted by key, each value as text (a string as it is, anything else as
// JSON, null as empty). A "tags" object (extracts from the HOT raw-data API nest the OSM tags so) is spread
// among the others, a property of the same name winning.
func tags(props json.RawMessage) ([]tag, error) {
	m, err := propertyMap(props)
	if err != nil {
		return nil, err
	}
	if nested, ok := m["tags"].(map[string]any); ok {
		delete(m, "tags")
		for k, v := range nested {
			if _, taken := m[k]; !taken {
				m[k] = v
			}
		}
	}
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, text(v)})
	}
	slices.SortFunc(out, func(a, b tag) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// propertyMap decodes a properties object, keeping numbers as written.
func propertyMap(props json.RawMessage) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(props)) == 0 || string(bytes.TrimSpace(props)) == "null" {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(props))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("feature properties: %w", err)
	}
	return m, nil
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// mainKeys are the OpenStreetMap keys that say what a feature is, in the order a name falls back on them.
var mainKeys = []string{"amenity", "shop", "tourism", "healthcare", "office", "craft", "leisure", "building",
	"highway", "railway", "waterway", "natural", "landuse", "man_made", "power", "place"}

// featureName is what a navigation app calls a feature: its name tag, else its ref or address, else what its
// main tag says ("building=yes"), else "Feature <id>".
func featureName(id int64, ts []tag) string {
	get := func(k string) string {
		for _, t := range ts {
			if t.Key == k {
				return strings.TrimSpace(t.Value)
			}
		}
		return ""
	}
	for _, k := range []string{"name", "name:en", "ref"} {
		if v := get(k); v != "" {
			return v
		}
	}
	if hn := get("addr:housenumber"); hn != "" {
		return strings.TrimSpace(hn + " " + get("addr:street"))
	}
	for _, k := range mainKeys {
		if v := get(k); v != "" {
			return k + "=" + v
		}
	}
	return "Feature " + strconv.FormatInt(id, 10)
}

// tagLines is the tags as "key=value" lines, for the description fields apps show.
func tagLines(ts []tag) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(t.Key + "=" + t.Value)
	}
	return b.String()
}

// closed returns ring with its first position repeated at the end when it is missing.
func closed(ring orb.Ring) orb.Ring {
	if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
		return append(slices.Clip(ring), ring[0])
	}
	return ring
}

// num writes a coordinate in plain decimal notation (GPX's xsd:decimal allows no exponent).
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// errWriter keeps the first write error, so the writers check once at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) WriteString(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) Write(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}
