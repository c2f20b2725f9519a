package geo

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestAssignPoints(t *testing.T) {
	t.Parallel()
	aoi := irregularAOI(orb.Point{85.32, 27.70}, 700, 40)
	tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 60, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	points := randomPoints(aoi.Bound().Pad(0.002), 2000, 21)
	got := AssignPoints(tasks, points)
	outside, inside := 0, 0
	for i, p := range points {
		want := -1
		for ti, task := range tasks {
			if planar.MultiPolygonContains(task.Outline, p) {
				want = ti
				break
			}
		}
		if got[i] != want {
			t.Errorf("point %v: task %d, brute force says %d", p, got[i], want)
		}
		if want < 0 {
			outside++
		} else {
			inside++
		}
	}
	if outside == 0 || inside == 0 {
		t.Errorf("%d points inside and %d outside: the test needs both", inside, outside)
	}
	t.Run("OKNoTasks", func(t *testing.T) {
		t.Parallel()
		if got := AssignPoints(nil, points[:3]); got[0] != -1 || got[1] != -1 || got[2] != -1 {
			t.Errorf("got %v, want all -1", got)
		}
	})
}

func TestCentroid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		g    orb.Geometry
		want orb.Point
	}{
		{"OKPoint", orb.Point{1, 2}, orb.Point{1, 2}},
		{"OKLineLengthWeighted", orb.LineString{{0, 0}, {2, 0}, {2, 2}}, orb.Point{1.5, 0.5}},
		{"OKSquareArea", orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}}, orb.Point{2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Centroid(tc.g); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
