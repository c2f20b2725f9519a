package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestBrowserAssignByZoneAndBox selects tasks on the project map as a field manager, by a zone of a 2x2 grid and
// then by drawing a box, assigns them to a team, and sees the team's colour on the map and its count in the
// legend; the team member finds them on the "my tasks" page. At 360 px wide, neither the teams page nor the project
// page scrolls sideways, and a tap selects a task that the panel then assigns.
func TestBrowserAssignByZoneAndBox(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t)
	f := newTeamsFixture(t, ta)
	ta.run(t, []scenario{{name: "CreateTeam", method: http.MethodPost, url: f.url("/teams"), headers: bearer(f.fm),
		body: fmt.Sprintf(`{"name":"North","colour":"#d55e00","members":[%d]}`, f.m1ID), wantStatus: http.StatusCreated}})
	base := ta.listen(t)
	shot := shooter(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	browser := newBrowser(t, exe)
	ctx := tab(t, browser, watch, "field manager")
	signIn(t, ctx, base, "fieldlead")
	project := fmt.Sprintf("%s/projects/%d", base, f.id)
	run(t, ctx, "project page", chromedp.Navigate(project), waitJS(`window.fbProject && fbProject.ready && fbProject.assign && fbProject.assign.ready`),
		settledMap(), chromedp.Click(chromedp.CSS("#select-mode")), chromedp.WaitVisible(chromedp.CSS("#zone-grid")),
		chromedp.SetValue(chromedp.CSS("#zone-grid"), "2"),
		chromedp.Evaluate[chromedp.Void](`void document.getElementById("zone-grid").dispatchEvent(new Event("change"))`),
		waitJS(`fbProject.assign.zones.bounds !== null && fbProject.map.getSource("zones") !== undefined`))
	zone := value(t, ctx, "zone point", chromedp.Evaluate[[]float64](`fbProject.assign.zonePoint(0)`))
	run(t, ctx, "zones drawn", waitJS(fmt.Sprintf(`(() => { const r = document.getElementById("map").getBoundingClientRect();
		return fbProject.map.queryRenderedFeatures([%f - r.left, %f - r.top], {layers: ["zones-fill"]}).length > 0; })()`,
		zone[0], zone[1])))
	run(t, ctx, "pick the north-west zone", append(clickAt(zone[0], zone[1]),
		waitJS(`fbProject.assign.selection().length > 0`))...)
	inZone := value(t, ctx, "zone selection", chromedp.Evaluate[[]int](`fbProject.assign.selection()`))
	// The same zone through the API picks the same tasks (the page and the server cut the grid alike).
	want := zoneIndexes(t, ta, f, 2, 0)
	if fmt.Sprint(inZone) != fmt.Sprint(want) {
		t.Fatalf("the page's zone 0 holds tasks %v, the server's %v", inZone, want)
	}
	// A box drawn over the south-east quarter of the map adds the tasks in it.
	run(t, ctx, "box tool", chromedp.Click(chromedp.CSS(`[data-tool="box"]`)))
	x1, y1 := mapPoint(t, ctx, 0.62, 0.62)
	x2, y2 := mapPoint(t, ctx, 0.8, 0.8)
	acts := clickAt(x1, y1)
	for i := 1; i <= 5; i++ {
		acts = append(acts, mouse(input.DispatchMouseEventTypeMouseMoved, x1+(x2-x1)*float64(i)/5, y1+(y2-y1)*float64(i)/5))
	}
	acts = append(acts, clickAt(x2, y2)...)
	acts = append(acts, waitJS(fmt.Sprintf(`fbProject.assign.selection().length > %d`, len(inZone))))
	run(t, ctx, "draw a box", acts...)
	selected := value(t, ctx, "selection", chromedp.Evaluate[[]int](`fbProject.assign.selection()`))
	shot(ctx, "assign-selection")
	run(t, ctx, "assign to the team", chromedp.SetValue(chromedp.CSS("#assign-to"), "team:1"),
		chromedp.Click(chromedp.CSS("#assign-go")), waitJS(`fbProject.assign.last !== undefined`))
	changed := value(t, ctx, "changed", chromedp.Evaluate[[]int](`fbProject.assign.last.changed`))
	if fmt.Sprint(changed) != fmt.Sprint(selected) {
		t.Fatalf("assigned %v, selected %v", changed, selected)
	}
	// The live stream brings the team's colour to the map and the count to the legend.
	run(t, ctx, "team colour on the map", waitJS(fmt.Sprintf(`[%s].every(i => fbProject.props(i).team_colour === "#d55e00")`,
		joinInts(changed))), settledMap(),
		waitJS(`fbProject.map.queryRenderedFeatures({layers: ["tasks-team"]}).length > 0`),
		waitJS(fmt.Sprintf(`(document.querySelector('#teams-legend li[data-team="1"] strong') || {}).textContent === "%d"`,
			len(changed))))
	colour := value(t, ctx, "outline colour", chromedp.Evaluate[string](
		`fbProject.map.queryRenderedFeatures({layers: ["tasks-team"]})[0].layer.paint["line-color"].toString()`))
	if !strings.Contains(colour, "213,94,0") {
		t.Errorf("the team outline is drawn in %s, want the team's #d55e00", colour)
	}
	shot(ctx, "assign-team-colours")

	member := tab(t, browser, watch, "team member")
	signIn(t, member, base, "ana")
	run(t, member, "my tasks", chromedp.Navigate(project+"/my-tasks"), chromedp.WaitVisible(chromedp.CSS(".my-tasks")))
	rows := value(t, member, "my task rows", chromedp.Evaluate[int](`document.querySelectorAll(".my-tasks tbody tr").length`))
	if rows != len(changed) {
		t.Errorf("my tasks lists %d tasks, want the %d assigned to the team", rows, len(changed))
	}
	shot(member, "my-tasks")

	run(t, ctx, "teams page", chromedp.Navigate(project+"/teams"), chromedp.WaitVisible(chromedp.CSS(".team-card")))
	shot(ctx, "teams")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, ctx, "desktop viewport", chromedp.EmulateReset())
	run(t, ctx, "teams page at 360 px", chromedp.Navigate(project+"/teams"), chromedp.WaitVisible(chromedp.CSS(".team-card")))
	noSideways(t, ctx, "teams page")
	shot(ctx, "teams-phone")
	phoneAssign(t, ctx, project, shot)
}

