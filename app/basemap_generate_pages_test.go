package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fieldbase/app/basemapgen/xyztest"
	"fieldbase/app/config"
)

// TestGenerateBasemapForms drives the "Make a basemap" form with a signed-in manager: counting shows the
// estimate and a start button; a refused source or too many tiles show the message beside the field; starting
// answers the progress block, which the manager can cancel; mappers see no form and may not post it.
func TestGenerateBasemapForms(t *testing.T) {
	t.Parallel()
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 100 * time.Millisecond
	ta := generationApp(t, srv, "png")
	ta.startJobs(t)
	_, pmTok := ta.newUser(t, "pm", true)
	_, mapperTok := ta.newUser(t, "mapper", false)
	pid := ta.publishedProject(t, pmTok, "")
	b, csrf := ta.pageBrowser(t, "pm")
	page := fmt.Sprintf("/projects/%d/basemaps", pid)
	resp, body := b.get(page)
	check(t, resp, body, 200, "Make a basemap", `<option value="Local"`, "Count the tiles", "At most 200 tiles")
	form := func(source, u, minZ, maxZ string) url.Values {
		return url.Values{"csrf_token": {csrf}, "source": {source}, "url": {u}, "min_zoom": {minZ},
			"max_zoom": {maxZ}, "format": {"pmtiles"}}
	}
	want := len(squareTiles(t, 14, 17))
	resp, body = b.form(page+"/estimate", form("Local", "", "14", "17"), map[string]string{"HX-Request": "true"})
	check(t, resp, body, 200, fmt.Sprintf("%d tiles from Local", want), "Make the basemap", `value="pmtiles" checked`)
	resp, body = b.form(page+"/estimate", form("url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "14", "17"),
		map[string]string{"HX-Request": "true"})
	check(t, resp, body, 422, "OpenStreetMap tile usage policy", `id="e-g-source"`)
	resp, body = b.form(page+"/estimate", form("Local", "", "10", "20"), map[string]string{"HX-Request": "true"})
	check(t, resp, body, 422, "more than 200 tiles", `id="e-g-max"`)
	resp, body = b.form(page+"/generate", form("Local", "", "14", "17"), map[string]string{"HX-Request": "true"})
	check(t, resp, body, 202, "Making a basemap", "<progress", "/cancel")
	start := strings.Index(body, `id="generation-job-`) + len(`id="generation-job-`)
	jid := body[start : start+strings.IndexByte(body[start:], '"')]
	resp, body = b.get(page)
	check(t, resp, body, 200, `id="generation-job-`+jid+`"`, `hx-trigger="every 1s"`)
	resp, body = b.form(page+"/jobs/"+jid+"/cancel", url.Values{"csrf_token": {csrf}},
		map[string]string{"HX-Request": "true"})
	check(t, resp, body, 200)
	ta.run(t, []scenario{
		{name: "ErrMapperForm", method: "POST", url: page + "/generate", headers: bearer(mapperTok), wantStatus: 403},
		{name: "ErrMapperJob", method: "GET", url: page + "/jobs/" + jid, headers: bearer(mapperTok), wantStatus: 403},
		{name: "OKMapperSeesNoForm", method: "GET", url: page, headers: bearer(mapperTok), wantStatus: 200,
			wantAbsent: []string{"Make a basemap"}},
		{name: "ErrOtherProjectsJob", method: "GET", url: fmt.Sprintf("/projects/%d/basemaps/jobs/%s",
			ta.newProject(t, pmTok, ""), jid), headers: bearer(pmTok), wantStatus: 404},
	})
}

// TestGenerateBasemapInChromium counts, starts and cancels a generation in a real browser, at 1280 and 360 px.
func TestGenerateBasemapInChromium(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	srv := xyztest.New(t, xyztest.Options{})
	srv.Delay = 500 * time.Millisecond
	ta := generationApp(t, srv, "png", func(c *config.Config) { c.Basemaps.GenerateConcurrency = 1 })
	ta.startJobs(t)
	_, pmTok := ta.newUser(t, "pm", true)
	pid := ta.publishedProject(t, pmTok, "")
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	ctx := tab(t, newBrowser(t, exe), watch, "pm")
	shot := func(name string) {
		if dir := os.Getenv("FIELDBASE_SCREENSHOTS"); dir != "" {
			png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
			if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "pm"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(fmt.Sprintf("%s/projects/%d/basemaps", base, pid)),
		chromedp.WaitVisible(chromedp.CSS("#basemap-generate")))
	run(t, ctx, "count", chromedp.SetValue(chromedp.CSS("#g-min"), "14"), chromedp.SetValue(chromedp.CSS("#g-max"), "17"),
		chromedp.Click(chromedp.CSS(`#basemap-generate button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#basemap-estimate")))
	shot("basemap-generate-estimate-1280")
	run(t, ctx, "start", chromedp.Click(chromedp.CSS("#basemap-estimate button")),
		waitJS(`(() => { const p = document.querySelector(".generation-job progress"); return p && p.value > 0; })()`))
	msg := value(t, ctx, "message", chromedp.Evaluate[string](`document.querySelector(".generation-message").textContent`))
	if !strings.Contains(msg, "tiles") || !(strings.Contains(msg, "bytes") || strings.Contains(msg, "kB")) {
		t.Errorf("progress message %q", msg)
	}
	shot("basemap-generate-progress-1280")
	run(t, ctx, "phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	shot("basemap-generate-progress-360")
	wide := value(t, ctx, "sideways", chromedp.Evaluate[float64](
		`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if wide > 0 {
		t.Errorf("the page scrolls sideways by %.0f px at 360 px wide", wide)
	}
	value(t, ctx, "cancel", chromedp.Evaluate[bool](`document.querySelector(".generation-job button.btn-danger").click(), true`))
	run(t, ctx, "cancelled", waitJS(`document.querySelector(".generation-message") &&
			document.querySelector(".generation-message").textContent.includes("Cancelled")`))
	shot("basemap-generate-cancelled-360")
	if list, _ := ta.store.Basemaps(context.Background(), pid); len(list) != 0 {
		t.Errorf("basemaps after cancel: %v", list)
	}
}
