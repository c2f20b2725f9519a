package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MaxBulkTasks bounds the tasks one bulk change may name.
const MaxBulkTasks = 10000

// Refusal is a task a bulk change left as it was, and why (the decide function's error, or ErrNotFound for an
// index the project does not have).
type Refusal struct {
	Index int
	Err   error
}

// ChangeTasks applies one decision to many tasks of a project in one write transaction, as ChangeTask does for
// one: each task is read with the project's rules, decide returns its next state and history row, and both are
// stored. An error of decide that refused says is a refusal, reported and not stored while the others go on; any
// other error undoes the whole change. The changed tasks and their events are returned in the order of indexes.
func (s *Store) ChangeTasks(ctx context.Context, projectID int64, indexes []int, userID int64,
	decide func(TaskSnapshot) (Task, TaskEvent, error), refused func(error) bool) ([]Task, []TaskEvent,
	[]Refusal, error) {
	if len(indexes) > MaxBulkTasks {
		return nil, nil, nil, fmt.Errorf("%d tasks, at most %d: %w", len(indexes), MaxBulkTasks, ErrConflict)
	}
	var (
		tasks   []Task
		events  []TaskEvent
		refusal []Refusal
		told    []int64
	)
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		tasks, events, refusal, told = nil, nil, nil, nil // a retried transaction starts again
		for _, index := range indexes {
			snap, err := s.taskSnapshot(ctx, tx, projectID, index, userID)
			if errors.Is(err, ErrNotFound) {
				refusal = append(refusal, Refusal{Index: index, Err: err})
				continue
			}
			if err != nil {
				return err
			}
			next, ev, err := decide(snap)
			if err != nil && refused(err) {
				refusal = append(refusal, Refusal{Index: index, Err: err})
				continue
			}
			if err != nil {
				return err
			}
			if err := s.storeChange(ctx, tx, snap.Task, &next, &ev, userID); err != nil {
				return err
			}
			for i := range ev.Notices {
				ev.Notices[i].ProjectID, ev.Notices[i].TaskID, ev.Notices[i].TaskIndex = projectID, next.ID, index
				ev.Notices[i].ActorID = userID
			}
			got, err := insertNotices(ctx, tx, ev.Notices)
			if err != nil {
				return err
			}
			told = append(told, got...)
			tasks, events = append(tasks, next), append(events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, mapErr(err)
	}
	s.told(told)
	return tasks, events, refusal, nil
}
