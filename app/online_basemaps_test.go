package app

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fieldbase/app/config"
)

// policyOf is the Content-Security-Policy of a page as the app serves it now.
func (ta *testApp) policyOf(t *testing.T, path string) string {
	t.Helper()
	resp, _ := ta.do(t, httptest.NewRequest("GET", path, nil))
	return resp.Header.Get("Content-Security-Policy")
}

// directive is one directive of a policy ("img-src 'self' data: blob: https://a.example"), or "".
func directive(policy, name string) string {
	for _, d := range strings.Split(policy, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, name+" ") {
			return d
		}
	}
	return ""
}

// TestOnlineBasemapsPolicy: with none configured the policy allows only the server itself; the configuration's
// and the settings' basemaps are listed by GET /map/online-basemaps, and the policy lets images and fetches reach
// exactly their hosts (no other directive widens), following each save of the settings.
func TestOnlineBasemapsPolicy(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) {
		c.Maps.OnlineBasemaps = []config.OnlineBasemap{{Name: "Imagery",
			URL: "https://imagery.example.org/tiles/{z}/{x}/{y}.jpg", Attribution: "© Imagery", MaxZoom: 19}}
	})
	_, admin := ta.newUser(t, "admin", true)
	plain := newTestApp(t)
	if p := plain.policyOf(t, "/"); directive(p, "img-src") != "img-src 'self' data: blob:" ||
		directive(p, "connect-src") != "connect-src 'self'" {
		t.Errorf("with no online basemap the policy is %q", p)
	}
	plain.run(t, []scenario{{name: "OK_NoneByDefault", method: "GET", url: "/api/v1/map/online-basemaps",
		wantStatus: 200, wantContain: []string{`"items":[]`}}})

	p := ta.policyOf(t, "/login")
	if directive(p, "img-src") != "img-src 'self' data: blob: https://imagery.example.org" ||
		directive(p, "connect-src") != "connect-src 'self' https://imagery.example.org" {
		t.Errorf("configured basemap: policy %q", p)
	}
	put := func(list string) string {
		return `{"site_name":"Fieldbase","default_lock_minutes":180,"max_upload_mb":100,"online_basemaps":` + list + `}`
	}
	topo := `{"name":"Topo","url":"https://Topo.Example.net:8443/{z}/{x}/{y}.png","attribution":"© Topo","max_zoom":17}`
	ta.run(t, []scenario{
		{name: "ErrHTTP", method: "PUT", url: "/api/v1/settings", headers: bearer(admin), wantStatus: 422,
			body:        put(`[{"name":"Plain","url":"http://plain.example.com/{z}/{x}/{y}.png","attribution":"","max_zoom":18}]`),
			wantType:    "application/problem+json",
			wantContain: []string{`online_basemaps`, `basemap 1 (\"Plain\"): url must be an https address with {z}, {x} and {y}`}},
		{name: "ErrNameOfTheConfiguration", method: "PUT", url: "/api/v1/settings", headers: bearer(admin), wantStatus: 422,
			body:        put(`[{"name":"imagery","url":"https://other.example.com/{z}/{x}/{y}.png","attribution":"","max_zoom":18}]`),
			wantContain: []string{`the name \"imagery\" is already used`}},
		{name: "ErrMissingX", method: "PUT", url: "/api/v1/settings", headers: bearer(admin), wantStatus: 422,
			body:        put(`[{"name":"Half","url":"https://half.example.com/{z}/{y}.png","attribution":"","max_zoom":18}]`),
			wantContain: []string{`url must be an https address`}},
		{name: "ErrNotAdmin", method: "PUT", url: "/api/v1/settings", wantStatus: 401, body: put(`[` + topo + `]`)},
		{name: "OK_Add", method: "PUT", url: "/api/v1/settings", headers: bearer(admin), wantStatus: 200,
			body: put(`[` + topo + `]`), wantContain: []string{`"name":"Topo"`}},
		{name: "OK_ListBoth", method: "GET", url: "/api/v1/map/online-basemaps", wantStatus: 200,
			wantContain: []string{`{"name":"Imagery","url":"https://imagery.example.org/tiles/{z}/{x}/{y}.jpg","attribution":"© Imagery","max_zoom":19}`,
				`"name":"Topo"`}},
	})
	p = ta.policyOf(t, "/login")
	want := "https://imagery.example.org https://topo.example.net:8443"
	if directive(p, "img-src") != "img-src 'self' data: blob: "+want || directive(p, "connect-src") != "connect-src 'self' "+want {
		t.Errorf("after the save: policy %q", p)
	}
	for _, d := range []string{"default-src", "script-src", "style-src", "worker-src", "font-src", "child-src"} {
		if strings.Contains(directive(p, d), "example") {
			t.Errorf("%s names a tile host: %q", d, directive(p, d))
		}
	}
	ta.run(t, []scenario{{name: "OK_Remove", method: "PUT", url: "/api/v1/settings", headers: bearer(admin),
		wantStatus: 200, body: put(`[]`)}})
	if p = ta.policyOf(t, "/login"); strings.Contains(p, "topo.example.net") || !strings.Contains(p, "imagery.example.org") {
		t.Errorf("after removing Topo: policy %q", p)
	}
}

// TestSettingsPageOnlineBasemaps: the settings form takes online basemaps one a line, shows a malformed line or a
// refused basemap beside the field with what was typed kept, and names the configuration's basemaps.
func TestSettingsPageOnlineBasemaps(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *config.Config) {
		c.Maps.OnlineBasemaps = []config.OnlineBasemap{{Name: "Imagery",
			URL: "https://imagery.example.org/{z}/{x}/{y}.jpg", MaxZoom: 19}}
	})
	ta.newUser(t, "admin", true)
	b, csrf := ta.pageBrowser(t, "admin")
	form := func(online string) url.Values {
		return url.Values{"csrf_token": {csrf}, "site_name": {"Fieldbase"}, "default_lock_minutes": {"180"},
			"max_upload_mb": {"100"}, "online_basemaps": {online}}
	}
	resp, got := b.get("/settings")
	check(t, resp, got, 200, "Online basemaps", "from the configuration file: Imagery")
	resp, got = b.form("/settings", form("Topo https://topo.example.net/{z}/{x}/{y}.png"), nil)
	check(t, resp, got, 422, `id="e-online_basemaps"`, "line 1: write name | tile address | attribution | largest zoom",
		"Topo https://topo.example.net/{z}/{x}/{y}.png</textarea>")
	resp, got = b.form("/settings", form("Topo | http://topo.example.net/{z}/{x}/{y}.png | © Topo | 17"), nil)
	check(t, resp, got, 422, "url must be an https address")
	resp, got = b.form("/settings", form("\r\nTopo | https://topo.example.net/{z}/{x}/{y}.png | © Topo | 17\r\n"), nil)
	check(t, resp, got, 200, "Settings saved.", "Topo | https://topo.example.net/{z}/{x}/{y}.png | © Topo | 17\n</textarea>")
	if p := ta.policyOf(t, "/login"); !strings.Contains(directive(p, "img-src"), "https://topo.example.net") {
		t.Errorf("the form's basemap is not in the policy: %q", p)
	}
}
