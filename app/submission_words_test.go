package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"fieldbase/db"
)

// simpleXForm is an XForm without a version, as many hand-written forms are.
const simpleXForm = `<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
  <h:head>
    <h:title>Simple survey</h:title>
    <model>
      <instance><data id="simple"><roof/><meta><instanceID/></meta></data></instance>
      <bind nodeset="/data/roof" type="string"/>
      <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" calculate="concat('uuid:', uuid())"/>
    </model>
  </h:head>
  <h:body><input ref="/data/roof"><label>Roof</label></input></h:body>
</h:html>`

func simpleSubmission(instance string) []byte {
	return []byte(`<data id="simple"><roof>tin</roof><meta><instanceID>` + instance + `</instanceID></meta></data>`)
}

func TestSubmissionWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	for username, display := range map[string]string{"manager": "Max Manager", "checker": "Cora Checker",
		"walker": "Wanda Walker"} {
		u, err := ta.store.UserByUsername(ctx, username)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.store.UpdateUser(ctx, u.ID, db.UserPatch{DisplayName: &display}); err != nil {
			t.Fatal(err)
		}
	}
	manager, managerCSRF := ta.pageBrowser(t, "manager")
	checker, checkerCSRF := ta.pageBrowser(t, "checker")
	forms := fmt.Sprintf("/projects/%d/forms", fp.id)
	t.Run("OK_FormWithoutVersion", func(t *testing.T) {
		status, to, got := manager.multipartPage(forms, managerCSRF, part{"file", "simple.xml", []byte(simpleXForm)})
		if status != 204 {
			t.Fatalf("upload: %d %s", status, got)
		}
		resp, got := manager.get(to)
		check(t, resp, got, 200, `download="simple.xml"`)
		checkWords(t, got, "Saved: simple uploaded.", "served without a version number", "No version number")
		if strings.Contains(got, "<strong></strong>") || strings.Contains(visibleText(got), "simple version") {
			t.Error("the forms page prints an empty version")
		}
	})
	resp, body := ta.upload(t, fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id), fp.mapper,
		part{"submission_xml", "", simpleSubmission("uuid:by-walker")})
	if resp.StatusCode != 201 {
		t.Fatalf("submission by walker: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `"submitted_by":"Wanda Walker"`) {
		t.Errorf("the API does not say who sent the submission: %s", body)
	}
	resp, body = ta.do(t, jsonRequest("POST", fmt.Sprintf("/api/v1/projects/%d/collect-tokens", fp.id),
		`{"name":"Team A phone 3"}`, fp.pm))
	var tok CollectTokenBody
	decode(t, body, &tok)
	resp, body = ta.upload(t, "/odk/"+tok.Token+"/submission", "",
		part{"xml_submission_file", "data.xml", simpleSubmission("uuid:by-phone")})
	if resp.StatusCode != 201 {
		t.Fatalf("submission by phone: %d %s", resp.StatusCode, body)
	}
	page := fmt.Sprintf("/projects/%d/submissions", fp.id)
	t.Run("OK_TableNamesSenders", func(t *testing.T) {
		resp, got := checker.get(page)
		check(t, resp, got, 200, "<td>Wanda Walker</td>", "<td>Team A phone 3</td>", ">Simple survey</option>")
		checkWords(t, got)
		if strings.Contains(got, "<td>device") {
			t.Error("a device token's submission is shown as a device")
		}
	})
	t.Run("OK_DetailNamesDeviceAndForm", func(t *testing.T) {
		resp, got := checker.get(page + "/2")
		check(t, resp, got, 200, "<dt>By</dt><dd>Team A phone 3</dd>", "<dt>Form</dt><dd>simple</dd>")
		checkWords(t, got)
		if strings.Contains(visibleText(got), "simple version") {
			t.Error("a form without a version reads as “simple version”")
		}
	})
	t.Run("OK_ReviewerNamed", func(t *testing.T) {
		resp, got := checker.form(page+"/2/review", url.Values{"csrf_token": {checkerCSRF},
			"review_state": {"has_issues"}, "comment": {"blurry"}}, nil)
		check(t, resp, got, 303)
		resp, got = checker.get(resp.Header.Get("Location"))
		check(t, resp, got, 200, "Cora Checker: Received → <strong>Has issues</strong>")
		checkWords(t, got)
	})
	t.Run("OK_DeviceCreatorNamed", func(t *testing.T) {
		resp, got := manager.get(fmt.Sprintf("/projects/%d/devices", fp.id))
		check(t, resp, got, 200, "<td>Team A phone 3</td>", "<td>Max Manager</td>")
		checkWords(t, got)
	})
}
