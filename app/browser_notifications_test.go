package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNotificationBell drives two people in Chromium: Amira has a project page open when the manager
// assigns her a task; the bell in her header counts it at once (over her notification stream, without a
// reload), the list page shows it with a link to the task, and opening it marks it read. At 360 px wide the
// pages with the bell, the list and the preferences do not scroll sideways and their buttons are thumb-sized.
func TestBrowserNotificationBell(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	amiraID, _ := ta.newUser(t, "amira", false)
	pid := ta.publishedProject(t, owner, "")
	base := ta.listen(t)
	u, _ := url.Parse(base)
	watch := &pageWatch{host: u.Host}
	shot := shooter(t)
	browser := newBrowser(t, exe)
	ctx := tab(t, browser, watch, "amira")
	count := `document.querySelector("[data-bell-count]")`
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "amira"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(fmt.Sprintf("%s/projects/%d", base, pid)),
		chromedp.WaitVisible(chromedp.CSS("a.nav-bell")),
		// The stream has answered with the count (0) once it set data-unread.
		waitJS(`document.querySelector("[data-bell]").dataset.unread === "0" && `+count+`.hidden`))

	for _, task := range []int{3, 4} {
		resp, body := ta.do(t, jsonReq("POST", fmt.Sprintf("/api/v1/projects/%d/tasks/%d/events", pid, task),
			fmt.Sprintf(`{"action":"assign","user_id":%d}`, amiraID), owner))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("assign: %d %s", resp.StatusCode, body)
		}
	}
	run(t, ctx, "bell counts live", waitJS(count+`.textContent === "2" && !`+count+`.hidden`))
	if label := value(t, ctx, "bell label", chromedp.Evaluate[string](
		`document.querySelector("a.nav-bell").getAttribute("aria-label")`)); label != "Notifications: 2 unread" {
		t.Errorf("bell label %q", label)
	}
	shot(ctx, "notifications-bell")

	run(t, ctx, "list page", chromedp.Click(chromedp.CSS("a.nav-bell")),
		chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	text := value(t, ctx, "list text", chromedp.Evaluate[string](`document.querySelector("#notification-list").innerText`))
	if !strings.Contains(text, "owner assigned task 4 of Roofs to you") || !strings.Contains(text, "task 3") {
		t.Errorf("the list shows:\n%s", text)
	}
	shot(ctx, "notifications")
	href := value(t, ctx, "link", chromedp.Evaluate[string](
		`document.querySelector("#notification-list li:first-child .n-text a").getAttribute("href")`))
	run(t, ctx, "open one", chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.CSS("a.nav-bell")),
		waitJS(fmt.Sprintf(`location.pathname === "/projects/%d/tasks/4"`, pid)),
		waitJS(count+`.textContent === "1"`))

	for _, path := range []string{fmt.Sprintf("/projects/%d", pid), "/notifications", "/account/notifications"} {
		run(t, ctx, "phone "+path, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("a.nav-bell")))
		noSideways(t, ctx, path)
		if path == fmt.Sprintf("/projects/%d", pid) {
			shot(ctx, "project-bell-phone")
		} else {
			if small := smallTargets(t, ctx); small != "" {
				t.Errorf("%s: buttons or links under 44 px tall at 360 px wide: %s", path, small)
			}
		}
	}
	run(t, ctx, "phone bell", waitJS(count+`.textContent === "1"`))
	if vis := value(t, ctx, "bell on the bar", chromedp.Evaluate[bool](`(() => {
		const r = document.querySelector("a.nav-bell").getBoundingClientRect();
		return r.width >= 44 && r.height >= 44 && r.right <= innerWidth; })()`)); !vis {
		t.Error("at 360 px the bell is not a visible thumb-sized target on the bar")
	}
	shot(ctx, "notification-prefs-phone")
	run(t, ctx, "phone list", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	shot(ctx, "notifications-phone")
	run(t, ctx, "desktop prefs", chromedp.EmulateViewport(1280, 850), chromedp.Navigate(base+"/account/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="kind_mention"]`)))
	shot(ctx, "notification-prefs")
	watch.check(t)
}
