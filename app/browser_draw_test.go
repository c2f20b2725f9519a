package app

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"fieldbase/app/geo"
)

// signIn logs a tab in through the login page.
func signIn(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	run(t, ctx, "log in as "+username, chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
}

// mouse sends one mouse event at a page point.
func mouse(typ input.DispatchMouseEventType, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			p.Button, p.ClickCount = input.MouseButtonLeft, 1
		}
		if typ == input.DispatchMouseEventTypeMouseMoved {
			p.Button = input.MouseButtonNone
		}
		_, err := cdp.Call(ctx, tg, input.DispatchMouseEvent, p)
		return err
	})
}

// clickAt is a left click (press and release) at a page point, after a move there.
func clickAt(x, y float64) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{mouse(input.DispatchMouseEventTypeMouseMoved, x, y), mouse(input.DispatchMouseEventTypeMousePressed, x, y),
		mouse(input.DispatchMouseEventTypeMouseReleased, x, y)}
}

// mapPoint is where a fraction (fx, fy) of the drawing map's box is on the page.
func mapPoint(t *testing.T, ctx context.Context, fx, fy float64) (float64, float64) {
	t.Helper()
	r := value(t, ctx, "map box", chromedp.Evaluate[[]float64](
		`(() => { const r = document.getElementById("map").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	return r[0] + r[2]*fx, r[1] + r[3]*fy
}

// lngLat is the map position under a page point.
func lngLat(t *testing.T, ctx context.Context, x, y float64) [2]float64 {
	t.Helper()
	v := value(t, ctx, "unproject", chromedp.Evaluate[[]float64](fmt.Sprintf(
		`(() => { const r = document.getElementById("map").getBoundingClientRect();
		const p = fbDraw.map.unproject([%f - r.left, %f - r.top]); return [p.lng, p.lat]; })()`, x, y)))
	return [2]float64{v[0], v[1]}
}

// openNewProject opens the new project page with the map at a place and zoom, ready to draw.
func openNewProject(t *testing.T, ctx context.Context, base string, lon, lat, zoom float64) {
	t.Helper()
	run(t, ctx, "new project page", chromedp.Navigate(base+"/projects/new"), waitJS(`window.fbDraw && fbDraw.ready === true`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`void fbDraw.map.jumpTo({center: [%f, %f], zoom: %f})`, lon, lat, zoom)),
		waitJS(`!fbDraw.map.isMoving() && fbDraw.map.loaded()`))
}

// drawRectangle draws a rectangle with the mouse between two fractions of the map box, as a press, a move and a
// release, and returns the two corners' positions on the map.
func drawRectangle(t *testing.T, ctx context.Context, f1, f2 [2]float64) ([2]float64, [2]float64) {
	t.Helper()
	// Clicking the button scrolls it into view: the map's place on the page is read afterwards.
	run(t, ctx, "rectangle button", chromedp.Click(chromedp.CSS(`[data-draw="rectangle"]`)))
	x1, y1 := mapPoint(t, ctx, f1[0], f1[1])
	x2, y2 := mapPoint(t, ctx, f2[0], f2[1])
	a, b := lngLat(t, ctx, x1, y1), lngLat(t, ctx, x2, y2)
	checked := value(t, ctx, "checks so far", chromedp.Evaluate[float64](`fbDraw.checked`))
	acts := clickAt(x1, y1)
	for i := 1; i <= 5; i++ {
		acts = append(acts, mouse(input.DispatchMouseEventTypeMouseMoved, x1+(x2-x1)*float64(i)/5, y1+(y2-y1)*float64(i)/5))
	}
	acts = append(acts, clickAt(x2, y2)...)
	acts = append(acts, waitJS(fmt.Sprintf(`fbDraw.checked > %v`, checked)))
	run(t, ctx, "draw a rectangle", acts...)
	return a, b
}

// aoiMessage is the message beside the map: the error when one shows, else the status line.
func aoiMessage(t *testing.T, ctx context.Context) (msg string, isError bool) {
	t.Helper()
	v := value(t, ctx, "message", chromedp.Evaluate[[]string](`(() => {
		const e = document.getElementById("e-aoi");
		return e.hidden ? ["", document.getElementById("aoi-status").textContent] : ["error", e.textContent];
	})()`))
	return v[1], v[0] == "error"
}

var splitURL = regexp.MustCompile(`/projects/(\d+)/split`)

// TestBrowserDrawAOI draws the area of a new project in Chromium with mouse events: a rectangle checked by the
// server (its area shows beside the map), a grid split previewed on the same map, then the project created from
// it stores the drawn rectangle and splits and previews on the split page. A self-intersecting polygon and a
// rectangle larger than projects.max_aoi_km2 get the server's messages beside the map, and saving the refused
// area shows the same message on the page that comes back. On a 360 px phone a rectangle drawn with two finger
// taps is checked the same way, with no sideways scroll.
func TestBrowserDrawAOI(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	ta.newUser(t, "maker", false)
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() {
		// The refused save answers 422 with the form, which Chromium logs as a failed load: that one is expected.
		watch.mu.Lock()
		watch.problems = slices.DeleteFunc(watch.problems, func(p string) bool {
			return strings.Contains(p, "status of 422") && strings.HasSuffix(p, base+"/projects)")
		})
		watch.mu.Unlock()
		watch.check(t)
	}()
	shot := shooter(t)
	ctx := tab(t, newBrowser(t, exe), watch, "maker")
	signIn(t, ctx, base, "maker")

	t.Run("RectangleMadeProject", func(t *testing.T) {
		openNewProject(t, ctx, base, 85.32, 27.70, 15)
		a, b := drawRectangle(t, ctx, [2]float64{0.3, 0.3}, [2]float64{0.7, 0.6})
		msg, isErr := aoiMessage(t, ctx)
		if isErr || !strings.Contains(msg, "km² (a project may cover up to 2,000 km²)") {
			t.Fatalf("after drawing a small rectangle the map says %q (error %v)", msg, isErr)
		}
		drawn := value(t, ctx, "drawn area", chromedp.Evaluate[[][]float64](`fbDraw.area().geometry.coordinates[0]`))
		want := [][2]float64{{min(a[0], b[0]), min(a[1], b[1])}, {max(a[0], b[0]), max(a[1], b[1])}}
		// One pixel at zoom 15 is about 4.8 m, 5e-5 degrees here.
		if got := ringBox(drawn); !boxNear(got, want, 5e-5) {
			t.Fatalf("the drawn rectangle spans %v, the mouse went from %v to %v", got, a, b)
		}
		run(t, ctx, "preview a grid split", chromedp.SetValue(chromedp.CSS("#f-try-cell"), "100"),
			chromedp.Click(chromedp.CSS("#try-split")),
			waitJS(`document.getElementById("try-status").textContent.startsWith("Preview:")`))
		tasks := value(t, ctx, "previewed tasks", chromedp.Evaluate[float64](`fbDraw.tried`))
		if tasks < 2 {
			t.Errorf("the grid preview of the drawn area shows %v tasks", tasks)
		}
		shot(ctx, "project-new-drawn")

		run(t, ctx, "create", chromedp.SendKeys(chromedp.CSS("#f-name"), "Drawn block"),
			chromedp.Click(chromedp.CSS(`#new-project-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#split-form")))
		loc := value(t, ctx, "split page", chromedp.Location())
		m := splitURL.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("after creating, the page is %s", loc)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		p, err := ta.store.Project(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		mp, err := geo.ParseMultiPolygon(p.AOI)
		if err != nil {
			t.Fatal(err)
		}
		if len(mp) != 1 || len(mp[0]) != 1 || len(mp[0][0]) != len(drawn) {
			t.Fatalf("stored AOI %s, drawn ring %v", p.AOI, drawn)
		}
		for i, pt := range mp[0][0] {
			if math.Abs(pt[0]-drawn[i][0]) > 1e-9 || math.Abs(pt[1]-drawn[i][1]) > 1e-9 {
				t.Fatalf("stored AOI %s differs from the drawn ring %v at %d", p.AOI, drawn, i)
			}
		}
		run(t, ctx, "split preview of the drawn project", chromedp.Click(chromedp.CSS("#preview-button")),
			waitJS(`document.getElementById("preview-status").textContent.startsWith("Preview:")`))
	})

	t.Run("SelfIntersectingPolygon", func(t *testing.T) {
		openNewProject(t, ctx, base, 85.32, 27.70, 15)
		checked := value(t, ctx, "checks so far", chromedp.Evaluate[float64](`fbDraw.checked`))
		run(t, ctx, "polygon button", chromedp.Click(chromedp.CSS(`[data-draw="polygon"]`)))
		var acts []chromedp.Action[chromedp.Void]
		// A bow tie: the second and fourth sides cross.
		for _, f := range [][2]float64{{0.3, 0.3}, {0.7, 0.7}, {0.7, 0.3}, {0.3, 0.7}} {
			x, y := mapPoint(t, ctx, f[0], f[1])
			acts = append(acts, clickAt(x, y)...)
		}
		acts = append(acts, chromedp.KeyEvent("\r"), waitJS(fmt.Sprintf(`fbDraw.checked > %v`, checked)))
		run(t, ctx, "draw a bow tie", acts...)
		msg, isErr := aoiMessage(t, ctx)
		if !isErr || !strings.Contains(msg, "This drawing cannot be the area") || !strings.Contains(msg, "intersects itself") {
			t.Fatalf("after drawing a bow tie the map says %q (error %v)", msg, isErr)
		}
		shot(ctx, "project-new-self-intersecting")
	})

	t.Run("TooLarge", func(t *testing.T) {
		openNewProject(t, ctx, base, 85.32, 27.70, 6)
		drawRectangle(t, ctx, [2]float64{0.2, 0.2}, [2]float64{0.8, 0.8})
		msg, isErr := aoiMessage(t, ctx)
		if !isErr || !strings.Contains(msg, "larger than the 2,000 km² a project may cover") {
			t.Fatalf("after drawing a large rectangle the map says %q (error %v)", msg, isErr)
		}
		// The page before saving also shows #e-aoi and a ready fbDraw: mark it, so the waits below are met only by
		// the page the server answers.
		run(t, ctx, "save the refused area", chromedp.SendKeys(chromedp.CSS("#f-name"), "Too big"),
			waitJS(`(document.body.dataset.before = "1") === "1"`),
			chromedp.Click(chromedp.CSS(`#new-project-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("body:not([data-before]) #e-aoi")),
			waitJS(`window.fbDraw && fbDraw.ready === true`))
		msg, isErr = aoiMessage(t, ctx)
		if !isErr || !strings.Contains(msg, "km²") {
			t.Fatalf("saving the large area comes back with %q (error %v)", msg, isErr)
		}
		if n := value(t, ctx, "kept area", chromedp.Evaluate[float64](`fbDraw.draw.getSnapshot().length`)); n != 1 {
			t.Errorf("the refused area is not kept on the map for editing (%v features)", n)
		}
		shot(ctx, "project-new-too-large")
	})

	t.Run("PhoneTouch", func(t *testing.T) {
		run(t, ctx, "phone width", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
		defer run(t, ctx, "desktop width", chromedp.EmulateViewport(1280, 850))
		openNewProject(t, ctx, base, 85.32, 27.70, 15)
		run(t, ctx, "scroll to the map", chromedp.ScrollIntoView(chromedp.CSS("#map")))
		noSideways(t, ctx, "new project")
		checked := value(t, ctx, "checks so far", chromedp.Evaluate[float64](`fbDraw.checked`))
		run(t, ctx, "rectangle button", chromedp.Click(chromedp.CSS(`[data-draw="rectangle"]`)),
			chromedp.ScrollIntoView(chromedp.CSS("#map")))
		for _, f := range [][2]float64{{0.25, 0.3}, {0.75, 0.6}} {
			x, y := mapPoint(t, ctx, f[0], f[1])
			tap(t, ctx, x, y)
		}
		run(t, ctx, "checked", waitJS(fmt.Sprintf(`fbDraw.checked > %v`, checked)))
		msg, isErr := aoiMessage(t, ctx)
		if isErr || !strings.Contains(msg, "km² (a project may cover up to") {
			t.Fatalf("after two taps the map says %q (error %v)", msg, isErr)
		}
		shot(ctx, "project-new-phone")
	})
}

// tap is one finger tap at a page point.
func tap(t *testing.T, ctx context.Context, x, y float64) {
	t.Helper()
	one, id := 1.0, 0.0
	pts := []*input.TouchPoint{{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &id}}
	touch := func(typ input.DispatchTouchEventType, pts []*input.TouchPoint) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
			return err
		})
	}
	run(t, ctx, "tap", touch(input.DispatchTouchEventTypeTouchStart, pts), touch(input.DispatchTouchEventTypeTouchEnd, []*input.TouchPoint{}))
}

// ringBox is the [min, max] corners of a ring.
func ringBox(ring [][]float64) [][2]float64 {
	b := [][2]float64{{math.Inf(1), math.Inf(1)}, {math.Inf(-1), math.Inf(-1)}}
	for _, p := range ring {
		b[0] = [2]float64{min(b[0][0], p[0]), min(b[0][1], p[1])}
		b[1] = [2]float64{max(b[1][0], p[0]), max(b[1][1], p[1])}
	}
	return b
}

func boxNear(got, want [][2]float64, tol float64) bool {
	for i := range 2 {
		for j := range 2 {
			if math.Abs(got[i][j]-want[i][j]) > tol {
				return false
			}
		}
	}
	return true
}
