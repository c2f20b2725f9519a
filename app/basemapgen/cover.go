package basemapgen

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// maxLat is the latitude where Web Mercator tiles end.
const maxLat = 85.05112878

// Span is a run of tiles of one row: columns X0 to X1 inclusive at row Y.
type Span struct{ Y, X0, X1 int }

// Cover lists, row by row, the tiles of zoom z that intersect the multipolygon (lon/lat degrees): the tiles its
// edges cross and the tiles wholly inside it (holes excluded by the even-odd rule), not its bounding box. Edges
// are straight lines in Web Mercator, as maps draw them. A tile that only touches the area along its border or at a
// corner does not count.
func Cover(mp orb.MultiPolygon, z int) []Span {
	n := float64(int(1) << z)
	var rings [][]orb.Point
	for _, poly := range mp {
		for _, ring := range poly {
			pts := make([]orb.Point, len(ring))
			for i, p := range ring {
				pts[i] = project(p, n)
			}
			rings = append(rings, pts)
		}
	}
	return coverTileSpace(rings, int(n))
}

// project puts a lon/lat point in tile units of a zoom with n tiles across.
func project(p orb.Point, n float64) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	x := (p[0] + 180) / 360 * n
	s := math.Sin(lat * math.Pi / 180)
	y := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * n
	return orb.Point{math.Max(0, math.Min(n, x)), math.Max(0, math.Min(n, y))}
}

// coverTileSpace covers rings given in tile units (x to the east, y to the south, n tiles across).
func coverTileSpace(rings [][]orb.Point, n int) []Span {
	edgeRuns := map[int][][2]int{} // per row: columns crossed by an edge
	crossings := map[int][]float64{}
	for _, ring := range rings {
		for i := 0; i+1 < len(ring); i++ {
			addEdge(ring[i], ring[i+1], n, edgeRuns, crossings)
		}
		if l := len(ring); l > 1 && ring[0] != ring[l-1] {
			addEdge(ring[l-1], ring[0], n, edgeRuns, crossings)
		}
	}
	rows := make([]int, 0, len(edgeRuns))
	for y := range edgeRuns {
		rows = append(rows, y)
	}
	for y := range crossings {
		if _, ok := edgeRuns[y]; !ok {
			rows = append(rows, y)
		}
	}
	sort.Ints(rows)
	var out []Span
	for _, y := range rows {
		runs := edgeRuns[y]
		c := crossings[y]
		sort.Float64s(c)
		for i := 0; i+1 < len(c); i += 2 {
			// Tiles whose centre lies inside: no edge crosses them, so all of the tile is inside.
			x0, x1 := int(math.Ceil(c[i]-0.5)), int(math.Floor(c[i+1]-0.5))
			if x0 <= x1 {
				runs = append(runs, [2]int{max(x0, 0), min(x1, n-1)})
			}
		}
		out = append(out, merge(y, runs)...)
	}
	return out
}

// addEdge records the columns the edge a-b crosses in each row it passes through, and where it crosses each
// row's middle line. An edge lying on a tile boundary crosses no tile: the tiles beside it are inside or outside
// as their centres are (a tile the area enters has an edge through it or its centre inside).
func addEdge(a, b orb.Point, n int, runs map[int][][2]int, crossings map[int][]float64) {
	y0, y1 := math.Min(a[1], b[1]), math.Max(a[1], b[1])
	onBoundary := (a[0] == b[0] && a[0] == math.Floor(a[0])) || (a[1] == b[1] && a[1] == math.Floor(a[1]))
	for r := cell(y0, n); r <= lastCell(y0, y1, n); r++ {
		xa, xb := a[0], b[0]
		if a[1] != b[1] {
			lo, hi := math.Max(y0, float64(r)), math.Min(y1, float64(r+1))
			xa, xb = xAt(a, b, lo), xAt(a, b, hi)
		}
		if x0, x1 := math.Min(xa, xb), math.Max(xa, xb); !onBoundary {
			runs[r] = append(runs[r], [2]int{cell(x0, n), lastCell(x0, x1, n)})
		}
		if mid := float64(r) + 0.5; (a[1] > mid) != (b[1] > mid) {
			crossings[r] = append(crossings[r], xAt(a, b, mid))
		}
	}
}

// lastCell is the last tile index an interval v0..v1 enters: a non-empty interval ending exactly on a tile
// boundary does not enter the next tile.
func lastCell(v0, v1 float64, n int) int {
	c := cell(v1, n)
	if v1 > v0 && v1 == math.Floor(v1) {
		c = max(cell(v0, n), c-1)
	}
	return c
}

// xAt is the x of the (not horizontal) edge a-b at height y.
func xAt(a, b orb.Point, y float64) float64 {
	return a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1])
}

// cell is the tile index holding coordinate v, within 0..n-1.
func cell(v float64, n int) int { return min(max(int(math.Floor(v)), 0), n-1) }

// merge unions runs of one row into sorted, disjoint spans.
func merge(y int, runs [][2]int) []Span {
	sort.Slice(runs, func(i, j int) bool { return runs[i][0] < runs[j][0] })
	var out []Span
	for _, r := range runs {
		if l := len(out); l > 0 && r[0] <= out[l-1].X1+1 {
			out[l-1].X1 = max(out[l-1].X1, r[1])
			continue
		}
		out = append(out, Span{Y: y, X0: r[0], X1: r[1]})
	}
	return out
}

// Count is how many tiles spans hold.
func Count(spans []Span) int {
	total := 0
	for _, s := range spans {
		total += s.X1 - s.X0 + 1
	}
	return total
}

// CountRange counts the tiles covering mp at zooms minZ-maxZ, stopping once the count passes limit (each zoom
// holds at least as many tiles as the one above), so that an absurd request costs little.
func CountRange(mp orb.MultiPolygon, minZ, maxZ, limit int) int {
	total := 0
	for z := minZ; z <= maxZ && total <= limit; z++ {
		total += Count(Cover(mp, z))
	}
	return total
}
