package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"fieldbase/db"
)

// TestShutdownEndsDownloadStreams: a download streamed after its handler returned (here the data extract as
// GeoJSON, 500 features of 20 KB) stops when the server shuts down, instead of running on to its end while the
// shutdown waits for it.
func TestShutdownEndsDownloadStreams(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.newProject(t, owner, "")
	ta.markPublished(t, id) // readable by an anonymous client
	pad := strings.Repeat("x", 20<<10)
	feats := make([]db.NewFeature, 500)
	for i := range feats {
		feats[i] = db.NewFeature{Geometry: `{"type":"Point","coordinates":[0.001,0.001]}`,
			Properties: `{"pad":"` + pad + `"}`, Lon: 0.001, Lat: 0.001}
	}
	if err := ta.store.SaveFeatures(context.Background(), id, feats, false); err != nil {
		t.Fatal(err)
	}
	total := len(feats) * len(pad)
	base := ta.listen(t)
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/projects/%d/features.geojson", base, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- ta.Shutdown(ctx)
	}()
	// Read on once the shutdown has begun, as a slow phone would.
	<-ta.life.Done()
	n, _ := io.Copy(io.Discard, resp.Body)
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if n > int64(total/2) {
		t.Fatalf("the stream sent %d more bytes after the shutdown began, of %d in all: it was not stopped", n, total)
	}
}
