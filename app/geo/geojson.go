package geo

import (
	"encoding/json"

	"github.com/paulmach/orb"
)

// MultiPolygonJSON writes a MultiPolygon as a GeoJSON geometry, the form AOIs and task outlines are stored in.
func MultiPolygonJSON(mp orb.MultiPolygon) (string, error) {
	coords, err := json.Marshal(mp)
	if err != nil {
		return "", err
	}
	return `{"type":"MultiPolygon","coordinates":` + string(coords) + "}", nil
}

// ParseMultiPolygon reads a GeoJSON MultiPolygon geometry as stored for AOIs and task outlines.
func ParseMultiPolygon(raw string) (orb.MultiPolygon, error) {
	var g struct {
		Coordinates orb.MultiPolygon `json:"coordinates"`
	}
	err := json.Unmarshal([]byte(raw), &g)
	return g.Coordinates, err
}

// OutlineMultiPolygon reads a stored task outline, a GeoJSON MultiPolygon or Polygon; ok is false for anything
// else.
func OutlineMultiPolygon(outline string) (orb.MultiPolygon, bool) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal([]byte(outline), &g) != nil {
		return nil, false
	}
	switch g.Type {
	case "MultiPolygon":
		var mp orb.MultiPolygon
		if json.Unmarshal(g.Coordinates, &mp) != nil {
			return nil, false
		}
		return mp, true
	case "Polygon":
		var p orb.Polygon
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return nil, false
		}
		return orb.MultiPolygon{p}, true
	}
	return nil, false
}
