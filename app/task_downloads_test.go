package app

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/app/tasking"
	"fieldbase/app/testtool"
	"fieldbase/db"

	"github.com/chromedp/chromedp"
)

// downloadBoundaries splits the square AOI into task 1, the west half in two parts (south and north, with a
// gap between them), and task 2, the east half.
const downloadBoundaries = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[
  [[[85.3,27.7],[85.305,27.7],[85.305,27.704],[85.3,27.704],[85.3,27.7]]],
  [[[85.3,27.706],[85.305,27.706],[85.305,27.71],[85.3,27.71],[85.3,27.706]]]]}},
 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
  [[85.305,27.7],[85.31,27.7],[85.31,27.71],[85.305,27.71],[85.305,27.7]]]}}]}`

// downloadExtract has a point, a line and a building in task 1, a point in task 2 and a point in the gap of
// task 1 (in no task): only the first three belong in task 1's files.
const downloadExtract = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Well <A> & \"B\"","amenity":"drinking_water"},
  "geometry":{"type":"Point","coordinates":[85.301,27.701]}},
 {"type":"Feature","properties":{"highway":"footway","name":"Mill path"},
  "geometry":{"type":"LineString","coordinates":[[85.301,27.702],[85.302,27.7025],[85.303,27.703]]}},
 {"type":"Feature","properties":{"building":"school","name":"Shree school"},
  "geometry":{"type":"Polygon","coordinates":[[[85.302,27.707],[85.303,27.707],[85.303,27.708],[85.302,27.708],[85.302,27.707]]]}},
 {"type":"Feature","properties":{"name":"East shop","shop":"kiosk"},
  "geometry":{"type":"Point","coordinates":[85.308,27.705]}},
 {"type":"Feature","properties":{"name":"Gap tree","natural":"tree"},
  "geometry":{"type":"Point","coordinates":[85.302,27.705]}}]}`

// downloadProject makes a draft project "Roofs" of the owner (extra adds fields to its JSON) with
// downloadExtract split by downloadBoundaries.
func (ta *testApp) downloadProject(t *testing.T, owner, extra string) int64 {
	t.Helper()
	id := ta.newProject(t, owner, extra)
	ta.run(t, []scenario{{name: "UploadExtract", method: http.MethodPost,
		url: fmt.Sprintf("/api/v1/projects/%d/features", id), headers: bearer(owner), body: downloadExtract,
		wantStatus: http.StatusCreated}})
	if _, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: id,
		Method: "boundaries", Boundaries: json.RawMessage(downloadBoundaries)}, nil); err != nil {
		t.Fatal(err)
	}
	return id
}

// xmlValid runs xmllint with a schema of app/navfile/testdata/schemas on doc, skipping the test without xmllint.
func xmlValid(t *testing.T, schema, doc string) {
	t.Helper()
	testtool.Need(t, "xmllint not installed (Debian package libxml2-utils): the schema check needs it", "xmllint")
	file := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	xsd := filepath.Join("navfile", "testdata", "schemas", schema)
	if out, err := exec.Command("xmllint", "--noout", "--schema", xsd, file).CombinedOutput(); err != nil {
		t.Fatalf("%s does not validate: %v\n%s", schema, err, out)
	}
}

