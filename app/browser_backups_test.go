package app

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBackupsPage drives the backups page in Chromium as an administrator: "Back up now" shows a progress
// bar that follows the job, then the list shows the new archive with its size and age; deleting one asks first.
// At 360 px wide the page does not scroll sideways and its buttons are thumb-sized.
func TestBrowserBackupsPage(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t)
	ta.startJobs(t)
	_, admin := ta.newUser(t, "root", true)
	ta.backupNow(t, admin)
	base := ta.listen(t)
	u, _ := url.Parse(base)
	watch := &pageWatch{host: u.Host}
	shot := shooter(t)
	browser := newBrowser(t, exe)
	ctx := tab(t, browser, watch, "admin")
	rows := `document.querySelectorAll(".backup-list .backup-item").length`
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "root"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Click(chromedp.CSS(`#nav-menu a[href="/backups"]`)),
		chromedp.WaitVisible(chromedp.CSS("#backup-now")), waitJS(rows+` === 1`))
	if age := value(t, ctx, "age", chromedp.Evaluate[string](
		`document.querySelector(".backup-list .backup-age").textContent`)); !strings.Contains(age, "just now") {
		t.Errorf("the age column says %q", age)
	}
	shot(ctx, "backups")

	run(t, ctx, "back up now", chromedp.Click(chromedp.CSS("#backup-now")),
		chromedp.WaitVisible(chromedp.CSS("#backup-progress")))
	shot(ctx, "backups-progress")
	// When the job ends the page reloads (HX-Redirect) with a notice and the new archive listed.
	run(t, ctx, "backup listed", chromedp.WaitVisible(chromedp.CSS(".flash-success")), waitJS(rows+` === 2`),
		waitJS(`document.querySelector(".flash-success").textContent.includes("Backup finished.")`))

	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#backup-now")))
	noSideways(t, ctx, "/backups")
	if small := smallTargets(t, ctx); small != "" {
		t.Errorf("/backups: buttons or links under 44 px tall at 360 px wide: %s", small)
	}
	shot(ctx, "backups-phone")
	run(t, ctx, "desktop viewport", chromedp.EmulateReset(), chromedp.Navigate(base+"/backups"),
		chromedp.WaitVisible(chromedp.CSS("#backup-now")))

	value(t, ctx, "accept the confirmation", chromedp.Evaluate[bool](`(window.confirm = () => true, true)`))
	run(t, ctx, "delete", chromedp.Click(chromedp.CSS(".backup-list .backup-item button.btn-danger")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")), waitJS(rows+` === 1`),
		waitJS(`document.querySelector(".flash-success").textContent.includes("Backup deleted.")`))
	watch.check(t)
}
