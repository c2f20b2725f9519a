package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestFixtureNaivashaBoundaries(t *testing.T) {
	t.Parallel()
	aoi := fixtureAOI(t, "aoi/naivasha.geojson")
	boundaries, err := ParseBoundaries(fixture(t, "splits/naivasha_task_polygons.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	points := randomPoints(aoi.Bound(), 2000, 11)
	tasks, err := Splitter{}.SplitBoundaries(aoi, boundaries, points)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 23 {
		t.Fatalf("got %d tasks, want 23", len(tasks))
	}
	// The manager's polygons were drawn to cover the AOI and are kept as
	// drawn, slightly past its edge in places: areas must agree within 0.5%
	// and all but 0.5% of sample points inside the AOI lie in one task.
	var sum float64
	for _, task := range tasks {
		sum += task.AreaM2
	}
	if want := AreaM2(aoi); math.Abs(sum-want) > want*0.005 {
		t.Errorf("task areas add up to %.1f m², aoi is %.1f m²", sum, want)
	}
	samples := randomPoints(aoi.Bound(), 4000, 12)
	inAOI, bad := 0, 0
	for _, p := range samples {
		if !planar.MultiPolygonContains(aoi, p) {
			continue
		}
		inAOI++
		in := 0
		for _, task := range tasks {
			if planar.MultiPolygonContains(task.Outline, p) {
				in++
			}
		}
		if in != 1 {
			bad++
		}
	}
	if bad*200 > inAOI {
		t.Errorf("%d of %d samples inside the AOI are not in exactly one task", bad, inAOI)
	}
	checkFeatures(t, aoi, tasks, points)
}

func TestParseBoundariesRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"ErrNotCollection", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, "must be a FeatureCollection"},
		{"ErrEmpty", `{"type":"FeatureCollection","features":[]}`, "empty"},
		{"ErrSecondNotClosed", `{"type":"FeatureCollection","features":[
			{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
			{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}`, "task boundary 2, outer ring is not closed"},
		{"ErrPoint", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}]}`, "task boundary 1 is a Point"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseBoundaries([]byte(tc.data))
			var aerr *AOIError
			if !errors.As(err, &aerr) || !strings.Contains(aerr.Message, tc.want) {
				t.Fatalf("got %v, want *AOIError containing %q", err, tc.want)
			}
		})
	}
}

func TestSplitBoundaries(t *testing.T) {
	t.Parallel()
	aoi := rectAOI(orb.Point{85.3, 27.7}, 200, 200)
	b := aoi.Bound()
	midX := (b.Min[0] + b.Max[0]) / 2
	west := orb.MultiPolygon{orb.Bound{Min: b.Min, Max: orb.Point{midX, b.Max[1]}}.ToPolygon()}
	east := orb.MultiPolygon{orb.Bound{Min: orb.Point{midX, b.Min[1]}, Max: b.Max}.ToPolygon()}
	crossing := orb.MultiPolygon{b.Pad(0.01).ToPolygon()} // contains the whole aoi
	far := orb.MultiPolygon{orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.1, 10.1}}.ToPolygon()}
	t.Run("OKHalves", func(t *testing.T) {
		t.Parallel()
		tasks, err := Splitter{}.SplitBoundaries(aoi, []orb.MultiPolygon{west, east}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkTiling(t, aoi, tasks)
		if half := AreaM2(aoi) / 2; math.Abs(tasks[0].AreaM2-half) > half*1e-3 {
			t.Errorf("west half is %.1f m², want %.1f", tasks[0].AreaM2, half)
		}
	})
	t.Run("OKBoundaryAroundAOI", func(t *testing.T) {
		t.Parallel()
		if _, err := (Splitter{}).SplitBoundaries(aoi, []orb.MultiPolygon{crossing}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrBoundaryOutsideAOI", func(t *testing.T) {
		t.Parallel()
		_, err := Splitter{}.SplitBoundaries(aoi, []orb.MultiPolygon{west, far}, nil)
		var aerr *AOIError
		if !errors.As(err, &aerr) || !strings.Contains(aerr.Message, "task boundary 2 does not overlap") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrTooMany", func(t *testing.T) {
		t.Parallel()
		_, err := Splitter{MaxTasks: 1}.SplitBoundaries(aoi, []orb.MultiPolygon{west, east}, nil)
		if err == nil || !strings.Contains(err.Error(), "more than the maximum of 1") {
			t.Fatalf("got %v", err)
		}
	})
}