func TestTaskDownloads(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.downloadProject(t, owner, "")
	u := fmt.Sprintf("/api/v1/projects/%d/tasks/1", id)
	inside := []string{"Well &lt;A&gt; &amp; &#34;B&#34;", "Mill path", "Shree school"}
	outside := []string{"East shop", "Gap tree"}
	ta.run(t, []scenario{
		{name: "OK_GeoJSON", method: http.MethodGet, url: u + ".geojson", headers: bearer(owner),
			wantStatus: http.StatusOK, wantType: "application/geo+json",
			wantContain: []string{`"role":"outline"`, `"role":"feature"`, `"name":"Well \u003cA\u003e \u0026 \"B\""`,
				`"Mill path"`, `"Shree school"`}, wantAbsent: outside},
		{name: "OK_KML", method: http.MethodGet, url: u + ".kml", headers: bearer(owner), wantStatus: http.StatusOK,
			wantType: "application/vnd.google-earth.kml+xml", wantContain: inside, wantAbsent: outside},
		{name: "OK_GPX", method: http.MethodGet, url: u + ".gpx", headers: bearer(owner), wantStatus: http.StatusOK,
			wantType: "application/gpx+xml", wantContain: inside, wantAbsent: outside},
		{name: "OK_OtherTask", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/tasks/2.kml", id),
			headers: bearer(owner), wantStatus: http.StatusOK, wantContain: []string{"East shop"},
			wantAbsent: []string{"Mill path", "Gap tree"}},
		{name: "ErrUnknownTask", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/tasks/99.gpx", id),
			headers: bearer(owner), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
		{name: "ErrTaskZero", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/tasks/0.gpx", id),
			headers: bearer(owner), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
		{name: "ErrNotAnIndex", method: http.MethodGet, url: fmt.Sprintf("/api/v1/projects/%d/tasks/one.gpx", id),
			headers: bearer(owner), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
		{name: "ErrUnknownFormat", method: http.MethodGet, url: u + ".shp", headers: bearer(owner),
			wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
		{name: "ErrUnknownProject", method: http.MethodGet, url: "/api/v1/projects/999/tasks/1.kml",
			headers: bearer(owner), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
		// The JSON task route beside it still answers.
		{name: "OK_TaskJSON", method: http.MethodGet, url: u, headers: bearer(owner), wantStatus: http.StatusOK,
			wantContain: []string{`"index":1`}},
	})

	get := func(ext string) (*http.Response, string) {
		req := httptest.NewRequest(http.MethodGet, u+"."+ext, nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		return ta.do(t, req)
	}
	for _, ext := range []string{"geojson", "kml", "gpx"} {
		resp, _ := get(ext)
		want := `attachment; filename="roofs-task-1.` + ext + `"`
		if cd := resp.Header.Get("Content-Disposition"); cd != want {
			t.Errorf("%s: Content-Disposition %q, want %q", ext, cd, want)
		}
	}
	t.Run("KMLValidates", func(t *testing.T) {
		_, kml := get("kml")
		xmlValid(t, "ogckml22-subset.xsd", kml)
		var doc struct {
			Names []string `xml:"Document>Placemark>name"`
		}
		if err := xml.Unmarshal([]byte(kml), &doc); err != nil {
			t.Fatal(err)
		}
		want := "Task 1 (part 1 of 2)|Task 1 (part 2 of 2)|Well <A> & \"B\"|Mill path|Shree school"
		if got := strings.Join(doc.Names, "|"); got != want {
			t.Errorf("placemarks %q, want %q", got, want)
		}
	})
	t.Run("GPXValidates", func(t *testing.T) {
		_, gpx := get("gpx")
		xmlValid(t, "gpx-1.1.xsd", gpx)
		var doc struct {
			Wpts []string `xml:"wpt>name"`
			Trks []string `xml:"trk>name"`
		}
		if err := xml.Unmarshal([]byte(gpx), &doc); err != nil {
			t.Fatal(err)
		}
		if w, tr := strings.Join(doc.Wpts, "|"), strings.Join(doc.Trks, "|"); w != `Well <A> & "B"` ||
			tr != "Task 1 (part 1 of 2)|Task 1 (part 2 of 2)|Mill path|Shree school" {
			t.Errorf("waypoints %q, tracks %q", w, tr)
		}
	})
}

// TestTaskDownloadAccess: the downloads follow the access of reading a project's tasks.
func TestTaskDownloadAccess(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	_, outsider := ta.newUser(t, "outsider", false)
	draft := ta.downloadProject(t, owner, "")
	private := ta.downloadProject(t, owner, `,"visibility":"private"`)
	ta.markPublished(t, private)
	public := ta.downloadProject(t, owner, "")
	ta.markPublished(t, public)
	drft := fmt.Sprintf("/api/v1/projects/%d/tasks/1", draft)
	priv := fmt.Sprintf("/api/v1/projects/%d/tasks/1", private)
	pub := fmt.Sprintf("/api/v1/projects/%d/tasks/1", public)
	var scenarios []scenario
	for _, ext := range []string{".geojson", ".kml", ".gpx"} {
		scenarios = append(scenarios,
			scenario{name: "Hidden_AnonymousDraft" + ext, method: http.MethodGet, url: drft + ext,
				wantStatus: http.StatusNotFound, wantType: "application/problem+json", wantAbsent: []string{"Mill path"}},
			scenario{name: "Hidden_OutsiderDraft" + ext, method: http.MethodGet, url: drft + ext,
				headers: bearer(outsider), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
			scenario{name: "Hidden_AnonymousPrivate" + ext, method: http.MethodGet, url: priv + ext,
				wantStatus: http.StatusNotFound, wantType: "application/problem+json", wantAbsent: []string{"Mill path"}},
			scenario{name: "Hidden_OutsiderPrivate" + ext, method: http.MethodGet, url: priv + ext,
				headers: bearer(outsider), wantStatus: http.StatusNotFound, wantType: "application/problem+json"},
			scenario{name: "OK_MemberPrivate" + ext, method: http.MethodGet, url: priv + ext,
				headers: bearer(owner), wantStatus: http.StatusOK, wantContain: []string{"Mill path"}},
			scenario{name: "OK_AnonymousPublished" + ext, method: http.MethodGet, url: pub + ext,
				wantStatus: http.StatusOK, wantContain: []string{"Mill path"}},
		)
	}
	// The same answers as the task's JSON route.
	scenarios = append(scenarios,
		scenario{name: "Hidden_AnonymousDraftJSON", method: http.MethodGet, url: drft, wantStatus: http.StatusNotFound},
		scenario{name: "Hidden_AnonymousPrivateJSON", method: http.MethodGet, url: priv, wantStatus: http.StatusNotFound},
		scenario{name: "OK_AnonymousPublishedJSON", method: http.MethodGet, url: pub, wantStatus: http.StatusOK})
	ta.run(t, scenarios)
}

func TestTaskFileName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ project, want string }{
		{"Roofs", "roofs-task-7.gpx"},
		{`Kathmandu "Ward 5" / roads & rivers`, "kathmandu-ward-5-roads-rivers-task-7.gpx"},
		{"evil\r\nSet-Cookie: x=1; ../../etc", "evil-set-cookie-x-1-etc-task-7.gpx"},
		{"Ŋepal ग्राम", "epal-task-7.gpx"},
		{"परियोजना", "project-task-7.gpx"},
		{strings.Repeat("a", 200), strings.Repeat("a", 60) + "-task-7.gpx"},
	} {
		if got := taskFileName(tc.project, 7, "gpx"); got != tc.want {
			t.Errorf("taskFileName(%q) = %q, want %q", tc.project, got, tc.want)
		}
	}
}

// TestTaskDownloadsRealExtract splits the Kathmandu AOI into a 100 m grid over its real OSM extract (buildings
// with nested tags, highways, waterways) and checks every task's files: each holds exactly the task's features,
// named from their tags, and its KML and GPX validate.
func TestTaskDownloadsRealExtract(t *testing.T) {
	t.Parallel()
	dir := fixturesDir(t)
	aoi := readFile(t, filepath.Join(dir, "aoi", "kathmandu.geojson"))
	extract := readFile(t, filepath.Join(dir, "extracts", "kathmandu_extract.geojson"))
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/projects",
		strings.NewReader(`{"name":"Kathmandu roofs","aoi":`+string(aoi)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+owner)
	resp, got := ta.do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create project: %d %s", resp.StatusCode, got)
	}
	var p ProjectBody
	decode(t, got, &p)
	ta.run(t, []scenario{{name: "UploadExtract", method: http.MethodPost, headers: bearer(owner),
		url: fmt.Sprintf("/api/v1/projects/%d/features", p.ID), body: string(extract), wantStatus: http.StatusCreated,
		wantContain: []string{`"added":689`}}})
	if _, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: p.ID,
		Method: "grid", CellSizeM: 100}, nil); err != nil {
		t.Fatal(err)
	}
	tasks, err := ta.store.Tasks(context.Background(), p.ID, db.TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	get := func(index int, ext string) string {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/projects/%d/tasks/%d.%s", p.ID, index, ext), nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		resp, body := ta.do(t, req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("task %d %s: %d %s", index, ext, resp.StatusCode, body)
		}
		return body
	}
	total := 0
	for _, task := range tasks {
		var fc struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		decode(t, get(task.Index, "geojson"), &fc)
		if n := len(fc.Features) - 1; n != task.FeatureCount {
			t.Errorf("task %d: %d features in the GeoJSON, want its %d", task.Index, n, task.FeatureCount)
		}
		total += task.FeatureCount
		kml, gpx := get(task.Index, "kml"), get(task.Index, "gpx")
		if task.FeatureCount > 0 && (!strings.Contains(kml, "<name>building=") || strings.Contains(kml, "<name>Feature ")) {
			t.Errorf("task %d: features not named from their nested tags", task.Index)
		}
		t.Run(fmt.Sprintf("Task%dKML", task.Index), func(t *testing.T) { xmlValid(t, "ogckml22-subset.xsd", kml) })
		t.Run(fmt.Sprintf("Task%dGPX", task.Index), func(t *testing.T) { xmlValid(t, "gpx-1.1.xsd", gpx) })
	}
	if total == 0 || len(tasks) < 2 {
		t.Fatalf("%d tasks holding %d features: the split did not give the test anything to check", len(tasks), total)
	}
}

// TestTaskPanelDownloadLinks: the task panel links each file, says which apps open which, and the links work
// with the browser's session.
func TestTaskPanelDownloadLinks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.downloadProject(t, owner, `,"visibility":"private"`)
	ta.markPublished(t, id)
	b, _ := ta.pageBrowser(t, "owner")
	resp, panel := b.send(httptestGet(fmt.Sprintf("/projects/%d/tasks/1", id)), map[string]string{"HX-Request": "true"})
	check(t, resp, panel, http.StatusOK, "Take it to the field")
	checkWords(t, panel, "Organic Maps, OsmAnd: GPX or KML.")
	for _, ext := range []string{"gpx", "kml", "geojson"} {
		href := fmt.Sprintf("/api/v1/projects/%d/tasks/1.%s", id, ext)
		if !strings.Contains(panel, `href="`+href+`" download`) {
			t.Errorf("the panel has no download link %s", href)
			continue
		}
		resp, got := b.send(httptestGet(href), nil)
		check(t, resp, got, http.StatusOK, "Mill path")
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("%s: Content-Disposition %q", ext, cd)
		}
	}
	// Without the session the private project's file is hidden, as its panel is.
	ta.run(t, []scenario{{name: "Hidden_Anonymous", method: http.MethodGet,
		url: fmt.Sprintf("/api/v1/projects/%d/tasks/1.gpx", id), wantStatus: http.StatusNotFound}})
}

