// Package live fans a project's live updates (a task changed, a submission arrived, a job moved on) out to the
// open event streams of that project. It is the bottom of the operations layer: the task, ingest and job
// operations publish here, the HTTP stream subscribes. It must not import fiber, huma or any other app package.
package live

import (
	"container/list"
	"encoding/json"
	"sync"
	"time"
)

// Event is one live update of a project. Data is the JSON payload the browser receives.
type Event struct {
	ID   int64
	Kind string
	Data []byte
}

// Event kinds sent on a project's stream.
const (
	KindTask       = "task"
	KindJob        = "job"
	KindSubmission = "submission"
	// KindResync tells a client that it missed events (it was too slow, or reconnected after they left the
	// buffer, or the server restarted) and must reload what it shows.
	KindResync = "resync"
)

// Limits: events kept per project for reconnects, events queued per subscriber before it is dropped, and the
// projects without subscribers whose recent events are kept.
const (
	RingSize       = 256
	SubBuffer      = 64
	MaxIdleTopics  = 256
	HeartbeatEvery = 15 * time.Second
)

// Broker fans events out to the open streams of each project. Publishing never blocks: a subscriber whose
// queue is full is dropped (its channel closed) and resynchronises when it reconnects. Event ids increase
// across projects and across restarts (they start at the boot time in microseconds), so a Last-Event-ID from
// before a restart is recognised as stale.
//
// A project's topic lives while it has subscribers; after the last one leaves it is kept (for reconnects) among
// at most MaxIdleTopics idle topics, the least recently used forgotten first. A client coming back to a
// forgotten topic is told to resync.
type Broker struct {
	mu     sync.Mutex
	base   int64 // first id of this boot
	next   int64
	topics map[int64]*topic
	idle   *list.List // of project ids whose topic has no subscriber, least recently used first
	done   chan struct{}
	closed bool
	// Heartbeat is how often idle streams get a comment line.
	Heartbeat time.Duration
}

// topic is one project's subscribers and its recent events.
type topic struct {
	subs    map[*Subscription]struct{}
	ring    []Event // oldest first, at most RingSize
	evicted int64   // the newest id that is not in the ring (left it, or came before the topic)
	idle    *list.Element
}

// Subscription is one open stream. C is closed when the broker drops it (too slow) or closes.
type Subscription struct {
	project int64
	ch      chan Event
}

// C is the channel the subscription's events arrive on; it is closed when the subscription ends.
func (s *Subscription) C() <-chan Event { return s.ch }

// NewBroker returns a broker whose event ids start at the current time in microseconds.
func NewBroker() *Broker {
	base := time.Now().UnixMicro()
	return &Broker{base: base, next: base, topics: map[int64]*topic{}, idle: list.New(),
		done: make(chan struct{}), Heartbeat: HeartbeatEvery}
}

// topic returns the project's topic, creating it (idle) if needed. Caller holds mu.
func (b *Broker) topic(project int64) *topic {
	t := b.topics[project]
	if t == nil {
		t = &topic{subs: map[*Subscription]struct{}{}, evicted: b.next - 1}
		b.topics[project] = t
		b.markIdle(project, t)
	}
	return t
}

// markIdle puts a topic without subscribers at the back of the idle list and forgets the oldest idle topics
// beyond MaxIdleTopics. Caller holds mu.
func (b *Broker) markIdle(project int64, t *topic) {
	if t.idle != nil {
		b.idle.MoveToBack(t.idle)
	} else {
		t.idle = b.idle.PushBack(project)
	}
	for b.idle.Len() > MaxIdleTopics {
		oldest := b.idle.Front()
		b.idle.Remove(oldest)
		delete(b.topics, oldest.Value.(int64))
	}
}

// Publish sends an event to the project's subscribers and keeps it for reconnects. It returns the event id (0
// once the broker is closed).
func (b *Broker) Publish(project int64, kind string, data []byte) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0
	}
	ev := Event{ID: b.next, Kind: kind, Data: data}
	t := b.topic(project)
	b.next++
	if len(t.ring) == RingSize {
		t.evicted = t.ring[0].ID
		t.ring = append(t.ring[:0], t.ring[1:]...)
	}
	t.ring = append(t.ring, ev)
	if t.idle != nil {
		b.idle.MoveToBack(t.idle)
	}
	for s := range t.subs {
		select {
		case s.ch <- ev:
		default: // too slow: drop it rather than hold up everyone else
			b.drop(project, t, s)
		}
	}
	return ev.ID
}

// PublishJSON publishes v marshalled as JSON.
func (b *Broker) PublishJSON(project int64, kind string, v any) int64 {
	data, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return b.Publish(project, kind, data)
}

// Subscribe opens a subscription to a project. lastID is the client's Last-Event-ID (0 for a fresh stream):
// the events after it that are still kept come back as backlog, and resync reports that some were lost.
func (b *Broker) Subscribe(project, lastID int64) (s *Subscription, backlog []Event, resync bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s = &Subscription{project: project, ch: make(chan Event, SubBuffer)}
	if b.closed {
		close(s.ch)
		return s, nil, false
	}
	t := b.topic(project)
	if t.idle != nil {
		b.idle.Remove(t.idle)
		t.idle = nil
	}
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

// Unsubscribe ends a subscription (a no-op when it was dropped already).
func (b *Broker) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.topics[s.project]; t != nil {
		if _, ok := t.subs[s]; ok {
			b.drop(s.project, t, s)
		}
	}
}

// drop removes a subscriber and closes its channel; the topic turns idle with its last subscriber. Caller
// holds mu.
func (b *Broker) drop(project int64, t *topic, s *Subscription) {
	delete(t.subs, s)
	close(s.ch)
	if len(t.subs) == 0 {
		b.markIdle(project, t)
	}
}

// LastID is the id of the newest event published (base-1 before the first).
func (b *Broker) LastID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.next - 1
}

// Subscribers counts a project's open subscriptions.
func (b *Broker) Subscribers(project int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.topics[project]; t != nil {
		return len(t.subs)
	}
	return 0
}

// AllSubscribers counts the open subscriptions across all projects.
func (b *Broker) AllSubscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, t := range b.topics {
		n += len(t.subs)
	}
	return n
}

// Topics counts the projects the broker keeps anything for (subscribers or recent events).
func (b *Broker) Topics() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.topics)
}

// Done is closed when the broker closes.
func (b *Broker) Done() <-chan struct{} { return b.done }

// Close ends every subscription, so that open streams finish and a graceful shutdown does not wait for them.
// Publishing after Close does nothing.
func (b *Broker) Close() {
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
