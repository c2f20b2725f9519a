package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// pipIndex answers point-in-area queries for a large MultiPolygon: its edges
// are bucketed into horizontal bands, so a query only ray-casts the edges of
// one band instead of every edge of the area.
type pipIndex struct {
	bound orb.Bound
	bandH float64
	bands [][]pipEdge
}

type pipEdge struct {
	a, b    orb.Point
	polygon int
}

func newPIPIndex(mp orb.MultiPolygon) *pipIndex {
	ix := &pipIndex{bound: mp.Bound()}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	nb := min(4096, max(1, int(math.Sqrt(float64(n))*2)))
	ix.bands = make([][]pipEdge, nb)
	ix.bandH = (ix.bound.Max[1] - ix.bound.Min[1]) / float64(nb)
	for pi, p := range mp {
		for _, r := range p {
			for k := 0; k+1 < len(r); k++ {
				e := pipEdge{a: r[k], b: r[k+1], polygon: pi}
				lo, hi := ix.band(min(e.a[1], e.b[1])), ix.band(max(e.a[1], e.b[1]))
				for bi := lo; bi <= hi; bi++ {
					ix.bands[bi] = append(ix.bands[bi], e)
				}
			}
		}
	}
	return ix
}

func (ix *pipIndex) band(y float64) int {
	if ix.bandH <= 0 {
		return 0
	}
	return min(len(ix.bands)-1, max(0, int((y-ix.bound.Min[1])/ix.bandH)))
}

// contains reports whether p lies inside any polygon, each read with the
// even-odd rule over its rings. Edges within a band stay in polygon order,
// so the parity of one polygon is complete when the next one starts.
func (ix *pipIndex) contains(p orb.Point) bool {
	if !ix.bound.Contains(p) {
		return false
	}
	inside, current := false, -1
	for _, e := range ix.bands[ix.band(p[1])] {
		if e.polygon != current {
			if inside {
				return true
			}
			inside, current = false, e.polygon
		}
		if (e.a[1] > p[1]) != (e.b[1] > p[1]) &&
			p[0] < e.a[0]+(p[1]-e.a[1])*(e.b[0]-e.a[0])/(e.b[1]-e.a[1]) {
			inside = !inside
		}
	}
	return inside
}

// pointsInside returns the indexes, ascending, of the points inside aoi.
func pointsInside(aoi orb.MultiPolygon, points []orb.Point) []int {
	ix := newPIPIndex(aoi)
	var idx []int
	for i, p := range points {
		if ix.contains(p) {
			idx = append(idx, i)
		}
	}
	return slices.Clip(idx)
}
