// Package jobs runs Fieldbase's durable background jobs: a River client on the same SQLite database, an
// in-process worker pool, periodic jobs, and progress a person can watch. It must not import fiber or huma.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/db"
)

// Options configure the worker pool.
type Options struct {
	// Workers is how many jobs run at once.
	Workers int
	// PollInterval is how often idle workers look for jobs inserted by another process.
	PollInterval time.Duration
	// Logger receives River's own log lines.
	Logger *slog.Logger
}

// Jobs is the job queue and its workers.
type Jobs struct {
	store  *db.Store
	client *river.Client[*sql.Tx]
	log    *slog.Logger
	// taskChanged is told about every task the system changes (lock expiry); see OnTaskChanged.
	taskChanged atomic.Pointer[func(projectID int64, t db.Task)]
}

// Migrate applies River's own migrations to the jobs tables, all in one transaction (one commit instead of one
// per version keeps the first start of a new data directory fast).
func Migrate(ctx context.Context, store *db.Store) error {
	m, err := rivermigrate.New(riversqlite.New(store.JobsDB()), nil)
	if err != nil {
		return err
	}
	tx, err := store.JobsDB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	return tx.Commit()
}

// New builds the job client with every job kind Fieldbase knows and the periodic jobs. Start runs it.
func New(store *db.Store, opts Options) (*Jobs, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	j := &Jobs{store: store, log: log}
	workers := river.NewWorkers()
	river.AddWorker(workers, &maintenanceWorker{j: j})
	river.AddWorker(workers, &exportWorker{j: j})
	river.AddWorker(workers, &expireWorker{j: j})
	river.AddWorker(workers, &splitWorker{j: j})
	river.AddWorker(workers, &basemapWorker{j: j})
	poll := opts.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	client, err := river.NewClient(riversqlite.New(store.JobsDB()), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(opts.Workers, 1)}},
		Workers:           workers,
		PeriodicJobs:      j.periodicJobs(),
		FetchPollInterval: poll,
		// River's SQLite listener polls its notification table every 50 ms, which alone costs 1-2% of a core on
		// an idle server (a Raspberry Pi on a power bank); polling for jobs every PollInterval costs a tenth.
		PollOnly:                    true,
		FetchCooldown:               50 * time.Millisecond,
		JobTimeout:                  -1, // long imports and splits report progress instead of racing a deadline
		Logger:                      log.With("component", "jobs"),
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	j.client = client
	return j, nil
}

// periodicJobs is the hook where recurring work is declared: each entry enqueues one job on its schedule.
func (j *Jobs) periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return MaintenanceArgs{}, nil },
			&river.PeriodicJobOpts{ID: "db_maintenance"}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireLocksArgs{}, nil },
			&river.PeriodicJobOpts{ID: "expire_task_locks"}),
	}
}

// Start starts the workers; they stop when Stop is called.
func (j *Jobs) Start(ctx context.Context) error { return j.client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends, then cancels them) and stops the workers.
func (j *Jobs) Stop(ctx context.Context) error {
	err := j.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return j.client.StopAndCancel(context.Background())
	}
	return err
}

// Insert enqueues a job and returns its id.
func (j *Jobs) Insert(ctx context.Context, args river.JobArgs) (int64, error) {
	res, err := j.client.Insert(ctx, args, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// InsertTx enqueues a job inside a write transaction, so that the job exists if and only if the write commits.
func (j *Jobs) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs) (int64, error) {
	res, err := j.client.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// Progress records how far a running job is (0-100) with a message a person can read.
func (j *Jobs) Progress(ctx context.Context, jobID int64, percent int, message string) {
	if err := j.store.SetJobProgress(ctx, jobID, percent, message); err != nil {
		j.log.Warn("job progress not recorded", "job_id", jobID, "err", err)
	}
}

// failurePrefix marks an error whose text is meant for the person who started the job.
const failurePrefix = "job failed: "

// Failure is the error a worker returns when the job cannot succeed because of its input (a person can act on
// the message); the job is not retried.
func Failure(format string, args ...any) error {
	return river.JobCancel(errors.New(failurePrefix + fmt.Sprintf(format, args...)))
}

// Status is what a person can see of a job.
type Status struct {
	ID         int64
	Kind       string
	State      string
	Percent    int
	Message    string
	Error      string
	Result     []byte
	Attempt    int
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	UpdatedAt  *time.Time
}

// Status returns a job's state, progress, error and result, or db.ErrNotFound.
func (j *Jobs) Status(ctx context.Context, id int64) (Status, error) {
	row, err := j.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return Status{}, fmt.Errorf("job %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{ID: row.ID, Kind: row.Kind, State: string(row.State), Attempt: row.Attempt,
		CreatedAt: row.CreatedAt, StartedAt: row.AttemptedAt, FinishedAt: row.FinalizedAt, Result: row.Output()}
	if p, err := j.store.JobProgress(ctx, id); err == nil {
		st.Percent, st.Message, st.UpdatedAt = p.Percent, p.Message, &p.UpdatedAt
	} else if !errors.Is(err, db.ErrNotFound) {
		return Status{}, err
	}
	if row.State == rivertype.JobStateCompleted {
		st.Percent = 100
	}
	st.Error = publicError(row)
	return st, nil
}

// publicError is the text of the job's last error when it was written for people, or a generic sentence.
func publicError(row *rivertype.JobRow) string {
	if len(row.Errors) == 0 {
		return ""
	}
	last := row.Errors[len(row.Errors)-1].Error
	if i := strings.Index(last, failurePrefix); i >= 0 {
		return last[i+len(failurePrefix):]
	}
	return "the job failed; the server log has the details"
}
