package app

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFeaturesByStatus: the project map draws the data extract coloured by survey status (not surveyed yet,
// submitted, validated, rejected) with the legend in the panel; a click on a feature opens its properties and its
// submissions, linked to the submission's page.
func TestBrowserFeaturesByStatus(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, "testdata/forms/linked.xml"))
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := 1; i <= 4; i++ {
		if i > 1 {
			fc.WriteByte(',')
		}
		fmt.Fprintf(&fc, `{"type":"Feature","properties":{"name":"Shop %d","levels":%d},"geometry":{"type":"Point","coordinates":[%.1f,%.1f]}}`,
			i, i, 0.2*float64(i), 0.2*float64(i))
	}
	fc.WriteString("]}")
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/features", fp.id), strings.NewReader(fc.String()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fp.pm)
	if resp, body := ta.do(t, req); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload features: %d %s", resp.StatusCode, body)
	}
	ids := map[string]int64{}
	for i, status := range []string{"submitted", "validated", "bad", "ready"} {
		var id int64
		if err := ta.store.DB().QueryRowContext(ctx, "SELECT id FROM features WHERE project_id = ? AND properties LIKE ?",
			fp.id, fmt.Sprintf(`%%"Shop %d"%%`, i+1)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[status] = id
		if status != "submitted" {
			if err := ta.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE features SET status = ? WHERE id = ?", status, id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A real submission about the first feature makes it "submitted".
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper,
		part{"submission_xml", "", linkedXML("uuid:shop1", "", fmt.Sprint(ids["submitted"]), "0.2 0.2 10 5")})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	sid := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(body)[1]

	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	shot := shooter(t)
	tb := tab(t, newBrowser(t, exe), watch, "validator")
	signIn(t, tb, base, "checker")
	run(t, tb, "project map", chromedp.Navigate(fmt.Sprintf("%s/projects/%d", base, fp.id)),
		waitJS(`window.fbProject && fbProject.ready === true && fbProject.features === 4`), settledMap(),
		// Painted, not only loaded: the sampled pixels below must show the features.
		waitJS(fmt.Sprintf(`[%d, %d, %d, %d].every((id) => fbProject.featureDrawn(id)) && !fbProject.moving()`,
			ids["submitted"], ids["validated"], ids["bad"], ids["ready"])))
	legend := value(t, tb, "legend", chromedp.Text(chromedp.CSS(`[aria-labelledby="features-heading"]`)))
	for _, w := range []string{"Not surveyed yet", "Submitted", "Validated", "Rejected"} {
		if !strings.Contains(legend, w) {
			t.Errorf("the legend lacks %q: %q", w, legend)
		}
	}
	shot(tb, "project-features")

	img, err := png.Decode(bytes.NewReader(value(t, tb, "screenshot", chromedp.CaptureScreenshot())))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]uint32{"ready": {0xff, 0xff, 0xff}, "submitted": {0xe6, 0x9f, 0x00},
		"validated": {0x00, 0x9e, 0x73}, "bad": {0xd5, 0x5e, 0x00}}
	for status, fid := range ids {
		pt := value(t, tb, "feature point", chromedp.Evaluate[[]float64](fmt.Sprintf(`fbProject.featurePoint(%d)`, fid)))
		r, g, b, _ := img.At(int(pt[0]), int(pt[1])).RGBA()
		got := [3]uint32{r >> 8, g >> 8, b >> 8}
		for i := range 3 {
			if d := int(got[i]) - int(want[status][i]); d < -12 || d > 12 {
				t.Errorf("the %s feature is drawn in #%02x%02x%02x, want #%02x%02x%02x", status, got[0], got[1], got[2],
					want[status][0], want[status][1], want[status][2])
				break
			}
		}
	}

	pt := value(t, tb, "feature point", chromedp.Evaluate[[]float64](fmt.Sprintf(`fbProject.featurePoint(%d)`, ids["submitted"])))
	acts := clickAt(pt[0], pt[1])
	acts = append(acts, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#task-panel .feature-panel[data-feature="%d"]`, ids["submitted"]))))
	run(t, tb, "click the submitted feature", acts...)
	panel := value(t, tb, "panel", chromedp.Text(chromedp.CSS("#task-panel")))
	for _, w := range []string{"Submitted", "name", "Shop 1", "levels", "Submission " + sid} {
		if !strings.Contains(panel, w) {
			t.Errorf("the feature panel lacks %q: %q", w, panel)
		}
	}
	shot(tb, "project-feature-panel")
	link := fmt.Sprintf(`#task-panel a[href="/projects/%d/submissions/%s"]`, fp.id, sid)
	run(t, tb, "open the submission", chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS("#submission-fields")))
	if loc := value(t, tb, "location", chromedp.Location()); !strings.HasSuffix(loc, fmt.Sprintf("/projects/%d/submissions/%s", fp.id, sid)) {
		t.Errorf("the link went to %s", loc)
	}
}

// settledMap waits until the project map stands still with everything drawn.
func settledMap() chromedp.Action[chromedp.Void] {
	return waitJS(`!fbProject.moving() && document.querySelector("#map canvas") !== null`)
}
