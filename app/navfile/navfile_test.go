package navfile

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fieldbase/app/testtool"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// twoPartTask is a task whose outline has two parts, the second with a hole, on a project whose name needs
// escaping in XML.
var twoPartTask = Task{Project: `Roofs & "Rivers" <north>`, Index: 3, Outline: orb.MultiPolygon{
	{{{85.30, 27.70}, {85.305, 27.70}, {85.305, 27.704}, {85.30, 27.704}, {85.30, 27.70}}},
	{
		{{85.30, 27.706}, {85.305, 27.706}, {85.305, 27.71}, {85.30, 27.71}, {85.30, 27.706}},
		{{85.301, 27.707}, {85.302, 27.707}, {85.302, 27.708}, {85.301, 27.707}},
	},
}}

// sampleFeatures covers every geometry type an extract may hold, with tags that need escaping, a control
// character XML cannot hold, a number and a nested value.
func sampleFeatures() []Feature {
	return []Feature{
		{ID: 1, Status: "ready", Geometry: json.RawMessage(`{"type":"Point","coordinates":[85.301,27.701,1300]}`),
			Properties: json.RawMessage(`{"name":"Well <A> & \"B\"\u0001","amenity":"drinking_water","levels":2}`)},
		{ID: 2, Status: "submitted", Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[85.301,27.702],[85.304,27.703]]}`),
			Properties: json.RawMessage(`{"highway":"footway","note":{"a":[1,2]}}`)},
		{ID: 3, Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[85.303,27.707],[85.304,27.707],[85.304,27.708],[85.303,27.707]]]}`),
			Properties: json.RawMessage(`{"building":"yes","addr:housenumber":"12","addr:street":"Main Road"}`)},
		{ID: 4, Geometry: json.RawMessage(`{"type":"MultiPoint","coordinates":[[85.302,27.702],[180,27.703]]}`),
			Properties: json.RawMessage(`null`)},
		{ID: 5, Geometry: json.RawMessage(`{"type":"MultiLineString","coordinates":[[[85.301,27.701],[85.302,27.702]],[[85.303,27.703],[85.304,27.704]]]}`),
			Properties: json.RawMessage(`{}`)},
		{ID: 6, Geometry: json.RawMessage(`{"type":"MultiPolygon","coordinates":[[[[85.3,27.7],[85.301,27.7],[85.301,27.701],[85.3,27.7]]]]}`),
			Properties: json.RawMessage(`{"landuse":"farmland"}`)},
		{ID: 7, Geometry: json.RawMessage(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[85.3,27.7]},{"type":"LineString","coordinates":[[85.3,27.7],[85.301,27.701]]}]}`),
			Properties: json.RawMessage(`{"ref":"R7"}`)},
		{ID: 8, Geometry: json.RawMessage(`{"type":"Point","coordinates":[85.3,27.7]}`),
			Properties: json.RawMessage(`{"osm_id":42,"ref":"top","tags":{"shop":"kiosk","ref":"nested"}}`)},
	}
}

func write(t *testing.T, f Format, task Task, feats []Feature) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, task)
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range feats {
		if err := w.Feature(ft); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Validate runs xmllint with the schema (a file under testdata/schemas) on doc; it skips the test when xmllint
// is not installed.
func validate(t *testing.T, schema string, doc []byte) {
	t.Helper()
	testtool.Need(t, "xmllint not installed (Debian package libxml2-utils): the schema check needs it", "xmllint")
	file := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join("testdata", "schemas", schema),
		file).CombinedOutput()
	if err != nil {
		t.Fatalf("%s does not validate: %v\n%s\n%s", schema, err, out, doc)
	}
}

func TestKMLValidatesAndHoldsEverything(t *testing.T) {
	t.Parallel()
	doc := write(t, KML, twoPartTask, sampleFeatures())
	validate(t, "ogckml22-subset.xsd", doc)
	var kml struct {
		Document struct {
			Name       string `xml:"name"`
			Placemarks []struct {
				Name     string `xml:"name"`
				Desc     string `xml:"description"`
				StyleURL string `xml:"styleUrl"`
				Data     []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value"`
				} `xml:"ExtendedData>Data"`
				Inner []string `xml:"Polygon>innerBoundaryIs>LinearRing>coordinates"`
				Multi []string `xml:"MultiGeometry>Point>coordinates"`
			} `xml:"Placemark"`
		}
	}
	if err := xml.Unmarshal(doc, &kml); err != nil {
		t.Fatal(err)
	}
	if kml.Document.Name != `Roofs & "Rivers" <north>: Task 3` {
		t.Errorf("document name %q", kml.Document.Name)
	}
	pm := kml.Document.Placemarks
	if len(pm) != 2+8 {
		t.Fatalf("%d placemarks, want 2 outline parts and 8 features", len(pm))
	}
	if pm[0].Name != "Task 3 (part 1 of 2)" || pm[1].Name != "Task 3 (part 2 of 2)" ||
		pm[0].StyleURL != "#task-outline" || len(pm[1].Inner) != 1 {
		t.Errorf("outline placemarks: %+v", pm[:2])
	}
	// The closing position is added to the hole, which was written open.
	if len(pm[1].Inner) == 1 && !strings.HasSuffix(pm[1].Inner[0], "85.301,27.707") {
		t.Errorf("hole not closed: %q", pm[1].Inner[0])
	}
	well := pm[2]
	if well.Name != "Well <A> & \"B\"\uFFFD" || well.StyleURL != "#feature" {
		t.Errorf("well: %+v", well)
	}
	if len(well.Data) != 3 || well.Data[0].Name != "amenity" || well.Data[1].Value != "2" ||
		!strings.Contains(well.Desc, "amenity=drinking_water\nlevels=2\nname=Well") {
		t.Errorf("well data: %+v %q", well.Data, well.Desc)
	}
	if pm[3].Name != "highway=footway" || pm[3].Data[1].Value != `{"a":[1,2]}` {
		t.Errorf("line: %+v", pm[3])
	}
	if pm[4].Name != "12 Main Road" || pm[5].Name != "Feature 4" || len(pm[5].Multi) != 2 || pm[8].Name != "R7" {
		t.Errorf("names: %q %q %q; multipoint %v", pm[4].Name, pm[5].Name, pm[8].Name, pm[5].Multi)
	}
	// Nested OSM tags are spread among the properties; a property of the same name wins.
	if got := pm[9].Desc; got != "osm_id=42\nref=top\nshop=kiosk" {
		t.Errorf("nested tags: %q", got)
	}
}

