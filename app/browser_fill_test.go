package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"fieldbase/app/tasking"
)

// fillProject is a formsProject with the fill test form, 4 tasks and one data-extract feature.
type fillProject struct {
	formsProject
	featureID int64
	task1ID   int64
}

func (ta *testApp) fillProject(t *testing.T) fillProject {
	t.Helper()
	ctx := context.Background()
	fp := fillProject{formsProject: ta.formsProject(t)}
	ta.mustUploadForm(t, fp.formsProject, readFile(t, "testdata/forms/fill_test.xml"))
	setStatus := func(status string) {
		if err := ta.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE projects SET status = ? WHERE id = ?", status, fp.id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus("draft") // a published project keeps its tasks
	if _, err := tasking.RunSplit(ctx, ta.store, tasking.SplitParams{ProjectID: fp.id, Method: "count", Tasks: 4},
		nil); err != nil {
		t.Fatal(err)
	}
	setStatus("published")
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/projects/%d/features", fp.id), strings.NewReader(
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Shop"},`+
			`"geometry":{"type":"Point","coordinates":[0.2,0.2]}}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fp.pm)
	if resp, body := ta.do(t, req); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload features: %d %s", resp.StatusCode, body)
	}
	if err := ta.store.DB().QueryRowContext(ctx, "SELECT id FROM features WHERE project_id = ?", fp.id).
		Scan(&fp.featureID); err != nil {
		t.Fatal(err)
	}
	task, err := ta.store.Task(ctx, fp.id, 1)
	if err != nil {
		t.Fatal(err)
	}
	fp.task1ID = task.ID
	return fp
}

// photoFile writes a small PNG (a real image, as a phone's camera would give) and returns its path and bytes.
func photoFile(t *testing.T, shade uint8) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 4), uint8(y * 5), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("photo-%d.png", shade))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

// fillAndSend fills the test form in an open fill page (a name, "Shop", a photo through the file input) and
// presses Send, then waits for the page's answer.
// sentByOutbox waits, when the page said it saved the answers in the outbox, until it says the outbox sent them
// (the outbox sends on its own once the item is stored), and answers the page's last word.
func sentByOutbox(t *testing.T, ctx context.Context, said string) string {
	t.Helper()
	if !strings.Contains(said, "Saved on this device") {
		return said
	}
	run(t, ctx, "the outbox sends", waitJS(`document.querySelector("#fill-status").textContent.includes("Sent.")`))
	return value(t, ctx, "status", chromedp.Text(chromedp.CSS("#fill-status")))
}

func fillAndSend(t *testing.T, ctx context.Context, name, photo string, gps bool) string {
	t.Helper()
	run(t, ctx, "form ready", waitJS(`document.querySelector('#odk-form input[type="text"]') !== null`))
	if gps { // the position the test gave the tab, accurate enough (1 m) for Web Forms to keep it at once
		saveButton := `[...document.querySelectorAll("button")].find(b => b.textContent.trim() === "Save location" && !b.disabled)`
		run(t, ctx, "get location", chromedp.Click(chromedp.CSS("#odk-form .get-location-button")),
			waitJS(saveButton+` !== undefined`), chromedp.Evaluate[chromedp.Void](saveButton+`.click()`),
			chromedp.WaitVisible(chromedp.CSS("#odk-form .geopoint-value-container")))
	}
	run(t, ctx, "fill "+name,
		chromedp.SendKeys(chromedp.CSS(`#odk-form input[type="text"]`), name),
		chromedp.Click(chromedp.CSS(`#odk-form input[type="radio"][value="shop"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#odk-form input[type="file"]:not([capture])`), []string{photo}),
		waitJS(`document.querySelector('#odk-form img[src^="blob:"]') !== null`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#fill-status").replaceChildren();
			[...document.querySelectorAll("#odk-form button")].find(b => b.textContent.trim() === "Send").click()`),
		waitJS(`document.querySelector("#fill-status > *") !== null`))
	return value(t, ctx, "status", chromedp.Text(chromedp.CSS("#fill-status")))
}

// submissionsOf lists the project's submissions through the API, newest first.
func (ta *testApp) submissionsOf(t *testing.T, fp fillProject) []SubmissionBody {
	t.Helper()
	_, body := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.validator)
	var list struct{ Items []SubmissionBody }
	decode(t, body, &list)
	return list.Items
}

// attachmentOf downloads a submission's only attachment.
func (ta *testApp) attachmentOf(t *testing.T, fp fillProject, sid int64) []byte {
	t.Helper()
	_, body := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions/%d", fp.id, sid), fp.validator)
	var d SubmissionBody
	decode(t, body, &d)
	if len(d.Attachments) != 1 {
		t.Fatalf("submission %d has %d attachments, want 1: %s", sid, len(d.Attachments), body)
	}
	resp, file := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/submissions/%d/attachments/%s", fp.id, sid,
		d.Attachments[0].Name), fp.validator)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("attachment: %d", resp.StatusCode)
	}
	return []byte(file)
}

// expectedFillNoise drops what the fill page logs on this branch on purpose: outbox.js is not there (the page
// then sends straight to the server), and the revoked device link's 401 page.
func expectedFillNoise(w *pageWatch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.problems[:0]
	for _, p := range w.problems {
		if !strings.Contains(p, "/static/js/outbox.js") && !strings.Contains(p, "status of 401") {
			kept = append(kept, p)
		}
	}
	w.problems = kept
}

// TestBrowserFillForm: a mapper opens the fill page from a task and a feature, fills the form (text, select_one,
// the geopoint from the tab's emulated GPS, a photo through the file input) and sends it; the submission arrives
// through the REST route with the photo byte-identical, its position, linked to the task and the feature, and the
// form is reset for the next entry. The devices page gives a new token's browser link and each token's QR code. A phone without
// an account fills the same form through the device link (OpenRosa). A revoked link gets a 401 page. At 360 px
// the page does not scroll sideways.
func TestBrowserFillForm(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.fillProject(t)
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() { expectedFillNoise(watch); watch.check(t) }()
	shot := shooter(t)
	browser := newBrowser(t, exe)
	ctx := tab(t, browser, watch, "mapper")
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "walker"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))

	fill := fmt.Sprintf("%s/projects/%d/forms/fill_test/fill?task=1&feature=%d", base, fp.id, fp.featureID)
	placeAt(t, ctx, base, 0.3, 0.6, 1)
	run(t, ctx, "open the fill page", chromedp.Navigate(fill))
	photo, photoBytes := photoFile(t, 10)
	run(t, ctx, "form ready", waitJS(`document.querySelector('#odk-form input[type="text"]') !== null`))
	if insecure := value(t, ctx, "secure context", chromedp.Evaluate[bool](`document.getElementById("fill-insecure") !== null`)); insecure {
		t.Error("the page says the address is not secure on 127.0.0.1, which is a secure context")
	}
	if got := sentByOutbox(t, ctx, fillAndSend(t, ctx, "Corner shop", photo, true)); !strings.Contains(got, "Sent") {
		t.Fatalf("after Send: %q", got)
	}
	subs := ta.submissionsOf(t, fp)
	if len(subs) != 1 {
		t.Fatalf("%d submissions, want 1", len(subs))
	}
	if s := subs[0]; s.TaskID != fp.task1ID || s.FeatureID != fp.featureID || s.FormID != "fill_test" {
		t.Errorf("submission task %d feature %d form %q, want task %d feature %d", s.TaskID, s.FeatureID, s.FormID,
			fp.task1ID, fp.featureID)
	}
	if s := subs[0]; s.Lon == nil || s.Lat == nil || math.Abs(*s.Lon-0.3) > 1e-6 || math.Abs(*s.Lat-0.6) > 1e-6 {
		t.Errorf("submission position %v, %v: want the GPS position 0.3, 0.6", s.Lon, s.Lat)
	}
	if got := ta.attachmentOf(t, fp, subs[0].ID); !bytes.Equal(got, photoBytes) {
		t.Errorf("the stored photo (%d bytes, %s) differs from the one chosen (%d bytes, %s)", len(got),
			shortSum(got), len(photoBytes), shortSum(photoBytes))
	}
	if v := value(t, ctx, "reset", chromedp.Evaluate[string](`document.querySelector('#odk-form input[type="text"]').value`)); v != "" {
		t.Errorf("after sending, the form still holds %q: it is not reset for the next entry", v)
	}
	shot(ctx, "fill-member")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(), waitJS(`document.querySelector('#odk-form input[type="text"]') !== null`))
	phoneLayout(t, ctx, "fill page")
	shot(ctx, "fill-member-phone")
	run(t, ctx, "desktop viewport", chromedp.EmulateReset())

	// A form's media go through Web Forms' fetchFormAttachment: the choices of a select_one_from_file.
	ta.mustUploadForm(t, fp.formsProject, readFile(t, "testdata/forms/fill_media.xml"))
	if resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/forms/fill_media/media", fp.id), fp.pm,
		part{"file", "streets.csv", []byte("name,label\nelm,Elm Street\noak,Oak Avenue\n")}); resp.StatusCode >= 300 {
		t.Fatalf("upload media: %d %s", resp.StatusCode, body)
	}
	run(t, ctx, "choices from a CSV", chromedp.Navigate(fmt.Sprintf("%s/projects/%d/forms/fill_media/fill", base, fp.id)),
		waitJS(`document.querySelector('#odk-form input[type="radio"][value="oak"]') !== null`))
	if txt := value(t, ctx, "choices", chromedp.Text(chromedp.CSS("#odk-form"))); !strings.Contains(txt, "Oak Avenue") {
		t.Errorf("the CSV's labels are not shown: %q", txt)
	}

	// A phone with the device link and no account.
	tid, token, _ := ta.collectToken(t, fp.formsProject)
	phone := tab(t, browser, watch, "phone")
	run(t, phone, "device link", chromedp.Navigate(base+"/odk/"+token),
		chromedp.WaitVisible(chromedp.CSS(`#device-forms a[data-form="fill_test"]`)))
	shot(phone, "fill-device-list")
	link := value(t, phone, "fill link", chromedp.Evaluate[string](`document.querySelector('#device-forms a[data-form="fill_test"]').href`))
	if want := base + "/odk/" + token + "/forms/fill_test/fill"; link != want {
		t.Errorf("fill link %q, want %q", link, want)
	}
	run(t, phone, "open the form", chromedp.Navigate(link))
	photo2, photo2Bytes := photoFile(t, 200)
	if got := sentByOutbox(t, phone, fillAndSend(t, phone, "Bakery", photo2, false)); !strings.Contains(got, "Sent") {
		t.Fatalf("device link, after Send: %q", got)
	}
	subs = ta.submissionsOf(t, fp)
	if len(subs) != 2 {
		t.Fatalf("%d submissions after the device link's, want 2", len(subs))
	}
	var device SubmissionBody
	for _, s := range subs {
		if s.SubmitterID == 0 {
			device = s
		}
	}
	if device.ID == 0 || device.TaskID != 0 {
		t.Fatalf("no submission without a submitter (the device link's) among %+v", subs)
	}
	if got := ta.attachmentOf(t, fp, device.ID); !bytes.Equal(got, photo2Bytes) {
		t.Errorf("the device link's photo differs: %d bytes, want %d", len(got), len(photo2Bytes))
	}
	run(t, phone, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(), waitJS(`document.querySelector('#odk-form input[type="text"]') !== null`))
	phoneLayout(t, phone, "device-link fill page")
	shot(phone, "fill-device-phone")

	// The devices page: a new token comes with its browser link; the list offers the link's QR code.
	ta.fieldManager(t, fp.formsProject)
	fm := tab(t, browser, watch, "field manager")
	run(t, fm, "field manager login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "fieldboss"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	for _, width := range []int{1280, 360} {
		suffix := ""
		if width == 360 {
			suffix = "-phone"
			run(t, fm, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		}
		run(t, fm, "devices page", chromedp.Navigate(fmt.Sprintf("%s/projects/%d/devices", base, fp.id)),
			chromedp.SetValue(chromedp.CSS("#f-name"), "Tablet "+suffix),
			chromedp.Submit(chromedp.CSS("#f-name")), chromedp.WaitVisible(chromedp.CSS("#created-browser-link")))
		shot(fm, "devices-created"+suffix)
		run(t, fm, "open the browser QR", chromedp.Click(chromedp.CSS(".browser-link summary")),
			chromedp.ScrollIntoView(chromedp.CSS(".browser-link img")),
			waitJS(`document.querySelector(".browser-link img").complete && document.querySelector(".browser-link img").naturalWidth > 0`))
		if width == 360 {
			phoneLayout(t, fm, "devices page with a browser link")
		}
		shot(fm, "devices-browser-qr"+suffix)
	}

	run(t, fm, "leave the devices page", chromedp.Navigate("about:blank")) // its lazy QR codes load nothing later

	// Revoked: the link answers a page that says so.
	req := jsonRequest(http.MethodDelete, fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%d", fp.id, tid), "", fp.pm)
	if resp, body := ta.do(t, req); resp.StatusCode >= 300 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	run(t, phone, "revoked link", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#error-heading")))
	if txt := value(t, phone, "revoked text", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(txt, "401") ||
		!strings.Contains(txt, "not valid") {
		t.Errorf("revoked link page: %q", txt)
	}
}

func shortSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:6])
}

// fakeOutbox stands in for outbox.js (blocked in the tab): it records what the fill page hands over.
const fakeOutbox = `window.__fb = {items: [], flushes: 0, caches: []};
window.fbOutbox = {
  enqueue: async (item) => { window.__fb.items.push(item); },
  flush: () => { window.__fb.flushes++; },
  cacheForm: (o) => { window.__fb.caches.push(o); return Promise.resolve(); },
};`

// outboxItem is what the fill page gave the outbox, as the test reads it back.
type outboxItem struct {
	N, Flushes                                         int
	InstanceID, FormID, FormVersion, FormTitle         string
	SubmitURL, XMLField, AttachmentField, XML, Created string
	ProjectID                                          int64
	TaskIndex                                          int
	FeatureID                                          int64
	Headers                                            map[string]string
	Attachments                                        []struct {
		Name, Type string
		Size       int
		IsBlob     bool
	}
	CacheURLs []string
}

// TestBrowserFillOutboxContract: with window.fbOutbox present, Send hands the outbox one item as the contract
// with outbox.js says (instance ID, form, submit route and field names, the CSRF header, the XML with task_id and
// feature_id, the photo as a Blob of its exact size, the task and feature), calls flush, sends nothing itself, says
// the entry is saved on the device, and asks the outbox to cache the page, the form and the Web Forms files.
func TestBrowserFillOutboxContract(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.fillProject(t)
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() { expectedFillNoise(watch); watch.check(t) }()
	ctx := tab(t, newBrowser(t, exe), watch, "mapper")
	run(t, ctx, "login", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "walker"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	run(t, ctx, "fake outbox", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/static/js/outbox.js", Block: true}}}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: fakeOutbox})
		return err
	}))
	run(t, ctx, "open", chromedp.Navigate(fmt.Sprintf("%s/projects/%d/forms/fill_test/fill?task=1&feature=%d", base,
		fp.id, fp.featureID)))
	photo, photoBytes := photoFile(t, 90)
	if got := fillAndSend(t, ctx, "Kiosk", photo, false); !strings.Contains(got, "Saved on this device") {
		t.Fatalf("after Send: %q", got)
	}
	raw := value(t, ctx, "item", chromedp.Evaluate[string](`(() => { const it = __fb.items[0] || {}; return JSON.stringify({
		N: __fb.items.length, Flushes: __fb.flushes, InstanceID: it.instanceId, FormID: it.formId,
		FormVersion: it.formVersion, FormTitle: it.formTitle, SubmitURL: it.submitUrl, XMLField: it.xmlField,
		AttachmentField: it.attachmentField, XML: it.xml, Created: it.createdAt, ProjectID: it.projectId,
		TaskIndex: it.taskIndex, FeatureID: it.featureId, Headers: it.headers,
		Attachments: (it.attachments || []).map(a => ({Name: a.name, Type: a.type, Size: a.blob.size, IsBlob: a.blob instanceof Blob})),
		CacheURLs: (__fb.caches[0] || {}).urls}) })()`))
	var it outboxItem
	decode(t, raw, &it)
	if it.N != 1 || it.Flushes != 1 {
		t.Fatalf("%d items and %d flushes, want 1 and 1", it.N, it.Flushes)
	}
	if !strings.HasPrefix(it.InstanceID, "uuid:") || !strings.Contains(it.XML, "<instanceID>"+it.InstanceID+"</instanceID>") {
		t.Errorf("instance ID %q, XML %q", it.InstanceID, it.XML)
	}
	for _, want := range []string{fmt.Sprintf("<task_id>%d</task_id>", fp.task1ID),
		fmt.Sprintf("<feature_id>%d</feature_id>", fp.featureID), "<name>Kiosk</name>", "<kind>shop</kind>"} {
		if !strings.Contains(it.XML, want) {
			t.Errorf("the XML lacks %s: %s", want, it.XML)
		}
	}
	if it.ProjectID != fp.id || it.FormID != "fill_test" || it.FormVersion != "2026120101" || it.FormTitle != "Fill test" ||
		it.SubmitURL != fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id) || it.XMLField != "submission_xml" ||
		it.AttachmentField != "attachments" || it.TaskIndex != 1 || it.FeatureID != fp.featureID ||
		it.Headers["X-CSRF-Token"] == "" || it.Created == "" {
		t.Errorf("item %+v", it)
	}
	if len(it.Attachments) != 1 || !it.Attachments[0].IsBlob || it.Attachments[0].Size != len(photoBytes) ||
		it.Attachments[0].Type != "image/png" || !strings.Contains(it.XML, ">"+it.Attachments[0].Name+"</photo>") {
		t.Errorf("attachments %+v (photo of %d bytes), XML %s", it.Attachments, len(photoBytes), it.XML)
	}
	for _, want := range []string{fmt.Sprintf("/api/v1/projects/%d/forms/fill_test.xml", fp.id),
		fmt.Sprintf("/projects/%d/forms/fill_test/fill", fp.id), "/static/vendor/web-forms/web-forms.js",
		"/static/vendor/web-forms/web-forms-core.js", "/static/vendor/web-forms/vue.runtime.esm-browser.prod.js"} {
		if !slices.Contains(it.CacheURLs, want) {
			t.Errorf("cacheForm URLs lack %s: %v", want, it.CacheURLs)
		}
	}
	if n := len(ta.submissionsOf(t, fp)); n != 0 {
		t.Errorf("the page sent %d submissions itself; the outbox sends", n)
	}
}
