// Package jobs runs Fieldbase's durable background jobs: a River client on the same SQLite database, an
// in-process worker pool, periodic jobs, and progress a person can watch. It must not import fiber or huma.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/app/live"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// Options configure the worker pool.
type Options struct {
	// Workers is how many jobs run at once.
	Workers int
	// PollInterval is how often idle workers look for jobs inserted by another process.
	PollInterval time.Duration
	// Logger receives River's own log lines (its routine INFO lines at DEBUG) and a line for each job that errors.
	Logger *slog.Logger
	// Events (nil: a new broker, see Jobs.Events) receives a job event on the job's project stream at each progress step and when the job
	// ends, and the task events of lock expiry.
	Events *live.Broker
	// Backups configures the backup job and its schedule (the zero value: none scheduled).
	Backups BackupOptions
	// Digest configures the e-mail digests of notifications (the zero value: none sent).
	Digest DigestOptions
}

// Jobs is the job queue and its workers. The workers are thin: each calls an operation of the task, export or
// basemap packages and reports its progress.
type Jobs struct {
	store  *db.Store
	client *river.Client[*sql.Tx]
	log    *slog.Logger
	events *live.Broker
	tasks  *tasking.Service
	// backups configures the backup job.
	backups BackupOptions
	// digest configures the notification digests.
	digest DigestOptions
	ended  sync.WaitGroup
	// endMu guards ends: how many jobs ended, by kind and final state, since Start (for the metrics).
	endMu sync.Mutex
	ends  map[EndKey]uint64
}

// EndKey names a count of ended jobs: the job kind and its final state (completed, cancelled, retryable,
// discarded).
type EndKey struct{ Kind, State string }

// Ended returns a copy of how many jobs ended since Start, by kind and state. River reports each attempt that
// fails, so a job retried twice then completed counts as two failures ("retryable") and one "completed".
func (j *Jobs) Ended() map[EndKey]uint64 {
	j.endMu.Lock()
	defer j.endMu.Unlock()
	out := make(map[EndKey]uint64, len(j.ends))
	for k, v := range j.ends {
		out[k] = v
	}
	return out
}

func (j *Jobs) countEnd(row *rivertype.JobRow) {
	j.endMu.Lock()
	defer j.endMu.Unlock()
	if j.ends == nil {
		j.ends = map[EndKey]uint64{}
	}
	j.ends[EndKey{Kind: row.Kind, State: string(row.State)}]++
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
	events := opts.Events
	if events == nil {
		events = live.NewBroker()
	}
	j := &Jobs{store: store, log: log, events: events, tasks: tasking.New(store, events), backups: opts.Backups,
		digest: opts.Digest}
	if j.backups.Dir == "" {
		j.backups.Dir = filepath.Join(store.Dir(), "backups")
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &maintenanceWorker{j: j})
	river.AddWorker(workers, &exportWorker{j: j})
	river.AddWorker(workers, &expireWorker{j: j})
	river.AddWorker(workers, &splitWorker{j: j})
	river.AddWorker(workers, &basemapWorker{j: j})
	river.AddWorker(workers, &backupWorker{j: j})
	river.AddWorker(workers, &generateWorker{j: j})
	river.AddWorker(workers, &digestSweepWorker{j: j})
	river.AddWorker(workers, &digestWorker{j: j})
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
		Logger:                      slog.New(riverHandler{log.Handler()}).With("component", "jobs"),
		ErrorHandler:                errorLogger{log.With("component", "jobs")},
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
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return MaintenanceArgs{}, nil },
			&river.PeriodicJobOpts{ID: "db_maintenance"}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireLocksArgs{}, nil },
			&river.PeriodicJobOpts{ID: "expire_task_locks"}),
	}
	if j.backups.Interval > 0 {
		periodic = append(periodic, j.backupSchedule())
	}
	if j.digest.SMTP.Enabled() {
		periodic = append(periodic, j.digestSchedule())
	}
	return periodic
}

// Start starts the workers; they stop when Stop is called. Each job's end is published on its project's stream.
func (j *Jobs) Start(ctx context.Context) error {
	if err := j.requeueInterruptedGenerations(ctx); err != nil {
		return err
	}
	ended, cancel := j.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled,
		river.EventKindJobFailed)
	if err := j.client.Start(ctx); err != nil {
		cancel()
		return err
	}
	stopped := j.client.Stopped() // set by Start
	j.ended.Add(1)
	go func() {
		defer j.ended.Done()
		defer cancel()
		j.publishEnds(ended, stopped)
	}()
	return nil
}

