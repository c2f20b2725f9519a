package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"fieldbase/app/geo"
	"fieldbase/db"
)

// placeAt shares a position with the tab's pages: geolocation granted for base, and the position overridden.
func placeAt(t *testing.T, ctx context.Context, base string, lon, lat, accuracy float64) {
	t.Helper()
	run(t, ctx, "position", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted,
			Origin: base, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
			Latitude: &lat, Longitude: &lon, Accuracy: &accuracy})
		return err
	}))
}

// TestBrowserWhereAmI: on the project map, "locate me" (MapLibre's GeolocateControl) shows the position given by
// the DevTools protocol, outlines the task under it and says which task it is; its button opens that task's
// panel. A position outside every task says so and outlines none.
func TestBrowserWhereAmI(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	_, token := ta.newUser(t, "mapper", false)
	id := ta.publishedProject(t, token, "")
	tasks, err := ta.store.Tasks(context.Background(), id, db.TaskOptions{Outlines: true})
	if err != nil {
		t.Fatal(err)
	}
	task := tasks[len(tasks)/2]
	mp, err := geo.ParseMultiPolygon(task.Outline)
	if err != nil {
		t.Fatal(err)
	}
	c := mp.Bound().Center()

	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	shot := shooter(t)
	ctx := tab(t, newBrowser(t, exe), watch, "mapper")
	signIn(t, ctx, base, "mapper")
	placeAt(t, ctx, base, c.Lon(), c.Lat(), 12)
	run(t, ctx, "project map", chromedp.Navigate(fmt.Sprintf("%s/projects/%d", base, id)),
		waitJS(`window.fbProject && fbProject.ready === true`),
		waitJS(`!!document.querySelector(".maplibregl-ctrl-geolocate")`),
		chromedp.Click(chromedp.CSS(".maplibregl-ctrl-geolocate")),
		waitJS(fmt.Sprintf(`fbProject.here === %d`, task.Index)))
	if got := value(t, ctx, "outlined", chromedp.Evaluate[float64](`fbProject.highlighted()`)); int(got) != task.Index {
		t.Errorf("the outlined task is %v, the position is in task %d", got, task.Index)
	}
	where := value(t, ctx, "where", chromedp.Text(chromedp.CSS("#where")))
	if !strings.Contains(where, fmt.Sprintf("You are in task %d", task.Index)) || !strings.Contains(where, "within about 12 m") {
		t.Errorf("the panel says %q", where)
	}
	if n := value(t, ctx, "dot", chromedp.Evaluate[float64](
		`document.querySelectorAll(".maplibregl-user-location-dot, .maplibregl-user-location-accuracy-circle").length`)); n != 2 {
		t.Errorf("%v of the position dot and accuracy circle are on the map", n)
	}
	shot(ctx, "project-where-am-i")
	run(t, ctx, "open the task", chromedp.Click(chromedp.CSS("[data-open-task]")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#task-panel .task-panel[data-task="%d"]`, task.Index))))

	placeAt(t, ctx, base, c.Lon()+1, c.Lat(), 30)
	run(t, ctx, "outside", waitJS(`fbProject.here === -1`))
	if got := value(t, ctx, "outlined", chromedp.Evaluate[float64](`fbProject.highlighted()`)); got != -1 {
		t.Errorf("outside the project the outlined task is %v", got)
	}
	if where := value(t, ctx, "where", chromedp.Text(chromedp.CSS("#where"))); !strings.Contains(where, "outside the project's tasks") {
		t.Errorf("outside the project the panel says %q", where)
	}

	// On a 360 px phone: the same, with no sideways scroll.
	placeAt(t, ctx, base, c.Lon(), c.Lat(), 12)
	run(t, ctx, "phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(fmt.Sprintf("%s/projects/%d", base, id)), waitJS(`window.fbProject && fbProject.ready === true`),
		waitJS(`!!document.querySelector(".maplibregl-ctrl-geolocate")`),
		chromedp.Click(chromedp.CSS(".maplibregl-ctrl-geolocate")),
		waitJS(fmt.Sprintf(`fbProject.here === %d`, task.Index)))
	run(t, ctx, "map still", waitJS(`!fbProject.moving()`))
	noSideways(t, ctx, "project map, located")
	if above := value(t, ctx, "dot above the sheet", chromedp.Evaluate[bool](`(() => {
		const dot = document.querySelector(".maplibregl-user-location-dot").getBoundingClientRect();
		const sheet = document.getElementById("side-panel");
		return sheet.dataset.sheet === "half" && dot.bottom < sheet.getBoundingClientRect().top &&
			document.getElementById("where").getBoundingClientRect().bottom < innerHeight;
	})()`)); !above {
		t.Error("on a phone the position or the sentence naming the task is hidden by the sheet")
	}
	shot(ctx, "project-where-am-i-phone")
}
