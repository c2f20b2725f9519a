package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// riverHandler passes River's log records on with INFO demoted to DEBUG. River reports its routine work at INFO
// (the producer's job counts every minute, each maintenance pass, the client starting and stopping), which would
// bury what an operator wants to read; its WARN and ERROR records pass unchanged. River also reports a job's error
// or panic at INFO: errorLogger logs those at WARN and ERROR instead.
type riverHandler struct{ next slog.Handler }

// demote maps River's INFO (and anything between INFO and WARN) to DEBUG.
func demote(l slog.Level) slog.Level {
	if l >= slog.LevelInfo && l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

// Enabled reports whether the next handler takes records at l once demoted.
func (h riverHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, demote(l))
}

// Handle passes r on at its demoted level.
func (h riverHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.next.Handle(ctx, r)
}

// WithAttrs keeps the demotion for a logger with attributes.
func (h riverHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return riverHandler{h.next.WithAttrs(attrs)}
}

// WithGroup keeps the demotion for a logger with a group.
func (h riverHandler) WithGroup(name string) slog.Handler {
	return riverHandler{h.next.WithGroup(name)}
}

// errorLogger is River's error handler: it logs a job's error at WARN and a panic at ERROR, with the job's id, kind
// and attempt, and leaves the retry schedule to River. A Failure (input a person must fix) cancels the job and is
// not logged here: the person sees it on the job's status.
type errorLogger struct{ log *slog.Logger }

// HandleError logs a job's error at WARN.
func (e errorLogger) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	e.log.WarnContext(ctx, "job failed", "job_id", job.ID, "kind", job.Kind, "attempt", job.Attempt,
		"retry", job.Attempt < job.MaxAttempts, "err", err)
	return nil
}

// HandlePanic logs a job's panic at ERROR, with the stack.
func (e errorLogger) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any,
	trace string) *river.ErrorHandlerResult {
	e.log.ErrorContext(ctx, "job panicked", "job_id", job.ID, "kind", job.Kind, "attempt", job.Attempt,
		"retry", job.Attempt < job.MaxAttempts, "panic", fmt.Sprint(panicVal), "trace", trace)
	return nil
}
