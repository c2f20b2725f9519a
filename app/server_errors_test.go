package app

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
)

// TestServerErrorsAreProblems sends, over a real connection, requests that fasthttp refuses before any handler
// runs (a header over the read buffer, a body over the limit, a malformed header, a request that never ends):
// under /api they are answered as problem documents with the right status, elsewhere as a short page.
func TestServerErrorsAreProblems(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) {
		c.Server.BodyLimitMB = 1
		c.Server.ReadTimeout = 300 * time.Millisecond // the timeout case waits this long, not a fixed sleep
	})
	addr := strings.TrimPrefix(ta.listen(t), "http://")
	bigHeader := "X-Big: " + strings.Repeat("a", 20<<10) + "\r\n"
	for _, tc := range []struct {
		name        string
		request     string
		body        int // bytes of body written after the request, in the background
		wantStatus  int
		wantProblem bool
	}{
		{"HeaderTooLargeAPI", "GET /api/v1/healthcheck HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n", 0,
			http.StatusRequestHeaderFieldsTooLarge, true},
		{"HeaderTooLargeAPIQuery", "GET /api/v1/healthcheck?a=b HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n", 0,
			http.StatusRequestHeaderFieldsTooLarge, true},
		{"HeaderTooLargePage", "GET /login HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n", 0,
			http.StatusRequestHeaderFieldsTooLarge, false},
		{"BodyTooLargeAPI", "PUT /api/v1/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Content-Length: 2097152\r\n\r\n", 2 << 20, http.StatusRequestEntityTooLarge, true},
		{"BodyTooLargeChunkedAPI", "PUT /api/v1/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Transfer-Encoding: chunked\r\n\r\n200000\r\n", 2 << 20, http.StatusRequestEntityTooLarge, true},
		{"MalformedAPI", "GET /api/v1/healthcheck HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 0,
			http.StatusBadRequest, true},
		{"MalformedPage", "GET /login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 0,
			http.StatusBadRequest, false},
		{"TimeoutAPI", "GET /api/v1/healthcheck HTTP/1.1\r\nHost: x\r\n", 0, http.StatusRequestTimeout, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawExchange(t, addr, tc.request, tc.body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			ct := resp.Header.Get("Content-Type")
			if !tc.wantProblem {
				if ct == "application/problem+json" || len(body) == 0 {
					t.Fatalf("a page answer is %q: %s", ct, body)
				}
				return
			}
			var p struct {
				Title  string `json:"title"`
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if ct != "application/problem+json" {
				t.Fatalf("content type %q, want application/problem+json: %s", ct, body)
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != tc.wantStatus ||
				p.Title != http.StatusText(tc.wantStatus) || p.Detail == "" {
				t.Fatalf("problem %+v (%v): %s", p, err, body)
			}
			if strings.Contains(body, "aaaa") || strings.Contains(body, "abc") {
				t.Fatalf("the problem echoes the request: %s", body)
			}
		})
	}
}

// rawExchange writes request (then body zero bytes, in the background: the server may answer and close before
// reading them) on a new connection and reads one response.
func rawExchange(t *testing.T, addr, request string, body int) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		if _, err := io.WriteString(conn, request); err == nil && body > 0 {
			_, _ = conn.Write(make([]byte, body))
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
