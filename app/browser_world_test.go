package app

import (
	"context"
	"fieldbase/app/config"
	"fieldbase/app/tasking"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// recordingProxy is the browser's HTTP proxy (loopback included), so it sees every request the page, its workers
// and the browser make: it records each URL (CONNECT targets for https) and forwards only to the app.
type recordingProxy struct {
	app  string // host:port of the app
	mu   sync.Mutex
	urls []string
	// noWorld answers the world files with an empty collection (the figures' "world off").
	noWorld bool
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.URL.String()
	if r.Method == http.MethodConnect {
		target = "https://" + r.Host
	}
	p.mu.Lock()
	p.urls = append(p.urls, target)
	p.mu.Unlock()
	if r.Method == http.MethodConnect || r.URL.Host != p.app {
		http.Error(w, "this test allows no request outside the app", http.StatusForbidden)
		return
	}
	p.mu.Lock()
	noWorld := p.noWorld
	p.mu.Unlock()
	if noWorld && strings.HasPrefix(r.URL.Path, "/static/vendor/world/") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"FeatureCollection","features":[]}`)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out.Header = r.Header.Clone()
	out.Header.Del("Proxy-Connection")
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if f, ok := w.(http.Flusher); ok && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				_, _ = w.Write(buf[:n])
				f.Flush()
			}
			if err != nil {
				return
			}
		}
	}
	_, _ = io.Copy(w, resp.Body)
}

// chromiumOwn are the hosts Debian's Chromium itself calls with every flag above set (its component updater and
// its account service, for an empty tab too); no page script can reach them through them. Exact hosts only.
var chromiumOwn = []string{"https://accounts.google.com:443", "https://update.googleapis.com:443",
	"http://update.googleapis.com/service/update2/json"}

// outside lists the recorded URLs that are neither the app's nor Chromium's own.
func (p *recordingProxy) outside() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, u := range p.urls {
		own := slices.ContainsFunc(chromiumOwn, func(h string) bool { return u == h || strings.HasPrefix(u, h+"?") })
		if !own && !strings.HasPrefix(u, "http://"+p.app+"/") {
			out = append(out, u)
		}
	}
	return out
}

func (p *recordingProxy) matching(part string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, u := range p.urls {
		if strings.Contains(u, part) {
			n++
		}
	}
	return n
}

// proxiedBrowser starts a headless Chromium whose every request, loopback included, goes through a recording
// proxy that forwards only to the app at base.
func proxiedBrowser(t *testing.T, exe, base string) (context.Context, *recordingProxy) {
	t.Helper()
	p := &recordingProxy{app: strings.TrimPrefix(base, "http://")}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("enable-unsafe-swiftshader", true),
		// Chromium's own services (autofill hints for the sign-in form) are the browser's, not the page's.
		chromedp.Flag("disable-features", "AutofillServerCommunication,OptimizationHints,Translate,MediaRouter,NetworkTimeServiceQuerying,PasswordLeakDetection"),
		chromedp.ProxyServer("http://" + ln.Addr().String()), chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.WindowSize(1280, 850)}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(cancelCtx)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, p
}

// landAt is a JavaScript condition: the first map of the page has drawn its world (land and borders loaded) and
// the land layer is (want true) or is not rendered at lon, lat.
func landAt(lon, lat string, want bool) string {
	op := "> 0"
	if !want {
		op = "=== 0"
	}
	return `(function () { var m = window.fbMap && fbMap.maps[0];
		if (!m || !m.isSourceLoaded("fb-world-land") || !m.isSourceLoaded("fb-world-borders") || !m.loaded()) { return false; }
		return m.queryRenderedFeatures(m.project([` + lon + `, ` + lat + `]), { layers: ["fb-world-land"] }).length ` + op + `; })()`
}

// waitWorld waits until the first map shows land at lon, lat; on a timeout it says what the map had done.
func waitWorld(t *testing.T, ctx context.Context, step, lon, lat string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, waitJS(landAt(lon, lat, true))); err == nil {
		return
	}
	state, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`(function () {
		var m = window.fbMap && fbMap.maps[0]; if (!m) { return "no map"; }
		return JSON.stringify({ loaded: m.loaded(), style: m.isStyleLoaded(), land: m.isSourceLoaded("fb-world-land"),
			borders: m.isSourceLoaded("fb-world-borders"), center: m.getCenter(), zoom: m.getZoom(),
			here: m.queryRenderedFeatures(m.project([`+lon+`, `+lat+`]), { layers: ["fb-world-land"] }).length,
			all: m.queryRenderedFeatures(undefined, { layers: ["fb-world-land"] }).length }); })()`))
	t.Fatalf("%s: no land drawn at %s, %s within 20 s; the map: %s", step, lon, lat, state)
}

// placeShown is a JavaScript condition: the first map has loaded its populated places and draws the one called name,
// its dot and its name (a label image placed on the map, not hidden by a larger place's).
func placeShown(name string) string {
	return `(function () { var m = window.fbMap && fbMap.maps[0];
		if (!m || !m.isSourceLoaded("fb-world-places") || !m.loaded()) { return false; }
		function drawn(layer) { return m.queryRenderedFeatures(undefined, { layers: [layer] })
			.some(function (f) { return f.properties.n === ` + strconv.Quote(name) + `; }); }
		return drawn("fb-world-places") && drawn("fb-world-place-labels"); })()`
}

// waitPlace waits until the first map draws the place called name with its label; on a timeout it says which
// places the map drew.
func waitPlace(t *testing.T, ctx context.Context, step, name string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, waitJS(placeShown(name))); err == nil {
		return
	}
	state, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`(function () {
		var m = window.fbMap && fbMap.maps[0]; if (!m) { return "no map"; }
		function names(layer) { return m.queryRenderedFeatures(undefined, { layers: [layer] })
			.map(function (f) { return f.properties.n; }).slice(0, 30).join(", "); }
		return JSON.stringify({ loaded: m.loaded(), places: m.isSourceLoaded("fb-world-places"), zoom: m.getZoom(),
			center: m.getCenter(), dots: names("fb-world-places"), labels: names("fb-world-place-labels") }); })()`))
	t.Fatalf("%s: %s not drawn with its name within 20 s; the map: %s", step, name, state)
}

// TestWorldMapOffline: every map page draws the world from this server alone. The project page and the new
// project page request nothing from any other host (every request is recorded), fetch the world files, and
// render land under the project's area, with Kathmandu's dot and name beside it; zoomed out over the Gulf of
// Guinea, the sea at 0°, 0° has no land, the coast at 20°E does, the coastline and country borders are drawn, and
// so are the names of the region's largest cities; Lake Victoria is drawn in the sea's colour over the land.
func TestWorldMapOffline(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.publishedProject(t, tok, "")
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	browser, proxy := proxiedBrowser(t, exe, base)
	ctx := tab(t, browser, watch, "world")
	shot := shooter(t)

	run(t, ctx, "project page", chromedp.Navigate(base+"/projects/"+strconv.FormatInt(id, 10)),
		waitJS(`window.fbProject && fbProject.ready === true`))
	// The square AOI of testdata lies in Kathmandu (85.3°E, 27.7°N).
	waitWorld(t, ctx, "land under the AOI", "85.305", "27.705")
	shot(ctx, "world-project")
	// The map fits the 1 km AOI at zoom 15; GeoNames' point for Kathmandu (85.321°E, 27.702°N) lies 1.6 km east of
	// its centre, at the edge of the view or just past it. Zoomed out to 12 around the AOI, the city is named.
	value(t, ctx, "zoom 12", chromedp.Evaluate[bool](`fbMap.maps[0].jumpTo({ zoom: 12 }), true`))
	waitPlace(t, ctx, "Kathmandu beside the AOI", "Kathmandu")
	shot(ctx, "world-project-zoom12")
	if glyphs := value(t, ctx, "glyphs", chromedp.Evaluate[bool](`fbMap.maps[0].getStyle().glyphs === undefined`)); !glyphs {
		t.Error("the world style names a glyph server")
	}
	value(t, ctx, "zoom out", chromedp.Evaluate[bool](`fbMap.maps[0].jumpTo({ center: [10, 0], zoom: 3 }), true`))
	waitWorld(t, ctx, "land in Gabon", "20", "0")
	sea := value(t, ctx, "sea", chromedp.Evaluate[int](`fbMap.maps[0].queryRenderedFeatures(
		fbMap.maps[0].project([0, 0]), { layers: ["fb-world-land"] }).length`))
	if sea != 0 {
		t.Errorf("land drawn in the Gulf of Guinea at 0°, 0° (%d features)", sea)
	}
	borders := value(t, ctx, "borders", chromedp.Evaluate[int](`fbMap.maps[0].queryRenderedFeatures(
		undefined, { layers: ["fb-world-borders"] }).length`))
	if borders == 0 {
		t.Error("no country border drawn over West and Central Africa")
	}
	coast := value(t, ctx, "coast", chromedp.Evaluate[int](`fbMap.maps[0].queryRenderedFeatures(
		undefined, { layers: ["fb-world-coast"] }).length`))
	if coast == 0 {
		t.Error("no coastline drawn around the Gulf of Guinea")
	}
	// Capitals and places of 5 million or more show from zoom 2; places of 50,000 (dozens in Nigeria alone) only
	// from zoom 7.
	waitPlace(t, ctx, "Lagos at zoom 3", "Lagos")
	waitPlace(t, ctx, "Kinshasa at zoom 3", "Kinshasa")
	small := value(t, ctx, "small places", chromedp.Evaluate[string](`fbMap.maps[0].queryRenderedFeatures(
		undefined, { layers: ["fb-world-places"] }).filter(function (f) { return f.properties.r === 5; })
		.map(function (f) { return f.properties.n; }).join(", ")`))
	if small != "" {
		t.Errorf("places of 50,000 people drawn at zoom 3: %s", small)
	}
	shot(ctx, "world-africa")
	value(t, ctx, "Lake Victoria", chromedp.Evaluate[bool](`fbMap.maps[0].jumpTo({ center: [33, -1], zoom: 5 }), true`))
	waitWorld(t, ctx, "land around Lake Victoria", "33", "-1")
	run(t, ctx, "lake drawn", waitJS(`(function () { var m = fbMap.maps[0];
		return m.isSourceLoaded("fb-world-lakes") && m.loaded() &&
			m.queryRenderedFeatures(m.project([33, -1]), { layers: ["fb-world-lakes"] }).length > 0 &&
			m.queryRenderedFeatures(m.project([30, -1]), { layers: ["fb-world-lakes"] }).length === 0; })()`))
	colours := value(t, ctx, "lake colour", chromedp.Evaluate[[]string](`[fbMap.maps[0].getPaintProperty("fb-world-lakes", "fill-color"),
		fbMap.maps[0].getPaintProperty("background", "background-color")]`))
	if colours[0] != colours[1] {
		t.Errorf("lakes drawn in %s, the sea in %s", colours[0], colours[1])
	}
	waitPlace(t, ctx, "Kampala by the lake", "Kampala")
	shot(ctx, "world-lake-victoria")
	// world-atlas's rings are spherical: Fiji's jumps from 180° to -180° at 16.5°S, which a flat map would draw as a
	// coastline across the whole Pacific.
	value(t, ctx, "Pacific", chromedp.Evaluate[bool](`fbMap.maps[0].jumpTo({ center: [-150, -16.5], zoom: 3 }), true`))
	waitWorld(t, ctx, "Fiji", "-182", "-17.8") // Viti Levu, 178°E, seen west of the antimeridian
	across := value(t, ctx, "across", chromedp.Evaluate[int](`(function () { var m = fbMap.maps[0];
		var p = m.project([-150, -16.52]);
		return m.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]], { layers: ["fb-world-land", "fb-world-coast"] }).length; })()`))
	if across != 0 {
		t.Errorf("a coastline or land drawn in the open Pacific at 150°W, 16.5°S (%d features)", across)
	}
	shot(ctx, "world-pacific")
	switcher := value(t, ctx, "switcher", chromedp.Evaluate[int](`document.querySelectorAll("#basemap-select").length`))
	if switcher != 0 {
		t.Error("a basemap switcher with nothing to choose from")
	}

	// Signed in by cookie: a password typed into a form wakes Chromium's own password and autofill services.
	signed, _ := ta.pageBrowser(t, "pm")
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: sessionCookie,
		Value: signed.cookie, URL: base}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "new project page", chromedp.Navigate(base+"/projects/new"), waitJS(`window.fbMap && fbMap.maps.length > 0`))
	shot(ctx, "world-new-project")
	waitWorld(t, ctx, "new project page land", "20", "0")
	for _, f := range []string{"land.geojson", "borders.geojson", "lakes.geojson", "places.json"} {
		if n := proxy.matching("/static/vendor/world/" + f); n < 1 {
			t.Errorf("the world's %s was requested %d times over two map pages", f, n)
		}
	}
	if n := proxy.matching(base); n < 10 {
		t.Errorf("only %d requests recorded: the proxy does not see the pages", n)
	}
	for _, u := range proxy.outside() {
		t.Errorf("a map page requested %s", u)
	}
}

// TestOnlineBasemapSwitcher: with an online basemap configured, the project map offers it in the layer switcher
// but asks nothing of its host until someone chooses it; chosen, its raster goes above the world and below the
// tasks, its attribution shows, and its tiles are asked of that host alone.
func TestOnlineBasemapSwitcher(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t, func(c *config.Config) {
		c.Maps.OnlineBasemaps = []config.OnlineBasemap{{Name: "Imagery",
			URL: "https://imagery.invalid/tiles/{z}/{x}/{y}.jpg", Attribution: "Imagery © Example", MaxZoom: 19}}
	})
	_, tok := ta.newUser(t, "pm", false)
	id := ta.publishedProject(t, tok, "")
	base := ta.listen(t)
	browser, proxy := proxiedBrowser(t, exe, base)
	ctx := tab(t, browser, &pageWatch{host: strings.TrimPrefix(base, "http://")}, "online") // tile errors expected
	run(t, ctx, "project page", chromedp.Navigate(base+"/projects/"+strconv.FormatInt(id, 10)),
		waitJS(`window.fbProject && fbProject.ready === true && document.querySelector("#basemap-select") !== null`))
	waitWorld(t, ctx, "world", "85.305", "27.705")
	options := value(t, ctx, "options", chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll("#basemap-select option")).map(function (o) { return o.textContent; }).join(", ")`))
	if options != "World map (offline), Imagery (online)" {
		t.Errorf("switcher offers %q", options)
	}
	if out := proxy.outside(); len(out) != 0 {
		t.Errorf("requests outside before the online basemap was chosen: %v", out)
	}
	run(t, ctx, "choose", chromedp.SetValue(chromedp.CSS("#basemap-select"), "online:Imagery"))
	value(t, ctx, "change", chromedp.Evaluate[bool](`document.querySelector("#basemap-select").dispatchEvent(new Event("change"))`))
	run(t, ctx, "drawn", waitJS(`(function () { var ids = fbMap.maps[0].getStyle().layers.map(function (l) { return l.id; });
			return ids.indexOf("fb-basemap-raster") > ids.indexOf("fb-world-borders") && ids.indexOf("fb-basemap-raster") < ids.indexOf("tasks-fill"); })()`),
		waitJS(`document.querySelector(".maplibregl-ctrl-attrib").textContent.indexOf("Imagery © Example") >= 0`))
	deadline := time.Now().Add(10 * time.Second)
	for len(proxy.outside()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	out := proxy.outside()
	if len(out) == 0 {
		t.Fatal("no tile asked of the online basemap's host")
	}
	for _, u := range out {
		if u != "https://imagery.invalid:443" {
			t.Errorf("the online basemap asked %s", u)
		}
	}
	if saved := value(t, ctx, "saved", chromedp.Evaluate[string](
		`localStorage.getItem("fieldbase.basemap.`+strconv.FormatInt(id, 10)+`") || ""`)); saved != "online:Imagery" {
		t.Errorf("choice remembered as %q", saved)
	}
}

