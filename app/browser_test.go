package app

import (
	"context"
	"fieldbase/app/testtool"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium binary, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	return testtool.Need(t, "no chromium binary found (install the Debian chromium package; .ci/run does)",
		"chromium", "chromium-browser", "google-chrome", "headless-shell")
}

// pageWatch records what a browser tab does that a test forbids: requests to other hosts and console errors.
type pageWatch struct {
	mu       sync.Mutex
	host     string
	problems []string
}

func (w *pageWatch) add(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func (w *pageWatch) listen(ctx context.Context, who string) error {
	return chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != w.host) {
				w.add("%s requested %s", who, e.Request.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				w.add("%s console error: %s", who, strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry != nil && e.Entry.Level == cdplog.EntryLevelError {
				w.add("%s browser log error: %s (%s)", who, e.Entry.Text, e.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			w.add("%s exception: %s (%s:%d)", who, desc, d.URL, d.LineNumber)
		}
	})
}

func (w *pageWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Error(p)
	}
}

// browserFlags are the Chromium options of the browser tests, on the user data folder dir.
func browserFlags(exe, dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.WindowSize(1280, 850)}
}

// sharedChromium is the one headless Chromium that newBrowser hands out: starting a Chromium costs more than
// many of the browser tests' own steps, so the package starts it once (at the first newBrowser) and each test
// gets browser contexts of its own on it. TestMain stops it after the last test.
var sharedChromium struct {
	mu   sync.Mutex
	ctx  context.Context // the browser's first tab: a parent for new tabs, never driven itself
	stop func()
}

// startSharedChromium answers the shared browser, starting it on exe if it is not running (or has died).
func startSharedChromium(exe string) (context.Context, error) {
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.ctx != nil && sharedChromium.ctx.Err() == nil {
		return sharedChromium.ctx, nil
	}
	if sharedChromium.stop != nil {
		sharedChromium.stop()
	}
	dir, err := os.MkdirTemp("", "fieldbase-chromium-")
	if err != nil {
		return nil, err
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserFlags(exe, dir)...)
	ctx, cancel := chromedp.NewContext(alloc)
	stop := func() {
		cancel()
		cancelAlloc()
		_ = os.RemoveAll(dir)
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, which new browser contexts need
		stop()
		return nil, err
	}
	sharedChromium.ctx, sharedChromium.stop = ctx, stop
	return ctx, nil
}

// stopSharedChromium closes the shared browser, if one was started.
func stopSharedChromium() {
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.stop != nil {
		sharedChromium.stop()
		sharedChromium.ctx, sharedChromium.stop = nil, nil
	}
}

// newBrowser gives the test a browser of its own as a fresh profile would: a context whose tabs (tab opens them)
// each live in a new browser context (their own cookies, storage, cache, permissions and service workers) of
// the package's shared headless Chromium, closed when the test ends. Actions run on the returned context itself
// open one more tab in a browser context of its own.
func newBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	browser, err := startSharedChromium(exe)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// tab opens a tab in a browser context of its own (its own cookies), watched by w.
func tab(t *testing.T, browser context.Context, w *pageWatch, who string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := w.listen(ctx, who); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// run runs browser actions with a deadline, failing the test with the step's name.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(25*time.Millisecond))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// value runs an action that returns a value, with a deadline.
func value[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// aoiFile is the fixture AOI, or the package's own when the fixtures folder is absent.
func aoiFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "fixtures", "aoi", "kathmandu.geojson")
	if _, err := os.Stat(p); err != nil {
		p = filepath.Join("testdata", "square_aoi.geojson")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// shooter saves full-page screenshots when FIELDBASE_SCREENSHOTS names a folder (make screenshots).
func shooter(t *testing.T) func(ctx context.Context, name string) {
	dir := os.Getenv("FIELDBASE_SCREENSHOTS")
	return func(ctx context.Context, name string) {
		t.Helper()
		if dir == "" {
			return
		}
		run(t, ctx, "settle "+name, chromedp.Sleep(300*time.Millisecond))
		png := value(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
