package auth

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestSemaphore(t *testing.T) {
	t.Parallel()
	t.Run("SizeDefaultsToGOMAXPROCS", func(t *testing.T) {
		for _, n := range []int{-1, 0} {
			if got := NewSemaphore(n).Size(); got != runtime.GOMAXPROCS(0) {
				t.Errorf("NewSemaphore(%d).Size() = %d, want GOMAXPROCS %d", n, got, runtime.GOMAXPROCS(0))
			}
		}
		if got := NewSemaphore(3).Size(); got != 3 {
			t.Errorf("NewSemaphore(3).Size() = %d", got)
		}
	})
	t.Run("OKReleaseFreesASlot", func(t *testing.T) {
		s := NewSemaphore(2)
		for i := range 2 {
			if err := s.Acquire(context.Background()); err != nil {
				t.Fatalf("acquire %d: %v", i, err)
			}
		}
		s.Release()
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatalf("acquire after release: %v", err)
		}
	})
	t.Run("ErrEndedContextTakesNothing", func(t *testing.T) {
		s := NewSemaphore(1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Acquire(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("acquire with an ended context: %v", err)
		}
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatalf("the refused caller kept the slot: %v", err)
		}
	})
	t.Run("ErrWaiterCancelled", func(t *testing.T) {
		s := NewSemaphore(1)
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() { got <- s.Acquire(ctx) }()
		waitUntil(t, func() bool { return s.Waiting() == 1 })
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled waiter: %v", err)
		}
		if s.Waiting() != 0 {
			t.Fatalf("Waiting() = %d after the waiter left", s.Waiting())
		}
		s.Release()
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatalf("the cancelled waiter kept a slot: %v", err)
		}
	})
	t.Run("OKWaiterGetsReleasedSlot", func(t *testing.T) {
		s := NewSemaphore(1)
		if err := s.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		go func() { got <- s.Acquire(context.Background()) }()
		waitUntil(t, func() bool { return s.Waiting() == 1 })
		s.Release()
		if err := <-got; err != nil {
			t.Fatalf("waiter: %v", err)
		}
	})
}

// waitUntil polls cond until it holds, failing the test after 10 seconds.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
