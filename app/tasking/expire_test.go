package tasking

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

func TestExpireLocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	id := draftProject(t, s, square(85.3, 27.7, 0.01), nil)
	if _, err := RunSplit(ctx, s, SplitParams{ProjectID: id, Method: SplitMethodCount, Tasks: 2}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProject(ctx, id, func(p *db.Project) error { p.Status = "published"; return nil }); err != nil {
		t.Fatal(err)
	}
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, password_hash, is_admin,
			disabled, created_at, updated_at) VALUES (7, 'm', 'm', '', 'x', 0, 0, 't', 't')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	lock := taskflow.Request{Action: taskflow.ActionLockForMapping, Now: start}
	if _, _, err := s.ChangeTask(ctx, id, 1, 7, func(snap db.TaskSnapshot) (db.Task, db.TaskEvent, error) {
		return ApplyTaskAction(snap, taskflow.Actor{UserID: 7, Role: taskflow.RoleMapper, Locks: snap.Locks}, lock)
	}); err != nil {
		t.Fatal(err)
	}
	setStatus := func(status string) {
		t.Helper()
		if _, err := s.UpdateProject(ctx, id, func(p *db.Project) error { p.Status = status; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// A closed project's locks are left alone (the workflow refuses them) and do not come back in every run.
	setStatus("completed")
	if locks, err := s.ExpiredLocks(ctx, start.Add(2*time.Hour), 10); err != nil || len(locks) != 0 {
		t.Fatalf("expired locks of a completed project = %v, %v", locks, err)
	}
	setStatus("published")
	tests := []struct {
		name string
		at   time.Time
		want int
	}{
		{"OK_NotYetExpired", start.Add(59 * time.Minute), 0},
		{"OK_Expired", start.Add(61 * time.Minute), 1},
		{"OK_AlreadyReleased", start.Add(2 * time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := New(s, nil).ExpireLocks(ctx, tt.at)
			if err != nil || n != tt.want {
				t.Fatalf("released %d (%v), want %d", n, err, tt.want)
			}
		})
	}
	task, err := s.Task(ctx, id, 1)
	if err != nil || task.State != "ready" || task.LockedBy != 0 {
		t.Fatalf("task after expiry = %+v, %v", task, err)
	}
	events, err := s.TaskEvents(ctx, id, 1)
	if err != nil || len(events) != 2 || events[1].Action != "expire" || events[1].UserID != 0 {
		t.Fatalf("history = %+v, %v", events, err)
	}
}
