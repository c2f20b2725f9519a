package geo

import (
	"encoding/json"

	"github.com/paulmach/orb"
)

type extractDoc struct {
	Type     string `json:"type"`
	Features []struct {
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// FeaturePoints parses a GeoJSON FeatureCollection (a data extract) and
// returns the Centroid of each feature and its geometry type ("Polygon",
// "LineString", ...), both in feature order. A feature without a usable
// geometry gets the zero point and type "", which keeps indexes aligned with
// the features. A document that is not a FeatureCollection is an *AOIError.
func FeaturePoints(data []byte) (points []orb.Point, types []string, err error) {
	var doc extractDoc
	if err := json.Unmarshal(data, &doc); err != nil || doc.Type != "FeatureCollection" {
		return nil, nil, aoiErrorf("the data extract is not a GeoJSON FeatureCollection")
	}
	points = make([]orb.Point, len(doc.Features))
	types = make([]string, len(doc.Features))
	for i, f := range doc.Features {
		if f.Geometry == nil {
			continue
		}
		if g := decodeAnyGeometry(f.Geometry.Type, f.Geometry.Coordinates); g != nil {
			points[i] = Centroid(g)
			types[i] = f.Geometry.Type
		}
	}
	return points, types, nil
}

// decodeAnyGeometry decodes the coordinates of a GeoJSON geometry (heights
// dropped), or returns nil when they do not fit the type.
func decodeAnyGeometry(typ string, raw json.RawMessage) orb.Geometry {
	var err error
	var g orb.Geometry
	switch typ {
	case "Point":
		var c []float64
		err = json.Unmarshal(raw, &c)
		if len(c) >= 2 {
			g = orb.Point{c[0], c[1]}
		}
	case "MultiPoint", "LineString":
		var c [][]float64
		err = json.Unmarshal(raw, &c)
		g = lineOf(c)
		if typ == "MultiPoint" {
			g = orb.MultiPoint(lineOf(c))
		}
	case "MultiLineString", "Polygon":
		var c [][][]float64
		err = json.Unmarshal(raw, &c)
		g = polygonOf(c)
		if typ == "MultiLineString" {
			g = multiLineOf(c)
		}
	case "MultiPolygon":
		var c [][][][]float64
		err = json.Unmarshal(raw, &c)
		mp := make(orb.MultiPolygon, len(c))
		for k := range c {
			mp[k] = polygonOf(c[k])
		}
		g = mp
	}
	if err != nil {
		return nil
	}
	return g
}

func lineOf(c [][]float64) orb.LineString {
	ls := make(orb.LineString, 0, len(c))
	for _, p := range c {
		if len(p) >= 2 {
			ls = append(ls, orb.Point{p[0], p[1]})
		}
	}
	return ls
}

func multiLineOf(c [][][]float64) orb.MultiLineString {
	mls := make(orb.MultiLineString, len(c))
	for k := range c {
		mls[k] = lineOf(c[k])
	}
	return mls
}

func polygonOf(c [][][]float64) orb.Polygon {
	p := make(orb.Polygon, len(c))
	for k := range c {
		p[k] = orb.Ring(lineOf(c[k]))
	}
	return p
}
