package app

import (
	"fmt"
	"strings"
	"testing"

	"fieldbase/app/i18n"

	"github.com/chromedp/chromedp"
)

// TestBrowserPseudoLocaleCollect walks the browser-collection pages in the pseudo-locale en-XA: the fill page of a
// member, the device link's form list and fill page, the outbox (with an item its script draws) and the offline
// page. ODK Web Forms draws the form itself in its own language (the library's menu): #odk-form is left out.
// Then the fill page and the outbox in Arabic at 360 px: right to left, no sideways scroll.
func TestBrowserPseudoLocaleCollect(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.fillProject(t)
	base := ta.listen(t)
	_, token, _ := ta.collectToken(t, fp.formsProject)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() {
		expectedFillNoise(watch)
		watch.mu.Lock()
		kept := watch.problems[:0]
		for _, p := range watch.problems {
			// The outbox item below is meant not to reach its server; the device-link phone (no account) is refused
			// the private project's offline tiles and tasks the fill page asks to cache: the outbox feature's, not
			// a language matter.
			if !strings.Contains(p, "127.0.0.1:1/") && !strings.Contains(p, "/offline-tiles") &&
				!strings.Contains(p, "/tasks.geojson") {
				kept = append(kept, p)
			}
		}
		watch.problems = kept
		watch.mu.Unlock()
		watch.check(t)
	}()
	shot := shooter(t)
	browser := newBrowser(t, exe)
	// Data, not words: names, the item's instance ID, the time of day; the header's notification bell is the
	// notifications follow-up's to translate.
	data := []string{"walker", "Survey", "Fill test", "fill_test", "team A phone 3", "uuid:pseudo-1", "AM", "PM",
		"Notifications"}
	hideForm := waitJS(`(document.getElementById("odk-form").replaceChildren(), true)`)

	member := tab(t, browser, watch, "member")
	run(t, member, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "walker"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	chooseLanguage(t, member, i18n.PseudoTag)
	fill := fmt.Sprintf("%s/projects/%d/forms/fill_test/fill?task=1&feature=%d", base, fp.id, fp.featureID)
	run(t, member, "fill page", chromedp.Navigate(fill), waitJS(`document.documentElement.dataset.fillReady === "1"`), hideForm)
	noUntranslatedText(t, member, "fill page", data...)
	// An item that cannot reach its server: the outbox page draws its state, size, attempts and reason. The first
	// attempt is awaited here, so that the item holds its reason before the page changes (a send cut short by the
	// navigation leaves the item "sending" until the outbox page's own round, which may wait out a backoff).
	eval[bool](t, member, "outbox item", fmt.Sprintf(`window.fbOutbox.enqueue({instanceId: "uuid:pseudo-1",
	  projectId: %d, formId: "fill_test", formTitle: "Fill test", submitUrl: "http://127.0.0.1:1/x", xmlField: "x",
	  headers: {}, xml: "<data/>", attachments: [], createdAt: new Date().toISOString()}).then(() => window.fbOutbox.flush()).then(() => true)`, fp.id))
	run(t, member, "outbox", chromedp.Navigate(base+"/outbox"),
		waitJS(`document.body.dataset.outboxReady === "1" && !!document.querySelector('.outbox-item .outbox-error')`))
	noUntranslatedText(t, member, "outbox", data...)
	run(t, member, "offline page", chromedp.Navigate(base+"/offline"), chromedp.WaitVisible(chromedp.CSS("h1")))
	noUntranslatedText(t, member, "offline page", data...)

	phone := tab(t, browser, watch, "phone")
	run(t, phone, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#lang-select")))
	chooseLanguage(t, phone, i18n.PseudoTag)
	run(t, phone, "device link", chromedp.Navigate(base+"/odk/"+token),
		chromedp.WaitVisible(chromedp.CSS(`#device-forms a[data-form="fill_test"]`)))
	noUntranslatedText(t, phone, "device-link form list", data...)
	run(t, phone, "device fill page", chromedp.Navigate(base+"/odk/"+token+"/forms/fill_test/fill"),
		waitJS(`document.documentElement.dataset.fillReady === "1"`), hideForm)
	noUntranslatedText(t, phone, "device-link fill page", data...)

	// Arabic at 360 px.
	chooseLanguage(t, member, "ar")
	run(t, member, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, pg := range []struct{ name, url, ready string }{
		{"fill", fill, `document.documentElement.dataset.fillReady === "1"`},
		{"outbox", base + "/outbox", `document.body.dataset.outboxReady === "1" && !!document.querySelector(".outbox-item")`},
	} {
		run(t, member, pg.name+" in Arabic", chromedp.Navigate(pg.url), waitJS(pg.ready))
		if dir := value(t, member, "dir", chromedp.Evaluate[string](`document.documentElement.dir`)); dir != "rtl" {
			t.Errorf("the %s page in Arabic has dir=%q", pg.name, dir)
		}
		phoneLayout(t, member, pg.name+" page in Arabic")
		shot(member, "i18n-ar-"+pg.name+"-phone")
	}
	chooseLanguage(t, member, "fr")
	for _, pg := range []struct{ name, url, ready string }{
		{"fill", fill, `document.documentElement.dataset.fillReady === "1"`},
		{"outbox", base + "/outbox", `document.body.dataset.outboxReady === "1" && !!document.querySelector(".outbox-item")`},
	} {
		run(t, member, pg.name+" in French", chromedp.Navigate(pg.url), waitJS(pg.ready))
		phoneLayout(t, member, pg.name+" page in French")
		shot(member, "i18n-fr-"+pg.name+"-phone")
	}
}