// TestWorldPaintFigures measures the first map paint of a project of about 9,000 tasks with the world map on and
// off (the world files answered empty by the proxy), alternately, three times each, each in a fresh tab (the
// first, cold, may pass the 20 s step limit on a loaded machine: run it on a quiet one). It is
// slow, so it runs only with FIELDBASE_FIGURES=1.
func TestWorldPaintFigures(t *testing.T) {
	if os.Getenv("FIELDBASE_FIGURES") == "" {
		t.Skip("set FIELDBASE_FIGURES=1 to measure the first map paint")
	}
	exe := chromium(t)
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.newProject(t, tok, "")
	res, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: id, Method: "grid",
		CellSizeM: 11}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ta.markPublished(t, id)
	base := ta.listen(t)
	browser, proxy := proxiedBrowser(t, exe, base)
	page := base + "/projects/" + strconv.FormatInt(id, 10)
	for i := range 6 {
		on := i%2 == 0
		proxy.mu.Lock()
		proxy.noWorld = !on
		proxy.mu.Unlock()
		ctx := tab(t, browser, &pageWatch{host: strings.TrimPrefix(base, "http://")}, "figures")
		run(t, ctx, "paint", chromedp.Navigate(page), waitJS(`window.fbProject && fbProject.painted > 0`))
		painted := value(t, ctx, "painted", chromedp.Evaluate[float64](`fbProject.painted`))
		n := value(t, ctx, "count", chromedp.Evaluate[int](`fbProject.count()`))
		t.Logf("world map %v: first map paint of %d tasks at %.0f ms after navigation start", on, n, painted)
	}
	t.Logf("split made %+v", res)
}
