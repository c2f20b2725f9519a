package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRedocAndDocsStayLocal loads /redoc and /docs in real Chromium until each has rendered the API
// document: neither page may request anything from another host (ReDoc's side menu used to ask cdn.redoc.ly for
// its logo; Swagger UI's validator badge would ask validator.swagger.io), nor log an error.
func TestBrowserRedocAndDocsStayLocal(t *testing.T) {
	exe := chromium(t)
	t.Parallel()
	ta := newTestApp(t)
	base := ta.listen(t)
	watch := &pageWatch{host: strings.TrimPrefix(base, "http://")}
	defer watch.check(t)
	browser := newBrowser(t, exe)
	reader := tab(t, browser, watch, "reader")
	// The side menu's attribution link is rendered with the logo, which mounts after it; the logo is gone once
	// its image has failed (data:,) and ReDoc's onError has removed it.
	run(t, reader, "redoc", chromedp.Navigate(base+"/redoc"),
		waitJS(`document.querySelector(".api-content h1") !== null &&
			document.querySelector('a[href="https://redocly.com/redoc/"]') !== null &&
			document.querySelector('img[alt="redocly logo"]') === null`))
	run(t, reader, "swagger ui", chromedp.Navigate(base+"/docs"),
		waitJS(`document.querySelector(".swagger-ui .info .title") !== null &&
			document.querySelector(".swagger-ui .opblock") !== null`))
}
