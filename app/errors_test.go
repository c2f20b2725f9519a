package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/config"
)

// TestErrorContract checks 400/404/405/413/422/500 on /api (problem JSON) and on pages (HTML), and that no
// internal text or stack trace reaches the client.
func TestErrorContract(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, admin := ta.newUser(t, "admin", true)
	auth := bearer(admin)
	ta.Fiber().Get("/api/v1/test-panic", func(*fiber.Ctx) error { panic("secret panic text") })
	ta.Fiber().Get("/api/v1/test-error", func(*fiber.Ctx) error { return errors.New("secret cause") })
	ta.Fiber().Get("/test-panic", func(*fiber.Ctx) error { panic("secret panic text") })
	const problem = "application/problem+json"
	ta.run(t, []scenario{
		{name: "API404", method: "GET", url: "/api/v1/nothing-here", wantStatus: 404, wantType: problem,
			wantContain: []string{`"status":404`, `"title":"Not Found"`}},
		{name: "API405", method: "DELETE", url: "/api/v1/healthcheck", wantStatus: 405, wantType: problem,
			wantContain: []string{`"status":405`}},
		{name: "API400Malformed", method: "PUT", url: "/api/v1/settings", body: `{"site_name":`, wantStatus: 400,
			headers:  auth,
			wantType: problem},
		{name: "API422Field", method: "GET", url: "/api/v1/jobs/0", headers: auth, wantStatus: 422, wantType: problem,
			wantContain: []string{`"errors":[`, `"location":"path.id"`}},
		{name: "API500Panic", method: "GET", url: "/api/v1/test-panic", wantStatus: 500, wantType: problem,
			wantContain: []string{`"detail":"internal error"`}, wantAbsent: []string{"secret", "goroutine"}},
		{name: "API500Error", method: "GET", url: "/api/v1/test-error", wantStatus: 500, wantType: problem,
			wantContain: []string{`"detail":"internal error"`}, wantAbsent: []string{"secret"}},
		{name: "Page404", method: "GET", url: "/no-such-page", wantStatus: 404, wantType: "text/html",
			wantContain: []string{"<html", "404"}},
		{name: "Page404HTMX", method: "GET", url: "/no-such-page", headers: map[string]string{"HX-Request": "true"},
			wantStatus: 404, wantType: "text/html", wantContain: []string{"404"}, wantAbsent: []string{"<html"}},
		{name: "Page500", method: "GET", url: "/test-panic", wantStatus: 500, wantType: "text/html",
			wantContain: []string{"<html", "internal error"}, wantAbsent: []string{"secret", "goroutine"}},
	})
}

// TestBodyLimit announces an oversized body over a real connection: the server must refuse it from the
// Content-Length alone, before reading it (the in-process tester refuses to send such a request).
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Server.BodyLimitMB = 1 })
	base := ta.listen(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /api/v1/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\n\r\n", 2<<20)
	// The body follows as a real client sends it: with StreamRequestBody the server reads its first bytes
	// before answering (the write may fail once the server has answered and closed).
	go func() { _, _ = conn.Write(make([]byte, 2<<20)) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"status":413`) {
		t.Fatalf("%d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"Error", errorf(http.StatusConflict, "taken"), 409},
		{"Field", fieldError("name", coded("validation_required", "is required")), 422},
		{"Fiber", fiber.ErrForbidden, 403},
		{"Unknown", errors.New("boom"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _, _ := classify(tt.err); got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
		})
	}
}
