package tasking

import (
	"context"
	"errors"
	"time"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// ExpireBatch bounds the locks one run looks at; the next run takes the rest.
const ExpireBatch = 5000

// ExpireLocks releases every task lock that expired before now, each with a history row by the system and an
// event on the project's stream, and returns how many it released. A lock extended or released meanwhile is
// left alone (the rules refuse it).
func (s *Service) ExpireLocks(ctx context.Context, now time.Time) (int, error) {
	expired, err := s.store.ExpiredLocks(ctx, now, ExpireBatch)
	if err != nil {
		return 0, err
	}
	released := 0
	req := taskflow.Request{Action: taskflow.ActionExpire, Now: now}
	for _, e := range expired {
		t, _, err := s.store.ChangeTask(ctx, e.ProjectID, e.Index, 0, func(snap db.TaskSnapshot) (db.Task,
			db.TaskEvent, error) {
			return ApplyTaskAction(snap, taskflow.Actor{System: true}, req)
		})
		var fe *taskflow.Error
		switch {
		case err == nil:
			released++
			s.publish(e.ProjectID, t, string(taskflow.ActionExpire), Person{})
		case errors.As(err, &fe), errors.Is(err, db.ErrNotFound):
		default:
			return released, err
		}
	}
	return released, nil
}
