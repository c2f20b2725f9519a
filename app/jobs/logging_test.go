package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"fieldbase/db"
	"fieldbase/db/dbtest"
)

// lockedBuffer is a log destination that River's goroutines may write to at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRiverHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		level slog.Level // of the server's handler
		in    slog.Level // of River's record
		want  string     // the level written, "" for nothing
	}{
		{"InfoBecomesDebug", slog.LevelDebug, slog.LevelInfo, "level=DEBUG"},
		{"InfoHiddenAtInfo", slog.LevelInfo, slog.LevelInfo, ""},
		{"DebugStaysDebug", slog.LevelDebug, slog.LevelDebug, "level=DEBUG"},
		{"WarnStaysWarn", slog.LevelInfo, slog.LevelWarn, "level=WARN"},
		{"ErrorStaysError", slog.LevelWarn, slog.LevelError, "level=ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			next := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level})
			log := slog.New(riverHandler{next}).With("component", "jobs").WithGroup("g")
			log.Log(context.Background(), tt.in, "a line", "k", 1)
			out := buf.String()
			if enabled := log.Enabled(context.Background(), tt.in); enabled != (tt.want != "") {
				t.Errorf("Enabled(%s) = %v", tt.in, enabled)
			}
			if tt.want == "" {
				if out != "" {
					t.Fatalf("wrote %q, want nothing", out)
				}
				return
			}
			for _, w := range []string{tt.want, "component=jobs", "g.k=1"} {
				if !strings.Contains(out, w) {
					t.Errorf("%q lacks %q", out, w)
				}
			}
		})
	}
}

// TestRiverQuietAtInfo runs a job on a real River client whose logger writes at INFO: River's routine lines
// (client started and stopped, job counts) must not appear, while a job's error is logged at WARN.
func TestRiverQuietAtInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := dbtest.Open(t, db.Options{})
	if err := Migrate(ctx, store); err != nil {
		t.Fatal(err)
	}
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	j, err := New(store, Options{Workers: 1, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := j.Insert(ctx, MaintenanceArgs{})
	if err != nil {
		t.Fatal(err)
	}
	waitCompleted(t, j, id)
	if err := j.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "level=INFO") {
			t.Errorf("River logged at INFO: %s", line)
		}
	}
	errorLogger{log}.HandleError(ctx, &rivertype.JobRow{ID: 7, Kind: "export_submissions", Attempt: 1,
		MaxAttempts: 25}, errors.New("disk full"))
	if out := buf.String(); !strings.Contains(out, `level=WARN msg="job failed" job_id=7`) ||
		!strings.Contains(out, `err="disk full"`) {
		t.Errorf("a job's error is not logged at WARN: %s", out)
	}
}

// waitCompleted polls the job's state until it is completed (or the test's deadline passes).
func waitCompleted(t *testing.T, j *Jobs, id int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := j.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == string(rivertype.JobStateCompleted) {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not a correctness wait
	}
	t.Fatalf("job %d did not complete", id)
}
