package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRefusalsInFrench: an administrator whose saved language is French creates a user with a bad username
// and a short password; the users page comes back with each message in French beside its field, at 1280 px and at
// 360 px (without sideways scroll).
func TestBrowserRefusalsInFrench(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	ta := newTestApp(t)
	id, _ := ta.newUser(t, "admin", true)
	if err := ta.store.SetUserLanguage(context.Background(), id, "fr"); err != nil {
		t.Fatal(err)
	}
	base := ta.listen(t)
	shot := shooter(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() {
		// The refused form answers 422 with the page, which Chromium logs as a failed load: that one is expected.
		watch.mu.Lock()
		watch.problems = slices.DeleteFunc(watch.problems, func(p string) bool {
			return strings.Contains(p, "status of 422") && strings.HasSuffix(p, base+"/users)")
		})
		watch.mu.Unlock()
		watch.check(t)
	}()
	ctx := tab(t, newBrowser(t, exe), watch, "admin")
	signIn(t, ctx, base, "admin")
	refuse := func(step string) {
		t.Helper()
		run(t, ctx, step, chromedp.Navigate(base+"/users"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
			chromedp.SendKeys(chromedp.CSS("#f-username"), "Bad Name!"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
			chromedp.Submit(chromedp.CSS("#f-username")),
			chromedp.WaitVisible(chromedp.CSS("#e-password")))
		for field, want := range map[string]string{
			"username": "ne peut contenir que des minuscules a-z, des chiffres, « . », « _ » et « - »",
			"password": "doit compter entre 10 et 256 caractères",
		} {
			got := value(t, ctx, "message beside "+field, chromedp.Evaluate[string](
				`document.getElementById("e-`+field+`").textContent`))
			if got != want {
				t.Errorf("%s: beside %s: %q, want %q", step, field, got, want)
			}
			invalid := value(t, ctx, field+" marked invalid", chromedp.Evaluate[string](
				`document.getElementById("f-`+field+`").getAttribute("aria-invalid") || ""`))
			if invalid != "true" {
				t.Errorf("%s: %s is not marked aria-invalid", step, field)
			}
		}
	}
	refuse("refused user at 1280 px")
	run(t, ctx, "scroll to the password", chromedp.ScrollIntoView(chromedp.CSS("#e-password")))
	shot(ctx, "refusals-fr")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	defer run(t, ctx, "desktop viewport", chromedp.EmulateReset())
	refuse("refused user at 360 px")
	noSideways(t, ctx, "users page with refusals")
	run(t, ctx, "scroll to the form", chromedp.ScrollIntoView(chromedp.CSS("#f-username")))
	shot(ctx, "refusals-fr-phone")
	run(t, ctx, "scroll to the password", chromedp.ScrollIntoView(chromedp.CSS("#e-password")))
	shot(ctx, "refusals-fr-phone-password")
}
