package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestFillPages: who may open the fill page and what it carries (the submit route, the CSRF header, the pre-filled
// task_id and feature_id, the static files to cache), the Collect links of the task and feature panels, the
// device-link pages without a session, and the browser link with its QR code on the devices page.
func TestFillPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.fillProject(t)
	mapper, csrf := ta.pageBrowser(t, "walker")
	fill := fmt.Sprintf("/projects/%d/forms/fill_test/fill", fp.id)

	t.Run("OK_Member", func(t *testing.T) {
		resp, body := mapper.get(fill)
		check(t, resp, body, 200, `id="fill-config"`, `id="fill-assets"`, "Fill test",
			fmt.Sprintf(`"submitUrl":"/api/v1/projects/%d/submissions"`, fp.id), `"xmlField":"submission_xml"`,
			`"attachmentField":"attachments"`, `"X-CSRF-Token":"`+csrf+`"`, `/static/vendor/web-forms/web-forms.js`,
			`/static/vendor/web-forms/web-forms-core.js`, `/static/js/outbox.js`, `href="/outbox"`)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") {
			t.Errorf("policy %q: the Web Forms engine compiles WebAssembly", csp)
		}
	})
	t.Run("OK_TaskAndFeaturePrefilled", func(t *testing.T) {
		resp, body := mapper.get(fmt.Sprintf("%s?task=1&feature=%d", fill, fp.featureID))
		check(t, resp, body, 200, `"task_id":"`+strconv.FormatInt(fp.task1ID, 10)+`"`,
			`"feature_id":"`+strconv.FormatInt(fp.featureID, 10)+`"`, `"taskIndex":1`, "Back to task 1")
	})
	t.Run("NotFound_UnknownFormTaskFeature", func(t *testing.T) {
		for _, u := range []string{fmt.Sprintf("/projects/%d/forms/nope/fill", fp.id), fill + "?task=99",
			fill + "?task=x", fill + "?feature=999999"} {
			resp, body := mapper.get(u)
			check(t, resp, body, 404, "<html")
		}
	})
	t.Run("Refused_NotMember", func(t *testing.T) {
		ta.newUser(t, "outsider", false)
		b, _ := ta.pageBrowser(t, "outsider")
		resp, body := b.get(fill)
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a non-member got %d: %.200s", resp.StatusCode, body)
		}
		if strings.Contains(body, "fill-config") {
			t.Error("a non-member got the form's config")
		}
	})
	t.Run("Refused_Anonymous", func(t *testing.T) {
		// The project is private: a caller without a session is told nothing of it (404), as on its other pages.
		resp, body := ta.do(t, httptestGet(fill))
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "fill-config") {
			t.Fatalf("anonymous: %d %.200s", resp.StatusCode, body)
		}
	})
	t.Run("Note_FormWithoutLinkFields", func(t *testing.T) {
		xml := strings.NewReplacer("<task_id/>", "", "<feature_id/>", "", `id="fill_test"`, `id="plain"`,
			`<bind nodeset="/data/task_id" type="string"/>`, "", `<bind nodeset="/data/feature_id" type="string"/>`, "").
			Replace(string(readFile(t, "testdata/forms/fill_test.xml")))
		ta.mustUploadForm(t, fp.formsProject, []byte(xml))
		resp, body := mapper.get(fmt.Sprintf("/projects/%d/forms/plain/fill?task=1&feature=%d", fp.id, fp.featureID))
		check(t, resp, body, 200, "has no task_id field", "has no feature_id field", `"prefill":{}`)
	})
	t.Run("OK_CollectLinks", func(t *testing.T) {
		resp, body := mapper.send(httptestGet(fmt.Sprintf("/projects/%d/tasks/1", fp.id)),
			map[string]string{"HX-Request": "true"})
		check(t, resp, body, 200, fmt.Sprintf(`href="/projects/%d/forms/fill_test/fill?task=1"`, fp.id), "Collect: Fill test")
		resp, body = mapper.send(httptestGet(fmt.Sprintf("/projects/%d/features/%d", fp.id, fp.featureID)),
			map[string]string{"HX-Request": "true"})
		check(t, resp, body, 200, fmt.Sprintf(`/forms/fill_test/fill?task=1&amp;feature=%d"`, fp.featureID))
		resp, body = mapper.get(fmt.Sprintf("/projects/%d/forms", fp.id))
		check(t, resp, body, 200, fmt.Sprintf(`href="/projects/%d/forms/fill_test/fill"`, fp.id), "Fill in browser")
	})
	t.Run("OK_MemberMedia", func(t *testing.T) {
		csv := []byte("name,label\na,A\n")
		resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/forms/fill_test/media", fp.id), fp.pm,
			part{"file", "list.csv", csv})
		if resp.StatusCode >= 300 {
			t.Fatalf("upload media: %d %s", resp.StatusCode, body)
		}
		resp, got := ta.get(t, fmt.Sprintf("/api/v1/projects/%d/forms/fill_test/media/list.csv", fp.id), fp.mapper)
		if resp.StatusCode != 200 || got != string(csv) {
			t.Fatalf("media for a mapper: %d %q", resp.StatusCode, got)
		}
		_, page := mapper.get(fill)
		check(t, resp, page, 200, fmt.Sprintf(`"list.csv":"/api/v1/projects/%d/forms/fill_test/media/list.csv"`, fp.id))
		resp, _ = ta.get(t, fmt.Sprintf("/api/v1/projects/%d/forms/fill_test/media/none.csv", fp.id), fp.mapper)
		if resp.StatusCode != 404 {
			t.Errorf("missing media: %d", resp.StatusCode)
		}
		resp, _ = ta.get(t, fmt.Sprintf("/api/v1/projects/%d/forms/fill_test/media/list.csv", fp.id), ta.strangerToken(t))
		if resp.StatusCode < 400 {
			t.Errorf("a stranger read the media: %d", resp.StatusCode)
		}
	})
	t.Run("OK_DeviceLink", func(t *testing.T) {
		tid, token, _ := ta.collectToken(t, fp.formsProject)
		resp, body := ta.do(t, httptestGet("/odk/"+token))
		check(t, resp, body, 200, "Fill in browser", `href="/odk/`+token+`/forms/fill_test/fill"`)
		resp, body = ta.do(t, httptestGet("/odk/"+token+"/forms/fill_test/fill"))
		check(t, resp, body, 200, `"submitUrl":"/odk/`+token+`/submission"`, `"xmlField":"xml_submission_file"`,
			`"formUrl":"/odk/`+token+`/forms/fill_test/form.xml"`, `"attachmentField":""`)
		if resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("Referrer-Policy %q: the token is in the URL", resp.Header.Get("Referrer-Policy"))
		}
		resp, body = ta.do(t, httptestGet("/odk/"+token+"/forms/nope/fill"))
		check(t, resp, body, 404, "<html")
		fm, fmCSRF := ta.fieldManager(t, fp.formsProject)
		resp, body = fm.get(fmt.Sprintf("/projects/%d/devices", fp.id))
		check(t, resp, body, 200, "Fill in the browser", fmt.Sprintf("/collect-tokens/%d/browser-qr.png", tid))
		resp, body = fm.form(fmt.Sprintf("/projects/%d/devices", fp.id), url.Values{"csrf_token": {fmCSRF},
			"name": {"Tablet"}}, nil)
		check(t, resp, body, 201, `id="created-browser-link"`, `/odk/`+collectTokenPrefix)
		resp, png := fm.get(fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%d/browser-qr.png", fp.id, tid))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
			t.Errorf("browser QR: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		resp, _ = mapper.get(fmt.Sprintf("/api/v1/projects/%d/collect-tokens/%d/browser-qr.png", fp.id, tid))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a mapper drew the browser QR: %d", resp.StatusCode)
		}
	})
	t.Run("Unauthorized_BadDeviceLink", func(t *testing.T) {
		for _, u := range []string{"/odk/not-a-token", "/odk/not-a-token/forms/fill_test/fill"} {
			resp, body := ta.do(t, httptestGet(u))
			check(t, resp, body, 401, "<html", "not valid")
		}
	})
}
