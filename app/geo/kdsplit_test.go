package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestSplitByFeatures(t *testing.T) {
	t.Parallel()
	star := irregularAOI(orb.Point{85.32, 27.70}, 800, 50)
	tests := []struct {
		name    string
		aoi     orb.MultiPolygon
		points  []orb.Point
		perTask int
		maxLoad int
	}{
		{"OKUniformPoints", star, randomPoints(star.Bound(), 3000, 1), 50, 50},
		{"OKClusteredPoints", star, append(randomPoints(star.Bound(), 500, 2), randomPoints(orb.Bound{Min: orb.Point{85.320, 27.700}, Max: orb.Point{85.321, 27.701}}, 1500, 3)...), 40, 40},
		// 30 identical points cannot be split, so one task holds them all.
		{"OKDuplicatePoints", star, append(randomPoints(star.Bound(), 300, 4), repeat(orb.Point{85.3201, 27.7001}, 30)...), 25, 30},
		{"OKFewerPointsThanPerTask", star, randomPoints(star.Bound(), 30, 5), 100, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tasks, err := Splitter{}.SplitByFeatures(t.Context(), tc.aoi, tc.points, tc.perTask, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkTiling(t, tc.aoi, tasks)
			checkFeatures(t, tc.aoi, tasks, tc.points)
			checkLoad(t, tasks, tc.perTask, tc.maxLoad)
		})
	}
}

// checkLoad asserts that there are ceil(features/perTask) tasks, each
// holding at most maxLoad features and at least half of the average load.
func checkLoad(t *testing.T, tasks []Task, perTask, maxLoad int) {
	t.Helper()
	total := 0
	for _, task := range tasks {
		total += task.FeatureCount
	}
	if want := (total + perTask - 1) / perTask; len(tasks) != want {
		t.Errorf("%d tasks for %d features at %d per task, want %d", len(tasks), total, perTask, want)
	}
	mean := float64(total) / float64(len(tasks))
	for i, task := range tasks {
		if task.FeatureCount > maxLoad || float64(task.FeatureCount) < mean/2 {
			t.Errorf("task %d holds %d features, want about %.1f and at most %d", i, task.FeatureCount, mean, maxLoad)
		}
	}
}

func repeat(p orb.Point, n int) []orb.Point {
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func TestSplitCount(t *testing.T) {
	t.Parallel()
	star := irregularAOI(orb.Point{-105.99, 38.53}, 1500, 70)
	points := randomPoints(star.Bound(), 2000, 9)
	tests := []struct {
		name   string
		points []orb.Point
		n      int
	}{
		{"OKByAreaSeven", nil, 7},
		{"OKByAreaOne", nil, 1},
		{"OKByAreaMany", nil, 64},
		{"OKByFeatures", points, 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tasks, err := Splitter{}.SplitCount(t.Context(), star, tc.points, tc.n, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != tc.n {
				t.Fatalf("got %d tasks, want %d", len(tasks), tc.n)
			}
			checkTiling(t, star, tasks)
			if tc.points != nil {
				checkFeatures(t, star, tasks, tc.points)
				return
			}
			mean := AreaM2(star) / float64(tc.n)
			for i, task := range tasks {
				if math.Abs(task.AreaM2-mean) > mean*0.01 {
					t.Errorf("task %d is %.0f m², want %.0f within 1%%", i, task.AreaM2, mean)
				}
			}
		})
	}
}

func TestSplitByFeaturesParams(t *testing.T) {
	t.Parallel()
	aoi := rectAOI(orb.Point{85.3, 27.7}, 1000, 1000)
	inside := randomPoints(aoi.Bound(), 1000, 1)
	outside := []orb.Point{{0, 0}, {10, 10}}
	tests := []struct {
		name     string
		splitter Splitter
		points   []orb.Point
		perTask  int
		field    string
	}{
		{"ErrPerTaskZero", Splitter{}, inside, 0, "per_task"},
		{"ErrNoPointsInside", Splitter{}, outside, 10, "features"},
		{"ErrTooManyTasks", Splitter{MaxTasks: 20}, inside, 10, "per_task"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.splitter.SplitByFeatures(t.Context(), aoi, tc.points, tc.perTask, nil)
			var perr *ParamError
			if !errors.As(err, &perr) || perr.Field != tc.field {
				t.Fatalf("got %v, want *ParamError for %s", err, tc.field)
			}
		})
	}
	for name, n := range map[string]int{"ErrCountZero": 0, "ErrCountTooLarge": DefaultMaxTasks + 1} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Splitter{}.SplitCount(t.Context(), aoi, nil, n, nil)
			var perr *ParamError
			if !errors.As(err, &perr) || perr.Field != "task_count" {
				t.Fatalf("got %v, want *ParamError for task_count", err)
			}
		})
	}
}
