package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"fieldbase/app/tasking"
	"fieldbase/db"
)

// namedUser creates a user whose display name is display ("" for none), with a bearer token.
func (ta *testApp) namedUser(t *testing.T, username, display string) (int64, string) {
	t.Helper()
	id, tok := ta.newUser(t, username, false)
	if _, err := ta.store.UpdateUser(context.Background(), id, db.UserPatch{DisplayName: &display}); err != nil {
		t.Fatal(err)
	}
	return id, tok
}

var (
	hiddenBlocks = regexp.MustCompile(`(?is)<(script|style|title)\b.*?</(script|style|title)>`)
	anyTagRE     = regexp.MustCompile(`<[^>]*>`)
	// identifierRE finds what people should never read: snake_case identifiers and users named by number.
	identifierRE = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b|\buser \d+\b`)
)

// visibleText is the text a person reads on a page: no tags, attributes, scripts or styles, and white space
// collapsed as a browser does.
func visibleText(page string) string {
	text := html.UnescapeString(anyTagRE.ReplaceAllString(hiddenBlocks.ReplaceAllString(page, " "), " "))
	return strings.Join(strings.Fields(text), " ")
}

// checkWords fails when the visible text of a page names an identifier (lock_for_validation, field_manager,
// "user 2") or lacks one of the wanted sentences.
func checkWords(t *testing.T, page string, want ...string) {
	t.Helper()
	text := visibleText(page)
	if found := identifierRE.FindAllString(text, -1); len(found) > 0 {
		t.Errorf("the page shows identifiers %q", found)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not say %q: %s", w, text)
		}
	}
}

// resp200 stands for an answer already checked, to look for fragments in its body.
var resp200 = &http.Response{StatusCode: http.StatusOK}

const wordsInstructions = "## Roofs\nTrace **every** roof.\n\n- tag `building=yes`\n- read [the guide](https://example.org/guide)\n\n" +
	"<script>alert(1)</script> [bad](javascript:alert(1))"

func TestTaskPanelWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ta := newTestApp(t)
	_, pmTok := ta.namedUser(t, "pm", "Pia Manager")
	anaID, _ := ta.namedUser(t, "ana", "Ana Lima")
	veraID, veraTok := ta.namedUser(t, "vera", "Vera Costa")
	bobID, _ := ta.namedUser(t, "bob", "")
	instructions, _ := json.Marshal(wordsInstructions)
	id := ta.publishedProject(t, pmTok, `,"instructions":`+string(instructions))
	for uid, role := range map[int64]string{anaID: "mapper", veraID: "validator", bobID: "mapper"} {
		if _, err := ta.store.SetMember(ctx, id, uid, role); err != nil {
			t.Fatal(err)
		}
	}
	pm, pmCSRF := ta.pageBrowser(t, "pm")
	ana, anaCSRF := ta.pageBrowser(t, "ana")
	vera, veraCSRF := ta.pageBrowser(t, "vera")
	bob, bobCSRF := ta.pageBrowser(t, "bob")
	panel := func(i int) string { return fmt.Sprintf("/projects/%d/tasks/%d", id, i) }
	act := func(b *browser, csrf string, i int, action string, extra ...string) (*http.Response, string) {
		vals := url.Values{"action": {action}}
		for j := 0; j+1 < len(extra); j += 2 {
			vals.Set(extra[j], extra[j+1])
		}
		return b.form(panel(i), vals, map[string]string{"HX-Request": "true", "X-CSRF-Token": csrf})
	}
	look := func(b *browser, i int) string {
		resp, got := b.send(httptestGet(panel(i)), map[string]string{"HX-Request": "true"})
		check(t, resp, got, 200)
		return got
	}
	t.Run("OK_ProjectPageRoleStatusInstructions", func(t *testing.T) {
		resp, got := pm.get(fmt.Sprintf("/projects/%d", id))
		check(t, resp, got, 200, `<span class="badge">Published</span>`, "<h4>Roofs</h4>", "<strong>every</strong>",
			"<code>building=yes</code>", `<a href="https://example.org/guide" target="_blank" rel="noopener">the guide</a>`,
			"&lt;script&gt;alert(1)&lt;/script&gt; bad")
		checkWords(t, got, "You are a project manager")
		resp, got = pm.get("/projects?status=published")
		check(t, resp, got, 200, `<span class="badge">Published</span>`, `<option value="published" selected>Published</option>`)
		checkWords(t, got)
		if strings.Contains(got, "<script>alert(1)") || strings.Contains(got, "javascript:") {
			t.Error("the instructions let markup or a javascript: link through")
		}
	})
	t.Run("OK_LockSaysWhoInWords", func(t *testing.T) {
		resp, got := act(ana, anaCSRF, 2, "lock_for_mapping")
		check(t, resp, got, 200, "Locked by</dt><dd>Ana Lima", "<summary>Instructions for mappers</summary>",
			"<strong>every</strong>")
		checkWords(t, got, "You started mapping.", "Ana Lima started mapping (Ready → Locked for mapping)")
	})
	t.Run("OK_OthersSeeWhoHoldsTheLock", func(t *testing.T) {
		got := look(vera, 2)
		check(t, resp200, got, 200, "Locked by</dt><dd>Ana Lima")
		checkWords(t, got, "Another mapper has this task locked (Ana Lima).")
	})
	ta.run(t, []scenario{
		{name: "OK_APINamesHolderAndSaysWhyNot", method: "GET", url: fmt.Sprintf("/api/v1/projects/%d/tasks/2", id),
			headers: bearer(veraTok), wantStatus: 200, wantContain: []string{
				`"locked_by":{"id":` + fmt.Sprint(anaID) + `,"username":"ana","name":"Ana Lima"}`,
				`"why_not":[{"action":"mark_mapped","reason":"Another mapper has this task locked (Ana Lima)","code":"locked_by_mapper_named"}]`}},
		{name: "OK_APIHistoryNames", method: "GET", url: fmt.Sprintf("/api/v1/projects/%d/tasks/2/events", id),
			headers: bearer(veraTok), wantStatus: 200, wantContain: []string{`"username":"ana","name":"Ana Lima"`}},
	})
	t.Run("Forbidden_RefusalInWords", func(t *testing.T) {
		resp, got := act(bob, bobCSRF, 2, "mark_mapped")
		check(t, resp, got, 403)
		checkWords(t, got, "“Mark as mapped” is not possible now", "Another mapper has this task locked (Ana Lima).")
	})
	t.Run("Invalid_EmptyCommentInWords", func(t *testing.T) {
		resp, got := act(bob, bobCSRF, 2, "comment")
		check(t, resp, got, 422, `<p class="field-error">Say what you saw or what still needs mapping</p>`)
		checkWords(t, got, "Write a comment first")
	})
	t.Run("OK_MapperLearnsWhyNotValidate", func(t *testing.T) {
		resp, got := act(ana, anaCSRF, 2, "mark_mapped")
		check(t, resp, got, 200)
		checkWords(t, got, "You marked it mapped.", "Only validators can validate.")
	})
	t.Run("OK_ValidatorStartsValidating", func(t *testing.T) {
		resp, got := act(vera, veraCSRF, 2, "lock_for_validation")
		check(t, resp, got, 200)
		checkWords(t, got, "You started validating.", "Vera Costa started validating", "Ana Lima marked it mapped")
		checkWords(t, look(ana, 2), "Another validator is validating this task (Vera Costa).")
	})
	t.Run("OK_SelfValidationExplained", func(t *testing.T) {
		for _, step := range []struct {
			task   int
			action string
		}{{2, "validate"}, {3, "lock_for_mapping"}, {3, "mark_mapped"}} {
			if resp, got := act(vera, veraCSRF, step.task, step.action); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", step.action, resp.StatusCode, got)
			}
		}
		checkWords(t, look(vera, 3), "You mapped this task, so someone else validates it.")
		checkWords(t, look(vera, 2), "Vera Costa validated it")
	})
	t.Run("OK_LockLimitExplained", func(t *testing.T) {
		if resp, got := act(ana, anaCSRF, 4, "lock_for_mapping"); resp.StatusCode != 200 {
			t.Fatalf("lock: %d %s", resp.StatusCode, got)
		}
		checkWords(t, look(ana, 5), "You already hold the most tasks you may lock (1).")
	})
	t.Run("OK_AssignmentInWords", func(t *testing.T) {
		check(t, resp200, look(pm, 6), 200, "Ana Lima (mapper)</option>", "Pia Manager (project manager)</option>")
		resp, got := act(pm, pmCSRF, 6, "assign", "user_id", fmt.Sprint(bobID))
		check(t, resp, got, 200, "Assigned to</dt><dd>bob</dd>")
		checkWords(t, got, "You assigned it to bob.", "Pia Manager assigned it to bob")
		checkWords(t, look(ana, 6), "This task is assigned to bob.")
	})
	t.Run("OK_ExpiryInWords", func(t *testing.T) {
		if _, err := ta.tasking.ExpireLocks(ctx, time.Now().Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		checkWords(t, look(ana, 4), "The system released the lock (expired) (Locked for mapping → Ready)")
	})
	t.Run("OK_DraftProjectExplained", func(t *testing.T) {
		draft := ta.newProject(t, pmTok, "")
		if _, err := tasking.RunSplit(ctx, ta.store, tasking.SplitParams{ProjectID: draft, Method: "grid",
			CellSizeM: 500}, nil); err != nil {
			t.Fatal(err)
		}
		resp, got := pm.send(httptestGet(fmt.Sprintf("/projects/%d/tasks/1", draft)), map[string]string{"HX-Request": "true"})
		check(t, resp, got, 200)
		checkWords(t, got, "The project is not published yet.")
	})
}

func TestMembersPageWords(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, pmTok := ta.namedUser(t, "pm", "Pia Manager")
	ta.namedUser(t, "vera", "Vera Costa")
	id := ta.newProject(t, pmTok, `,"visibility":"private"`)
	pm, csrf := ta.pageBrowser(t, "pm")
	resp, got := pm.form(fmt.Sprintf("/projects/%d/members", id), url.Values{"csrf_token": {csrf}, "username": {"vera"},
		"role": {"field_manager"}}, nil)
	check(t, resp, got, 303)
	resp, got = pm.get(resp.Header.Get("Location"))
	check(t, resp, got, 200, `<td>Vera Costa <span class="muted">vera</span></td>`,
		`<option value="field_manager" selected>field manager</option>`)
	checkWords(t, got, "Saved: Vera Costa is now a field manager.", "Pia Manager")
}
