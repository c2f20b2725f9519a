package app

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"fieldbase/app/config"
	"fieldbase/app/jobs"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	t.Run("OK", func(t *testing.T) {
		resp, body := ta.do(t, httptest.NewRequest("GET", "/api/v1/healthcheck", nil))
		var h HealthBody
		decode(t, body, &h)
		if resp.StatusCode != 200 || h.Status != "ok" || h.Database != "ok" || h.MigrationVersion < 1 ||
			h.Version != "test" {
			t.Fatalf("%d %+v", resp.StatusCode, h)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	})
	t.Run("Head", func(t *testing.T) {
		resp, body := ta.do(t, httptest.NewRequest("HEAD", "/api/v1/healthcheck", nil))
		if resp.StatusCode != 200 || body != "" || resp.ContentLength <= 0 {
			t.Fatalf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
	})
	t.Run("Unavailable", func(t *testing.T) {
		broken := newTestApp(t)
		_ = broken.store.Close()
		resp, body := broken.do(t, httptest.NewRequest("GET", "/api/v1/healthcheck", nil))
		if resp.StatusCode != 503 || !strings.Contains(body, `"status":"unavailable"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestSecurityAndCORS(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) { c.Server.CORSOrigins = []string{"https://allowed.example"} })
	preflight := func(origin string) *http.Response {
		req := httptest.NewRequest("OPTIONS", "/api/v1/settings", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		resp, _ := ta.do(t, req)
		return resp
	}
	if r := preflight("https://allowed.example"); r.StatusCode != 204 ||
		r.Header.Get("Access-Control-Allow-Origin") != "https://allowed.example" {
		t.Errorf("allowed origin: %d %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	if r := preflight("https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %q", r.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ := ta.do(t, httptest.NewRequest("GET", "/", nil))
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
}

func TestSettingsBeforeAccounts(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.run(t, []scenario{
		{name: "Get", method: "GET", url: "/api/v1/settings", wantStatus: 200,
			wantContain: []string{`"site_name":"Fieldbase"`}},
		{name: "PutRefused", method: "PUT", url: "/api/v1/settings", wantStatus: 401,
			body:     `{"site_name":"X","default_lock_minutes":60,"max_upload_mb":10}`,
			wantType: "application/problem+json"},
	})
	if s, _ := ta.store.Settings(context.Background()); s.SiteName != "Fieldbase" {
		t.Fatalf("a refused write changed the settings: %+v", s)
	}
}

// externalURL finds URLs that would make a page reach outside the server.
var externalURL = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`)

func TestPagesAndStatic(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for _, p := range []string{"/", "/docs", "/redoc"} {
		resp, body := ta.do(t, httptest.NewRequest("GET", p, nil))
		if resp.StatusCode != 200 || !strings.Contains(body, "<html") {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if m := externalURL.FindString(body); m != "" {
			t.Errorf("%s links outside the server: %s", p, m)
		}
	}
	css, ok := ta.static.files["css/app.css"]
	if !ok {
		t.Fatal("no css/app.css")
	}
	url := "/static/css/app.css?v=" + css.hash
	resp, body := ta.do(t, httptest.NewRequest("GET", url, nil))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		body != string(css.body) {
		t.Fatalf("fingerprinted: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	gzReq := httptest.NewRequest("GET", url, nil)
	gzReq.Header.Set("Accept-Encoding", "gzip, deflate")
	gzResp, gzBody := ta.do(t, gzReq)
	if gzResp.Header.Get("Content-Encoding") != "gzip" || len(gzBody) >= len(css.body) {
		t.Fatalf("gzip: %q, %d bytes for %d", gzResp.Header.Get("Content-Encoding"), len(gzBody), len(css.body))
	}
	zr, err := gzip.NewReader(strings.NewReader(gzBody))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != string(css.body) {
		t.Fatal("the gzipped stylesheet does not unzip to the stylesheet")
	}
	req := httptest.NewRequest("GET", "/static/css/app.css", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, _ := ta.do(t, req); resp.StatusCode != 304 {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}
	if resp, _ := ta.do(t, httptest.NewRequest("GET", "/static/../app.go", nil)); resp.StatusCode != 404 {
		t.Fatalf("path escape: %d", resp.StatusCode)
	}
}

// TestOpenAPI validates the document and checks that every /api/v1 route Fiber serves is in it.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	resp, spec := ta.do(t, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	doc, err := libopenapi.NewDocument([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("invalid document: %s: %s", e.Message, e.Reason)
		}
	}
	if resp, _ := ta.do(t, httptest.NewRequest("GET", "/api/v1/openapi.yaml", nil)); resp.StatusCode != 200 {
		t.Errorf("openapi.yaml: %d", resp.StatusCode)
	}
	documented := map[string]bool{}
	for path, item := range ta.API().OpenAPI().Paths {
		for method, op := range map[string]any{"GET": item.Get, "POST": item.Post, "PUT": item.Put,
			"PATCH": item.Patch, "DELETE": item.Delete} {
			if fmt.Sprint(op) != "<nil>" {
				documented[method+" "+apiPrefix+path] = true
			}
		}
	}
	fiberParam := regexp.MustCompile(`:([a-zA-Z_]+)`)
	for _, r := range ta.Fiber().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, apiPrefix+"/") || r.Method == "HEAD" || r.Method == "OPTIONS" ||
			r.Method == "USE" || strings.HasPrefix(r.Path, apiPrefix+"/openapi") ||
			strings.HasPrefix(r.Path, apiPrefix+"/schemas") {
			continue
		}
		key := r.Method + " " + fiberParam.ReplaceAllString(r.Path, "{$1}")
		if !documented[key] {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
}

// TestJobStatus runs a real maintenance job and watches its state, progress and result through the API.
func TestJobStatus(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, token := ta.newUser(t, "watcher", true)
	ta.startJobs(t)
	id, err := ta.jobs.Insert(context.Background(), jobs.MaintenanceArgs{})
	if err != nil {
		t.Fatal(err)
	}
	var job JobBody
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/jobs/%d", id), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, body := ta.do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		decode(t, body, &job)
		if job.State == "completed" {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a correctness wait
	}
	if job.State != "completed" || job.Kind != "db_maintenance" || job.Progress.Percent != 100 ||
		!strings.Contains(job.Progress.Message, "checkpointed") || !strings.Contains(string(job.Result), "run_id") ||
		job.FinishedAt == nil {
		t.Fatalf("job = %+v (result %s)", job, job.Result)
	}
	req := httptest.NewRequest("GET", "/api/v1/jobs/999999", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, _ := ta.do(t, req); resp.StatusCode != 404 {
		t.Fatalf("unknown job: %d", resp.StatusCode)
	}
}

// TestCompressedAnswers: pages and JSON built per request are gzipped for clients that accept it, and come back
// to the same bytes; small answers, clients without gzip, and the event stream are sent as they are.
func TestCompressedAnswers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	get := func(url, encoding string) (*http.Response, string) {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		return ta.do(t, req)
	}
	plain, plainBody := get("/login", "")
	if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(plainBody, "<form") {
		t.Fatalf("without Accept-Encoding: %q encoding", plain.Header.Get("Content-Encoding"))
	}
	for _, url := range []string{"/login", "/api/v1/openapi.json"} {
		resp, body := get(url, "gzip, deflate")
		vary := strings.Join(resp.Header.Values("Vary"), ", ")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(vary, "Accept-Encoding") {
			t.Fatalf("%s: encoding %q, vary %q", url, resp.Header.Get("Content-Encoding"), vary)
		}
		// Every answer goes through the middleware, Huma's own document routes included.
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s lacks the common headers: %v", url, resp.Header)
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		un, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		_, want := get(url, "")
		if url == "/login" {
			// The page carries a fresh CSRF token per request: compare its shape, not its bytes.
			if !strings.Contains(string(un), "<form") || len(un) != len(want) {
				t.Errorf("%s: unzipped %d bytes, plain %d", url, len(un), len(want))
			}
		} else if string(un) != want {
			t.Errorf("%s: unzipped answer differs from the plain one", url)
		}
	}
	if resp, _ := get("/api/v1/healthcheck", "gzip"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a small answer was compressed")
	}
}
