package tasking

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"fieldbase/app/geo"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

func openStore(t *testing.T) *db.Store {
	t.Helper()
	return dbtest.Open(t, db.Options{Synchronous: "normal"})
}

// draftProject stores a draft project over aoi with a feature at each point.
func draftProject(t *testing.T, s *db.Store, aoi orb.MultiPolygon, points []orb.Point) int64 {
	t.Helper()
	ctx := context.Background()
	raw, err := geo.MultiPolygonJSON(aoi)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, db.Project{Name: "p", Visibility: "public", Status: "draft", AOI: raw,
		AreaM2: geo.AreaM2(aoi), LockMinutes: 60, MaxLocksPerUser: 1})
	if err != nil {
		t.Fatal(err)
	}
	feats := make([]db.NewFeature, len(points))
	for i, pt := range points {
		feats[i] = db.NewFeature{Geometry: `{"type":"Point","coordinates":[0,0]}`, Lon: pt[0], Lat: pt[1]}
	}
	if len(feats) > 0 {
		if err := s.SaveFeatures(ctx, p.ID, feats, false); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

func square(lon, lat, side float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}}}
}

// checkSplit verifies indexes 1..n, that the tasks' area matches the AOI within 0.5%, and that every feature
// belongs to a task and is counted once.
func checkSplit(t *testing.T, s *db.Store, id int64, aoiArea float64, features int) []db.Task {
	t.Helper()
	ctx := context.Background()
	tasks, err := s.Tasks(ctx, id, db.TaskOptions{})
	if err != nil || len(tasks) == 0 {
		t.Fatalf("tasks = %d, %v", len(tasks), err)
	}
	area, counted := 0.0, 0
	for i, task := range tasks {
		if task.Index != i+1 {
			t.Fatalf("task %d has index %d", i, task.Index)
		}
		area += task.AreaM2
		counted += task.FeatureCount
	}
	if math.Abs(area-aoiArea)/aoiArea > 0.005 {
		t.Errorf("tasks cover %.0f m², AOI is %.0f m²", area, aoiArea)
	}
	if counted != features {
		t.Errorf("tasks hold %d features, want %d", counted, features)
	}
	pts, err := s.FeaturePoints(ctx, id)
	if err != nil || len(pts) != features {
		t.Fatalf("%d features stored (%v), want %d", len(pts), err, features)
	}
	return tasks
}

func TestRunSplitIsIdempotent(t *testing.T) {
	t.Parallel()
	aoi := square(85.3, 27.7, 0.01)
	points := []orb.Point{{85.301, 27.701}, {85.305, 27.705}, {85.309, 27.709}, {85.302, 27.708}}
	tests := []struct {
		name string
		args SplitParams
	}{
		{"OK_Grid", SplitParams{Method: SplitMethodGrid, CellSizeM: 200}},
		{"OK_Count", SplitParams{Method: SplitMethodCount, Tasks: 3}},
		{"OK_Features", SplitParams{Method: SplitMethodFeatures, FeaturesPerTask: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t)
			id := draftProject(t, s, aoi, points)
			tt.args.ProjectID = id
			first, err := RunSplit(context.Background(), s, tt.args, nil)
			if err != nil {
				t.Fatal(err)
			}
			before := checkSplit(t, s, id, geo.AreaM2(aoi), len(points))
			// A restart re-runs the whole job: the result replaces the first, it is not added to it.
			second, err := RunSplit(context.Background(), s, tt.args, nil)
			if err != nil {
				t.Fatal(err)
			}
			after := checkSplit(t, s, id, geo.AreaM2(aoi), len(points))
			if first.Tasks != second.Tasks || len(before) != len(after) || len(after) != second.Tasks {
				t.Fatalf("first run %d tasks, re-run %d, stored %d", first.Tasks, second.Tasks, len(after))
			}
		})
	}
}

func TestRunSplitRefusesPublished(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	id := draftProject(t, s, square(85.3, 27.7, 0.01), nil)
	if _, err := s.UpdateProject(context.Background(), id, func(p *db.Project) error {
		p.Status = "published"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := RunSplit(context.Background(), s, SplitParams{ProjectID: id, Method: SplitMethodGrid, CellSizeM: 100},
		nil); err == nil {
		t.Fatal("a published project was split")
	}
}

func TestSplitFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	aoi, err := geo.ParseAOI(read("aoi/kathmandu.geojson"), 0)
	if err != nil {
		t.Fatal(err)
	}
	points, _, err := geo.FeaturePoints(read("extracts/kathmandu_extract.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	id := draftProject(t, s, aoi, points)
	inside := 0
	for _, i := range geo.AssignPoints([]geo.Task{{Outline: aoi, Bound: aoi.Bound()}}, points) {
		if i == 0 {
			inside++
		}
	}
	res, err := RunSplit(context.Background(), s, SplitParams{ProjectID: id, Method: SplitMethodFeatures,
		FeaturesPerTask: 50}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, s, id, geo.AreaM2(aoi), inside)
	want := int(math.Ceil(float64(inside) / 50))
	if res.Tasks < want/2 || res.Tasks > want*2 {
		t.Errorf("%d features in tasks of 50 gave %d tasks, want about %d", inside, res.Tasks, want)
	}
}
