package app

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseClient reads one event stream line by line.
type sseClient struct {
	resp  *http.Response
	lines chan string
}

func openStream(t *testing.T, url, token string, headers map[string]string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	c := &sseClient{resp: resp, lines: make(chan string, 1024)}
	t.Cleanup(func() { cancel(); _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return c
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

// waitFor reads lines until one contains want, failing after d.
func (c *sseClient) waitFor(t *testing.T, want string, d time.Duration) []string {
	t.Helper()
	var seen []string
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("stream ended before %q; saw %q", want, seen)
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %q within %s; saw %q", want, d, seen)
		}
	}
}

func TestEventStream(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.events.Heartbeat = 50 * time.Millisecond
	_, pmTok := ta.newUser(t, "pm", false)
	_, aliceTok := ta.newUser(t, "alice", false)
	_, bobTok := ta.newUser(t, "bob", false)
	pub := ta.publishedProject(t, pmTok, "")
	priv := ta.newProject(t, pmTok, `,"visibility":"private"`)
	base := ta.listen(t)
	stream := func(id int64) string { return fmt.Sprintf("%s/api/v1/projects/%d/events/stream", base, id) }

	t.Run("OK_TwoSubscribersSeeALockWithinASecond", func(t *testing.T) {
		a, b := openStream(t, stream(pub), aliceTok, nil), openStream(t, stream(pub), bobTok, nil)
		for _, c := range []*sseClient{a, b} {
			if ct := c.resp.Header.Get("Content-Type"); c.resp.StatusCode != 200 || ct != "text/event-stream" {
				t.Fatalf("status %d type %q", c.resp.StatusCode, ct)
			}
			c.waitFor(t, "retry:", time.Second)
		}
		ta.run(t, []scenario{{name: "Lock", method: "POST", url: fmt.Sprintf("/api/v1/projects/%d/tasks/3/events", pub),
			body: `{"action":"lock_for_mapping"}`, headers: bearer(aliceTok), wantStatus: 200}})
		for _, c := range []*sseClient{a, b} {
			lines := c.waitFor(t, `"state":"locked_for_mapping"`, time.Second)
			data := lines[len(lines)-1]
			for _, w := range []string{`"index":3`, `"username":"alice"`, `"action":"lock_for_mapping"`, `"by":"alice"`} {
				if !strings.Contains(data, w) {
					t.Errorf("event lacks %s: %s", w, data)
				}
			}
			if lines[len(lines)-2] != "event: task" {
				t.Errorf("event name line %q", lines[len(lines)-2])
			}
		}
	})
	t.Run("OK_ResumeWithLastEventID", func(t *testing.T) {
		last := ta.events.LastID()
		ta.run(t, []scenario{{name: "Unlock", method: "POST", url: fmt.Sprintf("/api/v1/projects/%d/tasks/3/events", pub),
			body: `{"action":"unlock"}`, headers: bearer(aliceTok), wantStatus: 200}})
		c := openStream(t, stream(pub), bobTok, map[string]string{"Last-Event-ID": fmt.Sprint(last)})
		lines := c.waitFor(t, `"action":"unlock"`, time.Second)
		if !strings.Contains(strings.Join(lines, "\n"), fmt.Sprintf("id: %d", last+1)) {
			t.Fatalf("resumed stream lacks event %d: %q", last+1, lines)
		}
	})
	t.Run("Resync_StaleLastEventID", func(t *testing.T) {
		c := openStream(t, stream(pub), bobTok, map[string]string{"Last-Event-ID": "12"})
		c.waitFor(t, "event: resync", time.Second)
	})
	t.Run("OK_Heartbeat", func(t *testing.T) {
		c := openStream(t, stream(priv), pmTok, nil)
		c.waitFor(t, ": heartbeat", 2*time.Second)
	})
	for _, tc := range []struct {
		name  string
		id    int64
		token string
		want  int
	}{
		{"Unauthorized_Anonymous", pub, "", http.StatusUnauthorized},
		{"NotFound_PrivateNonMember", priv, aliceTok, http.StatusNotFound},
		{"NotFound_NoProject", 999999, aliceTok, http.StatusNotFound},
		{"OK_PrivateManager", priv, pmTok, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openStream(t, stream(tc.id), tc.token, nil)
			if c.resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", c.resp.StatusCode, tc.want)
			}
		})
	}
}

// TestShutdownEndsStreams checks that an open stream does not hold a graceful shutdown.
func TestShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.newProject(t, tok, "")
	base := ta.listen(t)
	c := openStream(t, fmt.Sprintf("%s/api/v1/projects/%d/events/stream", base, id), tok, nil)
	c.waitFor(t, "retry:", time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ta.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	c.waitFor(t, "event: resync", time.Second)
}
