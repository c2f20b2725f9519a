package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"fieldbase/app/geo"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// SplitArgs enqueues the split of a draft project's AOI into tasks.
type SplitArgs struct {
	tasking.SplitParams
}

// Kind names the job kind.
func (SplitArgs) Kind() string { return "split_project" }

type splitWorker struct {
	river.WorkerDefaults[SplitArgs]
	j *Jobs
}

// Work runs the split (tasking.RunSplit): it replaces the project's tasks in one transaction at the end, so a
// run interrupted before that leaves the previous split, and a re-run replaces it again.
func (w *splitWorker) Work(ctx context.Context, job *river.Job[SplitArgs]) error {
	pid := job.Args.ProjectID
	progress := func(percent int, message string) { w.j.progress(ctx, job.JobRow, pid, percent*9/10, message) }
	res, err := tasking.RunSplit(ctx, w.j.store, job.Args.SplitParams, progress)
	var pe *geo.ParamError
	var ae *geo.AOIError
	switch {
	case errors.As(err, &pe):
		return Failure("%s", pe.Error())
	case errors.As(err, &ae):
		return Failure("%s", ae.Message)
	case errors.Is(err, db.ErrConflict):
		return Failure("the project is no longer a draft, so its tasks were not replaced")
	case errors.Is(err, db.ErrNotFound):
		return Failure("the project was deleted")
	case err != nil:
		return err
	}
	w.j.progress(ctx, job.JobRow, pid, 100, fmt.Sprintf("%d tasks", res.Tasks))
	return river.RecordOutput(ctx, res)
}
