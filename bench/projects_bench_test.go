package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"fieldbase/app/geo"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// draftProject stores a draft project over the 100 km² benchmark AOI.
func draftProject(b *testing.B, s *db.Store) int64 {
	b.Helper()
	raw, err := geo.MultiPolygonJSON(aoi100km2())
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.CreateProject(context.Background(), db.Project{Name: "bench", Visibility: "public", Status: "draft",
		AOI: raw, AreaM2: 1e8, LockMinutes: 60, MaxLocksPerUser: 1})
	if err != nil {
		b.Fatal(err)
	}
	return p.ID
}

// publish marks a split project published, so that anyone may read it (a draft is seen by its members only).
func publish(b *testing.B, s *db.Store, id int64) {
	b.Helper()
	if _, err := s.UpdateProject(context.Background(), id, func(p *db.Project) error {
		p.Status = "published"
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSplitJobGrid100km2At50m is the whole split job: read the AOI, cut a 50 m grid (about 40,000 tasks) and
// store the tasks in one transaction (synchronous=FULL).
func BenchmarkSplitJobGrid100km2At50m(b *testing.B) {
	ba := newBenchApp(b)
	id := draftProject(b, ba.Store)
	b.ResetTimer()
	for b.Loop() {
		res, err := tasking.RunSplit(context.Background(), ba.Store, tasking.SplitParams{ProjectID: id,
			Method: tasking.SplitMethodGrid, CellSizeM: 50}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Tasks), "tasks")
	}
}

// BenchmarkSplitJobFeatures100k splits by a 100,000-feature extract into tasks of about 50 features, including
// reassigning every feature to its task in the same transaction.
func BenchmarkSplitJobFeatures100k(b *testing.B) {
	ba := newBenchApp(b)
	id := draftProject(b, ba.Store)
	pts := pointsIn(aoi100km2(), 100_000)
	batch := make([]db.NewFeature, 0, 5000)
	for i, p := range pts {
		batch = append(batch, db.NewFeature{Geometry: fmt.Sprintf(`{"type":"Point","coordinates":[%f,%f]}`, p[0], p[1]),
			Properties: `{}`, Lon: p[0], Lat: p[1]})
		if len(batch) == cap(batch) || i == len(pts)-1 {
			if err := ba.Store.SaveFeatures(context.Background(), id, batch, false); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := tasking.RunSplit(context.Background(), ba.Store, tasking.SplitParams{ProjectID: id,
			Method: tasking.SplitMethodFeatures, FeaturesPerTask: 50}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Tasks), "tasks")
	}
}

// BenchmarkTasksGeoJSON10k is GET tasks.geojson of a 10,000-task project over HTTP, 16 clients at once.
func BenchmarkTasksGeoJSON10k(b *testing.B) {
	ba := newBenchApp(b)
	id := draftProject(b, ba.Store)
	if _, err := tasking.RunSplit(context.Background(), ba.Store, tasking.SplitParams{ProjectID: id,
		Method: tasking.SplitMethodCount, Tasks: 10_000}, nil); err != nil {
		b.Fatal(err)
	}
	publish(b, ba.Store, id)
	url := fmt.Sprintf("%s/api/v1/projects/%d/tasks.geojson", ba.URL, id)
	// As a browser on another machine: it asks for gzip and the benchmark does not spend this machine's CPU on
	// unzipping (the transport would otherwise decompress transparently).
	c := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
	fetch := func() int64 {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := c.Do(req)
		if err != nil {
			b.Error(err)
			return 0
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			b.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		return n
	}
	size := fetch() // warms the per-revision cache
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fetch()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(size), "gzip-bytes")
}
