package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// geoJSON is the subset of a GeoJSON object that ParseAOI reads. Geometry is
// a pointer to raw JSON so that an absent member and "geometry": null can be
// told apart from a present one.
type geoJSON struct {
	Type        string            `json:"type"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometry    json.RawMessage   `json:"geometry"`
	Features    []json.RawMessage `json:"features"`
	CRS         *crsMember        `json:"crs"`
}

type crsMember struct {
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
}

// ParseAOI parses and validates an area of interest. It accepts a GeoJSON
// Polygon or MultiPolygon geometry, a Feature holding one, or a
// FeatureCollection of such features. Every polygon of every feature is
// appended, in order, to one MultiPolygon: features are not dissolved, so
// overlapping features stay separate, overlapping polygons (their overlap
// counts twice in AreaM2 and may appear twice inside one grid cell's task).
//
// A "crs" member naming WGS84 longitude/latitude (CRS84, EPSG:4326) is
// accepted and ignored; any other CRS is refused. Positions may carry a third
// number (height), which is dropped. Consecutive duplicate positions are
// removed. Each ring must be closed, have at least 4 positions, lie within
// longitude -180..180 and latitude -90..90, and not intersect itself; each
// polygon must have a non-zero area, and the total area must not exceed
// maxAreaKm2 (no limit when maxAreaKm2 <= 0). Holes are not checked to lie
// inside their outer ring.
//
// Validation failures are returned as *AOIError with a message for the user.
func ParseAOI(data []byte, maxAreaKm2 float64) (orb.MultiPolygon, error) {
	mp, err := decodeAreas(data, "the AOI")
	if err != nil {
		return nil, err
	}
	if len(mp) == 0 {
		return nil, aoiErrorf("the AOI is empty: it holds no polygon")
	}
	if err := checkMaxArea(AreaM2(mp), maxAreaKm2); err != nil {
		return nil, err
	}
	return mp, nil
}

// decodeAreas decodes any accepted object into a validated MultiPolygon.
func decodeAreas(data []byte, what string) (orb.MultiPolygon, error) {
	obj, err := decodeObject(data, what)
	if err != nil {
		return nil, err
	}
	if err := checkCRS(obj.CRS); err != nil {
		return nil, err
	}
	switch obj.Type {
	case "FeatureCollection":
		if len(obj.Features) == 0 {
			return nil, aoiErrorf("%s is empty: the FeatureCollection has no features", what)
		}
		var all orb.MultiPolygon
		for i, raw := range obj.Features {
			mp, err := decodeFeature(raw, fmt.Sprintf("feature %d", i+1))
			if err != nil {
				return nil, err
			}
			all = append(all, mp...)
		}
		return all, nil
	case "Feature":
		return decodeFeature(data, what)
	default:
		return decodeGeometry(obj, what)
	}
}

func decodeObject(data []byte, what string) (*geoJSON, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, aoiErrorf("%s is empty: no data was sent", what)
	}
	if !json.Valid(trimmed) {
		return nil, aoiErrorf("%s is not valid JSON", what)
	}
	var obj geoJSON
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil || obj.Type == "" {
		return nil, aoiErrorf("%s is not GeoJSON: expected a Polygon or MultiPolygon geometry, a Feature or a FeatureCollection", what)
	}
	return &obj, nil
}

// checkCRS accepts a missing crs member or one naming WGS84 longitude/latitude.
func checkCRS(c *crsMember) error {
	if c == nil || c.Properties.Name == "" {
		return nil
	}
	name := strings.ToUpper(c.Properties.Name)
	for _, ok := range []string{"CRS84", "EPSG::4326", "EPSG:4326"} {
		if strings.HasSuffix(name, ok) {
			return nil
		}
	}
	return aoiErrorf("the coordinate reference system %q is not accepted: use WGS84 longitude/latitude (CRS84, EPSG:4326); projected coordinates such as EPSG:3857 metres must be reprojected first", c.Properties.Name)
}

func decodeFeature(raw json.RawMessage, what string) (orb.MultiPolygon, error) {
	var f geoJSON
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		return nil, aoiErrorf("%s is not a GeoJSON Feature", what)
	}
	g := bytes.TrimSpace(f.Geometry)
	if len(g) == 0 || bytes.Equal(g, []byte("null")) {
		return nil, aoiErrorf("%s is empty: it has no geometry", what)
	}
	var geom geoJSON
	if err := json.Unmarshal(g, &geom); err != nil || geom.Type == "" {
		return nil, aoiErrorf("%s has a geometry that is not GeoJSON", what)
	}
	return decodeGeometry(&geom, what)
}

// decodeGeometry turns a Polygon or MultiPolygon into a validated MultiPolygon.
func decodeGeometry(g *geoJSON, what string) (orb.MultiPolygon, error) {
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if err := unmarshalCoords(g.Coordinates, &rings); err != nil {
			return nil, aoiErrorf("%s: the Polygon coordinates must be an array of rings, each an array of [longitude, latitude] positions", what)
		}
		if len(rings) == 0 {
			return nil, aoiErrorf("%s is empty: the Polygon has no coordinates", what)
		}
		p, err := buildPolygon(rings, place{what: what})
		if err != nil {
			return nil, err
		}
		return orb.MultiPolygon{p}, nil
	case "MultiPolygon":
		var polys [][][][]float64
		if err := unmarshalCoords(g.Coordinates, &polys); err != nil {
			return nil, aoiErrorf("%s: the MultiPolygon coordinates must be an array of polygons, each an array of rings of [longitude, latitude] positions", what)
		}
		if len(polys) == 0 {
			return nil, aoiErrorf("%s is empty: the MultiPolygon has no coordinates", what)
		}
		mp := make(orb.MultiPolygon, 0, len(polys))
		for i, rings := range polys {
			p, err := buildPolygon(rings, place{what: what, polygon: i + 1, multi: len(polys) > 1})
			if err != nil {
				return nil, err
			}
			mp = append(mp, p)
		}
		return mp, nil
	case "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection":
		return nil, aoiErrorf("%s is a %s: only Polygon and MultiPolygon areas are accepted", what, g.Type)
	default:
		return nil, aoiErrorf("%s has the unknown GeoJSON type %q: only Polygon and MultiPolygon areas are accepted", what, g.Type)
	}
}

func unmarshalCoords(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return errors.New("missing coordinates")
	}
	return json.Unmarshal(raw, v)
}
