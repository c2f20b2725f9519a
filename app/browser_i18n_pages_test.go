package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fieldbase/app/basemapgen/xyztest"
	"fieldbase/app/config"
	"fieldbase/app/i18n"
	"fieldbase/app/tiles/tilestest"
)

// TestBrowserPseudoLocaleBasemapsCADocs walks, in the pseudo-locale en-XA, the pages the main walk leaves out: a
// project's basemaps page with a ready basemap, a tile estimate and a generation job, the trust page of the local
// certificate authority, and the bars of /docs and /redoc (Swagger UI and ReDoc draw the API document in English,
// their own language: their part is emptied before the check). Then the basemaps page in French and in Arabic
// (right to left) at 1280 and 360 px: in the page's language, no sideways scroll, photographed when
// FIELDBASE_SCREENSHOTS names a folder.
func TestBrowserPseudoLocaleBasemapsCADocs(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 500 * time.Millisecond
	ta := generationApp(t, srv, "png", func(c *config.Config) {
		c.Server.Addr, c.Server.LANHTTPS = "0.0.0.0:8090", true
		c.Basemaps.GenerateConcurrency = 1
	})
	ta.setLAN(t, "192.168.1.20")
	ta.startJobs(t)
	adminID, adminToken := ta.newUser(t, "ada", true)
	project := ta.publishedProject(t, adminToken, "")
	base := ta.listen(t)
	pm := basemapClient{base: base, token: adminToken}
	if b := pm.mustUpload(t, project, "Old town.mbtiles", writeMBTiles(t, tilestest.MBTilesSpec{
		Metadata: map[string]string{"format": "png"}, Tiles: map[tilestest.ZXY][]byte{{}: tilestest.PNG(t, northColor)}})); b.State != "ready" {
		t.Fatalf("basemap = %+v", b)
	}
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	shot := shooter(t)
	browser := newBrowser(t, exe)
	// Data, not words: names, the file's name and container, the tile format, the source's name, the CA's name.
	data := []string{"ada", "Roofs", "Old town.mbtiles", "MBTiles", "PMTiles", "png", "Local", "openapi.json"}

	visitor := tab(t, browser, watch, "visitor")
	run(t, visitor, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#lang-select")))
	chooseLanguage(t, visitor, i18n.PseudoTag)
	run(t, visitor, "ca", chromedp.Navigate(base+"/ca"), chromedp.WaitVisible(chromedp.CSS("#ca-download")))
	caWords := append([]string{ta.https.CA.Cert.Subject.CommonName}, data...)
	for f := ta.https.CA.Fingerprint(); f != ""; { // the page cuts it after every eighth pair
		n := min(len(f), 8*3)
		caWords, f = append(caWords, f[:n]), f[n:]
	}
	noUntranslatedText(t, visitor, "/ca", caWords...)
	run(t, visitor, "docs", chromedp.Navigate(base+"/docs"),
		waitJS(`document.querySelector(".swagger-ui .info .title") !== null`),
		waitJS(`(document.getElementById("swagger-ui").replaceChildren(), true)`))
	if lang := value(t, visitor, "docs lang", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != i18n.PseudoTag {
		t.Errorf("/docs is in %q, want %s", lang, i18n.PseudoTag)
	}
	noUntranslatedText(t, visitor, "/docs", data...)
	run(t, visitor, "redoc", chromedp.Navigate(base+"/redoc"),
		waitJS(`document.querySelector(".api-content h1") !== null`),
		waitJS(`(document.querySelector("redoc").replaceChildren(), true)`))
	noUntranslatedText(t, visitor, "/redoc", data...)

	if err := ta.store.SetUserLanguage(context.Background(), adminID, i18n.PseudoTag); err != nil {
		t.Fatal(err)
	}
	admin := tab(t, browser, watch, "admin")
	run(t, admin, "admin login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	page := fmt.Sprintf("%s/projects/%d/basemaps", base, project)
	run(t, admin, "basemaps", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#basemap-generate")))
	noUntranslatedText(t, admin, "basemaps page", data...)
	run(t, admin, "count", chromedp.SetValue(chromedp.CSS("#g-min"), "14"), chromedp.SetValue(chromedp.CSS("#g-max"), "17"),
		chromedp.Click(chromedp.CSS(`#basemap-generate button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#basemap-estimate")))
	noUntranslatedText(t, admin, "basemaps page with an estimate", data...)
	run(t, admin, "start", chromedp.Click(chromedp.CSS("#basemap-estimate button")),
		waitJS(`(() => { const p = document.querySelector(".generation-job progress"); return p && p.value > 0; })()`))
	noUntranslatedText(t, admin, "basemaps page with a generation job", data...)
	run(t, admin, "cancel", chromedp.Click(chromedp.CSS(".generation-job button.btn-danger")),
		waitJS(`document.querySelector(".generation-job form") === null`))
	noUntranslatedText(t, admin, "basemaps page with a cancelled job", data...)

	for _, c := range []struct{ tag, dir, heading, state string }{
		{"fr", "ltr", "Fonds de carte de «\u00a0Roofs\u00a0»", "Prêt"},
		{"ar", "rtl", "خرائط الأساس لـ «Roofs»", "جاهزة"},
	} {
		run(t, admin, "desktop "+c.tag, chromedp.EmulateViewport(1280, 850))
		chooseLanguage(t, admin, c.tag)
		run(t, admin, "basemaps "+c.tag, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#basemap-generate")))
		if dir := value(t, admin, "dir", chromedp.Evaluate[string](`document.documentElement.dir`)); dir != c.dir {
			t.Errorf("%s: dir %q, want %q", c.tag, dir, c.dir)
		}
		if h := value(t, admin, "heading", chromedp.Text(chromedp.CSS("h1"))); h != c.heading {
			t.Errorf("%s: heading %q, want %q", c.tag, h, c.heading)
		}
		if s := value(t, admin, "state", chromedp.Text(chromedp.CSS("#basemap-list .badge"))); s != c.state {
			t.Errorf("%s: state %q, want %q", c.tag, s, c.state)
		}
		noSideways(t, admin, c.tag+" basemaps page at 1280 px")
		fullShot(t, admin, "basemaps-"+c.tag+"-1280")
		run(t, admin, "phone "+c.tag, chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#basemap-generate")))
		noSideways(t, admin, c.tag+" basemaps page at 360 px")
		fullShot(t, admin, "basemaps-"+c.tag+"-360")
		shot(admin, "basemaps-"+c.tag+"-360-top")
	}
	run(t, admin, "desktop viewport", chromedp.EmulateReset())
}
