package live

import (
	"fmt"
	"testing"
	"time"
)

func TestBroker(t *testing.T) {
	t.Parallel()
	t.Run("OK_FanOutInOrder", func(t *testing.T) {
		t.Parallel()
		b := NewBroker()
		s1, _, _ := b.Subscribe(1, 0)
		s2, _, _ := b.Subscribe(1, 0)
		other, _, _ := b.Subscribe(2, 0)
		first := b.Publish(1, KindTask, []byte(`{"n":1}`))
		second := b.Publish(1, KindTask, []byte(`{"n":2}`))
		if second <= first {
			t.Fatalf("ids not increasing: %d then %d", first, second)
		}
		for _, s := range []*Subscription{s1, s2} {
			if a, b := <-s.C(), <-s.C(); a.ID != first || b.ID != second {
				t.Fatalf("got %d, %d; want %d, %d", a.ID, b.ID, first, second)
			}
		}
		if len(other.C()) != 0 {
			t.Fatal("another project's subscriber got the event")
		}
	})
	t.Run("OK_ResumeAfterLastEventID", func(t *testing.T) {
		t.Parallel()
		b := NewBroker()
		ids := make([]int64, 5)
		for i := range ids {
			ids[i] = b.Publish(7, KindTask, []byte(fmt.Sprint(i)))
		}
		_, backlog, resync := b.Subscribe(7, ids[1])
		if resync || len(backlog) != 3 || backlog[0].ID != ids[2] || backlog[2].ID != ids[4] {
			t.Fatalf("backlog %+v resync %v", backlog, resync)
		}
	})
	t.Run("Resync_EvictedOrStale", func(t *testing.T) {
		t.Parallel()
		b := NewBroker()
		first := b.Publish(3, KindTask, nil)
		for range RingSize + 1 { // the event after first leaves the ring too
			b.Publish(3, KindTask, nil)
		}
		for name, last := range map[string]int64{"evicted": first, "before boot": b.base - 100,
			"from the future": b.LastID() + 10} {
			if _, backlog, resync := b.Subscribe(3, last); !resync || backlog != nil {
				t.Errorf("%s: resync %v backlog %d", name, resync, len(backlog))
			}
		}
		if _, backlog, resync := b.Subscribe(3, b.LastID()-1); resync || len(backlog) != 1 {
			t.Errorf("recent id: resync %v backlog %d", resync, len(backlog))
		}
	})
	t.Run("Dropped_SlowSubscriberNeverBlocks", func(t *testing.T) {
		t.Parallel()
		b := NewBroker()
		slow, _, _ := b.Subscribe(1, 0)
		fast, _, _ := b.Subscribe(1, 0)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range SubBuffer * 3 {
				b.Publish(1, KindTask, nil)
				<-fast.C()
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("publish blocked on a slow subscriber")
		}
		n := 0
		for range slow.C() {
			n++
		}
		if n != SubBuffer || b.Subscribers(1) != 1 {
			t.Fatalf("slow subscriber got %d events before its channel closed; %d subscribers left", n,
				b.Subscribers(1))
		}
	})
	t.Run("OK_CloseEndsSubscriptions", func(t *testing.T) {
		t.Parallel()
		b := NewBroker()
		s, _, _ := b.Subscribe(1, 0)
		b.Close()
		if _, ok := <-s.C(); ok {
			t.Fatal("subscription still open after close")
		}
		b.Unsubscribe(s)
		if id := b.Publish(1, KindTask, nil); id != 0 {
			t.Fatalf("publish after close: %d", id)
		}
	})
}

// TestBrokerForgetsIdleTopics: a project's topic outlives its last subscriber only among the MaxIdleTopics most
// recently used idle topics, so a server publishing to many projects holds bounded memory; a client that comes
// back to a forgotten topic is told to resync instead of silently missing events.
func TestBrokerForgetsIdleTopics(t *testing.T) {
	t.Parallel()
	b := NewBroker()
	s, _, _ := b.Subscribe(1, 0)
	last := b.Publish(1, KindTask, nil)
	for p := int64(2); p < MaxIdleTopics*3; p++ {
		b.Publish(p, KindTask, nil)
	}
	if n := b.Topics(); n != MaxIdleTopics+1 {
		t.Fatalf("%d topics kept, want %d idle + 1 subscribed", n, MaxIdleTopics+1)
	}
	b.Unsubscribe(s)
	recent := b.Publish(MaxIdleTopics*3, KindTask, nil)
	if n := b.Topics(); n != MaxIdleTopics {
		t.Fatalf("%d topics kept after the last subscriber left, want %d", n, MaxIdleTopics)
	}
	if _, backlog, resync := b.Subscribe(1, last-1); resync || len(backlog) != 1 {
		t.Fatalf("a recently idle topic: resync %v backlog %d, want its event back", resync, len(backlog))
	}
	if _, backlog, resync := b.Subscribe(2, last); !resync || backlog != nil {
		t.Fatalf("a forgotten topic: resync %v backlog %d, want resync", resync, len(backlog))
	}
	if _, _, resync := b.Subscribe(MaxIdleTopics*3, recent-1); resync {
		t.Fatal("a kept topic asked for a resync")
	}
}

// BenchmarkBrokerFanOut publishes events to 200 subscribers of one project, each drained by its own goroutine
// as a stream would; it reports the deliveries per second.
func BenchmarkBrokerFanOut(b *testing.B) {
	br := NewBroker()
	const subs = 200
	done := make(chan int, subs)
	for range subs {
		s, _, _ := br.Subscribe(1, 0)
		go func() {
			n := 0
			for range s.C() {
				n++
			}
			done <- n
		}()
	}
	data := []byte(`{"project_id":1,"task":{"index":3,"state":"locked_for_mapping"},"action":"lock_for_mapping"}`)
	b.ResetTimer()
	for range b.N {
		br.Publish(1, KindTask, data)
	}
	br.Close()
	delivered := 0
	for range subs {
		delivered += <-done
	}
	b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(subs*b.N-delivered), "dropped")
}
