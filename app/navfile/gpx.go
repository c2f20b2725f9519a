package navfile

import (
	"bytes"
	"encoding/xml"
	"fmt"

	"github.com/paulmach/orb"
)

// gpxWriter writes GPX 1.1: point features as waypoints; the outline (a track per part, a segment per ring,
// closed), then line features and the outer rings of area features as tracks. GPX puts every waypoint before
// every track, so the tracks wait in a buffer until Close.
type gpxWriter struct {
	w      *errWriter
	tracks bytes.Buffer
}

func newGPXWriter(w *errWriter, t Task) *gpxWriter {
	g := &gpxWriter{w: w}
	w.WriteString(xml.Header + `<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="Fieldbase">` +
		"<metadata><name>" + escape(t.Project+": "+t.name()) + "</name><desc>" + escape(t.description()) +
		"</desc></metadata>\n")
	for i, poly := range t.Outline {
		segs := make([]orb.LineString, len(poly))
		for j, ring := range poly {
			segs[j] = orb.LineString(closed(ring))
		}
		g.track(t.partName(i), "Task outline", segs)
	}
	return g
}

func (g *gpxWriter) Feature(f Feature) error {
	ts, err := tags(f.Properties)
	if err != nil {
		return err
	}
	geom, err := geometry(f.Geometry)
	if err != nil {
		return fmt.Errorf("feature %d: %w", f.ID, err)
	}
	name, desc := featureName(f.ID, ts), tagLines(ts)
	var points []orb.Point
	var segs []orb.LineString
	flatten(geom, &points, &segs)
	for _, p := range points {
		g.w.WriteString(`<wpt lat="` + num(p.Lat()) + `" lon="` + num(gpxLon(p.Lon())) + `"><name>` + escape(name) +
			"</name>")
		if desc != "" {
			g.w.WriteString("<desc>" + escape(desc) + "</desc>")
		}
		g.w.WriteString("</wpt>\n")
	}
	if len(segs) > 0 {
		g.track(name, desc, segs)
	}
	return g.w.err
}

func (g *gpxWriter) Close() error {
	g.w.Write(g.tracks.Bytes())
	g.w.WriteString("</gpx>\n")
	return g.w.err
}

// track adds a track of one or more segments to the buffer.
func (g *gpxWriter) track(name, desc string, segs []orb.LineString) {
	b := &g.tracks
	b.WriteString("<trk><name>" + escape(name) + "</name>")
	if desc != "" {
		b.WriteString("<desc>" + escape(desc) + "</desc>")
	}
	for _, seg := range segs {
		b.WriteString("<trkseg>")
		for _, p := range seg {
			b.WriteString(`<trkpt lat="` + num(p.Lat()) + `" lon="` + num(gpxLon(p.Lon())) + `"/>`)
		}
		b.WriteString("</trkseg>")
	}
	b.WriteString("</trk>\n")
}

// flatten sorts a geometry into what GPX can hold: points, and lines (a polygon gives its outer ring, closed).
func flatten(g orb.Geometry, points *[]orb.Point, segs *[]orb.LineString) {
	switch g := g.(type) {
	case orb.Point:
		*points = append(*points, g)
	case orb.MultiPoint:
		*points = append(*points, g...)
	case orb.LineString:
		*segs = append(*segs, g)
	case orb.MultiLineString:
		*segs = append(*segs, g...)
	case orb.Ring:
		*segs = append(*segs, orb.LineString(closed(g)))
	case orb.Polygon:
		if len(g) > 0 {
			*segs = append(*segs, orb.LineString(closed(g[0])))
		}
	case orb.MultiPolygon:
		for _, p := range g {
			flatten(p, points, segs)
		}
	case orb.Collection:
		for _, c := range g {
			flatten(c, points, segs)
		}
	case orb.Bound:
		flatten(g.ToPolygon(), points, segs)
	}
}

// gpxLon maps 180° to -180°, the same meridian: GPX's longitudeType excludes 180.
func gpxLon(lon float64) float64 {
	if lon >= 180 {
		return lon - 360
	}
	return lon
}
