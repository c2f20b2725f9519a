package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// offlineFillSetup is a running server with the fill test project, reached by the browser through a netSwitch at
// the base URL answered.
func offlineFillSetup(t *testing.T) (*testApp, fillProject, *netSwitch, string) {
	t.Helper()
	ta := newTestApp(t)
	fp := ta.fillProject(t)
	ns, base := newNetSwitch(t, ta.listen(t))
	return ta, fp, ns, base
}

// formReady is true once Web Forms has drawn the form and its first field takes input.
const formReady = `(() => { const i = document.querySelector('#odk-form input[type="text"]');
	return i !== null && !i.disabled && i.getBoundingClientRect().width > 0; })()`

// cacheFormOnline opens the fill page online, waits for the service worker to control it and for the outbox to
// have stored the form for offline use (its cache named fb-form|project|form|version|…).
func cacheFormOnline(t *testing.T, ctx context.Context, fillURL string, fp fillProject) {
	t.Helper()
	run(t, ctx, "open the fill page online", chromedp.Navigate(fillURL), waitJS(formReady))
	waitController(t, ctx)
	run(t, ctx, "the form cached", waitJS(fmt.Sprintf(`(document.documentElement.dataset.fillCached || "")
		.startsWith("fb-form|%d|fill_test|")`, fp.id)))
}

