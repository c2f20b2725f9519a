package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// minPolygonAreaM2 is the area below which a polygon counts as having no area:
// well under anything mapped, well above floating-point noise.
const minPolygonAreaM2 = 0.01

// place says where in the uploaded document a problem is, for messages.
type place struct {
	what    string
	polygon int
	multi   bool
}

func (p place) polygonName() string {
	if p.multi {
		return fmt.Sprintf("%s, polygon %d", p.what, p.polygon)
	}
	return p.what
}

func (p place) ringName(ring int) string {
	if ring == 0 {
		return p.polygonName() + ", outer ring"
	}
	return fmt.Sprintf("%s, hole %d", p.polygonName(), ring)
}

// buildPolygon converts raw rings into a polygon and validates it.
func buildPolygon(rings [][][]float64, at place) (orb.Polygon, error) {
	if len(rings) == 0 {
		return nil, aoiErrorf("%s is empty: the polygon has no rings", at.polygonName())
	}
	p := make(orb.Polygon, 0, len(rings))
	for i, raw := range rings {
		r, err := buildRing(raw, at.ringName(i))
		if err != nil {
			return nil, err
		}
		p = append(p, r)
	}
	for i, r := range p {
		if collinear(r) {
			return nil, aoiErrorf("%s has zero area: all its positions lie on one line", at.ringName(i))
		}
		if pt, ok := selfIntersection(r); ok {
			return nil, aoiErrorf("%s intersects itself near longitude %.6f, latitude %.6f", at.ringName(i), pt[0], pt[1])
		}
	}
	if orbgeo.Area(p) < minPolygonAreaM2 {
		return nil, aoiErrorf("%s has zero area: its positions do not enclose any surface", at.polygonName())
	}
	return p, nil
}

// collinear reports whether every position of r lies within a hair (a
// billionth of the ring's extent) of the line through its two farthest-apart
// positions from the first.
func collinear(r orb.Ring) bool {
	a, far, best := r[0], r[0], 0.0
	for _, p := range r {
		if d := (p[0]-a[0])*(p[0]-a[0]) + (p[1]-a[1])*(p[1]-a[1]); d > best {
			far, best = p, d
		}
	}
	for _, c := range r {
		cross := (far[0]-a[0])*(c[1]-a[1]) - (far[1]-a[1])*(c[0]-a[0])
		if math.Abs(cross) > best*1e-9 {
			return false
		}
	}
	return true
}

// buildRing checks the positions of one ring and returns it with consecutive
// duplicates removed and any height dropped.
func buildRing(raw [][]float64, name string) (orb.Ring, error) {
	if len(raw) < 4 {
		return nil, aoiErrorf("%s has %d positions: a ring needs at least 4 (three corners and the first repeated at the end)", name, len(raw))
	}
	r := make(orb.Ring, 0, len(raw))
	for i, pos := range raw {
		if len(pos) < 2 {
			return nil, aoiErrorf("%s, position %d has %d numbers: a position is [longitude, latitude]", name, i+1, len(pos))
		}
		pt := orb.Point{pos[0], pos[1]}
		if math.Abs(pt[0]) > 180 || math.Abs(pt[1]) > 90 {
			return nil, aoiErrorf("%s, position %d (%g, %g) is outside the WGS84 range (longitude -180 to 180, latitude -90 to 90): coordinates must be longitude/latitude in degrees; projected coordinates such as EPSG:3857 metres are not accepted", name, i+1, pt[0], pt[1])
		}
		if len(r) > 0 && r[len(r)-1] == pt {
			continue
		}
		r = append(r, pt)
	}
	if r[0] != r[len(r)-1] {
		return nil, aoiErrorf("%s is not closed: its last position must repeat its first", name)
	}
	if len(r) < 4 {
		return nil, aoiErrorf("%s has fewer than 4 distinct positions: a ring needs three corners and the first repeated at the end", name)
	}
	return r, nil
}

func checkMaxArea(areaM2, maxAreaKm2 float64) error {
	km2 := areaM2 / 1e6
	if maxAreaKm2 > 0 && km2 > maxAreaKm2 {
		return aoiErrorf("the area is %.1f km², more than the maximum of %g km²", km2, maxAreaKm2)
	}
	return nil
}

type segment struct {
	a, b       orb.Point
	minX, maxX float64
}

// selfIntersection reports a point where two non-adjacent edges of the closed
// ring r meet, or where adjacent edges fold back over each other. Edges are
// swept in order of their smallest longitude, so typical rings cost far less
// than comparing every pair.
func selfIntersection(r orb.Ring) (orb.Point, bool) {
	n := len(r) - 1
	segs := make([]segment, n)
	order := make([]int, n)
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		segs[i] = segment{a: a, b: b, minX: math.Min(a[0], b[0]), maxX: math.Max(a[0], b[0])}
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool { return segs[order[x]].minX < segs[order[y]].minX })
	for oi, i := range order {
		for _, j := range order[oi+1:] {
			if segs[j].minX > segs[i].maxX {
				break
			}
			if p, ok := edgesMeet(segs, i, j, n); ok {
				return p, true
			}
		}
	}
	return orb.Point{}, false
}

// edgesMeet tests edges i and j of a ring with n edges.
func edgesMeet(segs []segment, i, j, n int) (orb.Point, bool) {
	s, t := segs[i], segs[j]
	switch {
	case j == (i+1)%n:
		return s.b, foldsBack(s.a, s.b, t.b)
	case i == (j+1)%n:
		return t.b, foldsBack(t.a, t.b, s.b)
	}
	if !segmentsIntersect(s.a, s.b, t.a, t.b) {
		return orb.Point{}, false
	}
	return meetingPoint(s.a, s.b, t.a, t.b), true
}

// meetingPoint returns where intersecting segments ab and cd meet: the
// crossing point, or for collinear overlaps an end point inside the other.
func meetingPoint(a, b, c, d orb.Point) orb.Point {
	den := (b[0]-a[0])*(d[1]-c[1]) - (b[1]-a[1])*(d[0]-c[0])
	if den != 0 {
		u := ((c[0]-a[0])*(d[1]-c[1]) - (c[1]-a[1])*(d[0]-c[0])) / den
		return orb.Point{a[0] + u*(b[0]-a[0]), a[1] + u*(b[1]-a[1])}
	}
	if onSegment(a, b, c) {
		return c
	}
	return a
}

// foldsBack reports whether the path a->b->c turns back on itself along a line.
func foldsBack(a, b, c orb.Point) bool {
	if orient(a, b, c) != 0 {
		return false
	}
	return (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) < 0
}

func orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
