package navfile

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// KML colours are aabbggrr: the outline crimson (#dc143c), the features blue (#0078d4), their areas a quarter
// opaque.
const kmlStyles = `<Style id="task-outline"><LineStyle><color>ff3c14dc</color><width>3</width></LineStyle>` +
	`<PolyStyle><fill>0</fill><outline>1</outline></PolyStyle></Style>` +
	`<Style id="feature"><LineStyle><color>ffd47800</color><width>2</width></LineStyle>` +
	`<PolyStyle><color>40d47800</color><fill>1</fill><outline>1</outline></PolyStyle></Style>`

// kmlWriter writes a KML 2.2 Document: the styles, one Placemark per part of the outline, then a Placemark per
// feature with its tags as ExtendedData (and as "key=value" lines in its description).
type kmlWriter struct {
	w *errWriter
}

func newKMLWriter(w *errWriter, t Task) *kmlWriter {
	k := &kmlWriter{w: w}
	w.WriteString(xml.Header + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>`)
	k.element("name", t.Project+": "+t.name())
	k.element("description", t.description())
	w.WriteString(kmlStyles + "\n")
	for i, poly := range t.Outline {
		w.WriteString("<Placemark>")
		k.element("name", t.partName(i))
		w.WriteString("<styleUrl>#task-outline</styleUrl>")
		k.geometry(poly)
		w.WriteString("</Placemark>\n")
	}
	return k
}

func (k *kmlWriter) Feature(f Feature) error {
	ts, err := tags(f.Properties)
	if err != nil {
		return err
	}
	geom, err := geometry(f.Geometry)
	if err != nil {
		return fmt.Errorf("feature %d: %w", f.ID, err)
	}
	k.w.WriteString("<Placemark>")
	k.element("name", featureName(f.ID, ts))
	if len(ts) > 0 {
		k.element("description", tagLines(ts))
	}
	k.w.WriteString("<styleUrl>#feature</styleUrl>")
	if len(ts) > 0 {
		k.w.WriteString("<ExtendedData>")
		for _, t := range ts {
			k.w.WriteString(`<Data name="` + escape(t.Key) + `">`)
			k.element("value", t.Value)
			k.w.WriteString("</Data>")
		}
		k.w.WriteString("</ExtendedData>")
	}
	k.geometry(geom)
	k.w.WriteString("</Placemark>\n")
	return k.w.err
}

func (k *kmlWriter) Close() error {
	k.w.WriteString("</Document></kml>\n")
	return k.w.err
}

// element writes <name>text</name> with the text escaped.
func (k *kmlWriter) element(name, text string) {
	k.w.WriteString("<" + name + ">" + escape(text) + "</" + name + ">")
}

// geometry writes g as KML: a Point, LineString or Polygon, or a MultiGeometry of them for the multi types and
// collections.
func (k *kmlWriter) geometry(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		k.w.WriteString("<Point><coordinates>" + kmlCoords([]orb.Point{g}) + "</coordinates></Point>")
	case orb.LineString:
		k.w.WriteString("<LineString><tessellate>1</tessellate><coordinates>" + kmlCoords(g) +
			"</coordinates></LineString>")
	case orb.Ring:
		k.geometry(orb.Polygon{g})
	case orb.Polygon:
		k.w.WriteString("<Polygon><tessellate>1</tessellate>")
		for i, ring := range g {
			boundary := "innerBoundaryIs"
			if i == 0 {
				boundary = "outerBoundaryIs"
			}
			k.w.WriteString("<" + boundary + "><LinearRing><coordinates>" + kmlCoords(closed(ring)) +
				"</coordinates></LinearRing></" + boundary + ">")
		}
		k.w.WriteString("</Polygon>")
	case orb.MultiPoint:
		k.multi(len(g), func(i int) orb.Geometry { return g[i] })
	case orb.MultiLineString:
		k.multi(len(g), func(i int) orb.Geometry { return g[i] })
	case orb.MultiPolygon:
		k.multi(len(g), func(i int) orb.Geometry { return g[i] })
	case orb.Collection:
		k.multi(len(g), func(i int) orb.Geometry { return g[i] })
	case orb.Bound:
		k.geometry(g.ToPolygon())
	case nil:
	default:
		k.w.err = fmt.Errorf("kml: geometry type %T", g)
	}
}

func (k *kmlWriter) multi(n int, part func(int) orb.Geometry) {
	k.w.WriteString("<MultiGeometry>")
	for i := range n {
		k.geometry(part(i))
	}
	k.w.WriteString("</MultiGeometry>")
}

// kmlCoords is KML's coordinates list: "lon,lat" tuples separated by spaces.
func kmlCoords(pts []orb.Point) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(num(p.Lon()) + "," + num(p.Lat()))
	}
	return b.String()
}

// escape makes s safe as XML text or an attribute value: markup characters become references and characters
// XML cannot hold become U+FFFD.
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
