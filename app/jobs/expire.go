package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// ExpireLocksArgs enqueues the job that releases task locks held longer than their project's lock duration.
type ExpireLocksArgs struct{}

// Kind names the job kind.
func (ExpireLocksArgs) Kind() string { return "expire_task_locks" }

// InsertOpts keeps a single expiry job waiting at a time.
func (ExpireLocksArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// ExpireLocksResult is the recorded output of an expiry run.
type ExpireLocksResult struct {
	Released int `json:"released"`
}

// expireBatch bounds the locks one run looks at; the next run takes the rest.
const expireBatch = 5000

type expireWorker struct {
	river.WorkerDefaults[ExpireLocksArgs]
	j *Jobs
}

func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireLocksArgs]) error {
	var notify func(int64, db.Task)
	if fn := w.j.taskChanged.Load(); fn != nil {
		notify = *fn
	}
	n, err := expireLocks(ctx, w.j.store, time.Now(), notify)
	if err != nil {
		return err
	}
	return river.RecordOutput(ctx, ExpireLocksResult{Released: n})
}

// ExpireLocks releases every task lock that expired before now, each with a history row by the system, and
// returns how many it released. A lock extended or released meanwhile is left alone (the rules refuse it).
func ExpireLocks(ctx context.Context, store *db.Store, now time.Time) (int, error) {
	return expireLocks(ctx, store, now, nil)
}

// OnTaskChanged sets the function told about each task a job changes after its change commits (the app
// publishes it to the project's open pages). It must not block; nil stops the notices.
func (j *Jobs) OnTaskChanged(fn func(projectID int64, t db.Task)) {
	if fn == nil {
		j.taskChanged.Store(nil)
		return
	}
	j.taskChanged.Store(&fn)
}

// expireLocks is ExpireLocks telling notify (when not nil) about each released task.
func expireLocks(ctx context.Context, store *db.Store, now time.Time, notify func(int64, db.Task)) (int, error) {
	expired, err := store.ExpiredLocks(ctx, now, expireBatch)
	if err != nil {
		return 0, err
	}
	released := 0
	req := taskflow.Request{Action: taskflow.ActionExpire, Now: now}
	for _, e := range expired {
		t, _, err := store.ChangeTask(ctx, e.ProjectID, e.Index, 0, func(s db.TaskSnapshot) (db.Task, db.TaskEvent,
			error) {
			return ApplyTaskAction(s, taskflow.Actor{System: true}, req)
		})
		var fe *taskflow.Error
		switch {
		case err == nil:
			released++
			if notify != nil {
				notify(e.ProjectID, t)
			}
		case errors.As(err, &fe), errors.Is(err, db.ErrNotFound):
		default:
			return released, err
		}
	}
	return released, nil
}

// ApplyTaskAction decides an action on a stored task with the workflow rules (taskflow.Apply) and returns the
// task and history row to store; it is the decide function of db.Store.ChangeTask for people and the system.
func ApplyTaskAction(s db.TaskSnapshot, actor taskflow.Actor, req taskflow.Request) (db.Task, db.TaskEvent, error) {
	next, ev, err := taskflow.Apply(FlowTask(s.Task), actor, FlowRules(s.Project), req)
	if err != nil {
		return db.Task{}, db.TaskEvent{}, err
	}
	t := s.Task
	t.State, t.LockedBy, t.MappedBy, t.AssignedTo = string(next.State), next.LockedBy, next.MappedBy, next.AssignedTo
	t.LockExpiresAt, t.StateBeforeLock = next.LockExpiresAt, string(next.StateBeforeLock)
	if !next.State.Locked() {
		t.LockExpiresAt = time.Time{}
	}
	return t, db.TaskEvent{Action: string(ev.Action), FromState: string(ev.From), ToState: string(ev.To),
		Comment: ev.Comment, TargetUserID: ev.UserID}, nil
}

// FlowTask is the part of a stored task the workflow rules read.
func FlowTask(t db.Task) taskflow.Task {
	return taskflow.Task{State: taskflow.State(t.State), LockedBy: t.LockedBy, MappedBy: t.MappedBy,
		AssignedTo: t.AssignedTo, LockExpiresAt: t.LockExpiresAt, StateBeforeLock: taskflow.State(t.StateBeforeLock)}
}

// FlowRules are a project's workflow settings as the rules read them; only a published project is open.
func FlowRules(p db.Project) taskflow.Rules {
	return taskflow.Rules{ProjectOpen: p.Status == "published", LockDuration: time.Duration(p.LockMinutes) *
		time.Minute, AllowSelfValidation: p.AllowSelfValidation, MaxLocksPerUser: p.MaxLocksPerUser}
}
