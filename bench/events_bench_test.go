package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fieldbase/app/tasking"
	"fieldbase/db"
)

// BenchmarkSSEFanOut200 measures live updates: 200 browsers hold the project's event stream open while task
// actions are applied over HTTP; it reports the events delivered per second across all subscribers.
func BenchmarkSSEFanOut200(b *testing.B) {
	const subscribers = 200
	ctx := context.Background()
	ba := newBenchApp(b)
	_, token := ba.User(b, "mapper", "a long password", false)
	id := draftProject(b, ba.Store)
	if _, err := tasking.RunSplit(ctx, ba.Store, tasking.SplitParams{ProjectID: id, Method: tasking.SplitMethodCount,
		Tasks: 4}, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := ba.Store.UpdateProject(ctx, id, func(p *db.Project) error { p.Status = "published"; return nil }); err != nil {
		b.Fatal(err)
	}
	var delivered atomic.Int64
	streamURL := fmt.Sprintf("%s/api/v1/projects/%d/events/stream", ba.URL, id)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ready, done sync.WaitGroup
	c := client()
	for range subscribers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", streamURL, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := c.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("subscribe: %v", err)
				ready.Done()
				return
			}
			defer resp.Body.Close()
			ready.Done()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: task") {
					delivered.Add(1)
				}
			}
		}()
	}
	ready.Wait()
	actURL := fmt.Sprintf("%s/api/v1/projects/%d/tasks/1/events", ba.URL, id)
	actions := []string{`{"action":"lock_for_mapping"}`, `{"action":"unlock"}`}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		req, _ := http.NewRequest("POST", actURL, strings.NewReader(actions[i%2]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("action %d: %d", i, resp.StatusCode)
		}
	}
	want := int64(b.N) * subscribers
	deadline := time.Now().Add(30 * time.Second)
	for delivered.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	got := delivered.Load()
	b.ReportMetric(float64(got)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(got)/float64(want)*100, "%delivered")
	cancel()
	done.Wait()
}
