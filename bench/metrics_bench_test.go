package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"fieldbase/app/config"
)

// BenchmarkMetricsScrape measures one GET /metrics from an allow-listed address, after traffic on a few routes
// and with 1,000 attachment files to add up (the files directory is walked at each scrape).
func BenchmarkMetricsScrape(b *testing.B) {
	ba := newBenchApp(b, func(c *config.Config) {
		c.Metrics.Enabled, c.Metrics.Allow = true, []string{"127.0.0.1/32"}
	})
	dir := filepath.Join(ba.Cfg.Data.Dir, "files", "1")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.jpg", i)), make([]byte, 512), 0o640); err != nil {
			b.Fatal(err)
		}
	}
	for _, path := range []string{"/api/v1/healthcheck", "/api/v1/projects", "/api/v1/projects/1", "/login", "/nope"} {
		fetch(b, ba.URL+path)
	}
	b.ResetTimer()
	for b.Loop() {
		if n := fetch(b, ba.URL+"/metrics"); n == 0 {
			b.Fatal("empty scrape")
		}
	}
}

// fetch reads a whole answer and returns its size.
func fetch(b *testing.B, url string) int {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return len(body)
}
