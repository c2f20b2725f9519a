package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserWalk walks the whole flow in real Chromium: the first-run set-up link makes an administrator, who
// creates a project from the fixture AOI, previews and runs a 100 m grid split with its progress bar, and
// publishes; a mapper (another browser context) locks a task by clicking it on the map and marks it mapped; the
// administrator validates it. Each side sees the other's changes on the map without a reload. Last, the main
// pages on a 360 px phone (phoneWidth): one top bar, thumb-sized buttons, no sideways scroll, and the task panel
// as a bottom sheet. Any request to another host and any console error fails the test.
func TestBrowserWalk(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	base := ta.listen(t)
	setup, err := ta.EnableSetup()
	if err != nil {
		t.Fatal(err)
	}
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	shot := shooter(t)
	browser := newBrowser(t, exe)
	admin := tab(t, browser, watch, "admin")
	started := time.Now()

	run(t, admin, "set-up", chromedp.Navigate(base+"/setup/"+setup),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a long admin password"),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))

	run(t, admin, "new project", chromedp.Navigate(base+"/projects"), chromedp.WaitVisible(chromedp.CSS(".empty")))
	shot(admin, "projects-empty")
	run(t, admin, "new project form", chromedp.Navigate(base+"/projects/new"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Kathmandu roofs"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "Map every building in the block."),
		chromedp.SetUploadFiles(chromedp.CSS("#f-aoi-file"), []string{aoiFile(t)}),
		waitJS(`document.getElementById("aoi-status").textContent.includes("km² (a project may cover up to") && getComputedStyle(document.getElementById("e-aoi")).display === "none"`))
	shot(admin, "project-new")
	run(t, admin, "create", chromedp.Click(chromedp.CSS(`#new-project-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#split-form")),
		chromedp.Click(chromedp.CSS("#preview-button")),
		waitJS(`document.getElementById("preview-status").textContent.startsWith("Preview:")`))
	shot(admin, "project-split-preview")
	run(t, admin, "split", chromedp.Click(chromedp.CSS(`#split-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#publish-button")))
	count := value(t, admin, "split count", chromedp.Text(chromedp.CSS("#split-count strong")))
	if count == "" || count == "0" {
		t.Fatalf("split made %q tasks", count)
	}
	run(t, admin, "publish", chromedp.Click(chromedp.CSS("#publish-button")),
		chromedp.WaitVisible(chromedp.CSS(".map-layout")))
	run(t, admin, "project map", waitJS(`window.fbProject && window.fbProject.ready === true`))
	projectURL := value(t, admin, "project url", chromedp.Location())

	_, mapperToken := ta.newUser(t, "mapper", false)
	mapper := tab(t, browser, watch, "mapper")
	run(t, mapper, "mapper login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "mapper"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(projectURL), waitJS(`window.fbProject && window.fbProject.ready === true`))

	index := clickTask(t, mapper)
	panelAction(t, mapper, "lock_for_mapping", "Locked for mapping")
	seesState(t, admin, index, "locked_for_mapping")
	shot(mapper, "project-task-locked")
	panelAction(t, mapper, "mark_mapped", "Mapped")
	seesState(t, admin, index, "mapped")

	run(t, admin, "open task", waitJS(fmt.Sprintf("fbProject.openTask(%d) || true", index)),
		chromedp.WaitVisible(chromedp.CSS(`#task-panel button[data-action="lock_for_validation"]`)))
	panelAction(t, admin, "lock_for_validation", "Locked for validation")
	seesState(t, mapper, index, "locked_for_validation")
	panelAction(t, admin, "validate", "Validated")
	seesState(t, mapper, index, "validated")
	shot(admin, "project-map")
	walkSubmissions(t, ta, admin, base, projectURL, mapperToken)
	shot(admin, "project-submissions")
	run(t, admin, "submission detail", chromedp.Click(chromedp.CSS(`#submission-rows tr[data-submission] a`)),
		chromedp.WaitVisible(chromedp.CSS("#submission-fields")))
	shot(admin, "submission")
	page := strings.Replace(projectURL, "?published=1", "", 1)
	run(t, admin, "forms", chromedp.Navigate(page+"/forms"), chromedp.WaitVisible(chromedp.CSS("#form-upload")))
	shot(admin, "project-forms")
	run(t, admin, "device token", chromedp.Navigate(page+"/devices"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Team A phone 3"),
		chromedp.Submit(chromedp.CSS("#f-name")),
		chromedp.WaitVisible(chromedp.CSS("#token-created img.qr-code")))
	shot(admin, "project-devices")
	run(t, admin, "members", chromedp.Navigate(page+"/members"),
		chromedp.WaitVisible(chromedp.CSS("#f-username")))
	shot(admin, "project-members")
	run(t, admin, "projects", chromedp.Navigate(base+"/projects"), chromedp.WaitVisible(chromedp.CSS(".project-card")))
	shot(admin, "projects")
	phoneWidth(t, admin, shot, base, page)
	t.Logf("browser walk took %s", time.Since(started).Round(time.Millisecond))
}

// clickTask clicks the middle of task 1 on the map with the mouse and returns the task the panel opened.
func clickTask(t *testing.T, ctx context.Context) int {
	t.Helper()
	run(t, ctx, "map painted", waitJS(`fbProject.painted > 0`))
	pt := value(t, ctx, "task point", chromedp.Evaluate[[]float64](`fbProject.screenPoint(1)`))
	run(t, ctx, "click task", chromedp.MouseClickXY(pt[0], pt[1]),
		chromedp.WaitVisible(chromedp.CSS("#task-panel .task-panel")))
	index := value(t, ctx, "task index",
		chromedp.Evaluate[int](`Number(document.querySelector("#task-panel .task-panel").dataset.task)`))
	if index < 1 {
		t.Fatalf("the click opened task %d", index)
	}
	return index
}

// panelAction presses an action button of the open task panel and waits for the state it leads to.
func panelAction(t *testing.T, ctx context.Context, action, state string) {
	t.Helper()
	run(t, ctx, action, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#task-panel button[data-action=%q]`, action))),
		waitJS(fmt.Sprintf(`(document.getElementById("task-state") || {}).textContent === %q`, state)))
}

// seesState waits (at most a second) until another browser's map shows the task's new state without a reload.
func seesState(t *testing.T, ctx context.Context, index int, state string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, waitJS(fmt.Sprintf(`fbProject.state(%d) === %q`, index, state))); err != nil {
		got, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](fmt.Sprintf(`fbProject.state(%d)`, index)))
		t.Fatalf("the other browser did not see task %d become %s within a second (it shows %q)", index, state, got)
	}
}
