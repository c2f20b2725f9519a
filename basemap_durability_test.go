package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"fieldbase/app/basemapgen"
	"fieldbase/app/basemapgen/xyztest"
)

// startChild starts `fieldbase serve` on dir as a child process with extra environment and returns its base URL.
func startChild(t *testing.T, dir string, env map[string]string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FB_TEST_CHILD_DIR="+dir)
	for _, m := range []map[string]string{cheapHashing, env} {
		for k, v := range m {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	base := ""
	for base == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatal("the child server did not start")
	}
	go func() {
		for sc.Scan() { // keep draining the child's output
		}
	}()
	return cmd, base
}

func apiCall(t *testing.T, method, url, token, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(got, v); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, got)
		}
	}
	return resp.StatusCode
}

// workTiles lists the tiles a generation's work file holds.
func workTiles(t *testing.T, dir string, jobID int64) map[xyztest.ZXY]bool {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+basemapgen.WorkPath(dir, jobID))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query("SELECT z, x, y FROM tiles")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[xyztest.ZXY]bool{}
	for rows.Next() {
		var at xyztest.ZXY
		if err := rows.Scan(&at.Z, &at.X, &at.Y); err != nil {
			t.Fatal(err)
		}
		out[at] = true
	}
	return out
}

// TestKill9ResumesBasemapGeneration kills the server with SIGKILL while a generation job downloads tiles, starts
// it again, and checks that the job finishes with a ready basemap and that no tile kept in the work file before
// the kill was downloaded again.
func TestKill9ResumesBasemapGeneration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	createRoot(t, dir)
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 40 * time.Millisecond
	env := map[string]string{"FIELDBASE_BASEMAPS_SOURCES": `[{"name":"Local","url":"` + srv.Template("png") + `"}]`,
		"FIELDBASE_BASEMAPS_GENERATE_CONCURRENCY": "2", "FIELDBASE_JOBS_POLL_INTERVAL": "100ms"}
	cmd, base := startChild(t, dir, env)
	token := apiToken(t, base, "root", "a long password")
	var project struct{ ID int64 }
	if code := apiCall(t, "POST", base+"/api/v1/projects", token, `{"name":"Roofs","aoi":{"type":"Polygon",`+
		`"coordinates":[[[85.3,27.7],[85.31,27.7],[85.31,27.71],[85.3,27.71],[85.3,27.7]]]}}`, &project); code != 201 {
		t.Fatalf("create project: %d", code)
	}
	var job struct{ ID int64 }
	if code := apiCall(t, "POST", fmt.Sprintf("%s/api/v1/projects/%d/basemaps/generate", base, project.ID), token,
		`{"source":"Local","min_zoom":14,"max_zoom":18,"format":"mbtiles"}`, &job); code != 202 {
		t.Fatalf("generate: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.Requests("png")) < 40 {
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
	kept := workTiles(t, dir, job.ID)
	before := srv.Requests("png")
	if len(kept) == 0 {
		t.Fatalf("nothing was kept of %d tiles downloaded", len(before))
	}

	_, base = startChild(t, dir, env)
	token = apiToken(t, base, "root", "a long password")
	var st struct {
		State    string
		Error    string
		Progress struct{ Message string }
		Result   struct {
			BasemapID int64 `json:"basemap_id"`
			Tiles     int
		}
	}
	for st.State != "completed" {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("the job did not finish after the restart: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
		apiCall(t, "GET", fmt.Sprintf("%s/api/v1/jobs/%d", base, job.ID), token, "", &st)
		if st.State == "cancelled" || st.State == "discarded" {
			t.Fatalf("job %s: %s", st.State, st.Error)
		}
	}
	after := srv.Requests("png")
	for at := range kept {
		if after[at] != 1 {
			t.Errorf("tile %v was kept before the kill but asked for %d times", at, after[at])
		}
	}
	total := 0
	for z := 14; z <= 18; z++ {
		total += basemapgen.Count(basemapgen.Cover(squareAOIMP, z))
	}
	if len(after) != total || st.Result.Tiles != total {
		t.Errorf("%d tiles asked for, %d in the basemap, want %d", len(after), st.Result.Tiles, total)
	}
	t.Logf("%d of %d tiles kept before the kill (%d asked for); %s", len(kept), total, len(before),
		st.Progress.Message)
	var b struct{ State string }
	for b.State != "ready" && time.Now().Before(deadline.Add(40*time.Second)) {
		time.Sleep(50 * time.Millisecond)
		apiCall(t, "GET", fmt.Sprintf("%s/api/v1/projects/%d/basemaps/%d", base, project.ID, st.Result.BasemapID),
			token, "", &b)
	}
	if b.State != "ready" {
		t.Fatalf("basemap %+v", b)
	}
}

// squareAOIMP is the AOI of the project above.
var squareAOIMP = orb.MultiPolygon{{{{85.3, 27.7}, {85.31, 27.7}, {85.31, 27.71}, {85.3, 27.71}, {85.3, 27.7}}}}
