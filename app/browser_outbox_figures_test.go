package app

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOutboxFigures measures, in Chromium: the time from "online" to an empty outbox for 50 queued submissions
// with 200 KB photos, and the service worker's caches for a project with one form and 100 tasks (the app shell,
// plus the form's cache: its page, its XML and the tasks GeoJSON), and the first paint of the fill page offline
// (first-contentful-paint, and the time until the Web Forms form is drawn and usable). Slow, so only with FIELDBASE_FIGURES=1:
//
//	FIELDBASE_FIGURES=1 go test ./app -run TestOutboxFigures -v
func TestOutboxFigures(t *testing.T) {
	if os.Getenv("FIELDBASE_FIGURES") == "" {
		t.Skip("set FIELDBASE_FIGURES=1 to measure the outbox")
	}
	exe := chromium(t)
	ctx0 := context.Background()
	ta, fp, ns, base := outboxSetup(t)
	err := ta.store.Write(ctx0, func(ctx context.Context, tx *sql.Tx) error {
		for i := range 100 {
			x, y := float64(i%10)*0.01, float64(i/10)*0.01
			outline := fmt.Sprintf(`{"type":"MultiPolygon","coordinates":[[[[%[1]g,%[2]g],[%[3]g,%[2]g],[%[3]g,%[4]g],[%[1]g,%[4]g],[%[1]g,%[2]g]]]]}`,
				x, y, x+0.01, y+0.01)
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (project_id, idx, outline, min_lon, min_lat, max_lon,
				max_lat, area_m2, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '2026-01-01T00:00:00Z')`,
				fp.id, i+1, outline, x, y, x+0.01, y+0.01); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	ctx, _ := profileBrowser(t, exe, t.TempDir(), watch, "mapper")
	signIn(t, ctx, base, "walker")
	openOutbox(t, ctx, base)
	waitController(t, ctx)

	type cached struct {
		Cache string
		URLs  int
		Bytes int
	}
	got := eval[cached](t, ctx, "cache the form", fmt.Sprintf(`fbOutbox.cacheForm({projectId: %d, formId: "linked",
		version: "3", urls: ["/projects/%d/forms", "/api/v1/projects/%d/forms/linked.xml"]})`, fp.id, fp.id, fp.id))
	sizes := eval[map[string]int](t, ctx, "cache sizes", `(async () => {
		const out = {};
		for (const k of await caches.keys()) {
			const c = await caches.open(k);
			let n = 0;
			for (const r of await c.keys()) n += (await (await c.match(r)).arrayBuffer()).byteLength;
			out[k.split("|")[0]] = (out[k.split("|")[0]] || 0) + n;
		}
		return out;
	})()`)
	t.Logf("service worker caches, project with one form and 100 tasks: app shell %d bytes, form cache %d bytes "+
		"(%d URLs; no basemap), total %d bytes", sizes["fb-shell"], sizes["fb-form"], got.URLs,
		sizes["fb-shell"]+sizes["fb-form"])

	goOffline(t, ctx, ns)
	var ids []string
	for i := range 50 {
		ids = append(ids, fmt.Sprintf("uuid:fig-%02d", i))
	}
	for i := 0; i < 50; i += 10 {
		eval[int](t, ctx, "enqueue", enqueueJS(fp.id, i, ids[i:i+10]...))
	}
	if n := eval[int](t, ctx, "count", `fbOutbox.count()`); n != 50 {
		t.Fatalf("%d queued", n)
	}
	start := time.Now()
	goOnline(t, ctx, ns)
	c, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := chromedp.Do(c, waitJS(`(async () => (await fbOutbox.count()) === 0)()`)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if n := ta.submissionCount(t); n != 50 {
		t.Fatalf("%d submissions", n)
	}
	t.Logf("50 queued submissions with 200 KB photos: online to an empty outbox in %v", took.Round(time.Millisecond))

	// First paint of the fill page offline, from the service worker's caches: first-contentful-paint and the time
	// until Web Forms has drawn the form and its first field takes input, both from the navigation's start.
	ta.mustUploadForm(t, fp, readFile(t, "testdata/forms/fill_test.xml"))
	fillURL := fmt.Sprintf("%s/projects/%d/forms/fill_test/fill", base, fp.id)
	run(t, ctx, "open the fill page online", chromedp.Navigate(fillURL), waitJS(formReady),
		waitJS(`(document.documentElement.dataset.fillCached || "").includes("|fill_test|")`))
	goOffline(t, ctx, ns)
	type paint struct{ FCP, Usable float64 }
	var fcps, usables []float64
	for range 5 {
		run(t, ctx, "the fill page offline", chromedp.Navigate(fillURL), waitJS(formReady))
		p := eval[paint](t, ctx, "paint times", `(() => {
			const f = performance.getEntriesByName("first-contentful-paint")[0];
			return {FCP: f ? f.startTime : -1, Usable: performance.now()};
		})()`)
		fcps, usables = append(fcps, p.FCP), append(usables, p.Usable)
	}
	slices.Sort(fcps)
	slices.Sort(usables)
	t.Logf("fill page offline (from the cache), median of 5: first-contentful-paint %.0f ms, form drawn and usable "+
		"at %.0f ms (polled every 25 ms; range %.0f-%.0f ms)", fcps[2], usables[2], usables[0], usables[4])
	dropNetErrors(watch)
	watch.check(t)
}
