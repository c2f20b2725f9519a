package storage

import "sync"

// dirSyncer shares directory fsyncs among concurrent commits, as a database shares a commit among concurrent
// writes: a caller that renamed a file into a directory needs an fsync of that directory that starts after its
// rename. When one is already running, the callers that arrive meanwhile wait for it to end and then share the
// next one, so fifty uploads landing at once pay for two fsyncs instead of fifty.
type dirSyncer struct {
	mu   sync.Mutex
	dirs map[string]*dirSync
}

type dirSync struct {
	cond     *sync.Cond
	started  uint64 // fsyncs started
	finished uint64 // fsyncs ended (they run one at a time)
	errs     map[uint64]error
	waiters  int
}

// sync returns once an fsync of dir that started after the call has succeeded, or with its error.
func (d *dirSyncer) sync(dir string) error {
	d.mu.Lock()
	if d.dirs == nil {
		d.dirs = map[string]*dirSync{}
	}
	ds := d.dirs[dir]
	if ds == nil {
		ds = &dirSync{cond: sync.NewCond(&d.mu), errs: map[uint64]error{}}
		d.dirs[dir] = ds
	}
	// A running fsync may have read the directory before this caller's rename: only the next one counts.
	want := ds.started + 1
	ds.waiters++
	for ds.finished < want {
		if ds.started == ds.finished { // none running: run it, for everyone waiting
			ds.started++
			n := ds.started
			d.mu.Unlock()
			err := syncDir(dir)
			d.mu.Lock()
			ds.finished = n
			if err != nil {
				ds.errs[n] = err
			}
			ds.cond.Broadcast()
			continue
		}
		ds.cond.Wait()
	}
	err := ds.errs[want]
	ds.waiters--
	if ds.waiters == 0 {
		// Nobody is waiting on this directory: forget it, so the map holds only directories in use.
		delete(d.dirs, dir)
	}
	d.mu.Unlock()
	return err
}
