package app

import (
	"compress/gzip"
	"context"
	"fieldbase/app/tasking"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestProjectPageFigures measures the cold load of the project page (HTML, CSS and JS, gzip) and the time to
// first map paint with 10k tasks. It is slow, so it runs only with FIELDBASE_FIGURES=1.
func TestProjectPageFigures(t *testing.T) {
	if os.Getenv("FIELDBASE_FIGURES") == "" {
		t.Skip("set FIELDBASE_FIGURES=1 to measure the project page")
	}
	exe := chromium(t)
	ta := newTestApp(t)
	_, tok := ta.newUser(t, "pm", false)
	id := ta.newProject(t, tok, "")
	res, err := tasking.RunSplit(context.Background(), ta.store, tasking.SplitParams{ProjectID: id, Method: "grid", CellSizeM: 11}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ta.markPublished(t, id) // the tab is signed out: a draft project would be 404
	base := ta.listen(t)
	page := fmt.Sprintf("%s/projects/%d", base, id)
	total, requests := gzBytes(t, page), 1
	html := fetchText(t, page)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(html, -1) {
		total += gzBytes(t, base+strings.ReplaceAll(m[1], "&amp;", "&"))
		requests++
	}
	t.Logf("cold load of the project page: %d requests, %d bytes on the wire (HTML+CSS+JS, gzip; no API data)", requests, total)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	tabCtx := tab(t, newBrowser(t, exe), watch, "figures")
	started := time.Now()
	run(t, tabCtx, "paint", chromedp.Navigate(page), waitJS(`window.fbProject && fbProject.painted > 0`))
	painted := value(t, tabCtx, "painted", chromedp.Evaluate[float64](`fbProject.painted`))
	n := value(t, tabCtx, "count", chromedp.Evaluate[int](`fbProject.count()`))
	t.Logf("split made %+v; first map paint with %d tasks at %.0f ms after navigation start (%s wall)", res, n, painted,
		time.Since(started).Round(time.Millisecond))
}

// gzBytes is the size of a response as sent with Accept-Encoding: gzip.
func gzBytes(t *testing.T, url string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	t.Logf("%s: %d bytes, encoding %q", url, len(b), resp.Header.Get("Content-Encoding"))
	return len(b)
}

func fetchText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if r, err = gzip.NewReader(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := io.ReadAll(r)
	return string(b)
}
