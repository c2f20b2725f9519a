package app

import (
	"context"
	"encoding/json"
	"fieldbase/db"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

// Offline collection in the browser: the service worker, the web app manifest, the outbox page and the page the
// worker shows offline. The outbox itself lives in the browser (web/static/js/outbox.js).

// shellAssets are the static files every page of the app shell needs offline (the outbox page included); the
// service worker stores them when it installs. The fill page lists its own (id="fill-assets").
var shellAssets = []string{"css/app.css", "css/pages.css", "js/app.js", "js/sw_register.js", "js/outbox.js",
	"js/outbox_page.js", "vendor/htmx.min.js", "vendor/idb.umd.js", "vendor/fflate.umd.js", "img/favicon.svg",
	"img/icon-192.png", "img/icon-512.png"}

// shellPages are the pages the service worker stores when it installs.
var shellPages = []string{"/outbox", "/offline", "/manifest.webmanifest"}

// serviceWorker serves web/static/js/sw.js at /sw.js (a worker's scope is at most its own folder, so it must live
// at the root) with the app shell's fingerprinted URLs before it: a new build of any of them changes the worker's
// bytes, which makes browsers install the new worker.
func (a *App) serviceWorker(c *fiber.Ctx) error {
	f, ok := a.static.files["js/sw.js"]
	if !ok {
		return fiber.ErrNotFound
	}
	shell := append([]string{}, shellPages...)
	for _, p := range shellAssets {
		u, err := a.static.url(p)
		if err != nil {
			return err
		}
		shell = append(shell, u)
	}
	list, err := json.Marshal(shell)
	if err != nil {
		return err
	}
	version := strconv.FormatUint(uint64(crc32.Checksum(append(list, f.hash...), castagnoli)), 36)
	body := append([]byte("var SHELL = "+string(list)+";\nvar SHELL_VERSION = \""+version+"\";\n"), f.body...)
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Service-Worker-Allowed", "/")
	return c.Send(body)
}

// webManifest serves /manifest.webmanifest: the installable app, opening on the projects list.
func (a *App) webManifest(c *fiber.Ctx) error {
	icon := func(p, size, typ string) map[string]string {
		u, _ := a.static.url(p)
		return map[string]string{"src": u, "sizes": size, "type": typ}
	}
	name := a.viewData(c, "", nil).SiteName
	m := map[string]any{"name": name, "short_name": name, "start_url": "/projects", "scope": "/",
		"display": "standalone", "background_color": "#ffffff", "theme_color": "#0072b2",
		"icons": []map[string]string{icon("img/icon-192.png", "192x192", "image/png"),
			icon("img/icon-512.png", "512x512", "image/png"), icon("img/favicon.svg", "any", "image/svg+xml")}}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, "application/manifest+json")
	return c.JSON(m, "application/manifest+json")
}

// showOutboxPage is the outbox: static HTML, drawn in the browser from IndexedDB, for anyone (device-link
// phones have no account; what the page shows never leaves the browser).
func (a *App) showOutboxPage(c *fiber.Ctx) error {
	return a.page(c, fiber.StatusOK, "outbox", a.tr(c).T("outbox.title"), nil)
}

// showOfflinePage is what the service worker answers offline for a page it has no copy of.
func (a *App) showOfflinePage(c *fiber.Ctx) error {
	return a.page(c, fiber.StatusOK, "offline", a.tr(c).T("offline.title"), nil)
}

// offlineTileCap bounds the tiles a browser is told to cache for offline use.
const offlineTileCap = 2000

var offlineTilesOp = huma.Operation{OperationID: "list-offline-tiles", Tags: []string{"Basemaps"},
	Summary: "The basemap tile URLs of the caller's own tasks, for a browser to cache for offline use",
	Description: "The tiles of the project's ready MBTiles basemaps that cover the tasks the caller holds, is " +
		"assigned or has mapped, at each basemap's zooms (lowest first), at most 2,000 (truncated says when " +
		"more would cover them). The outbox's cacheForm stores them with the form."}

// OfflineTilesBody lists tile URLs to cache.
type OfflineTilesBody struct {
	URLs      []string `json:"urls"`
	Tasks     []int    `json:"tasks" doc:"The indexes of the tasks covered"`
	Truncated bool     `json:"truncated"`
}

func (a *App) apiOfflineTiles(ctx context.Context, in *struct {
	ID int64 `path:"id"`
}) (*struct{ Body OfflineTilesBody }, error) {
	out := &struct{ Body OfflineTilesBody }{Body: OfflineTilesBody{URLs: []string{}, Tasks: []int{}}}
	p := principal(ctx)
	tasks, err := a.store.Tasks(ctx, in.ID, db.TaskOptions{})
	if err != nil {
		return nil, err
	}
	var mine []db.Task
	for _, t := range tasks {
		if p != nil && (t.LockedBy == p.UserID || t.AssignedTo == p.UserID || t.MappedBy == p.UserID) {
			mine = append(mine, t)
			out.Body.Tasks = append(out.Body.Tasks, t.Index)
		}
	}
	basemaps, err := a.store.Basemaps(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, b := range basemaps {
		if b.State != "ready" || b.Container != "mbtiles" {
			continue
		}
		for z := b.MinZoom; z <= b.MaxZoom; z++ {
			for _, t := range mine {
				x0, y0 := lonLatTile(max(t.MinLon, b.West), min(t.MaxLat, b.North), z)
				x1, y1 := lonLatTile(min(t.MaxLon, b.East), max(t.MinLat, b.South), z)
				for x := x0; x <= x1; x++ {
					for y := y0; y <= y1; y++ {
						u := fmt.Sprintf("/api/v1/projects/%d/basemaps/%d/tiles/%d/%d/%d", in.ID, b.ID, z, x, y)
						if seen[u] {
							continue
						}
						if len(out.Body.URLs) >= offlineTileCap {
							out.Body.Truncated = true
							return out, nil
						}
						seen[u] = true
						out.Body.URLs = append(out.Body.URLs, u)
					}
				}
			}
		}
	}
	return out, nil
}

// lonLatTile is the XYZ tile (y from the north) holding a point at zoom z.
func lonLatTile(lon, lat float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	lat = max(min(lat, 85.0511), -85.0511)
	x := int(math.Floor((lon + 180) / 360 * n))
	r := lat * math.Pi / 180
	y := int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	last := int(n) - 1
	return max(0, min(x, last)), max(0, min(y, last))
}
