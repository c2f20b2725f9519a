package geo

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
)

// SplitByFeatures splits aoi so that each task holds about perTask of the
// points (feature centroids) that lie inside it. The aoi's bounding box is
// cut recursively, kd-tree style: each rectangle is halved across its longer
// side (in metres) at the point quantile that leaves both halves a whole
// number of tasks, until k = ceil(n/perTask) leaves exist; each leaf holds
// about n/k points, never more than perTask except near identical points,
// which are never separated. The rectangles tile the box exactly; each is
// clipped to the aoi, so the tasks together cover the aoi without overlap.
// Points outside the aoi are ignored.
func (s Splitter) SplitByFeatures(ctx context.Context, aoi orb.MultiPolygon, points []orb.Point, perTask int, progress Progress) ([]Task, error) {
	if perTask < 1 {
		return nil, paramErrorf("per_task", "the number of features per task must be at least 1")
	}
	inside := pointsInside(aoi, points)
	if len(inside) == 0 {
		return nil, paramErrorf("features", "none of the %d features lies inside the area", len(points))
	}
	k := (len(inside) + perTask - 1) / perTask
	if k > s.maxTasks() {
		return nil, paramErrorf("per_task", "%d features at %d per task would make %d tasks, more than the maximum of %d: put more features in each task", len(inside), perTask, k, s.maxTasks())
	}
	return s.runKD(ctx, aoi, points, inside, k, progress)
}

// SplitCount splits aoi into about n tasks. When some of the points lie
// inside the aoi the split balances their count, as SplitByFeatures does
// (never more tasks than points); otherwise it balances geodesic area,
// bisecting rectangles across their longer side at the cut that leaves each
// half its share of the area.
func (s Splitter) SplitCount(ctx context.Context, aoi orb.MultiPolygon, points []orb.Point, n int, progress Progress) ([]Task, error) {
	if n < 1 {
		return nil, paramErrorf("task_count", "the number of tasks must be at least 1")
	}
	if n > s.maxTasks() {
		return nil, paramErrorf("task_count", "%d tasks is more than the maximum of %d", n, s.maxTasks())
	}
	if inside := pointsInside(aoi, points); len(inside) > 0 {
		return s.runKD(ctx, aoi, points, inside, min(n, len(inside)), progress)
	}
	b := &kdBuilder{ctx: ctx, rep: newReporter(progress), total: n}
	if err := b.splitArea(aoi.Bound(), aoi, n); err != nil {
		return nil, err
	}
	b.rep.report(100, fmt.Sprintf("%d tasks", len(b.tasks)))
	return b.tasks, nil
}

func (s Splitter) runKD(ctx context.Context, aoi orb.MultiPolygon, points []orb.Point, inside []int, k int, progress Progress) ([]Task, error) {
	b := &kdBuilder{ctx: ctx, points: points, rep: newReporter(progress), total: k}
	if err := b.split(aoi.Bound(), aoi, inside, k); err != nil {
		return nil, err
	}
	b.adoptOrphans()
	b.rep.report(100, fmt.Sprintf("%d tasks", len(b.tasks)))
	return b.tasks, nil
}

// kdBuilder holds the state of one recursive split.
type kdBuilder struct {
	ctx     context.Context
	points  []orb.Point
	rep     *reporter
	total   int
	done    int
	tasks   []Task
	orphans []int
}

func (b *kdBuilder) leaf(piece orb.MultiPolygon, idx []int, k int) {
	b.done += k
	b.rep.report(95*b.done/b.total, fmt.Sprintf("%d of %d tasks", b.done, b.total))
	if piece == nil {
		// Only points lying exactly on the aoi's edge can land here.
		b.orphans = append(b.orphans, idx...)
		return
	}
	features := slices.Clone(idx)
	slices.Sort(features)
	b.tasks = append(b.tasks, newTask(piece, features))
}

