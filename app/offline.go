package app

import (
	"encoding/json"
	"hash/crc32"
	"strconv"

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
	return a.page(c, fiber.StatusOK, "outbox", "Outbox", nil)
}

// showOfflinePage is what the service worker answers offline for a page it has no copy of.
func (a *App) showOfflinePage(c *fiber.Ctx) error {
	return a.page(c, fiber.StatusOK, "offline", "Offline", nil)
}
