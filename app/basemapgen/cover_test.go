package basemapgen

import (
	"testing"

	"github.com/paulmach/orb"
)

func spansOf(rows map[int][2]int) []Span {
	var out []Span
	for y := 0; y < 64; y++ {
		if r, ok := rows[y]; ok {
			out = append(out, Span{Y: y, X0: r[0], X1: r[1]})
		}
	}
	return out
}

func equalSpans(t *testing.T, got, want []Span) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// TestCoverHandComputed checks the cover of shapes drawn on an 8x8 grid, computed by hand: a right triangle
// (its hypotenuse x+y=8 only touches the corners of the tiles beyond it), and a square with a hole that takes
// out the four tiles wholly inside the hole.
func TestCoverHandComputed(t *testing.T) {
	t.Parallel()
	t.Run("Triangle", func(t *testing.T) {
		ring := []orb.Point{{1.5, 1.5}, {6.5, 1.5}, {1.5, 6.5}, {1.5, 1.5}}
		got := coverTileSpace([][]orb.Point{ring}, 8)
		equalSpans(t, got, spansOf(map[int][2]int{1: {1, 6}, 2: {1, 5}, 3: {1, 4}, 4: {1, 3}, 5: {1, 2}, 6: {1, 1}}))
		if n := Count(got); n != 21 {
			t.Errorf("count %d, want 21 (a bounding box would be 36)", n)
		}
	})
	t.Run("Hole", func(t *testing.T) {
		outer := []orb.Point{{0.5, 0.5}, {7.5, 0.5}, {7.5, 7.5}, {0.5, 7.5}, {0.5, 0.5}}
		hole := []orb.Point{{2.5, 2.5}, {2.5, 5.5}, {5.5, 5.5}, {5.5, 2.5}, {2.5, 2.5}}
		got := coverTileSpace([][]orb.Point{outer, hole}, 8)
		if n := Count(got); n != 60 {
			t.Fatalf("count %d, want 64 - 4 = 60: %v", n, got)
		}
		for _, s := range got {
			if (s.Y == 3 || s.Y == 4) && s.X0 <= 3 && s.X1 >= 3 {
				t.Errorf("row %d holds tile 3, which lies wholly in the hole: %v", s.Y, got)
			}
		}
	})
	t.Run("EdgeOnBoundary", func(t *testing.T) {
		// A square exactly on tiles 2-3 x 2-3 holds those four tiles, not the neighbours it touches.
		ring := []orb.Point{{2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}}
		equalSpans(t, coverTileSpace([][]orb.Point{ring}, 8), spansOf(map[int][2]int{2: {2, 3}, 3: {2, 3}}))
	})
	t.Run("LonLat", func(t *testing.T) {
		// A square in the north-east quarter of the world is tile 1/1/0 at zoom 1, and at zoom 0 the one tile.
		mp := orb.MultiPolygon{{{{10, 10}, {20, 10}, {20, 20}, {10, 20}, {10, 10}}}}
		equalSpans(t, Cover(mp, 1), []Span{{Y: 0, X0: 1, X1: 1}})
		equalSpans(t, Cover(mp, 0), []Span{{Y: 0, X0: 0, X1: 0}})
		// At zoom 8, lon 10-20 is columns 135-142 and lat 20-10 rows 113-120 (from the slippy map formulas).
		if n := Count(Cover(mp, 8)); n != 8*8 {
			t.Errorf("zoom 8: %d tiles, want 64", n)
		}
	})
}

func TestCountRangeStopsPastLimit(t *testing.T) {
	t.Parallel()
	mp := orb.MultiPolygon{{{{10, 10}, {20, 10}, {20, 20}, {10, 20}, {10, 10}}}}
	if n := CountRange(mp, 0, 22, 1000); n <= 1000 || n > 1000*8 {
		t.Errorf("CountRange = %d, want just past 1000", n)
	}
	if n := CountRange(mp, 0, 8, 1<<30); n != 1+1+1+1+4+4+9+25+64 {
		t.Logf("zooms 0-8: %d", n)
	}
}