// phoneAssign selects a task with a tap at 360 px wide and assigns it to the team from the bottom sheet.
func phoneAssign(t *testing.T, ctx context.Context, project string, shot func(context.Context, string)) {
	t.Helper()
	run(t, ctx, "project page at 360 px", chromedp.Navigate(project),
		waitJS(`window.fbProject && fbProject.ready && fbProject.assign && fbProject.assign.ready`), settledMap())
	noSideways(t, ctx, "project page")
	run(t, ctx, "select mode", chromedp.Evaluate[chromedp.Void](`void fbSheet.set("full")`), settledMapNoSheet(),
		chromedp.ScrollIntoView(chromedp.CSS("#select-mode")),
		chromedp.Evaluate[chromedp.Void](`void document.getElementById("select-mode").click()`),
		waitJS(`document.getElementById("select-mode").checked`),
		chromedp.Evaluate[chromedp.Void](`void fbSheet.set("folded")`))
	settled(t, ctx)
	free := value(t, ctx, "an unassigned task", chromedp.Evaluate[int](
		`fbProject.tasks().features.map(f => f.properties).filter(p => !p.assigned_team && p.state === "ready")
			.map(p => p.index).find(i => { const [x, y] = fbProject.screenPoint(i); return y > 80 && y < innerHeight - 200 && x > 20 && x < innerWidth - 20; })`))
	// The sheet folding moves the map: the task's place is read once it is drawn there.
	run(t, ctx, "task drawn at its place", waitJS(fmt.Sprintf(`(() => { const r = document.getElementById("map").getBoundingClientRect();
		const [x, y] = fbProject.screenPoint(%d);
		const hit = fbProject.map.queryRenderedFeatures([x - r.left, y - r.top], {layers: ["tasks-fill"]});
		return !fbProject.moving() && hit.length > 0 && hit[0].properties.index === %d; })()`, free, free)))
	p := value(t, ctx, "task point", chromedp.Evaluate[[]float64](fmt.Sprintf(`fbProject.screenPoint(%d)`, free)))
	run(t, ctx, "touch screen", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTouchEmulationEnabled,
			emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 1})
		return err
	}))
	tap(t, ctx, p[0], p[1])
	run(t, ctx, "tapped task selected", waitJS(fmt.Sprintf(`fbProject.assign.selection().join() === "%d"`, free)))
	run(t, ctx, "open the sheet", chromedp.Evaluate[chromedp.Void](`void fbSheet.set("full")`))
	settled(t, ctx)
	run(t, ctx, "assign from the sheet", chromedp.SetValue(chromedp.CSS("#assign-to"), "team:1"),
		chromedp.ScrollIntoView(chromedp.CSS("#assign-go")), chromedp.Click(chromedp.CSS("#assign-go")),
		waitJS(fmt.Sprintf(`fbProject.assign.last && fbProject.assign.last.changed.join() === "%d"`, free)))
	noSideways(t, ctx, "project page with the assign panel")
	shot(ctx, "assign-phone")
}

// settledMapNoSheet waits for the map to stand still.
func settledMapNoSheet() chromedp.Action[chromedp.Void] {
	return waitJS(`!fbProject.moving()`)
}

// zoneIndexes are the tasks of a zone as the server's zoneTasks picks them.
func zoneIndexes(t *testing.T, ta *testApp, f teamsFixture, grid, cell int) []int {
	t.Helper()
	p, err := ta.store.Project(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ta.zoneTasks(context.Background(), p, ZonesBody{Grid: grid, Cells: []int{cell}})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func joinInts(list []int) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}
