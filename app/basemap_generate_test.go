package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"fieldbase/app/basemapgen"
	"fieldbase/app/basemapgen/xyztest"
	"fieldbase/app/config"
	"fieldbase/app/geo"
)

// generationApp is an app whose configured source "Local" is a tile server on 127.0.0.1.
func generationApp(t *testing.T, srv *xyztest.Server, kind string, edit ...func(*config.Config)) *testApp {
	t.Helper()
	return newTestApp(t, append([]func(*config.Config){func(c *config.Config) {
		c.Basemaps.Sources = []config.BasemapSource{{Name: "Local", URL: srv.Template(kind), Attribution: "© Local",
			MaxZoom: 20}}
		c.Basemaps.MaxGenerateTiles = 200
		c.Basemaps.GenerateTimeout = 2 * time.Second
	}}, edit...)...)
}

// squareTiles lists the tiles covering the test AOI at zooms minZ-maxZ.
func squareTiles(t *testing.T, minZ, maxZ int) []xyztest.ZXY {
	t.Helper()
	mp, err := geo.ParseAOI([]byte(squareAOI(t)), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []xyztest.ZXY
	for z := minZ; z <= maxZ; z++ {
		for _, s := range basemapgen.Cover(orb.MultiPolygon(mp), z) {
			for x := s.X0; x <= s.X1; x++ {
				out = append(out, xyztest.ZXY{Z: z, X: x, Y: s.Y})
			}
		}
	}
	return out
}

func TestBasemapEstimateAndRefusals(t *testing.T) {
	t.Parallel()
	srv := xyztest.New(t, xyztest.Options{})
	ta := generationApp(t, srv, "png")
	_, admin := ta.newUser(t, "admin", true)
	_, mapperTok := ta.newUser(t, "mapper", false)
	pid := ta.publishedProject(t, admin, "")
	url := fmt.Sprintf("/api/v1/projects/%d/basemaps/", pid)
	want := len(squareTiles(t, 14, 17))
	body := func(source string, minZ, maxZ int, format string) string {
		return fmt.Sprintf(`{"source":%q,"min_zoom":%d,"max_zoom":%d,"format":%q}`, source, minZ, maxZ, format)
	}
	ta.run(t, []scenario{
		{name: "OKEstimate", method: "POST", url: url + "estimate", body: body("Local", 14, 17, "mbtiles"),
			headers: bearer(admin), wantStatus: 200,
			wantContain: []string{fmt.Sprintf(`"tiles":%d`, want), `"max_tiles":200`, `"estimated_bytes":`}},
		{name: "ErrOverTheLimit", method: "POST", url: url + "estimate", body: body("Local", 10, 20, "pmtiles"),
			headers: bearer(admin), wantStatus: 422, wantType: "application/problem+json",
			wantContain: []string{"more than 200 tiles", "basemaps.max_generate_tiles", "body.max_zoom"}},
		{name: "ErrGenerateOverTheLimit", method: "POST", url: url + "generate", body: body("Local", 10, 20, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"basemaps.max_generate_tiles"}},
		{name: "ErrPastTheSourcesZoom", method: "POST", url: url + "estimate", body: body("Local", 21, 21, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"Local serves zooms up to 20"}},
		{name: "ErrZoomsUpsideDown", method: "POST", url: url + "estimate", body: body("Local", 15, 14, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"at least the lowest zoom"}},
		{name: "ErrOSM", method: "POST", url: url + "generate",
			body: body("https://tile.openstreetmap.org/{z}/{x}/{y}.png", 14, 15, "mbtiles"), headers: bearer(admin),
			wantStatus: 422, wantContain: []string{"OpenStreetMap tile usage policy", "body.source"}},
		{name: "ErrOSMSubdomain", method: "POST", url: url + "estimate",
			body: body("https://b.tile.openstreetmap.org/{z}/{x}/{y}.png", 14, 15, "mbtiles"), headers: bearer(admin),
			wantStatus: 422, wantContain: []string{"forbids bulk downloads"}},
		{name: "ErrFileURL", method: "POST", url: url + "estimate", body: body("file:///etc/{z}/{x}/{y}", 14, 15, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"http:// or https://"}},
		{name: "ErrPrivateURL", method: "POST", url: url + "generate", body: body(srv.Template("png"), 14, 15, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"private network"}},
		{name: "ErrMetadataService", method: "POST", url: url + "generate",
			body: body("http://169.254.169.254/{z}/{x}/{y}", 14, 15, "mbtiles"), headers: bearer(admin),
			wantStatus: 422, wantContain: []string{"private network"}},
		{name: "ErrUnknownSource", method: "POST", url: url + "estimate", body: body("Elsewhere", 14, 15, "mbtiles"),
			headers: bearer(admin), wantStatus: 422, wantContain: []string{"neither a configured source"}},
		{name: "ErrFormat", method: "POST", url: url + "estimate", body: body("Local", 14, 15, "geotiff"),
			headers: bearer(admin), wantStatus: 422},
		{name: "ErrMalformed", method: "POST", url: url + "generate", body: `{"source":`, headers: bearer(admin),
			wantStatus: 400},
		{name: "ErrMapper", method: "POST", url: url + "generate", body: body("Local", 14, 15, "mbtiles"),
			headers: bearer(mapperTok), wantStatus: 403},
		{name: "ErrAnonymous", method: "POST", url: url + "estimate", body: body("Local", 14, 15, "mbtiles"),
			wantStatus: 401},
		{name: "ErrNoProject", method: "POST", url: "/api/v1/projects/999/basemaps/generate",
			body: body("Local", 14, 15, "mbtiles"), headers: bearer(admin), wantStatus: 404},
	})
}

// TestGenerateBasemapJob makes an MBTiles and a PMTiles basemap through the API: each job ends with a ready
// basemap of the project whose tiles are the source's, byte for byte, served by the basemap routes.
func TestGenerateBasemapJob(t *testing.T) {
	t.Parallel()
	tilesWant := squareTiles(t, 14, 16)
	srv := xyztest.New(t, xyztest.Options{Missing: tilesWant[1:2], Limited: tilesWant[2:3]})
	ta := generationApp(t, srv, "jpg")
	ta.startJobs(t)
	_, admin := ta.newUser(t, "admin", true)
	pid := ta.publishedProject(t, admin, "")
	for i, format := range []string{"mbtiles", "pmtiles"} {
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/projects/%d/basemaps/generate", pid), strings.NewReader(
			`{"source":"Local","min_zoom":14,"max_zoom":16,"format":"`+format+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, got := ta.do(t, req)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("generate: %d %s", resp.StatusCode, got)
		}
		var job JobBody
		decode(t, got, &job)
		if job.Kind != "generate_basemap" {
			t.Fatalf("job %+v", job)
		}
		ta.waitJob(t, job.ID, admin)
		st, err := ta.jobs.Status(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := len(tilesWant)
		if want := fmt.Sprintf("%d of %d tiles", n, n); !strings.Contains(st.Message, want) ||
			!strings.Contains(st.Message, "1 not at the source") || !strings.Contains(st.Message, "kB") {
			t.Errorf("progress message %q, want %q, the missing tile and the bytes", st.Message, want)
		}
		list, err := ta.store.Basemaps(context.Background(), pid)
		if err != nil || len(list) != i+1 {
			t.Fatalf("basemaps %v %v", list, err)
		}
		b := waitBasemapReady(t, ta, pid, list[i].ID)
		if b.Container != format || b.Format != "jpg" || b.MinZoom != 14 || b.MaxZoom != 16 {
			t.Errorf("basemap %+v", b)
		}
		if _, err := os.Stat(basemapgen.WorkPath(ta.cfg.Data.Dir, job.ID)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the work file is still there: %v", err)
		}
		if format == "mbtiles" {
			for j, at := range tilesWant {
				req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/%d/%d/%d", pid,
					b.ID, at.Z, at.X, at.Y), nil)
				req.Header.Set("Authorization", "Bearer "+admin)
				resp, got := ta.do(t, req)
				if j == 1 {
					if resp.StatusCode == 200 {
						t.Errorf("the tile the source lacks is served")
					}
					continue
				}
				if resp.StatusCode != 200 || !bytes.Equal([]byte(got), xyztest.Tile("jpg", at)) {
					t.Errorf("tile %v: %d %q", at, resp.StatusCode, got)
				}
			}
		}
	}
}