func (b *kdBuilder) split(rect orb.Bound, piece orb.MultiPolygon, idx []int, k int) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if k <= 1 || len(idx) <= 1 {
		b.leaf(piece, idx, k)
		return nil
	}
	k1 := k / 2
	axis, cut, m, ok := b.cut(rect, idx, len(idx)*k1/k)
	if !ok {
		b.leaf(piece, idx, k)
		return nil
	}
	left, right := rect, rect
	left.Max[axis], right.Min[axis] = cut, cut
	if err := b.split(left, clipTo(left, piece), idx[:m], k1); err != nil {
		return err
	}
	return b.split(right, clipTo(right, piece), idx[m:], k-k1)
}

// cut sorts idx along the longer side of rect and picks a cut near position
// want that falls between two distinct coordinates: idx[:m] lie below it.
// It tries the other axis when every point shares one coordinate.
func (b *kdBuilder) cut(rect orb.Bound, idx []int, want int) (axis int, cut float64, m int, ok bool) {
	perLon, perLat := metreScale((rect.Min[1] + rect.Max[1]) / 2)
	axis = 1
	if (rect.Max[0]-rect.Min[0])*perLon >= (rect.Max[1]-rect.Min[1])*perLat {
		axis = 0
	}
	for range 2 {
		slices.SortFunc(idx, func(x, y int) int { return cmp.Compare(b.points[x][axis], b.points[y][axis]) })
		if m, ok = distinctSplit(b.points, idx, axis, max(1, want)); ok {
			lo, hi := b.points[idx[m-1]][axis], b.points[idx[m]][axis]
			cut = lo + (hi-lo)/2
			if cut <= lo {
				cut = hi
			}
			return axis, cut, m, true
		}
		axis = 1 - axis
	}
	return 0, 0, 0, false
}

// distinctSplit finds the position nearest want, within 1..len(idx)-1, where
// the sorted coordinate changes.
func distinctSplit(points []orb.Point, idx []int, axis, want int) (int, bool) {
	differs := func(m int) bool { return points[idx[m-1]][axis] < points[idx[m]][axis] }
	for d := 0; d < len(idx); d++ {
		if m := want - d; m >= 1 && m < len(idx) && differs(m) {
			return m, true
		}
		if m := want + d; m >= 1 && m < len(idx) && differs(m) {
			return m, true
		}
	}
	return 0, false
}

// adoptOrphans gives points of leaves that clipped to nothing to the task
// whose outline touches them.
func (b *kdBuilder) adoptOrphans() {
	if len(b.orphans) == 0 {
		return
	}
	pts := make([]orb.Point, len(b.orphans))
	for i, o := range b.orphans {
		pts[i] = b.points[o]
	}
	for i, ti := range AssignPoints(b.tasks, pts) {
		if ti >= 0 {
			t := &b.tasks[ti]
			t.Features = append(t.Features, b.orphans[i])
			slices.Sort(t.Features)
			t.FeatureCount = len(t.Features)
		}
	}
}

// splitArea bisects by geodesic area until k leaves exist.
func (b *kdBuilder) splitArea(rect orb.Bound, piece orb.MultiPolygon, k int) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if k <= 1 || piece == nil {
		b.leaf(piece, nil, k)
		return nil
	}
	k1 := k / 2
	pb := piece.Bound()
	perLon, perLat := metreScale((pb.Min[1] + pb.Max[1]) / 2)
	axis := 1
	if (pb.Max[0]-pb.Min[0])*perLon >= (pb.Max[1]-pb.Min[1])*perLat {
		axis = 0
	}
	want := AreaM2(piece) * float64(k1) / float64(k)
	lo, hi := pb.Min[axis], pb.Max[axis]
	for range 40 {
		mid := lo + (hi-lo)/2
		left := rect
		left.Max[axis] = mid
		if AreaM2(clipTo(left, piece)) < want {
			lo = mid
		} else {
			hi = mid
		}
	}
	left, right := rect, rect
	left.Max[axis], right.Min[axis] = hi, hi
	if err := b.splitArea(left, clipTo(left, piece), k1); err != nil {
		return err
	}
	return b.splitArea(right, clipTo(right, piece), k-k1)
}
