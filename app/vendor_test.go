package app

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fetchedURL finds absolute URLs where a page would request them: as an attribute or property that loads (src,
// srcset, href, poster, action, any *url / *URL key or variable), in CSS url() or @import, or as an argument of a
// call that fetches or resolves (fetch, importScripts, import(), XMLHttpRequest.open, sendBeacon, EventSource,
// WebSocket, Worker, new URL). A few characters of expression may stand between the name and the string
// (`validatorUrl: void 0 === a ? "https://..."`). The match is the URL.
var fetchedURL = regexp.MustCompile(`(?i)(?:\b(?:src|srcset|href|poster|action|\w*url)\s*[:=(]|@import\s|` +
	`\b(?:fetch|importScripts|import|sendBeacon|EventSource|WebSocket|Worker|SharedWorker)\s*\(|` +
	`\bopen\s*\(\s*["'][a-z]+["']\s*,)` +
	`[^;{}"'` + "`" + `]{0,24}["'` + "`" + `]?\s*(https?://[^"'` + "`" + `\s)<>\\]+)`)

// allowedURL is a URL that fetchedURL finds in a vendored file but that no page requests, with the reason.
type allowedURL struct {
	file, url, why string
	// needs, when set, is a file under web/static and a text it must contain for the URL to stay unrequested.
	needs [2]string
}

// vendorAllowed explains every URL that fetchedURL finds in the vendored bundles. A URL a bundle would request is
// fixed instead (an option that turns it off, or an edit in web/vendor.sh), never added here. An entry that no
// longer matches anything fails the test, so the list stays what the bundles hold.
var vendorAllowed = []allowedURL{
	{file: "maplibre-gl.js", url: "https://maplibre.org/",
		why: "the attribution and logo links: <a href>, followed only on a click"},
	{file: "maplibre-gl.js", url: "https://maplibre.invalid/",
		why: "the base of new URL(...) that parses a relative URL, never resolved"},
	{file: "redoc.standalone.js", url: "https://redocly.com/redoc/",
		why: `the side menu's "API docs by Redocly" link (<a href>)`},
	{file: "redoc.standalone.js", url: "https://github.com/mermade/oas-kit",
		why: "converter.url written into the x-origin of a Swagger 2 document ReDoc converts (metadata)"},
	{file: "swagger-ui/swagger-ui-bundle.js", url: "https://validator.swagger.io/validator",
		why:   "the online validator badge, switched off by validatorUrl: null",
		needs: [2]string{"js/swagger-init.js", "validatorUrl: null"}},
	{file: "swagger-ui/swagger-ui-bundle.js", url: "https://vladimirgorej.com",
		why: "the base of new URL(...) that tells absolute server URLs from relative ones, never resolved"},
	{file: "web-forms/web-forms-core.js", url: "https://getodk.org",
		why: `the form footer's "Powered by ODK" link (<a href>, its logo is a data: URL)`},
	{file: "web-forms/web-forms-map.js", url: "https://www.openstreetmap.org/copyright",
		why: "the attribution link of OpenLayers' OSM source (<a href>); its tile URL is edited away in web/vendor.sh"},
}

// TestVendoredBundlesRequestNothingOutside lists the absolute URLs the vendored browser libraries would request and
// fails on any that vendorAllowed does not explain: /docs and /redoc must work with no internet.
func TestVendoredBundlesRequestNothingOutside(t *testing.T) {
	t.Parallel()
	static := os.DirFS("../web/static")
	used := make([]bool, len(vendorAllowed))
	err := fs.WalkDir(static, "vendor", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".js" && path.Ext(p) != ".css") {
			return err
		}
		body, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		file := strings.TrimPrefix(p, "vendor/")
		for _, m := range fetchedURL.FindAllSubmatch(body, -1) {
			url := string(m[1])
			i := slices.IndexFunc(vendorAllowed, func(a allowedURL) bool { return a.file == file && a.url == url })
			if i < 0 {
				t.Errorf("%s would request %s (in %.120q)", p, url, m[0])
				continue
			}
			used[i] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v (run `bash web/vendor.sh` first)", err)
	}
	for i, a := range vendorAllowed {
		if !used[i] {
			t.Errorf("vendorAllowed lists %s in %s (%s), which no longer has it: remove the entry", a.url, a.file, a.why)
		}
		if a.needs[0] == "" {
			continue
		}
		if b, err := fs.ReadFile(static, a.needs[0]); err != nil || !strings.Contains(string(b), a.needs[1]) {
			t.Errorf("%s no longer has %q, so %s would be requested (%v)", a.needs[0], a.needs[1], a.url, err)
		}
	}
}

// TestVendorScanFindsFetches checks fetchedURL on the ways a script or stylesheet requests a URL, and on URLs that
// are only text.
func TestVendorScanFindsFetches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, code, want string // want: the URL found, "" for none
	}{
		{"ImgSrcAttribute", `<img alt="" src="https://a.example/logo.svg">`, "https://a.example/logo.svg"},
		{"ReactSrcProp", `createElement("img",{onError:f,src:"https://cdn.a.example/x.svg"})`, "https://cdn.a.example/x.svg"},
		{"NewImageSrc", `new Image().src = 'https://a.example/p.gif'`, "https://a.example/p.gif"},
		{"LinkHref", `l.href="https://fonts.a.example/css"`, "https://fonts.a.example/css"},
		{"CSSURL", `@font-face{src:url(https://a.example/f.woff2)}`, "https://a.example/f.woff2"},
		{"CSSImport", `@import "https://a.example/x.css";`, "https://a.example/x.css"},
		{"Fetch", "fetch(`https://a.example/api`)", "https://a.example/api"},
		{"ImportScripts", `importScripts("https://a.example/w.js")`, "https://a.example/w.js"},
		{"DynamicImport", `import("https://a.example/m.js")`, "https://a.example/m.js"},
		{"XHROpen", `x.open("GET", "https://a.example/d.json")`, "https://a.example/d.json"},
		{"ConfigURL", `validatorUrl:void 0===a?"https://v.example/validator":a`, "https://v.example/validator"},
		{"NoNamespace", `createElementNS("http://www.w3.org/2000/svg","svg")`, ""},
		{"NoXMLNS", `<svg xmlns="http://www.w3.org/2000/svg">`, ""},
		{"NoSchemaID", `{$schema:"https://json-schema.org/draft/2020-12/schema"}`, ""},
		{"NoErrorText", `throw new Error("see https://a.example/errors#"+n)`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ""
			if m := fetchedURL.FindStringSubmatch(tt.code); m != nil {
				got = m[1]
			}
			if got != tt.want {
				t.Errorf("found %q in %s, want %q", got, tt.code, tt.want)
			}
		})
	}
}
