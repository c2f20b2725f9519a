package geo

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// fixture reads a file of the shared public fixtures, skipping the test when
// the folder is not there.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func fixtureAOI(t *testing.T, name string) orb.MultiPolygon {
	t.Helper()
	aoi, err := ParseAOI(fixture(t, name), 0)
	if err != nil {
		t.Fatalf("ParseAOI(%s): %v", name, err)
	}
	return aoi
}

func fixturePoints(t *testing.T, name string) ([]orb.Point, []string) {
	t.Helper()
	pts, types, err := FeaturePoints(fixture(t, name))
	if err != nil {
		t.Fatalf("FeaturePoints(%s): %v", name, err)
	}
	return pts, types
}

// checkTiling asserts that the tasks exactly cover the aoi: areas add up to
// the aoi's within 0.5%, and each of a lattice of sample points inside the aoi
// lies in exactly one task (none outside it).
func checkTiling(t *testing.T, aoi orb.MultiPolygon, tasks []Task) {
	t.Helper()
	var sum float64
	for _, task := range tasks {
		sum += task.AreaM2
	}
	if want := AreaM2(aoi); math.Abs(sum-want) > want*0.005 {
		t.Errorf("task areas add up to %.1f m², aoi is %.1f m²", sum, want)
	}
	checkNoOverlap(t, aoi, tasks, true)
}

// checkNoOverlap asserts that no sample point lies in two tasks and, when
// covers is set, that every sample point inside the aoi lies in one. The
// lattice is offset by irrational fractions so samples avoid cell edges.
func checkNoOverlap(t *testing.T, aoi orb.MultiPolygon, tasks []Task, covers bool) {
	t.Helper()
	b := aoi.Bound()
	const n, side = 90, 10
	// Each sample only tests the tasks whose bounds reach its bucket.
	bucketOf := func(i, j int) int { return i*side/n*side + j*side/n }
	buckets := make([][]int, side*side)
	for ti, task := range tasks {
		for bi := range side {
			for bj := range side {
				cell := orb.Bound{
					Min: orb.Point{b.Min[0] + float64(bi)*(b.Max[0]-b.Min[0])/side, b.Min[1] + float64(bj)*(b.Max[1]-b.Min[1])/side},
					Max: orb.Point{b.Min[0] + float64(bi+1)*(b.Max[0]-b.Min[0])/side, b.Min[1] + float64(bj+1)*(b.Max[1]-b.Min[1])/side},
				}
				if cell.Intersects(task.Bound) {
					buckets[bi*side+bj] = append(buckets[bi*side+bj], ti)
				}
			}
		}
	}
	bad := 0
	for i := range n {
		for j := range n {
			p := orb.Point{
				b.Min[0] + (float64(i)+0.5*math.Sqrt2/1.5)*(b.Max[0]-b.Min[0])/n,
				b.Min[1] + (float64(j)+0.5*math.Pi/3.5)*(b.Max[1]-b.Min[1])/n,
			}
			in := 0
			for _, ti := range buckets[bucketOf(i, j)] {
				task := tasks[ti]
				if task.Bound.Contains(p) && planar.MultiPolygonContains(task.Outline, p) {
					in++
				}
			}
			inAOI := planar.MultiPolygonContains(aoi, p)
			if in > 1 || (covers && inAOI && in != 1) || (!inAOI && in > 0) {
				bad++
				if bad <= 3 {
					t.Errorf("sample %v (inside aoi %v) lies in %d tasks", p, inAOI, in)
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%d bad samples in all", bad)
	}
}

// checkFeatures asserts that every point inside the aoi is listed by exactly
// one task, that the task contains it, and that no other point is listed.
func checkFeatures(t *testing.T, aoi orb.MultiPolygon, tasks []Task, points []orb.Point) {
	t.Helper()
	owner := make([]int, len(points))
	for i := range owner {
		owner[i] = -1
	}
	for ti, task := range tasks {
		if task.FeatureCount != len(task.Features) {
			t.Errorf("task %d: FeatureCount %d, %d features", ti, task.FeatureCount, len(task.Features))
		}
		for _, f := range task.Features {
			if owner[f] >= 0 {
				t.Fatalf("point %d is in tasks %d and %d", f, owner[f], ti)
			}
			owner[f] = ti
			if !planar.MultiPolygonContains(task.Outline, points[f]) {
				t.Errorf("point %d %v is listed by task %d but outside it", f, points[f], ti)
			}
		}
	}
	for i, p := range points {
		if in := planar.MultiPolygonContains(aoi, p); in != (owner[i] >= 0) {
			t.Errorf("point %d %v: inside aoi %v, task %d", i, p, in, owner[i])
		}
	}
}

// randomPoints returns n points spread over b with a fixed seed.
func randomPoints(b orb.Bound, n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, seed+1))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{
			b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

// polygonsOnly keeps the centroids of polygon features.
func polygonsOnly(points []orb.Point, types []string) []orb.Point {
	var out []orb.Point
	for i, typ := range types {
		if typ == "Polygon" || typ == "MultiPolygon" {
			out = append(out, points[i])
		}
	}
	return out
}

// irregularAOI is a star-shaped polygon around c, about radiusM metres
// across each way, with concave notches.
func irregularAOI(c orb.Point, radiusM float64, vertices int) orb.MultiPolygon {
	perLon, perLat := metreScale(c[1])
	ring := make(orb.Ring, 0, vertices+1)
	for k := range vertices {
		a := 2 * math.Pi * float64(k) / float64(vertices)
		r := radiusM * (1 + 0.15*math.Sin(5*a) + 0.05*math.Cos(13*a))
		ring = append(ring, orb.Point{c[0] + r*math.Cos(a)/perLon, c[1] + r*math.Sin(a)/perLat})
	}
	ring = append(ring, ring[0])
	return orb.MultiPolygon{{ring}}
}
