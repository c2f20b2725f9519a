package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// ParseBoundaries parses task boundaries drawn by the project manager: a
// GeoJSON FeatureCollection with one Polygon or MultiPolygon feature per
// task. Every feature is validated as ParseAOI validates an area (closed,
// non-self-intersecting rings in WGS84 range, non-zero area). Failures are
// *AOIError.
func ParseBoundaries(data []byte) ([]orb.MultiPolygon, error) {
	obj, err := decodeObject(data, "the task boundaries")
	if err != nil {
		return nil, err
	}
	if err := checkCRS(obj.CRS); err != nil {
		return nil, err
	}
	if obj.Type != "FeatureCollection" {
		return nil, aoiErrorf("the task boundaries must be a FeatureCollection with one Polygon or MultiPolygon feature per task, not a %s", obj.Type)
	}
	if len(obj.Features) == 0 {
		return nil, aoiErrorf("the task boundaries are empty: the FeatureCollection has no features")
	}
	out := make([]orb.MultiPolygon, 0, len(obj.Features))
	for i, raw := range obj.Features {
		mp, err := decodeFeature(raw, fmt.Sprintf("task boundary %d", i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, mp)
	}
	return out, nil
}

// SplitBoundaries makes one task per boundary, in order. Boundaries are kept
// exactly as drawn, not clipped to the aoi (orb has no polygon-polygon
// intersection): each must overlap the aoi, or the split fails with an
// *AOIError naming it. Overlaps between boundaries and parts of the aoi left
// uncovered are allowed. Each point inside the aoi is given to the first task
// containing it.
func (s Splitter) SplitBoundaries(aoi orb.MultiPolygon, boundaries []orb.MultiPolygon, points []orb.Point) ([]Task, error) {
	if len(boundaries) == 0 {
		return nil, aoiErrorf("there are no task boundaries")
	}
	if len(boundaries) > s.maxTasks() {
		return nil, aoiErrorf("there are %d task boundaries, more than the maximum of %d tasks", len(boundaries), s.maxTasks())
	}
	aoiIndex := newPIPIndex(aoi)
	tasks := make([]Task, len(boundaries))
	for i, b := range boundaries {
		if !overlaps(aoi, aoiIndex, b) {
			return nil, aoiErrorf("task boundary %d does not overlap the area of interest", i+1)
		}
		tasks[i] = newTask(b, nil)
	}
	inside := pointsInside(aoi, points)
	pts := make([]orb.Point, len(inside))
	for k, i := range inside {
		pts[k] = points[i]
	}
	for k, ti := range AssignPoints(tasks, pts) {
		if ti >= 0 {
			tasks[ti].Features = append(tasks[ti].Features, inside[k])
			tasks[ti].FeatureCount++
		}
	}
	return tasks, nil
}

// overlaps reports whether b and the aoi meet: a vertex of one inside the
// other, or edges that cross or touch.
func overlaps(aoi orb.MultiPolygon, aoiIndex *pipIndex, b orb.MultiPolygon) bool {
	bb := b.Bound()
	if !bb.Intersects(aoi.Bound()) {
		return false
	}
	for _, p := range b {
		for _, pt := range p[0] {
			if aoiIndex.contains(pt) {
				return true
			}
		}
	}
	for _, p := range aoi {
		for _, pt := range p[0] {
			if bb.Contains(pt) && planar.MultiPolygonContains(b, pt) {
				return true
			}
		}
	}
	return edgesCross(aoi, b, bb)
}

func edgesCross(aoi, b orb.MultiPolygon, bb orb.Bound) bool {
	for _, p := range aoi {
		for _, r := range p {
			for k := 0; k+1 < len(r); k++ {
				e0, e1 := r[k], r[k+1]
				if math.Max(e0[0], e1[0]) < bb.Min[0] || math.Min(e0[0], e1[0]) > bb.Max[0] ||
					math.Max(e0[1], e1[1]) < bb.Min[1] || math.Min(e0[1], e1[1]) > bb.Max[1] {
					continue
				}
				if crossesAny(b, e0, e1) {
					return true
				}
			}
		}
	}
	return false
}

func crossesAny(b orb.MultiPolygon, e0, e1 orb.Point) bool {
	for _, p := range b {
		for _, r := range p {
			for k := 0; k+1 < len(r); k++ {
				if segmentsIntersect(e0, e1, r[k], r[k+1]) {
					return true
				}
			}
		}
	}
	return false
}
