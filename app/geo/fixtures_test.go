package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestFixtureAreas(t *testing.T) {
	t.Parallel()
	// The README gives areas rounded to 2-4 significant figures, so each is
	// checked at its own precision (kathmandu's 0.1639 km² is "about 0.16").
	tests := []struct {
		name     string
		file     string
		km2      float64
		decimals int
	}{
		{"OKKathmandu", "aoi/kathmandu.geojson", 0.16, 2},
		{"OKSalidaBareFeature", "aoi/salida.geojson", 6.6, 1},
		{"OKNaivashaWithCRS", "aoi/naivasha.geojson", 0.34, 2},
		{"OKKathmanduTooLargeWithoutLimit", "aoi/kathmandu_too_large.geojson", 582, 0},
		{"OKScotlandBareMultiPolygon", "aoi/scotland_multipolygon_geometry.json", 2107, 0},
		{"OKRwandaMultiPolygonWithCRS", "aoi/rwanda_multipolygon.geojson", 14.8, 1},
		{"OKKathmanduFourPolygons", "aoi/kathmandu_split_4polygons.geojson", 0.085, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := AreaM2(fixtureAOI(t, tc.file)) / 1e6
			scale := math.Pow(10, float64(tc.decimals))
			if math.Round(got*scale)/scale != tc.km2 {
				t.Errorf("area %.4f km², want %g km² at the README's precision", got, tc.km2)
			}
		})
	}
	t.Run("OKKathmanduMatchesExactRectangle", func(t *testing.T) {
		t.Parallel()
		b := fixtureAOI(t, "aoi/kathmandu.geojson").Bound()
		want := rectAreaM2(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		if got := AreaM2(fixtureAOI(t, "aoi/kathmandu.geojson")); math.Abs(got-want) > want*1e-6 {
			t.Errorf("area %.3f m², exact rectangle %.3f m²", got, want)
		}
	})
}

func TestFixtureTooLargeRejected(t *testing.T) {
	t.Parallel()
	_, err := ParseAOI(fixture(t, "aoi/kathmandu_too_large.geojson"), 200)
	if err == nil || err.Error() != "the area is 582.2 km², more than the maximum of 200 km²" {
		t.Fatalf("got %v", err)
	}
}

func TestFixtureExtractPoints(t *testing.T) {
	t.Parallel()
	points, types := fixturePoints(t, "extracts/kathmandu_extract.geojson")
	count := map[string]int{}
	for _, typ := range types {
		count[typ]++
	}
	if len(points) != 689 || count["Polygon"] != 667 || count["LineString"] != 22 {
		t.Errorf("got %d points, types %v; the README says 689: 667 Polygon, 22 LineString", len(points), count)
	}
}

// TestFixtureFmtmSplitBySquare checks fmtm-splitter's recorded counts for
// split_by_square(kathmandu, meters, osm_extract). They are matched when only
// the centroids of polygon features (the 667 buildings) count: with all 689
// features, one 50 m cell holds only the centroid of a road and is kept,
// giving 67.
func TestFixtureFmtmSplitBySquare(t *testing.T) {
	t.Parallel()
	aoi := fixtureAOI(t, "aoi/kathmandu.geojson")
	all, types := fixturePoints(t, "extracts/kathmandu_extract.geojson")
	buildings := polygonsOnly(all, types)
	for _, tc := range []struct {
		name  string
		cellM float64
		want  int
	}{{"OK50mGives66", 50, 66}, {"OK100mGives19", 100, 19}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, tc.cellM, buildings, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != tc.want {
				t.Errorf("got %d tasks, fmtm-splitter expects %d", len(tasks), tc.want)
			}
			checkFeatures(t, aoi, tasks, buildings)
			checkNoOverlap(t, aoi, tasks, false)
		})
	}
	t.Run("OKAllFeaturesKeepsRoadCell", func(t *testing.T) {
		t.Parallel()
		tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 50, all, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 67 {
			t.Errorf("got %d tasks, want 66 + the road-only cell", len(tasks))
		}
		checkFeatures(t, aoi, tasks, all)
	})
}

func TestFixtureSplitByFeatures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		aoi     func(t *testing.T, points []orb.Point) orb.MultiPolygon
		extract string
		perTask int
	}{
		{"OKKathmanduExtract", fixtureAOIFunc("aoi/kathmandu.geojson"), "extracts/kathmandu_extract.geojson", 50},
		{"OKSalidaPoints", fixtureAOIFunc("aoi/salida.geojson"), "extracts/salida_osm_buildings_points.geojson", 20},
		{"OKJanakpurFootprints", paddedBoundAOI, "extracts/janakpur_building_footprints.geojson", 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			points, _ := fixturePoints(t, tc.extract)
			aoi := tc.aoi(t, points)
			tasks, err := Splitter{}.SplitByFeatures(t.Context(), aoi, points, tc.perTask, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkTiling(t, aoi, tasks)
			checkFeatures(t, aoi, tasks, points)
			checkLoad(t, tasks, tc.perTask, tc.perTask)
		})
	}
}

func fixtureAOIFunc(name string) func(*testing.T, []orb.Point) orb.MultiPolygon {
	return func(t *testing.T, _ []orb.Point) orb.MultiPolygon { return fixtureAOI(t, name) }
}

// paddedBoundAOI is the extract's bounding box grown by about 50 m: the
// Janakpur footprints come without an AOI.
func paddedBoundAOI(_ *testing.T, points []orb.Point) orb.MultiPolygon {
	b := orb.MultiPoint(points).Bound().Pad(0.0005)
	return orb.MultiPolygon{orb.Polygon{b.ToRing()}}
}

func TestFixtureSalidaGrid(t *testing.T) {
	t.Parallel()
	aoi := fixtureAOI(t, "aoi/salida.geojson")
	points, _ := fixturePoints(t, "extracts/salida_osm_buildings_points.geojson")
	tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 100, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkTiling(t, aoi, tasks)
	withPoints, err := Splitter{}.SplitGrid(t.Context(), aoi, 100, points, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(withPoints) == 0 || len(withPoints) >= len(tasks) {
		t.Errorf("%d tasks with points, %d without: want fewer, not none", len(withPoints), len(tasks))
	}
	checkFeatures(t, aoi, withPoints, points)
	checkNoOverlap(t, aoi, withPoints, false)
}
