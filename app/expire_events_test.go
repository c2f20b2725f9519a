package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"fieldbase/app/jobs"
	"fieldbase/app/live"
)

// TestExpiredLockIsPublished checks that the expiry job's release reaches the project's stream as a task event.
func TestExpiredLockIsPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.publishedProject(t, tok, "")
	resp, body := ta.do(t, jsonReq("POST", fmt.Sprintf("/api/v1/projects/%d/tasks/1/events", id),
		`{"action":"lock_for_mapping"}`, tok))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lock: %d %s", resp.StatusCode, body)
	}
	if err := ta.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE tasks SET lock_expires_at = '2000-01-01T00:00:00Z' WHERE project_id = ? AND idx = 1", id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sub, _, _ := ta.events.Subscribe(id, 0)
	defer ta.events.Unsubscribe(sub)
	ta.startJobs(t)
	if _, err := ta.jobs.Insert(ctx, jobs.ExpireLocksArgs{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C():
		got := string(ev.Data)
		if ev.Kind != live.KindTask || !strings.Contains(got, `"action":"expire"`) || !strings.Contains(got, `"by":"system"`) ||
			!strings.Contains(got, `"index":1`) || !strings.Contains(got, `"state":"ready"`) {
			t.Fatalf("event %s %s", ev.Kind, got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no task event after the expiry job")
	}
}
