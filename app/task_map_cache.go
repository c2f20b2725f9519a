package app

import (
	"container/list"
	"sync"
)

// taskMapBytes is the default budget of the task map cache: the bodies (plain and gzipped) of some thousand
// ordinary projects, or of a few very large ones.
const taskMapBytes = 64 << 20

// taskMapCache keeps the last tasks.geojson built for each project, keyed by the tasks' revision, so that a busy
// map costs one small query per request instead of rebuilding megabytes. It holds at most its budget of bytes
// and evicts the least recently used project first. The zero value is ready, with the default budget.
type taskMapCache struct {
	mu     sync.Mutex
	budget int64 // 0 means taskMapBytes
	used   int64
	lru    list.List // of *taskMapEntry, the most recently used first
	byID   map[int64]*list.Element
}

// taskMap is one project's map at one revision: the GeoJSON as built, and gzipped once a client asked for it.
type taskMap struct {
	rev  string
	body []byte
	gz   []byte // nil until a client that accepts gzip asks
}

type taskMapEntry struct {
	id int64
	taskMap
}

// size is what an entry costs the budget: its bytes and a little for the bookkeeping.
func (m taskMap) size() int64 { return int64(len(m.rev)+len(m.body)+len(m.gz)) + 128 }

func (c *taskMapCache) limit() int64 {
	if c.budget > 0 {
		return c.budget
	}
	return taskMapBytes
}

// get returns the project's map when the cache holds it at revision rev, and marks it recently used.
func (c *taskMapCache) get(id int64, rev string) (taskMap, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[id]
	if !ok {
		return taskMap{}, false
	}
	e := el.Value.(*taskMapEntry)
	if e.rev != rev {
		return taskMap{}, false
	}
	c.lru.MoveToFront(el)
	return e.taskMap, true
}

// put stores the project's map, replacing any other revision, then evicts the least recently used maps until
// the cache is within its budget. A map larger than the whole budget is not kept.
func (c *taskMapCache) put(id int64, m taskMap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[int64]*list.Element{}
	}
	if el, ok := c.byID[id]; ok {
		c.remove(el)
	}
	if m.size() > c.limit() {
		return
	}
	c.byID[id] = c.lru.PushFront(&taskMapEntry{id: id, taskMap: m})
	c.used += m.size()
	for c.used > c.limit() {
		c.remove(c.lru.Back())
	}
}

func (c *taskMapCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*taskMapEntry)
	delete(c.byID, e.id)
	c.used -= e.size()
}

// bytes is what the cached maps cost the budget now.
func (c *taskMapCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
