package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// errClosed is returned by Write after Close.
var errClosed = errors.New("database is closed")

type writeReq struct {
	ctx  context.Context
	fn   func(context.Context, *sql.Tx) error
	err  error
	done chan struct{}
}

// writer owns the single write connection. It takes the first queued request, yields once so that requests
// arriving at the same moment can join (on 2 cores, without the yield the loop wakes for every request and
// commits one row at a time), then commits everything queued in one transaction.
type writer struct {
	s        *Store
	reqs     chan *writeReq
	quit     chan struct{}
	stopped  chan struct{}
	maxBatch int
	once     sync.Once
	mu       sync.RWMutex
	closed   bool
	batches  [len(BatchSizeBuckets)]atomic.Uint64 // committed transactions by batch size bucket
	writes   atomic.Uint64                        // writes committed in them
}

// BatchSizeBuckets are the upper bounds of the commit batch size buckets WriterStats counts in.
var BatchSizeBuckets = [...]int{1, 2, 4, 8, 16, 32, 64, 128, 256, 1 << 30}

// WriterStats is what the group-commit writer has done: writes waiting for it now, and the transactions it has
// committed, counted by how many writes each held (Batches[i] counts sizes up to BatchSizeBuckets[i] and over
// the bucket before).
type WriterStats struct {
	Queued  int
	Batches [len(BatchSizeBuckets)]uint64
	Writes  uint64 // writes committed, the sum of the batch sizes
}

// WriterStats reads the writer's queue depth and its commit batch size counts.
func (s *Store) WriterStats() WriterStats {
	if s.w == nil {
		return WriterStats{} // PostgreSQL: no group-committing writer
	}
	st := WriterStats{Queued: len(s.w.reqs), Writes: s.w.writes.Load()}
	for i := range st.Batches {
		st.Batches[i] = s.w.batches[i].Load()
	}
	return st
}

func (w *writer) countBatch(n int) {
	w.writes.Add(uint64(n))
	for i, b := range BatchSizeBuckets {
		if n <= b {
			w.batches[i].Add(1)
			return
		}
	}
}

func startWriter(s *Store, maxBatch int) *writer {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	w := &writer{s: s, reqs: make(chan *writeReq, 4*maxBatch), quit: make(chan struct{}),
		stopped: make(chan struct{}), maxBatch: maxBatch}
	go w.loop()
	return w
}

func (w *writer) do(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.reqs <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the request is always answered: a caller that gave up could otherwise not know whether its
	// write was committed.
	<-r.done
	return r.err
}

// stop refuses new writes, commits the queued ones and waits for the loop to end.
func (w *writer) stop() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.quit)
		<-w.stopped
	})
}

func (w *writer) loop() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	for {
		var first *writeReq
		select {
		case first = <-w.reqs:
		case <-w.quit:
			// No sender can be blocked any more (closed is set under the lock): drain what is queued.
			for {
				select {
				case r := <-w.reqs:
					w.commit(append(batch[:0], r))
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
		runtime.Gosched()
		batch = w.drain(batch)
		w.commit(batch)
	}
}

func (w *writer) drain(batch []*writeReq) []*writeReq {
	for len(batch) < w.maxBatch {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit runs the batch in one transaction, each request in its own savepoint, and answers every request.
func (w *writer) commit(batch []*writeReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	ctx := context.Background()
	tx, err := w.s.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	alone := len(batch) == 1
	ok := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		r.err = w.s.runOne(context.WithoutCancel(r.ctx), tx, r.fn, alone)
		if r.err == nil {
			ok++
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		for _, r := range batch {
			if r.err == nil {
				r.err = fmt.Errorf("commit: %w", mapErr(err))
			}
		}
		return
	}
	w.countBatch(ok)
}

// runOne runs one request inside a savepoint so that its failure undoes only its own changes. A lone request
// needs no savepoint: when it fails the whole transaction is rolled back.
func (s *Store) runOne(ctx context.Context, tx *sql.Tx, fn func(context.Context, *sql.Tx) error,
	alone bool) (err error) {
	if !alone {
		if _, err := s.txExec(ctx, tx, "SAVEPOINT w"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
		if alone {
			return
		}
		if err != nil {
			_, _ = s.txExec(ctx, tx, "ROLLBACK TO w")
		}
		if _, rerr := s.txExec(ctx, tx, "RELEASE w"); rerr != nil && err == nil {
			err = fmt.Errorf("release savepoint: %w", rerr)
		}
	}()
	return mapErr(fn(ctx, tx))
}
