package app

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log destination the server's goroutines may write while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestViewDataLogsSettingsError: a page whose site settings cannot be read still renders, under the default
// name, and the cause is logged with the request id.
func TestViewDataLogsSettingsError(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var logs lockedBuffer
	ta.log = slog.New(slog.NewTextHandler(&logs, nil))
	_ = ta.store.Close()
	resp, body := ta.do(t, httptest.NewRequest("GET", "/login", nil))
	if !strings.Contains(body, "Fieldbase") {
		t.Fatalf("%d: the page lacks the default site name: %s", resp.StatusCode, body)
	}
	rid := resp.Header.Get("X-Request-Id")
	line := ""
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "site settings not read") {
			line = l
		}
	}
	if line == "" || rid == "" || !strings.Contains(line, "request_id="+rid) || !strings.Contains(line, "err=") {
		t.Fatalf("no warning with request id %q and cause in the log:\n%s", rid, logs.String())
	}
}
