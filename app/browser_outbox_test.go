package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// profileBrowser starts a headless Chromium on the profile folder dir (kept between starts, as a phone keeps
// its browser's storage) and returns its first tab, watched by w, and a function that closes the browser.
func profileBrowser(t *testing.T, exe, dir string, w *pageWatch, who string) (context.Context, func()) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.WindowSize(1280, 850)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatal(err)
	}
	if err := w.listen(ctx, who); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	closed := false
	closeFn := func() {
		if closed {
			return
		}
		closed = true
		// Cancel on the first tab's context closes the browser gracefully (it writes its profile), then waits.
		_ = chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
	}
	t.Cleanup(closeFn)
	return ctx, closeFn
}

// netSwitch is the network between the browser and the server: a TCP relay that can be cut. Cut, it closes every
// open connection and refuses new ones, so that nothing of the browser's (its service worker's included) reaches
// the server, as when a phone leaves the Wi-Fi.
type netSwitch struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

// newNetSwitch relays a new address of 127.0.0.1 to the server at base and answers the relay's base URL.
func newNetSwitch(t *testing.T, base string) (*netSwitch, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ns := &netSwitch{ln: ln, target: strings.TrimPrefix(base, "http://"), conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); ns.set(true) })
	go ns.serve()
	return ns, "http://" + ln.Addr().String()
}

func (ns *netSwitch) serve() {
	for {
		c, err := ns.ln.Accept()
		if err != nil {
			return
		}
		go ns.relay(c)
	}
}

func (ns *netSwitch) track(cs ...net.Conn) bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.down {
		return false
	}
	for _, c := range cs {
		ns.conns[c] = true
	}
	return true
}

func (ns *netSwitch) relay(c net.Conn) {
	up, err := net.Dial("tcp", ns.target)
	if err != nil || !ns.track(c, up) {
		c.Close()
		if up != nil {
			up.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	ns.mu.Lock()
	delete(ns.conns, c)
	delete(ns.conns, up)
	ns.mu.Unlock()
}

// set cuts the network (down) or restores it.
func (ns *netSwitch) set(down bool) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.down = down
	if down {
		for c := range ns.conns {
			c.Close()
		}
		clear(ns.conns)
	}
}

// goOffline cuts the network between the browser and the server and tells the tab (navigator.onLine, the
// offline and online events, CDP network emulation); goOnline restores both.
func goOffline(t *testing.T, ctx context.Context, ns *netSwitch) {
	t.Helper()
	ns.set(true)
	setOffline(t, ctx, true)
}

func goOnline(t *testing.T, ctx context.Context, ns *netSwitch) {
	t.Helper()
	ns.set(false)
	setOffline(t, ctx, false)
}

// dropNetErrors forgets the browser's reports of requests the cut network failed (expected while offline).
func dropNetErrors(w *pageWatch, also ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.problems[:0]
	for _, p := range w.problems {
		drop := strings.Contains(p, "net::ERR_") || strings.Contains(p, "Failed to fetch")
		for _, a := range also {
			drop = drop || strings.Contains(p, a)
		}
		if !drop {
			kept = append(kept, p)
		}
	}
	w.problems = kept
}

// setOffline sets the tab's emulated network, its service worker's included, and navigator.onLine.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatalf("override network state: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: []*network.Conditions{{Offline: offline,
			DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatalf("emulate network conditions: %v", err)
	}
}

