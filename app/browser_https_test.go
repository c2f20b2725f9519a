package app

import (
	"context"
	"fieldbase/app/testtool"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// nssBrowser starts a headless Chromium whose certificate store (the NSS database Chromium reads on Linux, in
// $HOME/.pki/nssdb) trusts caPEM when it is not nil, and returns a tab.
func nssBrowser(t *testing.T, exe, certutil string, caPEM []byte) context.Context {
	t.Helper()
	home := t.TempDir()
	nssdb := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	certutilRun := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(certutil, append([]string{"-d", "sql:" + nssdb}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	certutilRun("-N", "--empty-password")
	if caPEM != nil {
		ca := filepath.Join(home, "ca.pem")
		if err := os.WriteFile(ca, caPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		certutilRun("-A", "-t", "C,,", "-n", "fieldbase-test", "-i", ca)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Env("HOME=" + home), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.WindowSize(1280, 850)}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(cancelCtx)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestChromiumTrustsLANHTTPS: Chromium given the local CA (in its NSS store, as a coordinator's laptop would have
// it installed) opens the HTTPS address as a secure context, with no warning; Chromium without it refuses the
// certificate. The trust page is then checked at 360 px wide (no sideways scroll), and photographed at 1280 and
// 360 px when FIELDBASE_SCREENSHOTS names a folder.
func TestChromiumTrustsLANHTTPS(t *testing.T) {
	exe := chromium(t)
	certutil := testtool.Need(t, "no certutil: install Debian's libnss3-tools (.ci/run does) to test Chromium's "+
		"trust in the local CA", "certutil")
	ta := lanApp(t, "192.168.1.20")
	addr := ta.listenTLS(t)
	plain := ta.listen(t)
	secure := "https://" + addr

	untrusting := nssBrowser(t, exe, certutil, nil)
	ctx, cancel := context.WithTimeout(untrusting, 20e9)
	err := chromedp.Do(ctx, chromedp.Navigate(secure+"/ca"))
	cancel()
	if err == nil || !strings.Contains(err.Error(), "ERR_CERT_AUTHORITY_INVALID") {
		t.Errorf("Chromium without the CA: %v, want ERR_CERT_AUTHORITY_INVALID", err)
	}

	browser := nssBrowser(t, exe, certutil, ta.https.CA.PEM())
	w := &pageWatch{host: addr}
	tb := tab(t, browser, w, "phone")
	run(t, tb, "open the secure address", chromedp.Navigate(secure+"/ca"), chromedp.WaitVisible(chromedp.CSS("#ca-trusted")))
	if !value(t, tb, "secure context", chromedp.Evaluate[bool](`window.isSecureContext`)) {
		t.Error("the HTTPS page is not a secure context")
	}
	if got := value(t, tb, "fingerprint", chromedp.Evaluate[string](
		`document.querySelector("#ca-fingerprint").textContent`)); got != ta.https.CA.Fingerprint() {
		t.Errorf("fingerprint on the page = %q", got)
	}
	shot := shooter(t)
	shot(tb, "ca-1280")
	run(t, tb, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, page := range []string{secure + "/ca", secure + "/"} {
		run(t, tb, "phone "+page, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("main")))
		noSideways(t, tb, page)
		if small := smallTargets(t, tb); small != "" {
			t.Errorf("%s: buttons or links under 44 px tall at 360 px wide: %s", page, small)
		}
	}
	run(t, tb, "phone /ca", chromedp.Navigate(secure+"/ca"), chromedp.WaitVisible(chromedp.CSS("#ca-download")))
	fullShot(t, tb, "ca-360-full")

	// The devices page, signed in over HTTPS, gives phones' browsers the secure address beside Collect's QR codes.
	fp := ta.formsProject(t)
	devices := fmt.Sprintf("%s/projects/%d/devices", secure, fp.id)
	run(t, tb, "desktop viewport", chromedp.EmulateViewport(1280, 850))
	run(t, tb, "log in over HTTPS", chromedp.Navigate(secure+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "manager"), chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.Submit(chromedp.CSS("#f-username")), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(devices), chromedp.WaitVisible(chromedp.CSS("#secure-browsers")))
	fullShot(t, tb, "devices-1280")
	run(t, tb, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	run(t, tb, "phone devices", chromedp.Navigate(devices), chromedp.WaitVisible(chromedp.CSS("#secure-browsers")))
	noSideways(t, tb, "devices page")
	fullShot(t, tb, "devices-360")
	w.check(t)

	// A phone on the plain address sees the offer of the secure one on the home page.
	w2 := &pageWatch{host: strings.TrimPrefix(plain, "http://")}
	tb2 := tab(t, browser, w2, "plain phone")
	run(t, tb2, "phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	run(t, tb2, "home over HTTP", chromedp.Navigate(plain+"/"), chromedp.WaitVisible(chromedp.CSS("#secure-offer")))
	noSideways(t, tb2, "home over HTTP")
	fullShot(t, tb2, "home-secure-offer-360")
	w2.check(t)
}

// fullShot saves the whole page as screenshots of one screen each (name-1.png, name-2.png, ...) when
// FIELDBASE_SCREENSHOTS names a folder.
func fullShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("FIELDBASE_SCREENSHOTS")
	if dir == "" {
		return
	}
	height := value(t, ctx, "page height", chromedp.Evaluate[int](`document.scrollingElement.scrollHeight`))
	screen := value(t, ctx, "screen height", chromedp.Evaluate[int](`innerHeight`))
	for i, y := 1, 0; y < height; i, y = i+1, y+screen {
		run(t, ctx, "scroll", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`scrollTo(0, %d)`, y)))
		png := value(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, i)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
