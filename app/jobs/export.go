package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"fieldbase/app/export"
	"fieldbase/app/storage"
)

// ExportArgs enqueues the build of an export file (a ZIP of one CSV per form plus every attachment).
type ExportArgs struct {
	ExportID  int64 `json:"export_id"`
	ProjectID int64 `json:"project_id"`
}

// Kind names the job kind.
func (ExportArgs) Kind() string { return "export_submissions" }

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	j *Jobs
}

// Work builds the export file (export.Build); when no retry follows a failure, the export shows as failed
// rather than pending for ever.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	err := w.build(ctx, job)
	if err != nil && job.Attempt >= job.MaxAttempts {
		if ferr := w.j.store.FailExport(context.WithoutCancel(ctx), job.Args.ExportID); ferr != nil {
			w.j.log.Warn("export not marked failed", "export_id", job.Args.ExportID, "err", ferr)
		}
	}
	return err
}

func (w *exportWorker) build(ctx context.Context, job *river.Job[ExportArgs]) error {
	files, err := storage.Open(w.j.store.Dir())
	if err != nil {
		return err
	}
	progress := func(percent int, message string) { w.j.progress(ctx, job.JobRow, job.Args.ProjectID, percent, message) }
	res, err := export.Build(ctx, w.j.store, files, job.Args.ExportID, progress)
	if errors.Is(err, export.ErrGone) {
		return Failure("export %d no longer exists", job.Args.ExportID)
	}
	if err != nil {
		return err
	}
	progress(100, fmt.Sprintf("%d submissions, %d attachments", res.Submissions, res.Attachments))
	return river.RecordOutput(ctx, res)
}
