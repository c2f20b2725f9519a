package auth

import (
	"container/list"
	"strings"
	"sync"
	"time"
)

// MaxLimiterKeys caps how many keys a Limiter tracks. Past it, the oldest
// entry is dropped, so spraying usernames or addresses cannot grow memory
// without bound; the per-address key still slows such a spray down.
const MaxLimiterKeys = 10_000

// Limiter counts failed logins per key (a client address or a username) and
// refuses a key that failed maxFailures times within one window, counted
// from its first failure. It is safe for concurrent use.
type Limiter struct {
	maxFailures int
	window      time.Duration
	now         func() time.Time
	maxKeys     int

	mu      sync.Mutex
	entries map[string]*list.Element // of *failures
	order   *list.List               // oldest window first
}

type failures struct {
	key   string
	count int
	start time.Time
}

// NewLimiter returns a Limiter allowing maxFailures failed attempts per key
// within window, reading time from now (time.Now when nil). It panics if
// maxFailures < 1 or window <= 0, which are programming errors.
func NewLimiter(maxFailures int, window time.Duration, now func() time.Time) *Limiter {
	if maxFailures < 1 || window <= 0 {
		panic("auth: NewLimiter needs maxFailures >= 1 and a positive window")
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		maxFailures: maxFailures,
		window:      window,
		now:         now,
		maxKeys:     MaxLimiterKeys,
		entries:     make(map[string]*list.Element),
		order:       list.New(),
	}
}

// Allow reports whether key may try to log in now; when it may not,
// retryAfter is how long until its window ends.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.prune(now)
	el, found := l.entries[key]
	if !found {
		return true, 0
	}
	f := el.Value.(*failures)
	if f.count < l.maxFailures {
		return true, 0
	}
	return false, f.start.Add(l.window).Sub(now)
}

// Fail records a failed login for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.prune(now)
	if el, found := l.entries[key]; found {
		el.Value.(*failures).count++
		return
	}
	for len(l.entries) >= l.maxKeys {
		l.remove(l.order.Front())
	}
	// Clone: the key may alias a request buffer the server reuses.
	key = strings.Clone(key)
	l.entries[key] = l.order.PushBack(&failures{key: key, count: 1, start: now})
}

// Reset forgets key's failures, after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, found := l.entries[key]; found {
		l.remove(el)
	}
}

// prune drops entries whose window has ended. Entries are kept in order of
// their window's start, so the ended ones are all at the front.
func (l *Limiter) prune(now time.Time) {
	for el := l.order.Front(); el != nil; el = l.order.Front() {
		if now.Before(el.Value.(*failures).start.Add(l.window)) {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.entries, el.Value.(*failures).key)
	l.order.Remove(el)
}

// size returns how many keys are tracked, for tests.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
