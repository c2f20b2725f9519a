package app

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

// maxFilesWalked bounds the walk of the files directory at each scrape: past it, the files size is not reported
// rather than making a scrape slow on a server with a great many attachments.
const maxFilesWalked = 20_000

// appMetrics is the application's own metric set (no global registry): request counts and latencies are
// recorded as requests end; everything else is read when /metrics is scraped.
type appMetrics struct {
	set   *metrics.Set
	allow []*net.IPNet
}

// newMetrics builds the metric set and the scrape-time gauges. allow must have passed config validation.
func (a *App) newMetrics() *appMetrics {
	m := &appMetrics{set: metrics.NewSet()}
	for _, s := range a.cfg.Metrics.Allow {
		if _, n, err := net.ParseCIDR(s); err == nil {
			m.allow = append(m.allow, n)
		}
	}
	m.set.NewGauge("fieldbase_live_subscribers", func() float64 { return float64(a.events.AllSubscribers()) })
	m.set.RegisterMetricsWriter(a.writeScrapeMetrics)
	return m
}

// observeRequest counts a finished request under its route pattern (never the raw path, which holds ids and
// ODK tokens) and its status class, and records its latency.
func (m *appMetrics) observeRequest(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	class := strconv.Itoa(status/100) + "xx"
	m.set.GetOrCreateCounter(fmt.Sprintf(`fieldbase_http_requests_total{route=%q,method=%q,status=%q}`,
		route, method, class)).Inc()
	m.set.GetOrCreatePrometheusHistogram(fmt.Sprintf(`fieldbase_http_request_duration_seconds{route=%q}`,
		route)).Update(took.Seconds())
}

// routePattern is the pattern of the route that answered (e.g. /api/v1/projects/:id/tasks), or "unmatched"
// when only middleware ran (a 404 for an unknown path).
func (a *App) routePattern(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || a.middlewareRoutes[r] {
		return "unmatched"
	}
	return r.Path
}

// writeScrapeMetrics writes the values read at scrape time: submissions ingested, jobs ended by kind and state,
// and the sizes of the database and the files directory.
func (a *App) writeScrapeMetrics(w io.Writer) {
	metrics.WriteCounterUint64(w, "fieldbase_submissions_ingested_total", a.collect.Created())
	if a.jobs != nil {
		ended := a.jobs.Ended()
		keys := make([]string, 0, len(ended))
		vals := map[string]uint64{}
		for k, v := range ended {
			name := fmt.Sprintf(`fieldbase_jobs_ended_total{kind=%q,state=%q}`, k.Kind, k.State)
			keys = append(keys, name)
			vals[name] = v
		}
		sort.Strings(keys)
		for _, k := range keys {
			metrics.WriteCounterUint64(w, k, vals[k])
		}
	}
	if a.jobs != nil {
		ctx, cancel := context.WithTimeout(a.life, 2*time.Second)
		queued, err := a.jobs.Queued(ctx)
		cancel()
		if err == nil {
			keys := make([]string, 0, len(queued))
			vals := map[string]int64{}
			for k, v := range queued {
				name := fmt.Sprintf(`fieldbase_jobs{kind=%q,state=%q}`, k.Kind, k.State)
				keys = append(keys, name)
				vals[name] = v
			}
			sort.Strings(keys)
			for _, k := range keys {
				metrics.WriteGaugeUint64(w, k, uint64(vals[k]))
			}
		}
	}
	ws := a.store.WriterStats()
	metrics.WriteGaugeUint64(w, "fieldbase_db_write_queue", uint64(ws.Queued))
	var cum uint64
	for i, n := range ws.Batches {
		cum += n
		le := "+Inf"
		if i < len(db.BatchSizeBuckets)-1 {
			le = strconv.Itoa(db.BatchSizeBuckets[i])
		}
		metrics.WriteCounterUint64(w, fmt.Sprintf(`fieldbase_db_commit_batch_size_bucket{le=%q}`, le), cum)
	}
	metrics.WriteCounterUint64(w, "fieldbase_db_commit_batch_size_sum", ws.Writes)
	metrics.WriteCounterUint64(w, "fieldbase_db_commit_batch_size_count", cum)
	path := a.store.Path()
	metrics.WriteGaugeUint64(w, "fieldbase_db_size_bytes", uint64(fileSize(path)+fileSize(path+"-wal")))
	if size, ok := dirSize(filepath.Join(a.cfg.Data.Dir, "files"), maxFilesWalked); ok {
		metrics.WriteGaugeUint64(w, "fieldbase_files_size_bytes", uint64(size))
	}
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// dirSize adds up the sizes of the regular files under dir; ok is false when it holds more than limit entries
// (or cannot be read).
func dirSize(dir string, limit int) (size int64, ok bool) {
	seen := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if seen++; seen > limit {
			return fs.SkipAll
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	return size, err == nil && seen <= limit
}

// metricsGate guards GET /metrics: 404 while [metrics] enabled is false; then a caller whose address is in
// [metrics] allow may scrape without credentials, and anyone else needs an administrator's token or session
// (401 without one, 403 for a user who is not an administrator).
func (a *App) metricsGate(c *fiber.Ctx) error {
	if !a.cfg.Metrics.Enabled {
		return fiber.ErrNotFound
	}
	if ip := net.ParseIP(c.IP()); ip != nil {
		for _, n := range a.metrics.allow {
			if n.Contains(ip) {
				return c.Next()
			}
		}
	}
	if _, err := adminOnly.check(c.UserContext(), a, principal(c.UserContext()), nil); err != nil {
		return err
	}
	return c.Next()
}

// serveMetrics writes every metric in the Prometheus text format.
func (a *App) serveMetrics(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	a.metrics.set.WritePrometheus(c)
	return nil
}
