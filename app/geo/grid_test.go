package geo

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// rectAOI is a rectangle w × h metres with its south-west corner at sw.
func rectAOI(sw orb.Point, wM, hM float64) orb.MultiPolygon {
	perLon, perLat := metreScale(sw[1] + hM/2/(orb.EarthRadius*math.Pi/180))
	ne := orb.Point{sw[0] + wM/perLon, sw[1] + hM/perLat}
	return orb.MultiPolygon{{{sw, {ne[0], sw[1]}, ne, {sw[0], ne[1]}, sw}}}
}

func TestSplitGrid(t *testing.T) {
	t.Parallel()
	star := irregularAOI(orb.Point{85.32, 27.70}, 600, 60)
	tests := []struct {
		name  string
		aoi   orb.MultiPolygon
		cellM float64
	}{
		{"OKRectangle", rectAOI(orb.Point{85.3, 27.7}, 480, 330), 50},
		{"OKIrregularConcave", star, 70},
		{"OKTwoPolygons", append(rectAOI(orb.Point{85.3, 27.7}, 200, 200), rectAOI(orb.Point{85.31, 27.7}, 150, 260)...), 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tasks, err := Splitter{}.SplitGrid(t.Context(), tc.aoi, tc.cellM, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkTiling(t, tc.aoi, tasks)
			// Every piece of these areas touches the cell it comes from, so
			// no sliver is left alone.
			full := tc.cellM * tc.cellM
			for i, task := range tasks {
				if task.AreaM2 < sliverShare*full || task.AreaM2 > 2.5*full {
					t.Errorf("task %d is %.0f m², want between a sliver limit and a cell with two slivers", i, task.AreaM2)
				}
			}
		})
	}
}

func TestSplitGridMergesSlivers(t *testing.T) {
	t.Parallel()
	// 3.2 cells wide, 2 high: the 0.2-wide column must join its neighbours.
	aoi := rectAOI(orb.Point{36.42, -0.77}, 3.2*100, 2*100)
	tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 100, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 6 {
		t.Fatalf("got %d tasks, want 3 × 2", len(tasks))
	}
	merged := 0
	for _, task := range tasks {
		if len(task.Outline) == 2 {
			merged++
			if math.Abs(task.AreaM2-1.2*100*100) > 100 {
				t.Errorf("merged task is %.0f m², want about 12,000", task.AreaM2)
			}
		}
	}
	if merged != 2 {
		t.Errorf("%d tasks hold a merged sliver, want 2", merged)
	}
	checkTiling(t, aoi, tasks)
}

func TestSplitGridDropsCellsWithoutPoints(t *testing.T) {
	t.Parallel()
	aoi := rectAOI(orb.Point{85.3, 27.7}, 500, 500)
	b := aoi.Bound()
	// Points only in the western half, plus one outside the aoi.
	west := b
	west.Max[0] = (b.Min[0] + b.Max[0]) / 2
	points := append(randomPoints(west, 400, 7), orb.Point{b.Max[0] + 0.01, b.Min[1]})
	tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 50, points, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 40 || len(tasks) > 55 {
		t.Errorf("got %d tasks, want about the 50 western cells", len(tasks))
	}
	checkFeatures(t, aoi, tasks, points)
	checkNoOverlap(t, aoi, tasks, false)
}

func TestSplitGridParams(t *testing.T) {
	t.Parallel()
	aoi := rectAOI(orb.Point{85.3, 27.7}, 1000, 1000)
	tests := []struct {
		name     string
		splitter Splitter
		cellM    float64
		field    string
	}{
		{"ErrCellTooSmall", Splitter{}, 0.5, "cell_size_m"},
		{"ErrCellNaN", Splitter{}, math.NaN(), "cell_size_m"},
		{"ErrTooManyTasksDefault", Splitter{}, 4, "cell_size_m"},
		{"ErrTooManyTasksConfigured", Splitter{MaxTasks: 10}, 100, "cell_size_m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.splitter.SplitGrid(t.Context(), aoi, tc.cellM, nil, nil)
			var perr *ParamError
			if !errors.As(err, &perr) || perr.Field != tc.field {
				t.Fatalf("got %v, want *ParamError for %s", err, tc.field)
			}
		})
	}
}

func TestSplitsHonourCancellation(t *testing.T) {
	t.Parallel()
	aoi := irregularAOI(orb.Point{85.32, 27.70}, 3000, 80)
	points := randomPoints(aoi.Bound(), 20000, 3)
	splits := map[string]func(context.Context, Progress) ([]Task, error){
		"Grid": func(ctx context.Context, p Progress) ([]Task, error) {
			return Splitter{}.SplitGrid(ctx, aoi, 50, nil, p)
		},
		"ByFeatures": func(ctx context.Context, p Progress) ([]Task, error) {
			return Splitter{}.SplitByFeatures(ctx, aoi, points, 10, p)
		},
		"CountByArea": func(ctx context.Context, p Progress) ([]Task, error) {
			return Splitter{}.SplitCount(ctx, aoi, nil, 200, p)
		},
	}
	for name, split := range splits {
		t.Run("ErrCanceledBefore"+name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, err := split(ctx, nil); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
		})
		t.Run("ErrCanceledDuring"+name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			calls := 0
			_, err := split(ctx, func(int, string) { calls++; cancel() })
			if !errors.Is(err, context.Canceled) || calls != 1 {
				t.Fatalf("got %v after %d progress calls, want context.Canceled after 1", err, calls)
			}
		})
	}
}

func TestSplitProgress(t *testing.T) {
	t.Parallel()
	aoi := irregularAOI(orb.Point{85.32, 27.70}, 2000, 80)
	var got []int
	tasks, err := Splitter{}.SplitGrid(t.Context(), aoi, 25, nil, func(p int, msg string) {
		if msg == "" {
			t.Error("empty progress message")
		}
		got = append(got, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 1000 {
		t.Fatalf("only %d tasks: the test needs a split with many cells", len(tasks))
	}
	if len(got) < 3 || len(got) > 25 || got[len(got)-1] != 100 {
		t.Errorf("progress calls %v: want 3 to 25 calls ending at 100", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Errorf("progress went from %d to %d", got[i-1], got[i])
		}
	}
}