// eval runs JavaScript (a promise is awaited) and decodes its JSON-able result.
func eval[T any](t *testing.T, ctx context.Context, step, js string) T {
	t.Helper()
	return value(t, ctx, step, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// outboxPhoto is the bytes of test photo n: 200 KB that differ per photo.
func outboxPhoto(n int) []byte {
	b := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 50000)
	copy(b[4:], fmt.Sprintf("photo %d", n))
	return b
}

// enqueueJS queues one submission of the linked form per instance ID, each with photo n as p.jpg, as the fill
// page does: to the REST route, as the signed-in member, with the CSRF header.
func enqueueJS(pid int64, first int, instances ...string) string {
	var photos []string
	for i := range instances {
		photos = append(photos, base64.StdEncoding.EncodeToString(outboxPhoto(first+i)))
	}
	ids, _ := json.Marshal(instances)
	ph, _ := json.Marshal(photos)
	return fmt.Sprintf(`(async () => {
		const ids = %s, photos = %s, out = [];
		const csrf = document.querySelector('meta[name="csrf-token"]').content;
		for (let i = 0; i < ids.length; i++) {
			const bytes = Uint8Array.from(atob(photos[i]), c => c.charCodeAt(0));
			const xml = '<data id="linked" version="3"><task_id></task_id><feature_id></feature_id><location></location>' +
				'<photo>p.jpg</photo><meta><instanceID>' + ids[i] + '</instanceID></meta></data>';
			out.push(await fbOutbox.enqueue({instanceId: ids[i], projectId: %d, formId: "linked", formVersion: "3",
				formTitle: "Linked survey", submitUrl: "/api/v1/projects/%d/submissions", xmlField: "submission_xml",
				attachmentField: "attachments", headers: {"X-CSRF-Token": csrf}, xml: xml,
				attachments: [{name: "p.jpg", type: "image/jpeg", blob: new Blob([bytes], {type: "image/jpeg"})}],
				createdAt: new Date().toISOString(), taskIndex: null, featureId: null}));
		}
		return out.length;
	})()`, ids, ph, pid, pid)
}

// outboxSetup is a running server with a project that has the linked form, and a mapper to sign in as; the
// browser reaches it through a netSwitch, at the base URL answered.
func outboxSetup(t *testing.T) (*testApp, formsProject, *netSwitch, string) {
	t.Helper()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	ns, base := newNetSwitch(t, ta.listen(t))
	return ta, fp, ns, base
}

// photoSums answers the SHA-256 of each stored p.jpg by instance ID.
func (ta *testApp) photoSums(t *testing.T) map[string]string {
	t.Helper()
	rows, err := ta.store.DB().Query(`SELECT s.instance_id, a.sha256 FROM submissions s
		JOIN submission_attachments a ON a.submission_id = s.id WHERE a.name = 'p.jpg'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, sum string
		if err := rows.Scan(&id, &sum); err != nil {
			t.Fatal(err)
		}
		out[id] = sum
	}
	return out
}

// openOutbox opens /outbox and waits for the list to be drawn.
func openOutbox(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "open the outbox", chromedp.Navigate(base+"/outbox"),
		waitJS(`document.body.dataset.outboxReady === "1"`))
}

// waitController waits until the service worker controls the page (it claims the pages when it activates).
func waitController(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "service worker in control", waitJS(`!!(navigator.serviceWorker && navigator.serviceWorker.controller)`))
}

// TestBrowserOutboxOffline: offline, three submissions with photos are queued; the page is reloaded and the
// browser closed and started again on the same profile, still offline; back online, exactly three submissions
// arrive with byte-identical photos and the outbox is empty.
func TestBrowserOutboxOffline(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta, fp, ns, base := outboxSetup(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() { dropNetErrors(watch); watch.check(t) }()
	profile := t.TempDir()
	ctx, closeBrowser := profileBrowser(t, exe, profile, watch, "mapper")
	signIn(t, ctx, base, "walker")
	openOutbox(t, ctx, base)
	waitController(t, ctx)

	goOffline(t, ctx, ns)
	instances := []string{"uuid:off-1", "uuid:off-2", "uuid:off-3"}
	if n := eval[int](t, ctx, "enqueue offline", enqueueJS(fp.id, 1, instances...)); n != 3 {
		t.Fatalf("enqueued %d", n)
	}
	run(t, ctx, "reload offline", chromedp.Reload(), waitJS(`document.body.dataset.outboxReady === "1"`))
	if n := eval[int](t, ctx, "count after reload", `fbOutbox.count()`); n != 3 {
		t.Fatalf("%d items after the reload, want 3", n)
	}
	if n := eval[int](t, ctx, "rows", `document.querySelectorAll('#outbox-items li[data-state="waiting"]').length`); n != 3 {
		t.Errorf("the page shows %d waiting items, want 3", n)
	}
	closeBrowser()
	if n := ta.submissionCount(t); n != 0 {
		t.Fatalf("%d submissions arrived while the browser was offline", n)
	}

	ctx, _ = profileBrowser(t, exe, profile, watch, "mapper again")
	goOffline(t, ctx, ns)
	openOutbox(t, ctx, base) // from the service worker's cache
	if n := eval[int](t, ctx, "count after restart", `fbOutbox.count()`); n != 3 {
		t.Fatalf("%d items after the browser restarted, want 3", n)
	}
	if n := ta.submissionCount(t); n != 0 {
		t.Fatalf("%d submissions arrived while the browser was offline", n)
	}
	goOnline(t, ctx, ns)
	run(t, ctx, "outbox empties", waitJS(`(async () => (await fbOutbox.count()) === 0)()`))
	run(t, ctx, "page shows them sent", waitJS(`document.querySelectorAll('#outbox-items li[data-state="sent"]').length === 3`))
	if n := ta.submissionCount(t); n != 3 {
		t.Fatalf("%d submissions, want exactly 3", n)
	}
	sums := ta.photoSums(t)
	for i, id := range instances {
		if sums[id] != sha(outboxPhoto(i+1)) {
			t.Errorf("%s: photo sha256 %q, want %q", id, sums[id], sha(outboxPhoto(i+1)))
		}
	}
}

// TestBrowserOutboxConflictAndZip: an instance the server holds with other XML is marked conflict and is not
// sent again; the outbox's ZIP export imports on the server twice without duplicates.
func TestBrowserOutboxConflictAndZip(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta, fp, ns, base := outboxSetup(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer func() {
		// The 409 is expected; Chromium logs every 4xx answer as an error.
		dropNetErrors(watch, "status of 409", "status of 422")
		watch.check(t)
	}()
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.pm,
		part{"submission_xml", "", linkedXML("uuid:clash", "", "", "0.5 0.5 0 0")})
	if resp.StatusCode != 201 {
		t.Fatalf("seed: %d %s", resp.StatusCode, body)
	}
	ctx, _ := profileBrowser(t, exe, t.TempDir(), watch, "mapper")
	signIn(t, ctx, base, "walker")
	openOutbox(t, ctx, base)
	waitController(t, ctx)

	eval[int](t, ctx, "enqueue the clash", enqueueJS(fp.id, 9, "uuid:clash"))
	run(t, ctx, "marked conflict", waitJS(`document.querySelector('#outbox-items li[data-instance="uuid:clash"]')?.dataset.state === "conflict"`))
	for range 2 {
		eval[int](t, ctx, "send again", `fbOutbox.wake()`)
	}
	type item struct {
		State    string
		Attempts int
		Error    string
	}
	items := eval[[]item](t, ctx, "list", `fbOutbox.list()`)
	if len(items) != 1 || items[0].State != "conflict" || items[0].Attempts != 1 || items[0].Error == "" {
		t.Fatalf("after two more rounds: %+v; want one conflict sent once, with the server's message", items)
	}
	if n := ta.submissionCount(t); n != 1 {
		t.Fatalf("%d submissions, want the seed only", n)
	}

	// Offline, two more wait; the ZIP holds all three.
	goOffline(t, ctx, ns)
	eval[int](t, ctx, "enqueue offline", enqueueJS(fp.id, 1, "uuid:zip-1", "uuid:zip-2"))
	b64 := eval[string](t, ctx, "export", `(async () => {
		const b = new Uint8Array(await (await fbOutbox.exportZip()).arrayBuffer());
		let s = ""; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
		return btoa(s);
	})()`)
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the export is no ZIP: %v", err)
	}
	var manifest struct {
		Format string
		Items  []struct {
			InstanceID string `json:"instance_id"`
			State      string
			Dir        string
			Files      []string
		}
	}
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			decode(t, string(b), &manifest)
		}
	}
	if manifest.Format != "fieldbase-outbox/1" || len(manifest.Items) != 3 || manifest.Items[0].State != "conflict" {
		t.Fatalf("manifest: %+v", manifest)
	}
	url := fmt.Sprintf("/api/v1/projects/%d/submissions/import", fp.id)
	for round, want := range []ImportBody{{Added: 2, Conflict: 1}, {AlreadyThere: 2, Conflict: 1}} {
		resp, body := ta.upload(t, url, fp.pm, part{"file", "outbox.zip", data})
		var got ImportBody
		decode(t, body, &got)
		if resp.StatusCode != 200 || got.Added != want.Added || got.AlreadyThere != want.AlreadyThere ||
			got.Conflict != want.Conflict || got.Refused != 0 {
			t.Fatalf("import %d: %d %s", round+1, resp.StatusCode, body)
		}
	}
	if n := ta.submissionCount(t); n != 3 {
		t.Fatalf("%d submissions after two imports, want 3", n)
	}
	sums := ta.photoSums(t)
	for i, id := range []string{"uuid:zip-1", "uuid:zip-2"} {
		if sums[id] != sha(outboxPhoto(i+1)) {
			t.Errorf("%s: imported photo sha256 %q, want %q", id, sums[id], sha(outboxPhoto(i+1)))
		}
	}
	// Online again, the two imported ones are sent, found already there (same XML): 201, they leave the outbox.
	goOnline(t, ctx, ns)
	run(t, ctx, "only the conflict stays", waitJS(`(async () => (await fbOutbox.count()) === 1)()`))
	if n := ta.submissionCount(t); n != 3 {
		t.Fatalf("%d submissions after the outbox sent the imported ones, want 3", n)
	}

	// One the server refuses (a form it does not have) shows the server's message; one waits offline.
	eval[int](t, ctx, "enqueue a refused one", strings.Replace(enqueueJS(fp.id, 5, "uuid:refused"),
		`<data id="linked" version="3">`, `<data id="gone" version="1">`, 1))
	run(t, ctx, "marked error", waitJS(`document.querySelector('#outbox-items li[data-instance="uuid:refused"]')?.dataset.state === "error"`))
	msg := value(t, ctx, "error text", chromedp.Text(chromedp.CSS(`li[data-instance="uuid:refused"] .outbox-error`)))
	if !strings.Contains(msg, "gone") {
		t.Errorf("the refused item shows %q, want the server's message naming the form", msg)
	}
	goOffline(t, ctx, ns)
	eval[int](t, ctx, "enqueue offline", enqueueJS(fp.id, 6, "uuid:later"))
	run(t, ctx, "all states drawn", waitJS(`["waiting","sent","conflict","error"].every(s =>
		document.querySelector('#outbox-items li[data-state="' + s + '"]'))`))
	shot := shooter(t)
	run(t, ctx, "tall viewport", chromedp.EmulateViewport(1280, 1500))
	shot(ctx, "outbox")
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	run(t, ctx, "redraw", waitJS(`document.body.dataset.outboxReady === "1"`))
	noSideways(t, ctx, "outbox at 360 px")
	shot(ctx, "outbox-phone")
}

// TestBrowserServiceWorkerOffline: a cached form's page and /outbox open with no network, from the service
// worker's caches; a page never cached gets the offline page.
func TestBrowserServiceWorkerOffline(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	_, fp, ns, base := outboxSetup(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	ctx, _ := profileBrowser(t, exe, t.TempDir(), watch, "mapper")
	signIn(t, ctx, base, "walker")
	openOutbox(t, ctx, base)
	waitController(t, ctx)
	formsPage := fmt.Sprintf("/projects/%d/forms", fp.id)
	type cached struct {
		Cache string
		URLs  int
		Bytes int
	}
	got := eval[cached](t, ctx, "cache the form", fmt.Sprintf(`fbOutbox.cacheForm({projectId: %d, formId: "linked",
		version: "3", urls: [%q, "/api/v1/projects/%d/forms/linked.xml"]})`, fp.id, formsPage, fp.id))
	if !strings.HasPrefix(got.Cache, fmt.Sprintf("fb-form|%d|linked|3|", fp.id)) || got.Bytes == 0 {
		t.Fatalf("cacheForm: %+v", got)
	}
	// A second download of the same form replaces the first cache only once complete.
	again := eval[cached](t, ctx, "cache it again", fmt.Sprintf(`fbOutbox.cacheForm({projectId: %d, formId: "linked",
		version: "3", urls: [%q]})`, fp.id, formsPage))
	names := eval[[]string](t, ctx, "caches", `caches.keys()`)
	var forms []string
	for _, n := range names {
		if strings.HasPrefix(n, "fb-form|") {
			forms = append(forms, n)
		}
	}
	if len(forms) != 1 || forms[0] != again.Cache {
		t.Errorf("form caches %v, want only %s", forms, again.Cache)
	}
	failed := eval[string](t, ctx, "a failed download", fmt.Sprintf(`fbOutbox.cacheForm({projectId: %d,
		formId: "linked", version: "4", urls: ["/projects/%d/forms/nope/fill"]}).then(() => "ok", e => e.message)`, fp.id, fp.id))
	if !strings.Contains(failed, "404") {
		t.Errorf("a form version whose files cannot all be downloaded: %q", failed)
	}
	if names := eval[[]string](t, ctx, "caches", `caches.keys()`); !containsString(names, again.Cache) {
		t.Errorf("the complete cache was dropped by a failed download: %v", names)
	}

	goOffline(t, ctx, ns)
	run(t, ctx, "the cached page offline", chromedp.Navigate(base+formsPage),
		waitJS(`!!document.querySelector("#form-linked")`))
	if h := value(t, ctx, "heading", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(h, "Forms") {
		t.Errorf("cached page heading %q", h)
	}
	openOutbox(t, ctx, base)
	run(t, ctx, "a page never cached", chromedp.Navigate(base+"/projects"),
		waitJS(`document.querySelector("h1")?.textContent.includes("You are offline")`))
	// Offline, Chromium logs each refused request; those are expected here, as is the 404 above.
	dropNetErrors(watch, "status of 404")
	watch.check(t)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
