package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
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

type expireWorker struct {
	river.WorkerDefaults[ExpireLocksArgs]
	j *Jobs
}

// Work releases the expired locks (tasking.Service.ExpireLocks, which tells the open pages).
func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireLocksArgs]) error {
	n, err := w.j.tasks.ExpireLocks(ctx, time.Now())
	if err != nil {
		return err
	}
	return river.RecordOutput(ctx, ExpireLocksResult{Released: n})
}