// Stop lets running jobs finish (until ctx ends, then cancels them) and stops the workers.
func (j *Jobs) Stop(ctx context.Context) error {
	err := j.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = j.client.StopAndCancel(context.Background())
	}
	j.ended.Wait()
	return err
}

// Events is the broker the jobs publish to (the one the app's streams subscribe to).
func (j *Jobs) Events() *live.Broker { return j.events }

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

// progress records how far a running job is (0-100) with a message a person can read, and tells the open
// pages of the job's project (projectID 0: none).
func (j *Jobs) progress(ctx context.Context, job *rivertype.JobRow, projectID int64, percent int, message string) {
	if err := j.store.SetJobProgress(ctx, job.ID, percent, message); err != nil {
		j.log.Warn("job progress not recorded", "job_id", job.ID, "err", err)
	}
	if projectID != 0 {
		j.events.PublishJSON(projectID, live.KindJob, JobNotice{ProjectID: projectID, JobID: job.ID, Kind: job.Kind,
			State: string(rivertype.JobStateRunning), Percent: percent, Message: message})
	}
}

// progressWords is progress with a message that pages say in their reader's language.
func (j *Jobs) progressWords(ctx context.Context, job *rivertype.JobRow, projectID int64, percent int, w Words) {
	if err := j.store.SetJobProgress(ctx, job.ID, percent, w.record()); err != nil {
		j.log.Warn("job progress not recorded", "job_id", job.ID, "err", err)
	}
	if projectID != 0 {
		j.events.PublishJSON(projectID, live.KindJob, JobNotice{ProjectID: projectID, JobID: job.ID, Kind: job.Kind,
			State: string(rivertype.JobStateRunning), Percent: percent, Message: w.Text})
	}
}

// JobNotice is the payload of a job event.
type JobNotice struct {
	ProjectID int64  `json:"project_id"`
	JobID     int64  `json:"job_id"`
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Percent   int    `json:"percent"`
	Message   string `json:"message"`
	Error     string `json:"error,omitempty"`
}

// publishEnds publishes a job event for each job of a project that ends (completed, cancelled, failed), until
// the client stops.
func (j *Jobs) publishEnds(ended <-chan *river.Event, stopped <-chan struct{}) {
	for {
		select {
		case ev, ok := <-ended:
			if !ok {
				return
			}
			j.countEnd(ev.Job)
			pid := projectOf(ev.Job)
			if pid == 0 {
				continue
			}
			st, err := j.status(context.Background(), ev.Job)
			if err != nil {
				j.log.Warn("job end not published", "job_id", ev.Job.ID, "err", err)
				continue
			}
			j.events.PublishJSON(pid, live.KindJob, JobNotice{ProjectID: pid, JobID: st.ID, Kind: st.Kind,
				State: st.State, Percent: st.Percent, Message: st.Message, Error: st.Error})
		case <-stopped:
			return
		}
	}
}

// projectOf is the project a job works on (the project_id of its arguments), or 0.
func projectOf(row *rivertype.JobRow) int64 {
	var args struct {
		ProjectID int64 `json:"project_id"`
	}
	_ = json.Unmarshal(row.EncodedArgs, &args)
	return args.ProjectID
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
	ID   int64
	Kind string
	// ProjectID is the project the job works on (0 for the server's own jobs).
	ProjectID int64
	State     string
	Percent   int
	Message   string
	// Words is Message as a message of the catalogues, when the job gave one.
	Words      *Words
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
	return j.status(ctx, row)
}

// status is what a person can see of a job row, with its recorded progress.
func (j *Jobs) status(ctx context.Context, row *rivertype.JobRow) (Status, error) {
	st := Status{ID: row.ID, Kind: row.Kind, ProjectID: projectOf(row), State: string(row.State),
		Attempt: row.Attempt, CreatedAt: row.CreatedAt, StartedAt: row.AttemptedAt, FinishedAt: row.FinalizedAt,
		Result: row.Output()}
	if p, err := j.store.JobProgress(ctx, row.ID); err == nil {
		st.Message, st.Words = readWords(p.Message)
		st.Percent, st.UpdatedAt = p.Percent, &p.UpdatedAt
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
