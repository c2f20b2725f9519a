package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// mergeSlivers merges every cell under sliverShare of a full cell into the
// neighbour sharing the longest boundary, and turns the groups into tasks.
func (g *grid) mergeSlivers(aoi orb.MultiPolygon, cells []gridCell) []Task {
	at := make(map[[2]int]int, len(cells))
	for k, c := range cells {
		at[[2]int{c.i, c.j}] = k
	}
	parent := make([]int, len(cells))
	for k := range parent {
		parent[k] = k
	}
	limit := sliverShare * g.cellM * g.cellM
	for k, c := range cells {
		if c.areaM2 >= limit {
			continue
		}
		if n := g.bestNeighbour(aoi, c, at); n >= 0 {
			union(parent, k, n)
		}
	}
	return groupTasks(cells, parent)
}

// bestNeighbour returns the index of the kept neighbour of c sharing the
// longest boundary inside the aoi, or -1 when none shares any.
func (g *grid) bestNeighbour(aoi orb.MultiPolygon, c gridCell, at map[[2]int]int) int {
	b := g.cellBound(c.i, c.j)
	perLon, perLat := metreScale((b.Min[1] + b.Max[1]) / 2)
	sides := []struct {
		di, dj int
		length float64
	}{
		{-1, 0, insideLength(aoi, 0, b.Min[0], b.Min[1], b.Max[1]) * perLat},
		{1, 0, insideLength(aoi, 0, b.Max[0], b.Min[1], b.Max[1]) * perLat},
		{0, -1, insideLength(aoi, 1, b.Min[1], b.Min[0], b.Max[0]) * perLon},
		{0, 1, insideLength(aoi, 1, b.Max[1], b.Min[0], b.Max[0]) * perLon},
	}
	best, bestLen := -1, 0.0
	for _, s := range sides {
		n, ok := at[[2]int{c.i + s.di, c.j + s.dj}]
		if ok && s.length > bestLen {
			best, bestLen = n, s.length
		}
	}
	return best
}

func find(parent []int, k int) int {
	for parent[k] != k {
		parent[k] = parent[parent[k]]
		k = parent[k]
	}
	return k
}

func union(parent []int, a, b int) {
	ra, rb := find(parent, a), find(parent, b)
	if ra != rb {
		parent[ra] = rb
	}
}

// groupTasks makes one task per group, ordered by each group's first cell.
func groupTasks(cells []gridCell, parent []int) []Task {
	taskOf := make(map[int]int, len(cells))
	outlines := make([]orb.MultiPolygon, 0, len(cells))
	features := make([][]int, 0, len(cells))
	for k, c := range cells {
		root := find(parent, k)
		t, ok := taskOf[root]
		if !ok {
			t = len(outlines)
			taskOf[root] = t
			outlines = append(outlines, nil)
			features = append(features, nil)
		}
		outlines[t] = append(outlines[t], c.outline...)
		features[t] = append(features[t], c.features...)
	}
	tasks := make([]Task, len(outlines))
	for t := range outlines {
		slices.Sort(features[t])
		tasks[t] = newTask(outlines[t], features[t])
	}
	return tasks
}

// insideLength returns how much of the axis-parallel segment {axis = c,
// other coordinate in [lo, hi]} lies inside the aoi, in degrees. axis 0 is a
// meridian (x = c), axis 1 a parallel (y = c). Each polygon is read with the
// even-odd rule over all its rings; polygons are united.
func insideLength(aoi orb.MultiPolygon, axis int, c, lo, hi float64) float64 {
	var spans [][2]float64
	for _, p := range aoi {
		var cross []float64
		for _, r := range p {
			cross = appendCrossings(cross, r, axis, c)
		}
		slices.Sort(cross)
		for k := 0; k+1 < len(cross); k += 2 {
			a, b := math.Max(cross[k], lo), math.Min(cross[k+1], hi)
			if b > a {
				spans = append(spans, [2]float64{a, b})
			}
		}
	}
	return unionLength(spans)
}

// appendCrossings adds where the ring's edges cross the line {axis = c}, as
// the other coordinate. The half-open test counts a vertex on the line once.
func appendCrossings(out []float64, r orb.Ring, axis int, c float64) []float64 {
	o := 1 - axis
	for k := 0; k+1 < len(r); k++ {
		p, q := r[k], r[k+1]
		if (p[axis] > c) == (q[axis] > c) {
			continue
		}
		out = append(out, p[o]+(c-p[axis])*(q[o]-p[o])/(q[axis]-p[axis]))
	}
	return out
}

func unionLength(spans [][2]float64) float64 {
	slices.SortFunc(spans, func(a, b [2]float64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	total, end := 0.0, math.Inf(-1)
	for _, s := range spans {
		start := math.Max(s[0], end)
		if s[1] > start {
			total += s[1] - start
			end = s[1]
		}
	}
	return total
}
