package app

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fieldbase/app/tasking"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// splitProject creates a project of the token's user split into n tasks.
func (ta *testApp) splitProject(t *testing.T, token string, n int) int64 {
	t.Helper()
	id := ta.newProject(t, token, "")
	if _, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: id, Method: "count",
		Tasks: n}, nil); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTaskMapEncodings: the task map and the JSON task list are gzipped only for a client whose Accept-Encoding
// allows it, vary on Accept-Encoding, and every encoding of the map decodes to the same GeoJSON.
func TestTaskMapEncodings(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.splitProject(t, owner, 12)
	var want any
	for _, tc := range []struct {
		name, acceptEncoding string
		wantGzip             bool
	}{
		{"Identity", "", false},
		{"Gzip", "gzip", true},
		{"GzipAmongOthers", "br;q=1.0, gzip;q=0.8", true},
		{"Star", "*", true},
		{"GzipRefused", "gzip;q=0", false},
		{"OnlyBrotli", "br", false},
	} {
		for _, path := range []string{"tasks.geojson", "tasks?per_page=100"} {
			t.Run(tc.name+"/"+path, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/%s", id, path), nil)
				req.Header.Set("Authorization", "Bearer "+owner)
				if tc.acceptEncoding != "" {
					req.Header.Set("Accept-Encoding", tc.acceptEncoding)
				}
				resp, body := ta.do(t, req)
				gz := resp.Header.Get("Content-Encoding") == "gzip"
				if resp.StatusCode != http.StatusOK || gz != tc.wantGzip {
					t.Fatalf("status %d, gzip %v, want gzip %v", resp.StatusCode, gz, tc.wantGzip)
				}
				if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
					t.Errorf("Vary = %q", resp.Header.Values("Vary"))
				}
				if gz {
					body = gunzip(t, body)
				}
				if path != "tasks.geojson" {
					return
				}
				var got any
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatalf("not JSON: %v", err)
				}
				if want == nil {
					want = got
				} else if !reflect.DeepEqual(got, want) {
					t.Errorf("this encoding decodes to other GeoJSON")
				}
				if !strings.Contains(body, `"FeatureCollection"`) || strings.Count(body, `"Feature"`) != 12 {
					t.Errorf("not the 12 tasks: %.200s", body)
				}
			})
		}
	}
}

func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTaskMapsCachedBySize reads the maps of more projects than the cache used to count (32): small maps all
// stay cached at their revision, the budget being bytes.
func TestTaskMapsCachedBySize(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	ids := make([]int64, 40)
	for i := range ids {
		ids[i] = ta.splitProject(t, owner, 2)
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/tasks.geojson", ids[i]), nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		req.Header.Set("Accept-Encoding", "gzip")
		if resp, _ := ta.do(t, req); resp.StatusCode != http.StatusOK {
			t.Fatalf("project %d: %d", ids[i], resp.StatusCode)
		}
	}
	for _, id := range ids {
		rev, err := ta.store.TasksRevision(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ta.taskMaps.get(id, rev); !ok {
			t.Errorf("the map of project %d (of %d read) was evicted", id, len(ids))
		}
	}
}
