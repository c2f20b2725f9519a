package collect

import (
	"container/list"
	"sync"

	"fieldbase/app/openrosa"
)

// formCache keeps the most recently used parsed form versions (a forms row never changes, so its parse can be
// kept), at most max of them.
type formCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *formEntry, most recently used first
	byRow map[int64]*list.Element
}

type formEntry struct {
	row  int64
	form *openrosa.Form
}

func newFormCache(max int) *formCache {
	return &formCache{max: max, order: list.New(), byRow: map[int64]*list.Element{}}
}

func (c *formCache) get(row int64) (*openrosa.Form, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byRow[row]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*formEntry).form, true
}

func (c *formCache) put(row int64, f *openrosa.Form) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byRow[row]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.byRow[row] = c.order.PushFront(&formEntry{row: row, form: f})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byRow, last.Value.(*formEntry).row)
	}
}

func (c *formCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
