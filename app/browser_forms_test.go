package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFormsPage drives the forms page in Chromium at 1280 and 360 px: the ready forms offered to a
// project without a form, a refused workbook's problems listed beside the file field after an htmx upload, and
// one click on "Use this form". No sideways scroll and thumb-sized buttons on the phone.
func TestBrowserFormsPage(t *testing.T) {
	exe := chromium(t)
	fx := filepath.Join(fixturesDir(t), "xlsforms")
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() {
		// The refused workbook's 422 is expected; Chromium logs every 4xx answer as an error.
		watch.mu.Lock()
		kept := watch.problems[:0]
		for _, p := range watch.problems {
			if !strings.Contains(p, "status of 422") || !strings.Contains(p, "/forms)") {
				kept = append(kept, p)
			}
		}
		watch.problems = kept
		watch.mu.Unlock()
		watch.check(t)
	}()
	shot := shooter(t)
	ctx := tab(t, newBrowser(t, exe), watch, "manager")
	page := fmt.Sprintf("%s/projects/%d/forms", base, fp.id)
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "manager"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))

	bad, _ := filepath.Abs(filepath.Join(fx, "pyxform-error.xlsx"))
	for _, width := range []int{1280, 360} {
		suffix := ""
		if width == 360 {
			suffix = "-phone"
			run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2),
				chromedp.EmulateMobile))
		}
		run(t, ctx, "ready forms", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#ready-buildings")))
		if width == 360 {
			phoneLayout(t, ctx, "forms page with ready forms")
			if small := smallTargets(t, ctx); small != "" {
				t.Errorf("buttons under 44 px tall at 360 px wide: %s", small)
			}
		}
		shot(ctx, "project-forms-ready"+suffix)
		run(t, ctx, "upload a bad workbook", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{bad}),
			chromedp.Click(chromedp.CSS(`#form-upload button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#e-file-problems li")))
		problems := value(t, ctx, "problems", chromedp.Text(chromedp.CSS("#e-file-problems")))
		if !strings.Contains(problems, "survey") {
			t.Errorf("problems beside the file field: %q", problems)
		}
		if width == 360 {
			phoneLayout(t, ctx, "forms page with a workbook's problems")
		}
		run(t, ctx, "see the problems", chromedp.ScrollIntoView(chromedp.CSS("#form-upload")))
		shot(ctx, "project-forms-xlsform-problems"+suffix)
	}
	run(t, ctx, "desktop viewport", chromedp.EmulateReset(), chromedp.EmulateViewport(1280, 800))
	run(t, ctx, "use a ready form", chromedp.Click(chromedp.CSS(`#ready-buildings button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#form-buildings")))
	if txt := value(t, ctx, "flash", chromedp.Text(chromedp.CSS(".flash-success"))); !strings.Contains(txt,
		"Buildings added") {
		t.Errorf("after one click: %q", txt)
	}
	good, _ := filepath.Abs(filepath.Join(fx, "building_natural_risks_survey.xlsx"))
	run(t, ctx, "upload a workbook", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{good}),
		chromedp.Click(chromedp.CSS(`#form-upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="/xlsform?version="]`)))
	run(t, ctx, "see the form", chromedp.ScrollIntoView(chromedp.CSS(`a[href*="/xlsform?version="]`)))
	shot(ctx, "project-forms-xlsform")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`a[href*="/xlsform?version="]`)))
	phoneLayout(t, ctx, "forms page with a converted workbook")
	shot(ctx, "project-forms-xlsform-phone")
	run(t, ctx, "desktop viewport", chromedp.EmulateReset())
}

// phoneLayout is noSideways plus the layout width: a phone widens its layout viewport to fit what overflows (a
// long unbroken word), which noSideways alone does not see.
func phoneLayout(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	noSideways(t, ctx, where)
	if w := value(t, ctx, "layout width", chromedp.Evaluate[int](`innerWidth`)); w != 360 {
		t.Errorf("%s is laid out %d px wide on a 360 px phone", where, w)
	}
}
