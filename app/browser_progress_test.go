package app

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// barSpan is one segment of a progress bar in the HTML: its class and its width in percent.
var barSpan = regexp.MustCompile(`<span class="([^"]+)" data-state="[a-z_]+" style="width: ([0-9.]+)%"`)

// TestProgressBarShowsWorkDone maps one task of 38 (2.6%): on the projects list and on the project page the bar is
// coloured for 2.6% of its width and neutral grey for the rest, with the figures beside it. In Chromium the
// coloured part measures about 2.6% of the bar and the rest shows the bar's grey.
func TestProgressBarShowsWorkDone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ownerID, owner := ta.newUser(t, "owner", false)
	id := ta.seedProjects(t, ownerID, 1)[0]
	ta.splitAndPublish(t, id, 38)
	ta.taskAction(t, owner, id, 1, "lock_for_mapping")
	ta.taskAction(t, owner, id, 1, "mark_mapped")
	pages := []string{"/projects", fmt.Sprintf("/projects/%d", id)}

	for _, url := range pages {
		resp, body := ta.get(t, url, owner)
		check(t, resp, body, http.StatusOK, "2.6% mapped", "(1 of 38 tasks)", "0% validated")
		start := strings.Index(body, `<div class="progress"`)
		if start < 0 {
			t.Fatalf("%s has no progress bar", url)
		}
		bar := body[start : start+strings.Index(body[start:], "</div>")]
		coloured, grey := 0.0, 0.0
		for _, m := range barSpan.FindAllStringSubmatch(bar, -1) {
			w, _ := strconv.ParseFloat(m[2], 64)
			switch m[1] {
			case "state-mapped", "state-validated":
				coloured += w
			case "progress-todo":
				grey += w
			default:
				t.Errorf("%s: a bar segment of class %q", url, m[1])
			}
		}
		if math.Abs(coloured-2.6) > 0.05 || math.Abs(grey-97.4) > 0.15 {
			t.Errorf("%s: the bar is %.1f%% coloured and %.1f%% grey, want 2.6%% and 97.4%%: %s", url, coloured, grey, bar)
		}
	}

	t.Run("Chromium", func(t *testing.T) {
		exe := chromium(t)
		base := ta.listen(t)
		watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
		defer watch.check(t)
		ctx := tab(t, newBrowser(t, exe), watch, "anonymous")
		for _, url := range pages {
			run(t, ctx, url, chromedp.Navigate(base+url), chromedp.WaitVisible(chromedp.CSS(".progress")))
			got := value(t, ctx, "bar", chromedp.Evaluate[[]float64](`(() => {
				const bar = document.querySelector(".progress");
				let coloured = 0;
				for (const s of bar.querySelectorAll('span[class*="state-"]')) { coloured += s.getBoundingClientRect().width; }
				const todo = [...bar.querySelectorAll(".progress-todo")].map(s => getComputedStyle(s).backgroundColor);
				const grey = getComputedStyle(bar).backgroundColor.match(/[0-9.]+/g).map(Number);
				return [coloured / bar.clientWidth, Math.max(...grey.slice(0, 3)) - Math.min(...grey.slice(0, 3)), grey[0],
					todo.filter(c => c !== "rgba(0, 0, 0, 0)").length];
			})()`))
			ratio, spread, level, paintedTodo := got[0], got[1], got[2], got[3]
			if ratio < 0.021 || ratio > 0.031 {
				t.Errorf("%s: the coloured part of the bar is %.1f%% of its width, want about 2.6%%", url, ratio*100)
			}
			if spread > 12 || level < 180 || paintedTodo != 0 {
				t.Errorf("%s: the work not yet done is not shown in neutral grey (bar background channels spread %v, red %v; %v grey segments painted)",
					url, spread, level, paintedTodo)
			}
		}
	})
}