func TestGPXValidatesAndHoldsEverything(t *testing.T) {
	t.Parallel()
	doc := write(t, GPX, twoPartTask, sampleFeatures())
	validate(t, "gpx-1.1.xsd", doc)
	type pt struct {
		Lat float64 `xml:"lat,attr"`
		Lon float64 `xml:"lon,attr"`
	}
	var gpx struct {
		Name string `xml:"metadata>name"`
		Wpts []struct {
			pt
			Name string `xml:"name"`
			Desc string `xml:"desc"`
		} `xml:"wpt"`
		Trks []struct {
			Name string `xml:"name"`
			Segs []struct {
				Pts []pt `xml:"trkpt"`
			} `xml:"trkseg"`
		} `xml:"trk"`
	}
	if err := xml.Unmarshal(doc, &gpx); err != nil {
		t.Fatal(err)
	}
	var wpts, trks []string
	for _, w := range gpx.Wpts {
		wpts = append(wpts, w.Name)
	}
	for _, tr := range gpx.Trks {
		trks = append(trks, tr.Name)
	}
	// Points (and the points of a collection) are waypoints; the outline parts come first among the tracks.
	wantW := []string{"Well <A> & \"B\"\uFFFD", "Feature 4", "Feature 4", "R7", "top"}
	wantT := []string{"Task 3 (part 1 of 2)", "Task 3 (part 2 of 2)", "highway=footway", "12 Main Road", "Feature 5",
		"landuse=farmland", "R7"}
	if strings.Join(wpts, "|") != strings.Join(wantW, "|") || strings.Join(trks, "|") != strings.Join(wantT, "|") {
		t.Fatalf("waypoints %q, want %q; tracks %q, want %q", wpts, wantW, trks, wantT)
	}
	if w := gpx.Wpts[2]; w.Lon != -180 {
		t.Errorf("longitude 180 written as %v, want -180", w.Lon)
	}
	outline := gpx.Trks[1]
	if len(outline.Segs) != 2 {
		t.Fatalf("outline part 2 has %d segments, want the outer ring and the hole", len(outline.Segs))
	}
	for _, seg := range outline.Segs {
		if seg.Pts[0] != seg.Pts[len(seg.Pts)-1] {
			t.Errorf("outline ring not closed: %v", seg.Pts)
		}
	}
	if n := len(gpx.Trks[3].Segs); n != 1 {
		t.Errorf("the building's track has %d segments, want its outer ring only", n)
	}
	if n := len(gpx.Trks[4].Segs); n != 2 {
		t.Errorf("the multi-line track has %d segments, want 2", n)
	}
}

func TestGeoJSONOutlineFirstThenFeatures(t *testing.T) {
	t.Parallel()
	doc := write(t, GeoJSON, twoPartTask, sampleFeatures()[:2])
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(doc, &fc); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("%s", doc)
	}
	o := fc.Features[0]
	if o.Properties["role"] != "outline" || o.Properties["task_index"] != 3.0 || o.Geometry.Type != "MultiPolygon" {
		t.Errorf("outline: %+v", o)
	}
	well := fc.Features[1]
	if well.Properties["role"] != "feature" || well.Properties["fb_id"] != 1.0 ||
		well.Properties["fb_status"] != "ready" || well.Properties["amenity"] != "drinking_water" ||
		string(well.Geometry.Coordinates) != "[85.301,27.701,1300]" {
		t.Errorf("well: %+v %s", well.Properties, well.Geometry.Coordinates)
	}
}

func TestBadFeatureIsAnError(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{KML, GPX, GeoJSON} {
		w, err := NewWriter(&bytes.Buffer{}, f, twoPartTask)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Feature(Feature{ID: 9, Geometry: json.RawMessage(`{"type":"Curve"}`),
			Properties: json.RawMessage(`{}`)}); f != GeoJSON && err == nil {
			t.Errorf("%s: an unknown geometry type was written", f)
		}
		if err := w.Feature(Feature{ID: 9, Geometry: json.RawMessage(`{"type":"Point","coordinates":[1,2]}`),
			Properties: json.RawMessage(`[1]`)}); err == nil {
			t.Errorf("%s: properties that are not an object were written", f)
		}
	}
}
