package jobs

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// MaintenanceArgs enqueues the database maintenance job: a WAL checkpoint and PRAGMA optimize, daily.
type MaintenanceArgs struct{}

// Kind names the job kind.
func (MaintenanceArgs) Kind() string { return "db_maintenance" }

// InsertOpts keeps a single maintenance job waiting at a time.
func (MaintenanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// MaintenanceResult is the recorded output of a maintenance run.
type MaintenanceResult struct {
	RunID      int64  `json:"run_id"`
	Checkpoint string `json:"checkpoint"`
}

type maintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]
	j *Jobs
}

func (w *maintenanceWorker) Work(ctx context.Context, job *river.Job[MaintenanceArgs]) error {
	w.j.progress(ctx, job.JobRow, 0, 10, "optimizing and checkpointing the database")
	run, err := w.j.store.Maintain(ctx)
	if err != nil {
		return err
	}
	w.j.progress(ctx, job.JobRow, 0, 100, "done: "+run.Checkpoint)
	return river.RecordOutput(ctx, MaintenanceResult{RunID: run.ID, Checkpoint: run.Checkpoint})
}
