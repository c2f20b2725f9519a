package app

import (
	"context"
	"fieldbase/app/live"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestTaskPanelPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, pmTok := ta.newUser(t, "pm", false)
	ta.newUser(t, "mia", false)
	ta.newUser(t, "max", false)
	id := ta.publishedProject(t, pmTok, "")
	panel := fmt.Sprintf("/projects/%d/tasks/2", id)
	hx := func(csrf string) map[string]string {
		return map[string]string{"HX-Request": "true", "X-CSRF-Token": csrf}
	}
	ta.run(t, []scenario{
		{name: "OK_ProjectPage", method: "GET", url: fmt.Sprintf("/projects/%d", id), wantStatus: 200,
			wantContain: []string{`id="map"`, "project_map.js", "Ready: <strong>", "Locked for mapping", `data-live=""`}},
		{name: "OK_AnonymousPanelAsksToLogIn", method: "GET", url: panel, headers: map[string]string{"HX-Request": "true"},
			wantStatus: 200, wantContain: []string{"Task 2", "Log in"}, wantAbsent: []string{"<html", `data-action=`}},
		{name: "OK_PanelAsPageWithoutHTMX", method: "GET", url: panel, wantStatus: 200, wantContain: []string{"<html", "Task 2"}},
		{name: "NotFound_NoSuchTask", method: "GET", url: fmt.Sprintf("/projects/%d/tasks/9999", id), wantStatus: 404},
		{name: "OK_ProgressPartial", method: "GET", url: fmt.Sprintf("/projects/%d/progress", id), wantStatus: 200,
			wantContain: []string{"% mapped"}, wantAbsent: []string{"<html"}},
	})
	mia, miaCSRF := ta.pageBrowser(t, "mia")
	max, maxCSRF := ta.pageBrowser(t, "max")
	t.Run("OK_PanelOffersOnlyAllowedActions", func(t *testing.T) {
		resp, got := mia.send(httptestGet(panel), hx(miaCSRF))
		check(t, resp, got, 200, `data-action="lock_for_mapping"`, `data-action="comment"`)
		if strings.Contains(got, `data-action="validate"`) || strings.Contains(got, `data-action="reset"`) {
			t.Error("a mapper is offered validator or manager actions")
		}
	})
	t.Run("OK_LockUpdatesPanelAndPublishes", func(t *testing.T) {
		sub, _, _ := ta.events.Subscribe(id, 0)
		defer ta.events.Unsubscribe(sub)
		resp, got := mia.form(panel, url.Values{"action": {"lock_for_mapping"}}, hx(miaCSRF))
		check(t, resp, got, 200, "You started mapping.", "Locked for mapping", "mia", `data-action="mark_mapped"`)
		ev := <-sub.C()
		if ev.Kind != live.KindTask || !strings.Contains(string(ev.Data), `"index":2`) {
			t.Fatalf("event %s %s", ev.Kind, ev.Data)
		}
	})
	t.Run("Conflict_OtherUserCannotMark", func(t *testing.T) {
		resp, got := max.form(panel, url.Values{"action": {"mark_mapped"}}, hx(maxCSRF))
		if resp.StatusCode != 403 && resp.StatusCode != 409 {
			t.Fatalf("status %d: %s", resp.StatusCode, got)
		}
		check(t, resp, got, resp.StatusCode, `class="alert-text"`)
	})
	t.Run("Invalid_CommentNeedsText", func(t *testing.T) {
		resp, got := max.form(panel, url.Values{"action": {"comment"}}, hx(maxCSRF))
		check(t, resp, got, 422, `class="alert-text"`, "Task 2")
	})
	t.Run("Invalid_CommentTooLongChangesNothing", func(t *testing.T) {
		// The API's schema (maxLength 5000) is checked for the panel too: the page does not skip it.
		before, err := ta.store.TaskEvents(context.Background(), id, 2)
		if err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("é", 5001)
		resp, got := max.form(panel, url.Values{"action": {"comment"}, "comment": {long}}, hx(maxCSRF))
		check(t, resp, got, 422, `class="field-error"`, "the length must be no more than 5000", "Task 2")
		resp, got = max.form(panel, url.Values{"action": {"expire"}}, hx(maxCSRF))
		check(t, resp, got, 422, "action: must be a valid value")
		after, err := ta.store.TaskEvents(context.Background(), id, 2)
		if err != nil || len(after) != len(before) {
			t.Fatalf("history grew from %d to %d rows (%v)", len(before), len(after), err)
		}
	})
	t.Run("OK_MarkMapped", func(t *testing.T) {
		resp, got := mia.form(panel, url.Values{"action": {"mark_mapped"}}, hx(miaCSRF))
		check(t, resp, got, 200, `badge state-mapped`, "mia started mapping")
	})
}

func TestMembersPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, pmTok := ta.newUser(t, "pm", false)
	vicID, vicTok := ta.newUser(t, "vic", false)
	id := ta.newProject(t, pmTok, `,"visibility":"private"`)
	members := fmt.Sprintf("/projects/%d/members", id)
	pm, csrf := ta.pageBrowser(t, "pm")
	t.Run("Invalid_UnknownUser", func(t *testing.T) {
		resp, got := pm.form(members, url.Values{"csrf_token": {csrf}, "username": {"nobody"}, "role": {"mapper"}}, nil)
		check(t, resp, got, 422, "no user has this name", `value="nobody"`)
	})
	t.Run("Invalid_Role", func(t *testing.T) {
		resp, got := pm.form(members, url.Values{"csrf_token": {csrf}, "username": {"vic"}, "role": {"king"}}, nil)
		check(t, resp, got, 422, "field-error")
	})
	t.Run("OK_AddChangeRemove", func(t *testing.T) {
		resp, got := pm.form(members, url.Values{"csrf_token": {csrf}, "username": {"VIC"}, "role": {"validator"}}, nil)
		check(t, resp, got, 303)
		resp, got = pm.get(resp.Header.Get("Location"))
		check(t, resp, got, 200, "Saved:", "vic", `value="validator" selected`)
		ta.run(t, []scenario{{name: "VicReadsMembers", method: "GET", url: members, headers: bearer(vicTok),
			wantStatus: 200, wantContain: []string{"pm", "vic"}, wantAbsent: []string{"Add a member"}}})
		u := fmt.Sprintf("%s/%d", members, vicID)
		resp, got = pm.form(u, url.Values{"csrf_token": {csrf}, "role": {"mapper"}}, nil)
		check(t, resp, got, 303)
		resp, got = pm.form(u, url.Values{"csrf_token": {csrf}, "remove": {"1"}}, nil)
		check(t, resp, got, 303)
		ta.run(t, []scenario{{name: "VicGone", method: "GET", url: members, headers: bearer(vicTok), wantStatus: 404}})
	})
	t.Run("Conflict_LastManager", func(t *testing.T) {
		resp, got := pm.form(fmt.Sprintf("%s/%d", members, 1), url.Values{"csrf_token": {csrf}, "remove": {"1"}}, nil)
		check(t, resp, got, 409, "needs a project manager")
	})
}

func httptestGet(target string) *http.Request { return httptest.NewRequest("GET", target, nil) }
