package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fieldbase/app/config"
	"fieldbase/app/jobs"
)

func enableMetrics(allow ...string) func(*config.Config) {
	return func(c *config.Config) {
		c.Metrics.Enabled = true
		c.Metrics.Allow = allow
	}
}

// TestMetrics: an administrator reads the Prometheus text, with requests counted under their route pattern.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, enableMetrics())
	_, admin := ta.newUser(t, "admin", true)
	_, mapper := ta.newUser(t, "mapper", false)
	ta.do(t, httptest.NewRequest("GET", "/api/v1/healthcheck", nil))
	ta.do(t, httptest.NewRequest("GET", "/api/v1/projects/987654", nil))
	ta.run(t, []scenario{
		{name: "Admin", method: "GET", url: "/metrics", headers: bearer(admin), wantStatus: 200,
			wantType: "text/plain", wantContain: []string{
				`fieldbase_http_requests_total{route="/api/v1/healthcheck",method="GET",status="2xx"} 1`,
				`fieldbase_http_requests_total{route="/api/v1/projects/:id",method="GET",status="4xx"} 1`,
				`fieldbase_http_request_duration_seconds_bucket{route="/api/v1/healthcheck",le=`,
				"fieldbase_submissions_ingested_total 0", "fieldbase_live_subscribers 0",
				"fieldbase_db_size_bytes ", "fieldbase_files_size_bytes 0"},
			wantAbsent: []string{"987654"}},
		{name: "ErrAnonymous", method: "GET", url: "/metrics", wantStatus: 401},
		{name: "ErrNotAdmin", method: "GET", url: "/metrics", headers: bearer(mapper), wantStatus: 403},
	})
}

// TestMetricsDisabled: off by default, the route does not exist for anyone.
func TestMetricsDisabled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, admin := ta.newUser(t, "admin", true)
	ta.run(t, []scenario{
		{name: "Admin", method: "GET", url: "/metrics", headers: bearer(admin), wantStatus: 404},
		{name: "Anonymous", method: "GET", url: "/metrics", wantStatus: 404},
	})
}

// TestMetricsAllowList: a scraper on an allowed network needs no credentials; one elsewhere does.
func TestMetricsAllowList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		allow []string
		want  int
	}{
		{"Allowed", []string{"10.0.0.0/8", "127.0.0.1/32"}, http.StatusOK},
		{"ErrNotAllowed", []string{"10.0.0.0/8"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, enableMetrics(tt.allow...))
			base := ta.listen(t)
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); tt.want == 200 && !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("content type = %q", ct)
			}
		})
	}
}

// TestMetricsSubmissions: a new submission counts once; the same XML sent again creates no row and adds nothing.
func TestMetricsSubmissions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, enableMetrics())
	_, admin := ta.newUser(t, "admin", true)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	ta.sendSubmission(t, fp, "uuid:one")
	ta.sendSubmission(t, fp, "uuid:one")
	ta.sendSubmission(t, fp, "uuid:two")
	ta.run(t, []scenario{{name: "Counted", method: "GET", url: "/metrics", headers: bearer(admin), wantStatus: 200,
		wantContain: []string{"fieldbase_submissions_ingested_total 2\n",
			`route="/api/v1/projects/:id/submissions",method="POST",status="2xx"} 3`,
			"fieldbase_db_write_queue 0\n", `fieldbase_db_commit_batch_size_bucket{le="+Inf"} `}}})
	// Every committed write is in one of the counted batches.
	st := ta.store.WriterStats()
	var batches uint64
	for _, n := range st.Batches {
		batches += n
	}
	if batches == 0 || batches > st.Writes {
		t.Fatalf("batches %d for %d writes", batches, st.Writes)
	}
}

// TestMetricsQueuedJobs: a job waiting for a worker is counted under its kind and state until it runs.
func TestMetricsQueuedJobs(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, enableMetrics())
	_, admin := ta.newUser(t, "admin", true)
	if _, err := ta.jobs.Insert(context.Background(), jobs.MaintenanceArgs{}); err != nil {
		t.Fatal(err)
	}
	ta.run(t, []scenario{{name: "Waiting", method: "GET", url: "/metrics", headers: bearer(admin), wantStatus: 200,
		wantContain: []string{`fieldbase_jobs{kind="db_maintenance",state="available"} 1` + "\n"}}})
}

// TestMetricsJobs: a job that ends is counted under its kind and final state.
func TestMetricsJobs(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, enableMetrics())
	_, admin := ta.newUser(t, "admin", true)
	ta.startJobs(t)
	if _, err := ta.jobs.Insert(context.Background(), jobs.MaintenanceArgs{}); err != nil {
		t.Fatal(err)
	}
	want := `fieldbase_jobs_ended_total{kind="db_maintenance",state="completed"} `
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := ta.do(t, jsonRequest("GET", "/metrics", "", admin))
		if strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", want, body)
		}
		runtime.Gosched()
	}
}
