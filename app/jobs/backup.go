package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/app/backup"
	"fieldbase/db"
)

// BackupOptions configure the backup job.
type BackupOptions struct {
	// Dir is where archives are written (empty: <data dir>/backups).
	Dir string
	// Interval is how often a scheduled backup runs; 0 schedules none.
	Interval time.Duration
	// Keep is how many scheduled archives are kept after a good one (0: all).
	Keep int
	// AppVersion is recorded in each archive's manifest.
	AppVersion string
}

// BackupKind is the kind of the backup job.
const BackupKind = "backup"

// BackupArgs enqueues a backup of the data directory into the backups directory.
type BackupArgs struct {
	// Scheduled marks a backup started by the schedule: only those are pruned.
	Scheduled bool `json:"scheduled"`
}

// Kind names the job kind.
func (BackupArgs) Kind() string { return BackupKind }

// InsertOpts keeps one backup job waiting or running at a time: asking again while one runs returns that one.
func (BackupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// BackupResult is the recorded output of a backup.
type BackupResult struct {
	Name        string   `json:"name"`
	Size        int64    `json:"size"`
	Submissions int64    `json:"submissions"`
	Files       int      `json:"files"`
	Pruned      []string `json:"pruned,omitempty"`
}

type backupWorker struct {
	river.WorkerDefaults[BackupArgs]
	j *Jobs
}

// BackupsDir is where the backup job writes its archives.
func (j *Jobs) BackupsDir() string { return j.backups.Dir }

// Work writes an archive (backup.Create) and, for a scheduled one, prunes the older scheduled archives. A backup
// that fails is not retried (the next one is due on schedule); its reason is shown to administrators.
func (w *backupWorker) Work(ctx context.Context, job *river.Job[BackupArgs]) error {
	opts := w.j.backups
	out := filepath.Join(opts.Dir, backup.NewName(time.Now(), job.Args.Scheduled))
	m, err := backup.Create(ctx, w.j.store.Dir(), out, backup.Options{AppVersion: opts.AppVersion,
		Scheduled: job.Args.Scheduled, Progress: func(percent int, s backup.Step) {
			w.j.progressWords(ctx, job.JobRow, 0, percent, Words{Text: s.Text, ID: s.ID, Data: s.Data})
		}})
	if err != nil {
		if ctx.Err() != nil {
			return err // stopped with the server: retried at the next start
		}
		w.j.log.Warn("backup failed", "job_id", job.ID, "err", err)
		reason := fmt.Sprintf("the backup failed: %v", err)
		if errors.Is(err, backup.ErrBusy) {
			reason = "another backup was being written at the same time"
		}
		w.j.notifyBackupFailed(ctx, job.ID, reason)
		return Failure("%s", reason)
	}
	res := BackupResult{Name: filepath.Base(out), Submissions: m.Submissions, Files: m.Files()}
	if st, err := os.Stat(out); err == nil {
		res.Size = st.Size()
	}
	if job.Args.Scheduled {
		if res.Pruned, err = backup.Prune(opts.Dir, opts.Keep); err != nil {
			w.j.log.Warn("old backups not pruned", "err", err)
		}
	}
	return river.RecordOutput(ctx, res)
}

// backupSchedule checks, at start and then every hour (or every interval, when shorter), whether the newest
// scheduled archive is older than the interval, and enqueues a backup when it is. A server that never runs for a
// whole interval (a laptop switched off every evening) still gets its daily backup, and a failed one is tried
// again at the next check.
func (j *Jobs) backupSchedule() *river.PeriodicJob {
	every := min(j.backups.Interval, time.Hour)
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		if time.Since(backup.LastScheduled(j.backups.Dir))+every/2 < j.backups.Interval {
			return nil, nil // not due: River skips the insert
		}
		return BackupArgs{Scheduled: true}, nil
	}, &river.PeriodicJobOpts{ID: "scheduled_backup", RunOnStart: true})
}

// BackupState is what the backups page shows of the backup jobs.
type BackupState struct {
	// Running is the backup waiting or being written, if any.
	Running *Status
	// Failed is the last backup that failed, when none succeeded after it.
	Failed *Status
}

// Backups reports the backup running now and the last failure not followed by a good backup.
func (j *Jobs) Backups(ctx context.Context) (BackupState, error) {
	var st BackupState
	res, err := j.client.JobList(ctx, river.NewJobListParams().Kinds(BackupKind).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(50))
	if err != nil {
		return st, fmt.Errorf("list backup jobs: %w", err)
	}
	for _, row := range res.Jobs {
		switch row.State {
		case rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled:
			if st.Running == nil && st.Failed == nil {
				s, err := j.status(ctx, row)
				if err != nil {
					return st, err
				}
				st.Running = &s
			}
			continue
		case rivertype.JobStateCompleted:
			return st, nil
		}
		if len(row.Errors) > 0 {
			s, err := j.status(ctx, row)
			if err != nil {
				return st, err
			}
			st.Failed = &s
			return st, nil
		}
	}
	return st, nil
}

// notifyBackupFailed tells the administrators that a backup failed; the job id keys the notification, so a job
// interrupted after telling and run again tells once.
func (j *Jobs) notifyBackupFailed(ctx context.Context, jobID int64, reason string) {
	err := j.store.NotifyAdmins(ctx, db.Notice{Kind: db.NoticeBackupFailed, Params: map[string]string{"error": reason},
		DedupKey: fmt.Sprintf("backup-job-%d", jobID)})
	if err != nil {
		j.log.Warn("backup failure not notified", "job_id", jobID, "err", err)
	}
}
