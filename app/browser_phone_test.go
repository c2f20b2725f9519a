package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// phoneWidth continues the browser walk 360 px wide, as on a small phone. On every main page: no sideways scroll
// (wide tables scroll inside their own box), a top bar of one row at most 56 px tall, and every visible button
// and action link at least 44 px tall. Then the menu button and the project map's bottom sheet.
func phoneWidth(t *testing.T, ctx context.Context, shot func(context.Context, string), base, project string) {
	t.Helper()
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, ctx, "desktop viewport", chromedp.EmulateReset())
	for _, pg := range []struct{ path, ready string }{
		{"/projects", ".project-card"},
		{project + "/submissions", "#submission-rows"},
		{project + "/devices", "#token-list"},
		{project + "/forms", "#form-upload"},
		{project + "/members", "#f-username"},
		{"/users", "table"},
		{project, ".map-layout"},
	} {
		url := pg.path
		if strings.HasPrefix(url, "/") {
			url = base + url
		}
		run(t, ctx, "phone "+pg.path, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(pg.ready)))
		if pg.ready == ".map-layout" {
			run(t, ctx, "phone map", waitJS(`window.fbProject && window.fbProject.ready === true`))
		}
		noSideways(t, ctx, pg.path)
		if h := value(t, ctx, "bar height", chromedp.Evaluate[float64](
			`document.querySelector(".topnav").getBoundingClientRect().height`)); h > 56 {
			t.Errorf("%s: the top bar is %.0f px tall at 360 px wide, want at most 56", pg.path, h)
		}
		if small := smallTargets(t, ctx); small != "" {
			t.Errorf("%s: buttons or links under 44 px tall at 360 px wide: %s", pg.path, small)
		}
		if pg.path == "/projects" {
			shot(ctx, "projects-phone")
			phoneMenu(t, ctx, shot)
		}
	}
	bottomSheet(t, ctx, shot)
}

// noSideways fails the test when the page scrolls sideways, naming what sticks out.
func noSideways(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	w := value(t, ctx, "page width", chromedp.Evaluate[int](
		`document.scrollingElement.scrollWidth - innerWidth`))
	if w <= 0 {
		return
	}
	wide := value(t, ctx, "wide elements", chromedp.Evaluate[string](`[...document.querySelectorAll("body *")]
		.filter(e => e.getBoundingClientRect().right > innerWidth + 1)
		.slice(0, 12).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().width)).join(", ")`))
	t.Errorf("%s scrolls sideways by %d px at 360 px wide; beyond the edge: %s", where, w, wide)
}

// smallTargets lists the visible buttons, button links, nav links and table links shorter than 44 px.
func smallTargets(t *testing.T, ctx context.Context) string {
	t.Helper()
	return value(t, ctx, "tap targets", chromedp.Evaluate[string](`[...document.querySelectorAll(
		"button, a.btn, input[type=submit], .topnav a, td a")]
		.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
			getComputedStyle(e).visibility !== "hidden"; })
		.filter(e => e.getBoundingClientRect().height < 43.5)
		.slice(0, 12).map(e => (e.className || e.tagName) + " '" + e.textContent.trim().slice(0, 20) + "' " +
			Math.round(e.getBoundingClientRect().height)).join(", ")`))
}

