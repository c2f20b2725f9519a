package app

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is one live update of a project: a task changed, a submission arrived, a job moved on. Data is the
// JSON payload the browser receives.
type Event struct {
	ID   int64
	Kind string
	Data []byte
}

// Event kinds sent on a project's stream.
const (
	eventTask       = "task"
	eventJob        = "job"
	eventSubmission = "submission"
	// eventResync tells a client that it missed events (it was too slow, or reconnected after they left the
	// buffer, or the server restarted) and must reload what it shows.
	eventResync = "resync"
)

// Broker limits: events kept per project for reconnects, and events queued per subscriber before it is dropped.
const (
	ringSize  = 256
	subBuffer = 64
)

// broker fans events out to the open streams of each project. Publishing never blocks: a subscriber whose
// queue is full is dropped (its channel closed) and resynchronises when it reconnects. Event ids increase
// across projects and across restarts (they start at the boot time in microseconds), so a Last-Event-ID from
// before a restart is recognised as stale.
type broker struct {
	mu     sync.Mutex
	base   int64 // first id of this boot
	next   int64
	topics map[int64]*topic
	done   chan struct{}
	closed bool
	// heartbeat is how often idle streams get a comment line.
	heartbeat time.Duration
}

// topic is one project's subscribers and its recent events.
type topic struct {
	subs    map[*subscription]struct{}
	ring    []Event // oldest first, at most ringSize
	evicted int64   // the newest id that left the ring
}

// subscription is one open stream. ch is closed when the broker drops it (too slow) or closes.
type subscription struct {
	project int64
	ch      chan Event
}

func newBroker() *broker {
	base := time.Now().UnixMicro()
	return &broker{base: base, next: base, topics: map[int64]*topic{}, done: make(chan struct{}),
		heartbeat: heartbeatEvery}
}

func (b *broker) topic(project int64) *topic {
	t := b.topics[project]
	if t == nil {
		t = &topic{subs: map[*subscription]struct{}{}}
		b.topics[project] = t
	}
	return t
}

// publish sends an event to the project's subscribers and keeps it for reconnects. It returns the event id.
func (b *broker) publish(project int64, kind string, data []byte) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0
	}
	ev := Event{ID: b.next, Kind: kind, Data: data}
	b.next++
	t := b.topic(project)
	if len(t.ring) == ringSize {
		t.evicted = t.ring[0].ID
		t.ring = append(t.ring[:0], t.ring[1:]...)
	}
	t.ring = append(t.ring, ev)
	for s := range t.subs {
		select {
		case s.ch <- ev:
		default: // too slow: drop it rather than hold up everyone else
			delete(t.subs, s)
			close(s.ch)
		}
	}
	return ev.ID
}

// publishJSON publishes v marshalled as JSON.
func (b *broker) publishJSON(project int64, kind string, v any) int64 {
	data, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return b.publish(project, kind, data)
}

// subscribe opens a subscription to a project. lastID is the client's Last-Event-ID (0 for a fresh stream):
// the events after it that are still kept come back as backlog, and resync reports that some were lost.
func (b *broker) subscribe(project, lastID int64) (s *subscription, backlog []Event, resync bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s = &subscription{project: project, ch: make(chan Event, subBuffer)}
	if b.closed {
		close(s.ch)
		return s, nil, false
	}
	t := b.topic(project)
	t.subs[s] = struct{}{}
	if lastID <= 0 {
		return s, nil, false
	}
	if lastID < b.base-1 || lastID >= b.next || lastID < t.evicted {
		return s, nil, true
	}
	for _, ev := range t.ring {
		if ev.ID > lastID {
			backlog = append(backlog, ev)
		}
	}
	return s, backlog, false
}

// unsubscribe ends a subscription (a no-op when it was dropped already).
func (b *broker) unsubscribe(s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[s.project]
	if t == nil {
		return
	}
	if _, ok := t.subs[s]; ok {
		delete(t.subs, s)
		close(s.ch)
	}
	if len(t.subs) == 0 && len(t.ring) == 0 {
		delete(b.topics, s.project)
	}
}

// lastID is the id of the newest event published (base-1 before the first).
func (b *broker) lastID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.next - 1
}

// subscribers counts a project's open subscriptions.
func (b *broker) subscribers(project int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.topics[project]; t != nil {
		return len(t.subs)
	}
	return 0
}

// close ends every subscription, so that open streams finish and a graceful shutdown does not wait for them.
func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	close(b.done)
	for _, t := range b.topics {
		for s := range t.subs {
			close(s.ch)
		}
		t.subs = nil
	}
}
