package geo

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// sliverShare is the fraction of a full cell's area below which a clipped
// grid cell is merged into a neighbour, as fmtm-splitter does.
const sliverShare = 0.35

// grid is a square metric grid laid from the south-west corner of a bounding
// box, with metres converted to degrees at the box's mid-latitude.
type grid struct {
	origin     orb.Point
	dLon, dLat float64
	nx, ny     int
	cellM      float64
}

// gridCell is the part of the area of interest inside one grid cell.
type gridCell struct {
	i, j     int
	outline  orb.MultiPolygon
	full     bool // the whole cell lies inside the area
	areaM2   float64
	features []int
}

// cellBound computes every cell edge from the same expression, so
// neighbouring cells share exactly equal coordinates.
func (g *grid) cellBound(i, j int) orb.Bound {
	return orb.Bound{
		Min: orb.Point{g.origin[0] + float64(i)*g.dLon, g.origin[1] + float64(j)*g.dLat},
		Max: orb.Point{g.origin[0] + float64(i+1)*g.dLon, g.origin[1] + float64(j+1)*g.dLat},
	}
}

// SplitGrid splits aoi into square cells cellSizeM metres across, following
// fmtm-splitter's split_by_square: the grid starts at the south-west corner
// of the aoi's bounding box, with metres converted to degrees at its
// mid-latitude; each cell is clipped to the aoi and empty cells dropped. When
// points (feature centroids) are given, cells holding none of them are
// dropped too. Last, every cell whose geodesic area is under 0.35 × cellSizeM²
// is merged into the kept neighbouring cell (left, right, below, above) with
// which it shares the longest stretch of boundary inside the aoi; a cell with
// no such neighbour stays a task of its own. Tasks come in row order, south to
// north, west to east.
func (s Splitter) SplitGrid(ctx context.Context, aoi orb.MultiPolygon, cellSizeM float64, points []orb.Point, progress Progress) ([]Task, error) {
	if math.IsNaN(cellSizeM) || cellSizeM < 1 {
		return nil, paramErrorf("cell_size_m", "the cell size must be at least 1 metre")
	}
	g, err := s.newGrid(aoi, cellSizeM)
	if err != nil {
		return nil, err
	}
	rep := newReporter(progress)
	cells, err := g.clipCells(ctx, aoi, rep)
	if err != nil {
		return nil, err
	}
	if len(points) > 0 {
		cells = g.assignPoints(cells, points)
	}
	rep.report(85, "merging small cells")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tasks := g.mergeSlivers(aoi, cells)
	rep.report(100, fmt.Sprintf("%d tasks", len(tasks)))
	return tasks, nil
}

func (s Splitter) newGrid(aoi orb.MultiPolygon, cellM float64) (*grid, error) {
	b := aoi.Bound()
	dLat, dLon := metresToDegrees(cellM, (b.Min[1]+b.Max[1])/2)
	g := &grid{origin: b.Min, dLon: dLon, dLat: dLat, cellM: cellM}
	nx := math.Max(1, math.Ceil((b.Max[0]-b.Min[0])/dLon))
	ny := math.Max(1, math.Ceil((b.Max[1]-b.Min[1])/dLat))
	estimate := AreaM2(aoi) / (cellM * cellM)
	limit := float64(s.maxTasks())
	if estimate > limit {
		return nil, paramErrorf("cell_size_m", "%g m cells would make about %.0f tasks, more than the maximum of %d: use larger cells", cellM, estimate, s.maxTasks())
	}
	if nx*ny > 50*limit {
		return nil, paramErrorf("cell_size_m", "%g m cells would make a grid of %.0f cells over the area's bounding box, too many to compute: use larger cells", cellM, nx*ny)
	}
	g.nx, g.ny = int(nx), int(ny)
	return g, nil
}

// clipCells clips the aoi to each row of the grid first and then each cell to
// its row's piece, so each clip only walks the vertices near that row.
func (g *grid) clipCells(ctx context.Context, aoi orb.MultiPolygon, rep *reporter) ([]gridCell, error) {
	var cells []gridCell
	for j := 0; j < g.ny; j++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row := g.cellBound(0, j)
		row.Max[0] = g.cellBound(g.nx-1, j).Max[0]
		piece := clipTo(row, aoi)
		if piece == nil {
			continue
		}
		pb := piece.Bound()
		first := max(0, int((pb.Min[0]-g.origin[0])/g.dLon)-1)
		last := min(g.nx-1, int((pb.Max[0]-g.origin[0])/g.dLon)+1)
		for i := first; i <= last; i++ {
			if c, ok := g.clipCell(piece, i, j); ok {
				cells = append(cells, c)
			}
		}
		rep.report(80*(j+1)/g.ny, fmt.Sprintf("clipped %d of %d grid rows", j+1, g.ny))
	}
	return cells, nil
}

func (g *grid) clipCell(rowPiece orb.MultiPolygon, i, j int) (gridCell, bool) {
	b := g.cellBound(i, j)
	out := clipTo(b, rowPiece)
	if out == nil {
		return gridCell{}, false
	}
	boxArea := (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1])
	full := len(out) == 1 && len(out[0]) == 1 && math.Abs(planar.Area(out)-boxArea) <= boxArea*1e-9
	return gridCell{i: i, j: j, outline: out, full: full, areaM2: AreaM2(out)}, true
}

// assignPoints records which points fall in which cell and drops the cells
// holding none. A point belongs to the cell whose half-open box [min, max)
// holds it, and only if it lies inside that cell's piece of the aoi.
func (g *grid) assignPoints(cells []gridCell, points []orb.Point) []gridCell {
	at := make(map[int]int, len(cells))
	for k, c := range cells {
		at[c.j*g.nx+c.i] = k
	}
	for idx, p := range points {
		i := int(math.Floor((p[0] - g.origin[0]) / g.dLon))
		j := int(math.Floor((p[1] - g.origin[1]) / g.dLat))
		if i < 0 || j < 0 || i >= g.nx || j >= g.ny {
			continue
		}
		k, ok := at[j*g.nx+i]
		if !ok {
			continue
		}
		if c := &cells[k]; c.full || planar.MultiPolygonContains(c.outline, p) {
			c.features = append(c.features, idx)
		}
	}
	kept := cells[:0]
	for _, c := range cells {
		if len(c.features) > 0 {
			kept = append(kept, c)
		}
	}
	return kept
}
