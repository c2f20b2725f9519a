package app

import (
	"container/list"
	"context"
	"net/http"
	"sync"

	"fieldbase/app/tiles"
	"fieldbase/db"
)

// maxOpenMBTiles bounds the MBTiles files kept open for tile serving. Each is an SQLite database with its own
// connections and page cache; a map shows one basemap at a time, so a few cover every active user.
const maxOpenMBTiles = 16

// errBasemapsClosed answers a tile read that arrives after shutdown began.
var errBasemapsClosed = errorf(http.StatusServiceUnavailable, "the server is shutting down")

// mbtilesHandles keeps the MBTiles files of the most recently read basemaps open, at most max of them. The
// least recently used is evicted first; a file still read by a request when it is evicted (or forgotten, or at
// shutdown) is closed when that request releases it, so the count of open files exceeds max only by the files
// in use at that moment.
type mbtilesHandles struct {
	max  int
	open func(db.Basemap) (*tiles.MBTilesFile, error)

	mu     sync.Mutex
	lru    list.List // of *mbtilesHandle, the most recently used first
	byID   map[int64]*list.Element
	files  int // open files: the cached ones and the evicted ones still in use
	closed bool
}

// mbtilesHandle is one open MBTiles file and the requests using it.
type mbtilesHandle struct {
	id   int64
	file *tiles.MBTilesFile
	refs int
	gone bool // no longer cached: closed by the last release
}

func newMBTilesHandles(limit int, open func(db.Basemap) (*tiles.MBTilesFile, error)) *mbtilesHandles {
	return &mbtilesHandles{max: limit, open: open, byID: map[int64]*list.Element{}}
}

// tile reads one tile of a basemap, opening its file when it is not open.
func (hs *mbtilesHandles) tile(ctx context.Context, b db.Basemap, z, x, y int) ([]byte, error) {
	h, err := hs.acquire(b)
	if err != nil {
		return nil, err
	}
	defer hs.release(h)
	return h.file.Tile(ctx, z, x, y)
}

// acquire returns the basemap's open file, counted as in use until release, and evicts the least recently used
// files beyond max.
func (hs *mbtilesHandles) acquire(b db.Basemap) (*mbtilesHandle, error) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return nil, errBasemapsClosed
	}
	if el, ok := hs.byID[b.ID]; ok {
		hs.lru.MoveToFront(el)
		h := el.Value.(*mbtilesHandle)
		h.refs++
		return h, nil
	}
	f, err := hs.open(b) // cheap: the database is opened lazily, by the first query
	if err != nil {
		return nil, err
	}
	h := &mbtilesHandle{id: b.ID, file: f, refs: 1}
	hs.byID[b.ID] = hs.lru.PushFront(h)
	hs.files++
	for hs.lru.Len() > hs.max {
		hs.dropLocked(hs.lru.Back())
	}
	return h, nil
}

// release ends a request's use of a file, closing it if it was dropped meanwhile.
func (hs *mbtilesHandles) release(h *mbtilesHandle) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h.refs--
	if h.gone && h.refs == 0 {
		hs.closeLocked(h)
	}
}

// forget drops the file of a deleted basemap.
func (hs *mbtilesHandles) forget(id int64) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if el, ok := hs.byID[id]; ok {
		hs.dropLocked(el)
	}
}

// close drops every file and refuses later reads; files in use close as their requests end.
func (hs *mbtilesHandles) close() {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.closed = true
	for hs.lru.Len() > 0 {
		hs.dropLocked(hs.lru.Front())
	}
}

// count is the number of open files.
func (hs *mbtilesHandles) count() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.files
}

// dropLocked takes a file out of the cache and closes it unless a request is using it.
func (hs *mbtilesHandles) dropLocked(el *list.Element) {
	h := hs.lru.Remove(el).(*mbtilesHandle)
	delete(hs.byID, h.id)
	h.gone = true
	if h.refs == 0 {
		hs.closeLocked(h)
	}
}

// closeLocked closes a file no request uses (Close returns at once: its connections are idle).
func (hs *mbtilesHandles) closeLocked(h *mbtilesHandle) {
	_ = h.file.Close()
	hs.files--
}
