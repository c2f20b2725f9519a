package app

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusedUploadKeepsConnectionSane sends uploads that are refused before their body is read (no credentials),
// then a second request on the same connection: a small unread body is read away and the connection carries the
// next request; a large one closes the connection rather than being read whole. Neither is ever parsed as a
// request of its own.
func TestRefusedUploadKeepsConnectionSane(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	addr := strings.TrimPrefix(ta.listen(t), "http://")
	for _, tc := range []struct {
		name      string
		size      int
		chunked   bool
		wantClose bool
	}{
		{"SmallBody", 20 << 10, false, false},
		{"SmallChunked", 20 << 10, true, false},
		{"LargeBody", 2 << 20, false, true},
		{"LargeChunked", 2 << 20, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			w, _ := mw.CreateFormFile("attachments", "photo.jpg")
			_, _ = w.Write(bytes.Repeat([]byte("GET /api/v1/healthcheck HTTP/1.1\r\nHost: x\r\n\r\n"), tc.size/46))
			_ = mw.Close()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			head := fmt.Sprintf("POST /api/v1/projects/%d/submissions HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n",
				fp.id, addr, mw.FormDataContentType())
			var req bytes.Buffer
			if tc.chunked {
				req.WriteString(head + "Transfer-Encoding: chunked\r\n\r\n")
				fmt.Fprintf(&req, "%x\r\n", body.Len())
				req.Write(body.Bytes())
				req.WriteString("\r\n0\r\n\r\n")
			} else {
				req.WriteString(head + fmt.Sprintf("Content-Length: %d\r\n\r\n", body.Len()))
				req.Write(body.Bytes())
			}
			req.WriteString("GET /api/v1/healthcheck HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
			// Write in the background: a server that closes early stops reading.
			go func() { _, _ = conn.Write(req.Bytes()) }()

			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound { // a private project is not shown to strangers
				t.Fatalf("upload without credentials: %d, want 404", resp.StatusCode)
			}
			if resp.Close != tc.wantClose {
				t.Fatalf("Connection: close = %v, want %v", resp.Close, tc.wantClose)
			}
			next, err := http.ReadResponse(br, nil)
			if tc.wantClose {
				if err == nil {
					t.Fatalf("a second answer (%d) came on a connection announced closed", next.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("next request on the connection: %v", err)
			}
			b, _ := io.ReadAll(next.Body)
			next.Body.Close()
			if next.StatusCode != http.StatusOK || !strings.Contains(string(b), "ok") {
				t.Fatalf("next request: %d %s", next.StatusCode, b)
			}
			_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if extra, err := br.Peek(1); err == nil {
				t.Fatalf("more answers than requests: %q", extra)
			}
		})
	}
}