// phoneMenu opens the top bar's menu on a phone: the button says it is expanded, the links show as a list of
// thumb-sized rows within the screen, and Escape closes it again.
func phoneMenu(t *testing.T, ctx context.Context, shot func(context.Context, string)) {
	t.Helper()
	menu := `document.querySelector(".nav-toggle").getAttribute("aria-expanded")`
	if got := value(t, ctx, "menu closed", chromedp.Evaluate[string](menu)); got != "false" {
		t.Errorf("the menu starts with aria-expanded=%q, want false", got)
	}
	if links := value(t, ctx, "links hidden", chromedp.Evaluate[int](
		`[...document.querySelectorAll("#nav-menu a")].filter(a => a.getClientRects().length).length`)); links != 0 {
		t.Errorf("%d nav links show beside the menu button on a phone", links)
	}
	run(t, ctx, "open menu", chromedp.Click(chromedp.CSS(".nav-toggle")),
		chromedp.WaitVisible(chromedp.CSS(`#nav-menu a[href="/projects"]`)))
	if got := value(t, ctx, "menu open", chromedp.Evaluate[string](menu)); got != "true" {
		t.Errorf("the open menu has aria-expanded=%q, want true", got)
	}
	bad := value(t, ctx, "menu links", chromedp.Evaluate[string](`[...document.querySelectorAll("#nav-menu a, #nav-menu button")]
		.map(e => [e.textContent.trim(), e.getBoundingClientRect()])
		.filter(([, r]) => r.height < 43.5 || r.left < 0 || r.right > innerWidth || r.bottom > innerHeight)
		.map(([n, r]) => n + " " + Math.round(r.left) + "," + Math.round(r.top) + " " + Math.round(r.width) + "x" + Math.round(r.height)).join(", ")`))
	if bad != "" {
		t.Errorf("menu links too small or off the screen: %s", bad)
	}
	noSideways(t, ctx, "/projects with the menu open")
	shot(ctx, "phone-menu")
	run(t, ctx, "close menu", chromedp.KeyEvent(kb.Escape),
		waitJS(`document.querySelector(".nav-toggle").getAttribute("aria-expanded") === "false" &&
			!document.querySelector("#nav-menu a").getClientRects().length`))
}

