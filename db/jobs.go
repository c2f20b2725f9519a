package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"
)

// JobProgress is what a running job last reported about itself.
type JobProgress struct {
	JobID     int64
	Percent   int
	Message   string
	UpdatedAt time.Time
}

// SetJobProgress records a job's progress (0-100) and a message a person can read.
func (s *Store) SetJobProgress(ctx context.Context, jobID int64, percent int, message string) error {
	percent = min(max(percent, 0), 100)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_progress (job_id, percent, message, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET percent = excluded.percent,
			message = excluded.message, updated_at = excluded.updated_at`, jobID, percent, message, now)
		return err
	})
}

// JobProgress returns the progress last reported by a job, or ErrNotFound when it reported none.
func (s *Store) JobProgress(ctx context.Context, jobID int64) (JobProgress, error) {
	p := JobProgress{JobID: jobID}
	var updated string
	err := s.read.QueryRowContext(ctx, "SELECT percent, message, updated_at FROM job_progress WHERE job_id = ?",
		jobID).Scan(&p.Percent, &p.Message, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	p.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return p, nil
}

// MaintenanceRun is one run of the database maintenance job.
type MaintenanceRun struct {
	ID         int64
	RanAt      time.Time
	Checkpoint string
}

// Maintain checkpoints the WAL into the database file and lets SQLite refresh its query statistics, then
// records the run. It returns the checkpoint's figures (busy, log frames, checkpointed frames).
func (s *Store) Maintain(ctx context.Context) (MaintenanceRun, error) {
	var busy, logFrames, done int
	run := MaintenanceRun{RanAt: time.Now().UTC()}
	if s.pg != nil {
		// PostgreSQL checkpoints and refreshes its statistics itself (autovacuum); the run is still recorded.
		run.Checkpoint = "postgres: nothing to do"
	} else {
		err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "PRAGMA optimize")
			return err
		})
		if err != nil {
			return run, err
		}
		// A checkpoint cannot run inside a transaction; the jobs connection is outside the writer's batch.
		if err := s.jobs.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames,
			&done); err != nil {
			return run, err
		}
		run.Checkpoint = checkpointText(busy, logFrames, done)
	}
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "INSERT INTO maintenance_runs (ran_at, checkpoint) VALUES (?, ?) RETURNING id",
			run.RanAt.Format(time.RFC3339Nano), run.Checkpoint).Scan(&run.ID)
	})
	return run, err
}

func checkpointText(busy, logFrames, done int) string {
	return "busy=" + strconv.Itoa(busy) + " log=" + strconv.Itoa(logFrames) + " checkpointed=" + strconv.Itoa(done)
}