// TestBrowserTaskDownloads opens a task on the project map in Chromium: the panel shows the three download
// links, each downloads its file with the browser's session, and at 360 px wide the task page keeps them
// thumb-sized without sideways scrolling.
func TestBrowserTaskDownloads(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.downloadProject(t, owner, `,"visibility":"private"`)
	ta.markPublished(t, id)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	shot := shooter(t)
	ctx := tab(t, newBrowser(t, exe), watch, "owner")
	project := fmt.Sprintf("%s/projects/%d", base, id)
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "owner"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	// Steps of their own, each with its deadline: on a busy machine the map takes a while.
	run(t, ctx, "project map", chromedp.Navigate(project), waitJS(`window.fbProject && window.fbProject.ready === true`))
	run(t, ctx, "open task", waitJS(`fbProject.openTask(1) || true`),
		chromedp.WaitVisible(chromedp.CSS(`#task-panel a[data-format="gpx"]`)))
	run(t, ctx, "scroll to the links", chromedp.ScrollIntoView(chromedp.CSS(`#task-panel a[data-format="gpx"]`)))
	shot(ctx, "task-downloads")
	got := value(t, ctx, "download", chromedp.Evaluate[string](`Promise.all([...document.querySelectorAll(
		"#task-panel a[data-format]")].map(a => fetch(a.href).then(async r => a.dataset.format + " " + r.status + " " +
		r.headers.get("content-disposition") + " " + (await r.text()).includes("Mill path")))).then(x => x.join("|"))`,
		chromedp.EvalAwaitPromise))
	want := `gpx 200 attachment; filename="roofs-task-1.gpx" true|kml 200 attachment; filename="roofs-task-1.kml" true|` +
		`geojson 200 attachment; filename="roofs-task-1.geojson" true`
	if got != want {
		t.Errorf("the panel's links fetched\n%s\nwant\n%s", got, want)
	}
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, ctx, "desktop viewport", chromedp.EmulateReset())
	run(t, ctx, "task page", chromedp.Navigate(project+"/tasks/1"),
		chromedp.WaitVisible(chromedp.CSS(`a[data-format="geojson"]`)))
	noSideways(t, ctx, "task page")
	if small := smallTargets(t, ctx); small != "" {
		t.Errorf("buttons or links under 44 px tall at 360 px wide: %s", small)
	}
	run(t, ctx, "scroll", chromedp.ScrollIntoView(chromedp.CSS(`a[data-format="geojson"]`)))
	shot(ctx, "task-downloads-phone")
}
