package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLimiterWindow(t *testing.T) {
	t.Parallel()
	// Each step advances the clock, records failures, then checks Allow.
	type step struct {
		advance   time.Duration
		fails     int
		reset     bool
		wantOK    bool
		wantRetry time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"OK_BelowLimit", []step{{0, 2, false, true, 0}}},
		{"Blocked_AtLimit", []step{{0, 3, false, false, 15 * time.Minute}}},
		{"Blocked_RetryShrinks", []step{{0, 1, false, true, 0}, {5 * time.Minute, 2, false, false, 10 * time.Minute}, {4 * time.Minute, 0, false, false, 6 * time.Minute}}},
		{"OK_AfterWindow", []step{{0, 3, false, false, 15 * time.Minute}, {15 * time.Minute, 0, false, true, 0}}},
		{"OK_WindowRestartsAfterEnd", []step{{0, 2, false, true, 0}, {16 * time.Minute, 2, false, true, 0}, {time.Minute, 1, false, false, 14 * time.Minute}}},
		{"OK_AfterReset", []step{{0, 5, false, false, 15 * time.Minute}, {time.Minute, 0, true, true, 0}, {0, 2, false, true, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			l := NewLimiter(3, 15*time.Minute, clock.Now)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				for range s.fails {
					l.Fail("user:alice")
				}
				if s.reset {
					l.Reset("user:alice")
				}
				ok, retry := l.Allow("user:alice")
				if ok != s.wantOK || retry != s.wantRetry {
					t.Fatalf("step %d: Allow = %v, %v; want %v, %v", i, ok, retry, s.wantOK, s.wantRetry)
				}
				if other, _ := l.Allow("ip:192.0.2.1"); !other {
					t.Fatalf("step %d: an untouched key is blocked", i)
				}
			}
		})
	}
}

func TestLimiterPrunesEndedWindows(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	l := NewLimiter(3, time.Minute, clock.Now)
	for i := range 50 {
		l.Fail(fmt.Sprintf("user:%d", i))
	}
	clock.Advance(30 * time.Second)
	l.Fail("user:late")
	clock.Advance(30 * time.Second)
	l.Allow("anyone")
	if got := l.size(); got != 1 {
		t.Fatalf("tracked keys = %d after the early windows ended, want 1", got)
	}
}

func TestLimiterEvictsOldest(t *testing.T) {
	t.Parallel()
	t.Run("OK_OldestForgotten", func(t *testing.T) {
		t.Parallel()
		clock := newFakeClock()
		l := NewLimiter(1, time.Hour, clock.Now)
		l.maxKeys = 5
		for i := range 6 {
			l.Fail(fmt.Sprintf("k%d", i))
			clock.Advance(time.Second)
		}
		if got := l.size(); got != 5 {
			t.Fatalf("tracked keys = %d, want cap 5", got)
		}
		if ok, _ := l.Allow("k0"); !ok {
			t.Fatal("k0 still blocked, want it evicted as the oldest")
		}
		for i := 1; i < 6; i++ {
			if ok, _ := l.Allow(fmt.Sprintf("k%d", i)); ok {
				t.Fatalf("k%d allowed, want still blocked", i)
			}
		}
	})
	t.Run("OK_SprayBoundedByDefaultCap", func(t *testing.T) {
		t.Parallel()
		l := NewLimiter(5, time.Hour, newFakeClock().Now)
		for i := range 3 * MaxLimiterKeys {
			l.Fail(fmt.Sprintf("user:spray%d", i))
		}
		if got := l.size(); got != MaxLimiterKeys {
			t.Fatalf("tracked keys = %d, want %d", got, MaxLimiterKeys)
		}
	})
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 8, 50
	clock := newFakeClock()
	l := NewLimiter(workers*perWorker, time.Hour, clock.Now)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				l.Fail("ip:198.51.100.7")
				l.Allow("ip:198.51.100.7")
				l.Fail(fmt.Sprintf("user:w%d-%d", w, i))
				l.Reset(fmt.Sprintf("user:w%d-%d", w, i))
			}
		})
	}
	wg.Wait()
	if ok, retry := l.Allow("ip:198.51.100.7"); ok || retry != time.Hour {
		t.Fatalf("Allow = %v, %v after %d failures; want blocked for 1h", ok, retry, workers*perWorker)
	}
	if got := l.size(); got != 1 {
		t.Fatalf("tracked keys = %d, want 1 (the reset users forgotten)", got)
	}
}

func TestNewLimiterPanicsOnNonsense(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		max    int
		window time.Duration
	}{
		{"Panic_ZeroFailures", 0, time.Minute},
		{"Panic_ZeroWindow", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Fatal("NewLimiter did not panic")
				}
			}()
			NewLimiter(tt.max, tt.window, nil)
		})
	}
}