// waitBasemapReady polls a basemap until its validation ends and checks it is ready.
func waitBasemapReady(t *testing.T, ta *testApp, pid, bid int64) BasemapBody {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := ta.store.ProjectBasemap(context.Background(), pid, bid)
		if err != nil {
			t.Fatal(err)
		}
		if b.State != "validating" {
			if b.State != "ready" {
				t.Fatalf("basemap %s: %s", b.State, b.Message)
			}
			return basemapBody(b)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
	t.Fatal("the basemap was not checked in time")
	return BasemapBody{}
}

// TestCancelGeneration cancels a running generation with DELETE /jobs/{id}: the job ends cancelled, no basemap
// is registered and the work file is gone. Only project managers may cancel, and only generation jobs.
func TestCancelGeneration(t *testing.T) {
	t.Parallel()
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 100 * time.Millisecond
	ta := generationApp(t, srv, "png", func(c *config.Config) { c.Basemaps.GenerateConcurrency = 1 })
	ta.startJobs(t)
	_, admin := ta.newUser(t, "admin", true)
	_, mapperTok := ta.newUser(t, "mapper", false)
	pid := ta.publishedProject(t, admin, "")
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/projects/%d/basemaps/generate", pid), strings.NewReader(
		`{"source":"Local","min_zoom":14,"max_zoom":17,"format":"pmtiles"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, got := ta.do(t, req)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("generate: %d %s", resp.StatusCode, got)
	}
	var job JobBody
	decode(t, got, &job)
	jobURL := fmt.Sprintf("/api/v1/jobs/%d", job.ID)
	work := basemapgen.WorkPath(ta.cfg.Data.Dir, job.ID)
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Requests("png")) < 3 { // running, with tiles in the work file
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ta.run(t, []scenario{
		{name: "ErrMapperCannotCancel", method: "DELETE", url: jobURL, headers: bearer(mapperTok), wantStatus: 403},
		{name: "ErrAnonymous", method: "DELETE", url: jobURL, wantStatus: 401},
		{name: "OKCancel", method: "DELETE", url: jobURL, headers: bearer(admin), wantStatus: 202,
			wantContain: []string{`"kind":"generate_basemap"`}},
	})
	for {
		st, err := ta.jobs.Status(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is %s, not cancelled", st.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	asked := len(srv.Requests("png"))
	if _, err := os.Stat(work); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the work file is still there: %v", err)
	}
	if list, _ := ta.store.Basemaps(context.Background(), pid); len(list) != 0 {
		t.Errorf("a cancelled generation left basemaps %v", list)
	}
	if total := len(squareTiles(t, 14, 17)); asked >= total {
		t.Errorf("all %d tiles were asked for before the cancel took effect", total)
	}
	ta.run(t, []scenario{
		{name: "ErrAlreadyEnded", method: "DELETE", url: jobURL, headers: bearer(admin), wantStatus: 409},
		{name: "ErrNoJob", method: "DELETE", url: "/api/v1/jobs/99999", headers: bearer(admin), wantStatus: 404},
	})
	// Other kinds of jobs cannot be cancelled: an export.
	req = httptest.NewRequest("POST", fmt.Sprintf("/api/v1/projects/%d/exports", pid), strings.NewReader(`{"format":"zip"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	_, got = ta.do(t, req)
	var export ExportBody
	decode(t, got, &export)
	ta.run(t, []scenario{{name: "ErrOtherKind", method: "DELETE", url: fmt.Sprintf("/api/v1/jobs/%d", export.JobID),
		headers: bearer(admin), wantStatus: 409, wantContain: []string{"only basemap generation jobs"}}})
}
