package app

import (
	"context"
	"sync"
)

// background tracks short work that a request starts and does not wait for (recording a credential's use), so
// that Shutdown can wait for it: nothing it starts touches the store after the App has stopped.
type background struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and orders wg.Add before stop's wg.Wait
	closed bool
	wg     sync.WaitGroup
}

func newBackground() *background {
	ctx, cancel := context.WithCancel(context.Background())
	return &background{ctx: ctx, cancel: cancel}
}

// run starts fn in a goroutine with a context that ends when stop gives up waiting. After stop it starts nothing
// and reports false. fn must return promptly once its context ends.
func (b *background) run(fn func(ctx context.Context)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn(b.ctx)
	}()
	return true
}

// stop refuses new work and waits for the running work to finish. If ctx ends first, it cancels the work's
// context and still waits for it to return, so that when stop returns no work is left; it then returns ctx's
// error. stop may be called more than once.
func (b *background) stop(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	defer b.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	b.cancel()
	<-done
	return ctx.Err()
}
