package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"fieldbase/app/geo"
	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// BenchmarkTaskTransitions measures task actions per second through the store with 200 concurrent clients at
// synchronous=FULL: each client locks and unlocks its own task (one write transaction and history row each). It
// reports transitions/s and the p50/p99 latency of one transition.
func BenchmarkTaskTransitions(b *testing.B) {
	ctx := context.Background()
	s := dbtest.Open(b, db.Options{})
	const clients = 200
	raw, _ := geo.MultiPolygonJSON(aoi100km2())
	p, err := s.CreateProject(ctx, db.Project{Name: "b", Visibility: "public", Status: "draft", AOI: raw, AreaM2: 1e8,
		LockMinutes: 60, MaxLocksPerUser: 1})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tasking.RunSplit(ctx, s, tasking.SplitParams{ProjectID: p.ID, Method: "count", Tasks: clients}, nil); err != nil {
		b.Fatal(err)
	}
	err = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for i := 1; i <= clients; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, password_hash,
				is_admin, disabled, created_at, updated_at) VALUES (?, ?, '', '', 'x', 0, 0, 't', 't')`, i,
				fmt.Sprint("u", i)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE projects SET status = 'published'")
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	per := b.N/clients + 1
	lat := make([]time.Duration, per*clients)
	b.ResetTimer()
	for c := 1; c <= clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actions := []taskflow.Action{taskflow.ActionLockForMapping, taskflow.ActionUnlock}
			for i := range per {
				t0 := time.Now()
				req := taskflow.Request{Action: actions[i%2], Now: t0}
				_, _, err := s.ChangeTask(ctx, p.ID, c, int64(c), func(snap db.TaskSnapshot) (db.Task, db.TaskEvent, error) {
					return tasking.ApplyTaskAction(snap, taskflow.Actor{UserID: int64(c), Role: taskflow.RoleMapper,
						Locks: snap.Locks}, req)
				})
				if err != nil {
					b.Error(err)
					return
				}
				lat[(c-1)*per+i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/b.Elapsed().Seconds(), "transitions/s")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}
