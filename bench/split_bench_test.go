// Package bench holds benchmarks of Fieldbase's heavy operations, measured
// against the performance targets; it asserts nothing and must not import
// HTTP code.
package bench

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"fieldbase/app/geo"

	"github.com/paulmach/orb"
)

// aoi100km2 is a slightly irregular polygon of about 100 km² (a 10 km × 10 km
// square with wavy edges, 400 vertices) around Kathmandu, latitude 27.7.
func aoi100km2() orb.MultiPolygon {
	const sideM, lat, lon = 10000.0, 27.7, 85.3
	perLat := orb.EarthRadius * math.Pi / 180
	perLon := perLat * math.Cos(lat*math.Pi/180)
	ring := orb.Ring{}
	corners := [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	for c := range corners {
		a, b := corners[c], corners[(c+1)%4]
		for k := range 100 {
			f := float64(k) / 100
			wobble := 150 * math.Sin(f*math.Pi*6)
			x := (a[0] + (b[0]-a[0])*f) * sideM
			y := (a[1] + (b[1]-a[1])*f) * sideM
			// Push each edge in and out along its normal.
			x += wobble * (b[1] - a[1])
			y -= wobble * (b[0] - a[0])
			ring = append(ring, orb.Point{lon + x/perLon, lat + y/perLat})
		}
	}
	ring = append(ring, ring[0])
	return orb.MultiPolygon{{ring}}
}

// pointsIn returns n points inside aoi, drawn with a fixed seed.
func pointsIn(aoi orb.MultiPolygon, n int) []orb.Point {
	r := rand.New(rand.NewPCG(42, 43))
	b := aoi.Bound()
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		if inside(aoi, p) {
			pts = append(pts, p)
		}
	}
	return pts
}

func inside(aoi orb.MultiPolygon, p orb.Point) bool {
	in := false
	r := aoi[0][0]
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

func BenchmarkSplitGrid100km2At50m(b *testing.B) {
	aoi := aoi100km2()
	var tasks []geo.Task
	for b.Loop() {
		var err error
		tasks, err = geo.Splitter{}.SplitGrid(context.Background(), aoi, 50, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tasks)), "tasks")
	b.ReportMetric(geo.AreaM2(aoi)/1e6, "km²")
}

func BenchmarkSplitByFeatures100k(b *testing.B) {
	aoi := aoi100km2()
	points := pointsIn(aoi, 100000)
	var tasks []geo.Task
	for b.Loop() {
		var err error
		tasks, err = geo.Splitter{}.SplitByFeatures(context.Background(), aoi, points, 50, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tasks)), "tasks")
}

func BenchmarkAssignPoints200k(b *testing.B) {
	aoi := aoi100km2()
	tasks, err := geo.Splitter{}.SplitGrid(context.Background(), aoi, 100, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	bound := aoi.Bound()
	points := make([]orb.Point, 200000)
	for i := range points {
		points[i] = orb.Point{bound.Min[0] + r.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + r.Float64()*(bound.Max[1]-bound.Min[1])}
	}
	var got []int
	for b.Loop() {
		got = geo.AssignPoints(tasks, points)
	}
	assigned := 0
	for _, ti := range got {
		if ti >= 0 {
			assigned++
		}
	}
	b.ReportMetric(float64(len(tasks)), "tasks")
	b.ReportMetric(float64(assigned), "assigned")
}
