package app

import (
	"context"
	"fmt"
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