// bottomSheet drives the project map's bottom sheet on a phone: folded when the page opens; tapping a task opens
// it half way with the task's state and first action in sight and the task on the map above it; the handle steps
// through the states with a click or the keyboard, and settles where a mouse or a finger drags it.
func bottomSheet(t *testing.T, ctx context.Context, shot func(context.Context, string)) {
	t.Helper()
	sheetIs := func(step, want string) {
		t.Helper()
		ok := fmt.Sprintf(`document.querySelector(".side-panel").dataset.sheet === %q`, want)
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, waitJS(ok)); err != nil {
			got := value(t, ctx, step, chromedp.Evaluate[string](`document.querySelector(".side-panel").dataset.sheet`))
			t.Fatalf("%s: the sheet is %q, want %q", step, got, want)
		}
		want = map[string]string{"folded": "false", "half": "true", "full": "true"}[want]
		if got := value(t, ctx, step, chromedp.Evaluate[string](
			`document.querySelector(".side-panel-handle").getAttribute("aria-expanded")`)); got != want {
			t.Errorf("%s: the handle has aria-expanded=%q, want %s", step, got, want)
		}
		settled(t, ctx)
		noSideways(t, ctx, "the project map with the sheet "+step)
	}
	sheetIs("when the page opens", "folded")
	shot(ctx, "project-phone-folded")

	index := 2 // ready: its first action is a button
	run(t, ctx, "map painted", waitJS(`fbProject.painted > 0`))
	pt := value(t, ctx, "task point", chromedp.Evaluate[[]float64](fmt.Sprintf(`fbProject.screenPoint(%d)`, index)))
	run(t, ctx, "tap task", chromedp.MouseClickXY(pt[0], pt[1]),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#task-panel .task-panel[data-task="%d"]`, index))))
	sheetIs("after tapping a task", "half")
	inSight := fmt.Sprintf(`(() => {
		const p = document.querySelector(".side-panel"), sheet = p.getBoundingClientRect();
		const handle = p.querySelector(".side-panel-handle").getBoundingClientRect();
		const out = [];
		for (const [name, el] of [["the state badge", document.getElementById("task-state")],
				["the first action button", document.querySelector("#task-panel .task-actions button")]]) {
			if (!el) { out.push("no " + name); continue; }
			const r = el.getBoundingClientRect();
			if (r.top < 0 || r.bottom > innerHeight) { out.push(name + " is outside the viewport at y=" + r.top + ".." + r.bottom); }
			if (r.top < handle.bottom || r.bottom > sheet.bottom) {
				out.push(name + " at y=" + r.top + ".." + r.bottom + " is scrolled out of the sheet (" + handle.bottom + ".." + sheet.bottom + ")");
			}
		}
		const c = fbProject.screenPoint(%d);
		if (!(c[1] < sheet.top && c[1] > document.getElementById("map").getBoundingClientRect().top)) {
			out.push("the task's centre is at y=" + Math.round(c[1]) + ", not on the map above the sheet's top at y=" + Math.round(sheet.top));
		}
		return out.join("; ");
	})()`, index)
	if bad := value(t, ctx, "task in sight", chromedp.Evaluate[string](inSight)); bad != "" {
		t.Errorf("after tapping task %d at 360x740: %s", index, bad)
	}
	shot(ctx, "project-phone")

	handle := func(step string) (x, y float64) {
		r := value(t, ctx, step, chromedp.Evaluate[[]float64](`(() => {
			const r = document.querySelector(".side-panel-handle").getBoundingClientRect();
			return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
		return r[0], r[1]
	}
	x, y := handle("handle")
	run(t, ctx, "tap handle", chromedp.MouseClickXY(x, y))
	sheetIs("after a tap on the handle in the half state", "full")
	if top := value(t, ctx, "full top", chromedp.Evaluate[float64](
		`document.querySelector(".side-panel").getBoundingClientRect().top - document.getElementById("map").getBoundingClientRect().top`)); top > 1 {
		t.Errorf("the full sheet starts %.0f px below the top of the map", top)
	}
	shot(ctx, "project-phone-full")
	x, y = handle("handle")
	run(t, ctx, "tap handle", chromedp.MouseClickXY(x, y))
	sheetIs("after a tap on the handle in the full state", "folded")

	run(t, ctx, "keyboard", chromedp.Focus(chromedp.CSS(".side-panel-handle")), chromedp.KeyEvent(kb.Enter))
	sheetIs("after Enter on the handle", "half")
	run(t, ctx, "keyboard", chromedp.KeyEvent(kb.ArrowUp))
	sheetIs("after the up arrow", "full")
	run(t, ctx, "keyboard", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	sheetIs("after the down arrow twice", "folded")

	x, y = handle("handle")
	run(t, ctx, "mouse drag up", chromedp.DragAndDropXY(x, y, x, y-330, 8))
	sheetIs("after a mouse drag of 330 px up from folded", "half")
	x, y = handle("handle")
	run(t, ctx, "mouse drag up", chromedp.DragAndDropXY(x, y, x, 70, 8))
	sheetIs("after a mouse drag to the top", "full")
	x, y = handle("handle")
	touchDrag(t, ctx, x, y, 725)
	sheetIs("after a finger drag to the bottom", "folded")
	x, y = handle("handle")
	touchDrag(t, ctx, x, y, y-350)
	sheetIs("after a finger drag of 350 px up from folded", "half")
}

// settled waits until the map and the sheet have stopped moving.
func settled(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "settle", waitJS(`(() => {
		const p = document.querySelector(".side-panel"), h = p.getBoundingClientRect().height;
		const still = window.lastSheetHeight === h && !fbProject.moving();
		window.lastSheetHeight = h;
		return still;
	})()`), chromedp.Sleep(250*time.Millisecond), waitJS(`(() => {
		const h = document.querySelector(".side-panel").getBoundingClientRect().height;
		const still = window.lastSheetHeight === h && !fbProject.moving();
		window.lastSheetHeight = h;
		return still;
	})()`))
}

// touchDrag drags one finger from (x, y) to (x, toY) in steps, with touch emulation on.
func touchDrag(t *testing.T, ctx context.Context, x, y, toY float64) {
	t.Helper()
	point := func(y float64) []*input.TouchPoint {
		one, id := 1.0, 0.0
		return []*input.TouchPoint{{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &id}}
	}
	touch := func(typ input.DispatchTouchEventType, pts []*input.TouchPoint) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
			return err
		})
	}
	acts := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 1})
			return err
		}),
		touch(input.DispatchTouchEventTypeTouchStart, point(y)),
	}
	const steps = 8
	for i := 1; i <= steps; i++ {
		acts = append(acts, touch(input.DispatchTouchEventTypeTouchMove, point(y+(toY-y)*float64(i)/steps)))
	}
	acts = append(acts, touch(input.DispatchTouchEventTypeTouchEnd, []*input.TouchPoint{}))
	run(t, ctx, "finger drag", acts...)
}
