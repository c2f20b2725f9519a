package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// DefaultMaxTasks is the largest number of tasks a split may create when
// Splitter.MaxTasks is zero.
const DefaultMaxTasks = 50000

// Task is one piece of a split area.
type Task struct {
	// Outline is the task's area. Pieces merged into one task (a grid
	// sliver and its neighbour) are separate polygons that may share edges.
	Outline orb.MultiPolygon
	// Bound is the bounding box of Outline.
	Bound orb.Bound
	// AreaM2 is the geodesic area of Outline in square metres.
	AreaM2 float64
	// FeatureCount is len(Features).
	FeatureCount int
	// Features holds the indexes, ascending, of the points passed to the
	// split that lie in this task.
	Features []int
}

// Progress receives how far a split has got, 0 to 100, and a short message.
// Splits call it a few dozen times at most, never once per cell.
type Progress func(percent int, message string)

// Splitter splits areas of interest into tasks. The zero value is ready to
// use and allows DefaultMaxTasks tasks.
type Splitter struct {
	// MaxTasks bounds the number of tasks one split may create; zero means
	// DefaultMaxTasks. A split that would exceed it fails with *ParamError.
	MaxTasks int
}

func (s Splitter) maxTasks() int {
	if s.MaxTasks > 0 {
		return s.MaxTasks
	}
	return DefaultMaxTasks
}

// reporter rate-limits a Progress callback to steps of at least 5 percent.
type reporter struct {
	fn   Progress
	last int
}

func newReporter(fn Progress) *reporter { return &reporter{fn: fn, last: -100} }

func (r *reporter) report(percent int, message string) {
	if r.fn == nil || (percent < r.last+5 && percent < 100) || percent == r.last {
		return
	}
	r.last = percent
	r.fn(percent, message)
}

// clipTo clips mp to the box without touching mp (orb/clip uses its input as
// scratch space) and drops pieces with no area, which Sutherland-Hodgman
// clipping leaves along the box edges where a concave area only grazes it.
func clipTo(b orb.Bound, mp orb.MultiPolygon) orb.MultiPolygon {
	out := clip.MultiPolygon(b, mp.Clone())
	kept := out[:0]
	for _, p := range out {
		if planar.Area(p) > areaEpsilon(b) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// areaEpsilon is the planar area, in square degrees, below which a piece
// clipped to b counts as empty.
func areaEpsilon(b orb.Bound) float64 {
	return (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) * 1e-9
}

func newTask(outline orb.MultiPolygon, features []int) Task {
	return Task{
		Outline:      outline,
		Bound:        outline.Bound(),
		AreaM2:       AreaM2(outline),
		FeatureCount: len(features),
		Features:     features,
	}
}
