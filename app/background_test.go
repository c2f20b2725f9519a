package app

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"fieldbase/app/auth"
)

func TestBackground(t *testing.T) {
	t.Parallel()
	t.Run("OKStopWaitsForWork", func(t *testing.T) {
		b := newBackground()
		var finished atomic.Bool
		release := make(chan struct{})
		b.run(func(context.Context) { <-release; finished.Store(true) })
		stopped := make(chan error, 1)
		go func() { stopped <- b.stop(context.Background()) }()
		close(release)
		if err := <-stopped; err != nil || !finished.Load() {
			t.Fatalf("stop = %v, work finished = %v", err, finished.Load())
		}
	})
	t.Run("ErrStopCancelsWorkAndStillWaits", func(t *testing.T) {
		b := newBackground()
		var finished atomic.Bool
		b.run(func(ctx context.Context) { <-ctx.Done(); finished.Store(true) })
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := b.stop(ctx); !errors.Is(err, context.Canceled) || !finished.Load() {
			t.Fatalf("stop = %v, work finished = %v", err, finished.Load())
		}
	})
	t.Run("OKNothingStartsAfterStop", func(t *testing.T) {
		b := newBackground()
		if err := b.stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if b.run(func(context.Context) { t.Error("work ran after stop") }) {
			t.Fatal("run accepted work after stop")
		}
		if err := b.stop(context.Background()); err != nil {
			t.Fatalf("second stop: %v", err)
		}
	})
}

// TestShutdownWaitsForCredentialTouch checks that a credential use recorded in the background after a request is
// written before Shutdown returns, so the store can be closed right after (run.go's order).
func TestShutdownWaitsForCredentialTouch(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	_, token := ta.newUser(t, "tim", false)
	cred, _, err := ta.store.Authenticate(ctx, auth.HashToken(token), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if err := ta.store.TouchCredential(ctx, cred.ID, long); err != nil { // due for a touch on its next use
		t.Fatal(err)
	}
	// Hold the writer so the touch the request starts cannot be written before Shutdown is called.
	held, release, written := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		written <- ta.store.Write(ctx, func(context.Context, *sql.Tx) error { close(held); <-release; return nil })
	}()
	<-held
	if resp, body := ta.do(t, jsonReq("GET", "/api/v1/users/me", "", token)); resp.StatusCode != http.StatusOK {
		t.Fatalf("users/me: %d %s", resp.StatusCode, body)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- ta.Shutdown(ctx) }()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	after, _, err := ta.store.Authenticate(ctx, auth.HashToken(token), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !after.LastUsedAt.After(long) {
		t.Fatalf("last_used_at %v when Shutdown returned: the touch was still in flight", after.LastUsedAt)
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
}
