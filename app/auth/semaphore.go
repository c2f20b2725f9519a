package auth

import (
	"context"
	"runtime"
	"sync/atomic"
)

// Semaphore bounds how many password hashes run at once. Each argon2id call allocates its whole memory cost
// (19 MiB by default) for as long as it runs, and hashes beyond the number of cores only share the same CPUs
// more slowly, so a burst of logins is served as fast with a few slots as with one per caller, in a fraction of
// the memory. Callers beyond the bound wait their turn.
type Semaphore struct {
	slots   chan struct{}
	waiting atomic.Int64
}

// NewSemaphore returns a Semaphore with n slots; n < 1 means one per usable CPU (runtime.GOMAXPROCS).
func NewSemaphore(n int) *Semaphore {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return &Semaphore{slots: make(chan struct{}, n)}
}

// Size is the number of slots.
func (s *Semaphore) Size() int { return cap(s.slots) }

// Waiting is the number of callers waiting in Acquire now.
func (s *Semaphore) Waiting() int { return int(s.waiting.Load()) }

// Acquire takes a slot, waiting while all are taken. If ctx ends first (or has already ended) it returns
// ctx.Err() and holds nothing; otherwise the caller must Release the slot.
func (s *Semaphore) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release gives back a slot taken by Acquire.
func (s *Semaphore) Release() { <-s.slots }
