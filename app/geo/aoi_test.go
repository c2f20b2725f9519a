package geo

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// rectAreaM2 is the exact spherical area of a longitude/latitude rectangle,
// R² · Δλ · (sin φ2 − sin φ1), an independent check on AreaM2.
func rectAreaM2(minLon, minLat, maxLon, maxLat float64) float64 {
	rad := math.Pi / 180
	return orb.EarthRadius * orb.EarthRadius * (maxLon - minLon) * rad * (math.Sin(maxLat*rad) - math.Sin(minLat*rad))
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseAOIAccepts(t *testing.T) {
	t.Parallel()
	square := rectAreaM2(85.30, 27.71, 85.301, 27.711)
	tests := []struct {
		name     string
		file     string
		polygons int
		areaM2   float64
	}{
		{"OKBarePolygonGeometry", "ok_polygon.geojson", 1, square},
		{"OKFeature", "ok_feature.geojson", 1, square},
		{"OKFeatureCollectionMerged", "ok_featurecollection.geojson", 2, square + rectAreaM2(85.302, 27.71, 85.303, 27.711)},
		{"OKMultiPolygon", "ok_multipolygon.geojson", 2, square + rectAreaM2(85.302, 27.71, 85.303, 27.711)},
		{"OK3DPositionsAndCRS84", "ok_3d_crs.geojson", 1, square},
		{"OKPolygonWithHole", "ok_hole.geojson", 1, rectAreaM2(85.30, 27.71, 85.302, 27.712) - rectAreaM2(85.3005, 27.7105, 85.3015, 27.7115)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mp, err := ParseAOI(readTestdata(t, tc.file), 1)
			if err != nil {
				t.Fatalf("ParseAOI: %v", err)
			}
			if len(mp) != tc.polygons {
				t.Errorf("got %d polygons, want %d", len(mp), tc.polygons)
			}
			if got := AreaM2(mp); math.Abs(got-tc.areaM2) > tc.areaM2*1e-6 {
				t.Errorf("area %.3f m², want %.3f m²", got, tc.areaM2)
			}
			for _, p := range mp {
				for _, r := range p {
					if r[0] != r[len(r)-1] {
						t.Errorf("ring not closed after parsing: %v", r)
					}
				}
			}
		})
	}
}

func TestParseAOIRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		maxKm2 float64
		want   []string
	}{
		{"ErrNotJSON", "bad_not_json.geojson", 0, []string{"not valid JSON"}},
		{"ErrNotGeoJSON", "bad_not_geojson.geojson", 0, []string{"not GeoJSON"}},
		{"ErrPointType", "bad_point.geojson", 0, []string{"is a Point", "only Polygon and MultiPolygon"}},
		{"ErrLineStringFeature", "bad_linestring_feature.geojson", 0, []string{"feature 2", "is a LineString"}},
		{"ErrEmptyCollection", "bad_empty_collection.geojson", 0, []string{"empty", "no features"}},
		{"ErrNullGeometry", "bad_null_geometry.geojson", 0, []string{"empty", "no geometry"}},
		{"ErrEmptyPolygon", "bad_empty_polygon.geojson", 0, []string{"empty", "no coordinates"}},
		{"ErrProjectedMetres", "bad_epsg3857_metres.geojson", 0, []string{"outside the WGS84 range", "position 1", "EPSG:3857 metres are not accepted"}},
		{"ErrProjectedCRS", "bad_crs_3857.geojson", 0, []string{"EPSG::3857", "not accepted"}},
		{"ErrRingNotClosed", "bad_not_closed.geojson", 0, []string{"outer ring is not closed"}},
		{"ErrHoleNotClosed", "bad_hole_not_closed.geojson", 0, []string{"polygon 2, hole 1 is not closed"}},
		{"ErrTooFewPositions", "bad_too_few_positions.geojson", 0, []string{"has 3 positions", "at least 4"}},
		{"ErrSelfIntersecting", "bad_self_intersecting.geojson", 0, []string{"intersects itself", "longitude 85.3005"}},
		{"ErrZeroArea", "bad_zero_area.geojson", 0, []string{"zero area"}},
		{"ErrTooLarge", "bad_too_large.geojson", 200, []string{"the area is 4", "more than the maximum of 200 km²"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAOI(readTestdata(t, tc.file), tc.maxKm2)
			var aerr *AOIError
			if !errors.As(err, &aerr) {
				t.Fatalf("got error %v (%T), want *AOIError", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(aerr.Message, w) {
					t.Errorf("message %q does not contain %q", aerr.Message, w)
				}
			}
		})
	}
}

func TestParseAOIMaxAreaMessage(t *testing.T) {
	t.Parallel()
	data := readTestdata(t, "bad_too_large.geojson")
	want := rectAreaM2(85.0, 27.5, 85.2, 27.7) / 1e6
	_, err := ParseAOI(data, 200)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the area is %.1f km²", want)) {
		t.Fatalf("got %v, want the area %.1f km² named", err, want)
	}
	if _, err := ParseAOI(data, want+1); err != nil {
		t.Errorf("with a maximum above the area: %v", err)
	}
	if _, err := ParseAOI(data, 0); err != nil {
		t.Errorf("with no maximum: %v", err)
	}
}
