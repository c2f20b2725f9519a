package app

import (
	"context"
	"fieldbase/app/openrosa"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
)

// fieldManager adds a field manager to a forms project and signs them in with a session.
func (ta *testApp) fieldManager(t *testing.T, fp formsProject) (*browser, string) {
	t.Helper()
	uid, _ := ta.newUser(t, "fieldboss", false)
	if _, err := ta.store.SetMember(context.Background(), fp.id, uid, "field_manager"); err != nil {
		t.Fatal(err)
	}
	return ta.pageBrowser(t, "fieldboss")
}

func TestDevicesPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	b, csrf := ta.fieldManager(t, fp)
	page := fmt.Sprintf("/projects/%d/devices", fp.id)
	t.Run("OK_EmptyState", func(t *testing.T) {
		resp, got := b.get(page)
		check(t, resp, got, 200, "No device tokens yet", `name="name"`, "<html")
	})
	t.Run("OK_HTMXGetsContentOnly", func(t *testing.T) {
		resp, got := b.send(httptestGet(page), map[string]string{"HX-Request": "true"})
		check(t, resp, got, 200, "Create a device token")
		if strings.Contains(got, "<html") {
			t.Error("htmx answer is a whole page")
		}
	})
	t.Run("Invalid_NameRequiredKeepsForm", func(t *testing.T) {
		resp, got := b.form(page, url.Values{"csrf_token": {csrf}, "name": {"  "}}, nil)
		check(t, resp, got, 422, `class="field-error"`, `aria-invalid="true"`)
	})
	var tid string
	t.Run("OK_CreatedShowsTokenAndQROnce", func(t *testing.T) {
		resp, got := b.form(page, url.Values{"csrf_token": {csrf}, "name": {"Phone 7"}}, nil)
		check(t, resp, got, 201, `id="token-plain"`, collectTokenPrefix, "/odk/", "/qr.png", "Phone 7")
		i := strings.Index(got, "/collect-tokens/") + len("/collect-tokens/")
		tid = got[i : i+strings.Index(got[i:], "/")]
		resp, got = b.get(page)
		check(t, resp, got, 200, "Phone 7", "(1 active)", "Revoke")
		if strings.Contains(got, collectTokenPrefix) {
			t.Error("the list shows a token in clear")
		}
		resp, got = b.get(fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%s/qr.png", fp.id, tid))
		check(t, resp, got, 200, "\x89PNG")
	})
	t.Run("OK_Revoke", func(t *testing.T) {
		resp, got := b.form(page+"/"+tid+"/revoke", url.Values{"csrf_token": {csrf}, "name": {"Phone 7"}}, nil)
		check(t, resp, got, 303)
		resp, got = b.get(resp.Header.Get("Location"))
		check(t, resp, got, 200, "Phone 7 revoked", "(0 active)", "revoked ")
	})
	t.Run("NotFound_RevokeUnknown", func(t *testing.T) {
		resp, got := b.form(page+"/99999/revoke", url.Values{"csrf_token": {csrf}}, nil)
		check(t, resp, got, 404)
	})
	ta.run(t, []scenario{
		{name: "Forbidden_Validator", method: "GET", url: page, headers: bearer(fp.validator), wantStatus: 403},
		{name: "Forbidden_Mapper", method: "GET", url: page, headers: bearer(fp.mapper), wantStatus: 403},
		{name: "OK_ProjectManager", method: "GET", url: page, headers: bearer(fp.pm), wantStatus: 200,
			wantContain: []string{"Phone 7"}},
	})
}

// TestDevicesPagePhoneAddress: with no base URL set (the default: the server's loopback address), the devices page
// warns that phones cannot reach the address, offers this machine's LAN addresses, and the QR codes encode the
// chosen one (only this machine's own addresses are accepted); once an administrator saves an address on the
// Settings page, the warning goes and the QR codes encode it.
func TestDevicesPagePhoneAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.lanIPs = func() []net.IP { return []net.IP{net.IPv4(192, 168, 1, 20).To4(), net.IPv4(10, 0, 0, 7).To4()} }
	fp := ta.formsProject(t)
	b, csrf := ta.fieldManager(t, fp)
	page := fmt.Sprintf("/projects/%d/devices", fp.id)
	lan := "http://192.168.1.20:8090"
	resp, got := b.get(page)
	check(t, resp, got, 200, `id="address-warning"`, "http://127.0.0.1:8090", "--http 0.0.0.0:8090",
		`value="`+lan+`"`, `value="http://10.0.0.7:8090"`)

	resp, got = b.get(page + "?base=" + url.QueryEscape(lan))
	check(t, resp, got, 200, `id="address-chosen"`, lan, `name="base" value="`+lan+`"`)
	if strings.Contains(got, `id="address-warning"`) {
		t.Error("the warning stays after an address was chosen")
	}
	resp, got = b.form(page, url.Values{"csrf_token": {csrf}, "name": {"Team A phone 3"}, "base": {lan}}, nil)
	check(t, resp, got, 201, lan+"/odk/"+collectTokenPrefix, "qr.png?base="+url.QueryEscape(lan))
	i := strings.Index(got, `id="token-plain">`) + len(`id="token-plain">`)
	token := got[i : i+strings.Index(got[i:], "<")]
	i = strings.Index(got, "/collect-tokens/") + len("/collect-tokens/")
	qr := fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%s/qr.png", fp.id, got[i:i+strings.Index(got[i:], "/")])
	want := func(base string) string {
		t.Helper()
		settings, err := openrosa.CollectSettings(base+"/odk/"+token, "Survey")
		if err != nil {
			t.Fatal(err)
		}
		png, err := openrosa.CollectQRPNG(settings, 512)
		if err != nil {
			t.Fatal(err)
		}
		return string(png)
	}
	resp, got = b.get(qr + "?base=" + url.QueryEscape(lan))
	if resp.StatusCode != 200 || got != want(lan) {
		t.Fatalf("QR with the chosen address: %d, encodes it: %v", resp.StatusCode, got == want(lan))
	}
	resp, got = b.get(qr + "?base=" + url.QueryEscape("http://203.0.113.9:8090"))
	check(t, resp, got, 422, "not an address of this server")

	_, admin := ta.newUser(t, "root", true)
	ta.run(t, []scenario{
		{name: "Invalid_BaseURL", method: "PUT", url: "/api/v1/settings", headers: bearer(admin),
			body:       `{"site_name":"F","default_lock_minutes":60,"max_upload_mb":10,"base_url":"ftp://x"}`,
			wantStatus: 422, wantContain: []string{"base_url", "http://192.168.1.20:8090"}},
		{name: "OK_SaveBaseURL", method: "PUT", url: "/api/v1/settings", headers: bearer(admin),
			body:       `{"site_name":"F","default_lock_minutes":60,"max_upload_mb":10,"base_url":"` + lan + `/"}`,
			wantStatus: 200, wantContain: []string{`"base_url":"` + lan + `"`}},
	})
	resp, got = b.get(page)
	check(t, resp, got, 200, "Create a device token")
	if strings.Contains(got, `id="address-warning"`) {
		t.Error("the warning stays with a LAN base URL saved")
	}
	if resp, got = b.get(qr); resp.StatusCode != 200 || got != want(lan) {
		t.Fatalf("QR with the saved address: %d, encodes it: %v", resp.StatusCode, got == want(lan))
	}
}
