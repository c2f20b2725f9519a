package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"fieldbase/app/config"
	"fieldbase/app/i18n"
	"fieldbase/app/notify"
)

// DigestOptions configure the e-mail digests of notifications.
type DigestOptions struct {
	// SMTP is the mail server; without a host no digest is sent.
	SMTP config.SMTP
	// BaseURL makes the links absolute (server.base_url; the settings' base URL wins when set).
	BaseURL string
	// Every is how often the sweep looks for digests due (0: 5 minutes).
	Every time.Duration
	// RetryBase is the first wait before a failed send is tried again; the n-th retry waits RetryBase·n² (0: 1
	// minute).
	RetryBase time.Duration
	// Catalog gives the words of a digest, in the recipient's language (needed when SMTP is set).
	Catalog *i18n.Catalog
}

// DigestSweepArgs enqueues the sweep that starts one digest job per person with a digest due.
type DigestSweepArgs struct{}

// Kind names the job kind.
func (DigestSweepArgs) Kind() string { return "notification_digest_sweep" }

// InsertOpts keeps one sweep waiting at a time.
func (DigestSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// DigestArgs enqueues the digest of one person for one period.
type DigestArgs struct {
	UserID int64  `json:"user_id"`
	Period string `json:"period"`
}

// Kind names the job kind.
func (DigestArgs) Kind() string { return "notification_digest" }

// InsertOpts makes a person's digest of a period one job, whatever the number of sweeps in the period (unique
// by arguments, finished jobs included), retried with backoff up to 10 times.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type digestSweepWorker struct {
	river.WorkerDefaults[DigestSweepArgs]
	j *Jobs
}

// Work enqueues a digest job for each person whose digest may be due in the current period.
func (w *digestSweepWorker) Work(ctx context.Context, _ *river.Job[DigestSweepArgs]) error {
	if !w.j.digest.SMTP.Enabled() {
		return nil
	}
	recipients, err := w.j.store.DigestRecipients(ctx, 10_000)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range recipients {
		if _, err := w.j.client.Insert(ctx, DigestArgs{UserID: r.UserID, Period: notify.Period(r.Digest, now)},
			nil); err != nil {
			return err
		}
	}
	return nil
}

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	j *Jobs
}

// NextRetry waits RetryBase·attempt² before trying a failed send again.
func (w *digestWorker) NextRetry(job *river.Job[DigestArgs]) time.Time {
	base := w.j.digest.RetryBase
	if base <= 0 {
		base = time.Minute
	}
	return time.Now().Add(base * time.Duration(job.Attempt*job.Attempt))
}

// Work sends one person's digest of a period: the items are claimed (recorded) before the mail goes out and the
// digest is marked sent after the server accepted it, so a retry or a restart resends the same items only when
// the previous attempt was not accepted, and a second job in the period sends nothing.
func (w *digestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	d, err := w.j.store.ClaimDigest(ctx, job.Args.UserID, job.Args.Period)
	if err != nil || d.ID == 0 || d.Email == "" {
		return err
	}
	cat := w.j.digest.Catalog
	if cat == nil {
		return errors.New("digest: no message catalogue")
	}
	site, base, lang := "Fieldbase", w.j.digest.BaseURL, cat.Normalize(d.Language)
	if s, err := w.j.store.Settings(ctx); err == nil {
		if s.SiteName != "" {
			site = s.SiteName
		}
		if s.BaseURL != "" {
			base = s.BaseURL
		}
		if lang == "" {
			lang = cat.Normalize(s.DefaultLanguage)
		}
	}
	if lang == "" {
		lang = i18n.Source
	}
	m, err := notify.DigestMail(d, notify.In(cat, lang), w.j.digest.SMTP.From, site, base, time.Now())
	if err != nil {
		return err
	}
	if err := notify.Send(ctx, w.j.digest.SMTP, m); err != nil {
		return err
	}
	return w.j.store.MarkDigestSent(ctx, d.ID)
}

// digestSchedule runs the sweep every DigestOptions.Every, and once at start.
func (j *Jobs) digestSchedule() *river.PeriodicJob {
	every := j.digest.Every
	if every <= 0 {
		every = 5 * time.Minute
	}
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return DigestSweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "notification_digest_sweep", RunOnStart: true})
}
