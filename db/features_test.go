package db

import (
	"context"
	"testing"
)

// TestSaveFeatures replaces a data extract: the tasks' counts follow the new features, and a failure part way
// (a feature naming a task that does not exist) leaves the previous extract whole, not half replaced.
func TestSaveFeatures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	pid, uid := mustProject(t, s)
	draft, err := s.CreateProject(ctx, Project{Name: "d", Visibility: "public", Status: "draft",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, MaxLocksPerUser: 1, CreatedBy: uid})
	if err != nil {
		t.Fatal(err)
	}
	pid = draft.ID
	if err := s.ReplaceTasks(ctx, pid, []NewTask{{Outline: `{"type":"MultiPolygon","coordinates":[]}`}}); err != nil {
		t.Fatal(err)
	}
	tasks, err := s.Tasks(ctx, pid, TaskOptions{})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks = %v, %v", tasks, err)
	}
	tid := tasks[0].ID
	pt := func(task int64) NewFeature {
		return NewFeature{Geometry: `{"type":"Point","coordinates":[1,2]}`, Lon: 1, Lat: 2, TaskID: task}
	}
	count := func() (features, inTask int) {
		t.Helper()
		if err := s.DB().QueryRow("SELECT count(*) FROM features WHERE project_id = ?", pid).
			Scan(&features); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow("SELECT feature_count FROM tasks WHERE id = ?", tid).Scan(&inTask); err != nil {
			t.Fatal(err)
		}
		return features, inTask
	}

	if err := s.SaveFeatures(ctx, pid, []NewFeature{pt(tid), pt(tid), pt(0)}, false); err != nil {
		t.Fatal(err)
	}
	if f, n := count(); f != 3 || n != 2 {
		t.Fatalf("after upload: %d features, %d in the task; want 3 and 2", f, n)
	}
	if err := s.SaveFeatures(ctx, pid, []NewFeature{pt(tid), pt(tid + 1000)}, true); err == nil {
		t.Fatal("a feature naming a missing task must fail the upload")
	}
	if f, n := count(); f != 3 || n != 2 {
		t.Fatalf("after a failed replace: %d features, %d in the task; want the previous 3 and 2", f, n)
	}
	if err := s.SaveFeatures(ctx, pid, []NewFeature{pt(tid)}, true); err != nil {
		t.Fatal(err)
	}
	if f, n := count(); f != 1 || n != 1 {
		t.Fatalf("after replace: %d features, %d in the task; want 1 and 1", f, n)
	}
}
