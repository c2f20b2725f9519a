package app

import (
	"sync"
	"time"
)

// credCache remembers recently used credentials (by the hash of their secret) so that an authenticated request
// costs no database read. Every change that can take access away (revoking a credential, disabling a user,
// changing a password or a role) goes through this process and forgets the affected entries first; entries also
// expire after a minute, which bounds how long a change made by another process (the CLI) takes to show.
type credCache struct {
	mu      sync.Mutex
	entries map[string]*cachedCred
	max     int
}

type cachedCred struct {
	p        Principal
	expires  time.Time // the credential's own expiry, or a minute after caching, whichever is first
	lastUsed time.Time
}

const credCacheTTL = time.Minute

func newCredCache(max int) *credCache {
	return &credCache{entries: map[string]*cachedCred{}, max: max}
}

// get returns a copy of the cached principal for hash, if fresh.
func (c *credCache) get(hash string, now time.Time) (Principal, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.expires) {
		delete(c.entries, hash)
		return Principal{}, time.Time{}, false
	}
	return e.p, e.lastUsed, true
}

// put caches a principal until expires (capped at credCacheTTL from now).
func (c *credCache) put(hash string, p Principal, expires, lastUsed, now time.Time) {
	if cap := now.Add(credCacheTTL); expires.After(cap) {
		expires = cap
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// A full cache is emptied rather than tracked entry by entry: it refills from the database in a minute.
		c.entries = map[string]*cachedCred{}
	}
	c.entries[hash] = &cachedCred{p: p, expires: expires, lastUsed: lastUsed}
}

// used records a last_used_at write, so the next one waits another interval.
func (c *credCache) used(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.lastUsed = at
	}
}

// forgetUser drops every entry of a user (disabled, password changed, promoted or demoted).
func (c *credCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.entries {
		if e.p.UserID == userID {
			delete(c.entries, h)
		}
	}
}

// forgetCredential drops the entry of one session or token.
func (c *credCache) forgetCredential(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.entries {
		if e.p.SessionID == id {
			delete(c.entries, h)
		}
	}
}
