package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"

	"fieldbase/app/config"
	"fieldbase/app/tasking"
)

// BenchmarkTaskMapVsList reads, over HTTP with 16 clients at once, the task map (tasks.geojson) and the JSON task
// list (GET /projects/{id}/tasks) of 200 projects of 50 tasks each, a project picked at random per request. Each
// is measured for a client that asks for gzip (a browser; the answer is not unzipped, as on another machine)
// and for one that does not. It reports req/s.
func BenchmarkTaskMapVsList(b *testing.B) {
	ba := newBenchApp(b, func(c *config.Config) { c.DB.Synchronous = "normal" }) // only the set-up writes
	const projects, tasks = 200, 50
	ids := make([]int64, projects)
	for i := range ids {
		ids[i] = draftProject(b, ba.Store)
		if _, err := tasking.RunSplit(context.Background(), ba.Store, tasking.SplitParams{ProjectID: ids[i],
			Method: tasking.SplitMethodCount, Tasks: tasks}, nil); err != nil {
			b.Fatal(err)
		}
		publish(b, ba.Store, ids[i])
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
	for _, route := range []struct{ name, path string }{{"Map", "tasks.geojson"}, {"List", "tasks?per_page=50"}} {
		for _, enc := range []string{"gzip", "identity"} {
			b.Run(route.name+"/"+enc, func(b *testing.B) {
				fetch := func(id int64) {
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/projects/%d/%s", ba.URL, id, route.path), nil)
					req.Header.Set("Accept-Encoding", enc)
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || (resp.Header.Get("Content-Encoding") == "gzip") != (enc == "gzip") {
						b.Errorf("%d, encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
					}
				}
				for _, id := range ids { // every project once, as a server that has run a while
					fetch(id)
				}
				var seed atomic.Uint64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(seed.Add(1), 7))
					for pb.Next() {
						fetch(ids[r.IntN(len(ids))])
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