// TestBrowserOfflineFill is the first test, through the real fill page: a signed-in mapper opens the fill
// page once online (the service worker and the outbox cache the shell, the form and the page); then the network
// goes (the relay is cut, so the service worker's requests fail too, and the tab is told it is offline). The fill
// page opens from the cache; three forms are filled and sent through ODK Web Forms, each with its own photo given
// to the file input; the page is reloaded; the browser is closed and a new one started on the same profile. Online
// again: exactly three submissions arrive, each photo byte-identical to the file given, and the outbox is empty.
func TestBrowserOfflineFill(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta, fp, ns, base := offlineFillSetup(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() { dropNetErrors(watch); watch.check(t) }()
	profile := t.TempDir()
	ctx, closeBrowser := profileBrowser(t, exe, profile, watch, "mapper")
	signIn(t, ctx, base, "walker")
	fillURL := fmt.Sprintf("%s/projects/%d/forms/fill_test/fill", base, fp.id)
	cacheFormOnline(t, ctx, fillURL, fp)

	goOffline(t, ctx, ns)
	run(t, ctx, "the fill page from the cache", chromedp.Navigate(fillURL), waitJS(formReady))
	if online := eval[bool](t, ctx, "navigator.onLine", `navigator.onLine`); online {
		t.Fatal("the tab does not know it is offline")
	}
	photos := map[string]string{} // sha256 -> the file's name
	for i, name := range []string{"Baker", "Tailor", "Chemist"} {
		path, data := photoFile(t, uint8(30+60*i))
		photos[sha(data)] = path
		if got := fillAndSend(t, ctx, name, path, false); !strings.Contains(got, "Saved on this device") {
			t.Fatalf("offline, form %d: the page says %q", i+1, got)
		}
		if n := eval[int](t, ctx, "count", `fbOutbox.count()`); n != i+1 {
			t.Fatalf("after form %d the outbox holds %d items", i+1, n)
		}
	}
	if len(photos) != 3 {
		t.Fatal("the three test photos are not distinct")
	}
	run(t, ctx, "reload offline", chromedp.Reload(), waitJS(formReady))
	if n := eval[int](t, ctx, "count after reload", `fbOutbox.count()`); n != 3 {
		t.Fatalf("%d items after the reload, want 3", n)
	}
	closeBrowser()
	if n := ta.submissionCount(t); n != 0 {
		t.Fatalf("%d submissions arrived while the browser was offline", n)
	}

	ns.set(false) // the network is back before the new browser starts
	ctx, _ = profileBrowser(t, exe, profile, watch, "mapper again")
	run(t, ctx, "the fill page online", chromedp.Navigate(fillURL), waitJS(formReady))
	run(t, ctx, "outbox empties", waitJS(`(async () => (await fbOutbox.count()) === 0)()`))
	subs := ta.submissionsOf(t, fp)
	if len(subs) != 3 {
		t.Fatalf("%d submissions, want exactly 3", len(subs))
	}
	for _, s := range subs {
		got := sha(ta.attachmentOf(t, fp, s.ID))
		if _, ok := photos[got]; !ok {
			t.Errorf("submission %s: its photo (sha256 %s) is none of the files given", s.InstanceID, got)
		}
		delete(photos, got)
	}
	if len(photos) != 0 {
		t.Errorf("photos never stored: %v", photos)
	}
	type idbState struct{ Items, Sent int }
	st := eval[idbState](t, ctx, "IndexedDB", `(async () => {
		const l = await fbOutbox.list();
		return {Items: l.filter(i => i.state !== "sent").length, Sent: l.filter(i => i.state === "sent").length};
	})()`)
	if st.Items != 0 || st.Sent != 3 {
		t.Errorf("IndexedDB holds %d items and %d sent lines, want 0 and 3", st.Items, st.Sent)
	}

	// The page on a desktop, on a phone and in Arabic on a phone.
	shot := shooter(t)
	shot(ctx, "fill-offline-desktop")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(fillURL), waitJS(formReady))
	fillPageLayout(t, ctx, "fill page at 360 px")
	shot(ctx, "fill-offline-phone")
	chooseLanguage(t, ctx, "ar")
	run(t, ctx, "the fill page in Arabic", chromedp.Navigate(fillURL), waitJS(formReady))
	if dir := eval[string](t, ctx, "dir", `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("the fill page in Arabic has dir=%q", dir)
	}
	fillPageLayout(t, ctx, "fill page in Arabic at 360 px")
	shot(ctx, "fill-offline-ar-phone")
}

// swRegistration answers the ID of the service worker registration of base's origin, as the DevTools protocol's
// ServiceWorker domain reports it.
func swRegistration(t *testing.T, ctx context.Context, base string) serviceworker.RegistrationID {
	t.Helper()
	found := make(chan serviceworker.RegistrationID, 8)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := chromedp.Listen(lctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if !r.IsDeleted && strings.HasPrefix(r.ScopeURL, base) {
					select {
					case found <- r.RegistrationID:
					default:
					}
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	select {
	case id := <-found:
		return id
	case <-time.After(20 * time.Second):
		t.Fatal("no service worker registration reported for " + base)
	}
	return ""
}

// TestBrowserBackgroundSync: items are queued while the server cannot be reached (each queueing asks for a
// Background Sync); every page of the site is closed; the server comes back; the browser's sync event (fired over
// the DevTools protocol, as Chromium fires it when the network returns) makes the service worker send the outbox
// itself, with no page open: all three arrive once, photos byte for byte. A page opened afterwards only to read
// IndexedDB finds the outbox empty and the three in the sent log.
func TestBrowserBackgroundSync(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta, fp, ns, base := outboxSetup(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() { dropNetErrors(watch); watch.check(t) }()
	// The first tab stays on about:blank: closing it would close the browser. The site runs in a second tab.
	browser, _ := profileBrowser(t, exe, t.TempDir(), watch, "blank tab")
	page, closePage := chromedp.NewContext(browser)
	if err := watch.listen(page, "mapper"); err != nil {
		t.Fatal(err)
	}
	signIn(t, page, base, "walker")
	openOutbox(t, page, base)
	waitController(t, page)
	if has := eval[bool](t, page, "SyncManager", `(async () => !!(await navigator.serviceWorker.ready).sync)()`); !has {
		if os.Getenv("CI") != "" {
			t.Fatal("this Chromium has no Background Sync (CI's Debian chromium must have it)")
		}
		t.Skip("this Chromium has no Background Sync")
	}

	ns.set(true) // the server cannot be reached; the browser still thinks it is online
	instances := []string{"uuid:bg-1", "uuid:bg-2", "uuid:bg-3"}
	if n := eval[int](t, page, "enqueue", enqueueJS(fp.id, 21, instances...)); n != 3 {
		t.Fatalf("enqueued %d", n)
	}
	tags := eval[[]string](t, page, "sync tags", `(async () => (await navigator.serviceWorker.ready).sync.getTags())()`)
	if !containsString(tags, "fieldbase-outbox") {
		t.Errorf("sync tags %v: queueing did not register the fieldbase-outbox sync", tags)
	}
	// A send fails for want of the network: the item waits and the sync is asked for again.
	run(t, page, "a send failed", waitJS(`(async () => (await fbOutbox.list()).some(i => i.reason === "unreachable"))()`))
	closePage()
	run(t, browser, "no page of the site open", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(10 * time.Second)
		for {
			targets, err := cdp.Call(ctx, tg, target.GetTargets, target.GetTargetsParams{})
			if err != nil {
				return err
			}
			open := 0
			for _, ti := range targets.TargetInfos {
				if ti.Type == "page" && strings.HasPrefix(ti.URL, base) {
					open++
				}
			}
			if open == 0 {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%d pages of the site still open", open)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}))
	if n := ta.submissionCount(t); n != 0 {
		t.Fatalf("%d submissions arrived while the server could not be reached", n)
	}

	ns.set(false)
	reg := swRegistration(t, browser, base)
	if _, err := chromedp.Call(browser, serviceworker.DispatchSyncEvent, serviceworker.DispatchSyncEventParams{
		Origin: base, RegistrationID: reg, Tag: "fieldbase-outbox", LastChance: false}); err != nil {
		t.Fatalf("dispatch the sync event: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for ta.submissionCount(t) < 3 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := ta.submissionCount(t); n != 3 {
		t.Fatalf("%d submissions after the sync event with no page open, want 3", n)
	}
	sums := ta.photoSums(t)
	for i, id := range instances {
		if sums[id] != sha(outboxPhoto(21+i)) {
			t.Errorf("%s: photo sha256 %q, want %q", id, sums[id], sha(outboxPhoto(21+i)))
		}
	}
	// Only now a page, to read IndexedDB.
	reader, closeReader := chromedp.NewContext(browser)
	defer closeReader()
	if err := watch.listen(reader, "reader"); err != nil {
		t.Fatal(err)
	}
	openOutbox(t, reader, base)
	type idbState struct{ Items, Sent int }
	st := eval[idbState](t, reader, "IndexedDB", `(async () => {
		const l = await fbOutbox.list();
		return {Items: l.filter(i => i.state !== "sent").length, Sent: l.filter(i => i.state === "sent").length};
	})()`)
	if st.Items != 0 || st.Sent != 3 {
		t.Errorf("IndexedDB holds %d items and %d sent lines, want 0 and 3", st.Items, st.Sent)
	}
	if n := ta.submissionCount(t); n != 3 {
		t.Errorf("%d submissions after a page opened, want still 3", n)
	}
}

// fillPageLayout checks the fill page as drawn in the tab at a phone's 360 px: no sideways scroll, the form's
// fields inside the screen, and the page's background reaching the bottom of the screen (no white band below
// a short page).
func fillPageLayout(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	phoneLayout(t, ctx, where)
	type box struct{ Left, Right, Width float64 }
	b := eval[box](t, ctx, "the field's box", `(() => { const r = document.querySelector('#odk-form input[type="text"]')
		.getBoundingClientRect(); return {Left: r.left, Right: r.right, Width: r.width}; })()`)
	if b.Left < 0 || b.Right > 360 || b.Width < 200 {
		t.Errorf("%s: the first field spans %.0f-%.0f px (%.0f px wide) on a 360 px screen", where, b.Left, b.Right, b.Width)
	}
	empty := eval[string](t, ctx, "empty header", `[...document.querySelectorAll("#odk-form .smaller-screens, #odk-form .larger-screens")]
		.filter(e => e.getBoundingClientRect().height > 0 && !e.querySelector("button, select, input, [role=combobox]"))
		.map(e => e.className + " " + Math.round(e.getBoundingClientRect().height) + " px").join(", ")`)
	if empty != "" {
		t.Errorf("%s: Web Forms' header bar is drawn with nothing in it (a blank band above the questions): %s", where, empty)
	}
	band := eval[string](t, ctx, "white band", `(() => {
		scrollTo(0, document.scrollingElement.scrollHeight);
		const y = innerHeight - 2, el = document.elementFromPoint(180, y);
		const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
			if (c !== "rgba(0, 0, 0, 0)" && c !== "transparent") return c; } return getComputedStyle(document.documentElement).backgroundColor; };
		const page = bg(document.body);
		const here = el ? bg(el) : getComputedStyle(document.documentElement).backgroundColor;
		scrollTo(0, 0);
		return here === page || here === "rgb(255, 255, 255)" && page === "rgb(255, 255, 255)" ? "" :
			"the bottom of the screen shows " + here + " (" + (el ? el.tagName + "." + el.className : "nothing") + "), the page " + page;
	})()`)
	if band != "" {
		t.Errorf("%s: %s", where, band)
	}
}
