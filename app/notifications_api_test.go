package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fieldbase/db"
)

// asUser is ctx as a request of the user would carry it.
func asUser(ctx context.Context, userID int64) context.Context {
	return context.WithValue(ctx, principalKey, &Principal{UserID: userID})
}

// seedNotices gives a user n "task assigned" notifications (tasks 1..n of project) from actor.
func (ta *testApp) seedNotices(t *testing.T, projectID, actorID, userID int64, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	tasks, err := ta.store.Tasks(ctx, projectID, db.TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range n {
		ids = append(ids, tasks[i].ID)
	}
	var notices []db.Notice
	for _, id := range ids {
		notices = append(notices, db.Notice{UserID: userID, Kind: db.NoticeTaskAssigned, ProjectID: projectID,
			TaskID: id, ActorID: actorID})
	}
	if err := ta.store.Notify(ctx, notices); err != nil {
		t.Fatal(err)
	}
	items, _, err := ta.store.Notifications(ctx, userID, false, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out // newest first
}

// TestNotificationAPI: listing (paged, unread only), marking read (some, all; never someone else's), the
// preferences, and 401 without credentials, as scenarios in order.
func TestNotificationAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ownerID, owner := ta.newUser(t, "owner", false)
	amiraID, amira := ta.newUser(t, "amira", false)
	bobID, bob := ta.newUser(t, "bob", false)
	pid := ta.publishedProject(t, owner, "")
	mine := ta.seedNotices(t, pid, ownerID, amiraID, 3)
	theirs := ta.seedNotices(t, pid, ownerID, bobID, 1)
	list, read, prefs := "/api/v1/notifications", "/api/v1/notifications/read", "/api/v1/users/me/notification-preferences"
	as := func(tok string) map[string]string { return bearer(tok) }
	ta.run(t, []scenario{
		{name: "ErrNoSession", method: "GET", url: list, wantStatus: 401, wantType: "application/problem+json"},
		{name: "ErrNoSessionRead", method: "POST", url: read, body: `{"all":true}`, wantStatus: 401},
		{name: "ErrNoSessionPrefs", method: "GET", url: prefs, wantStatus: 401},
		{name: "OK_List", method: "GET", url: list, headers: as(amira), wantStatus: 200,
			wantContain: []string{`"total":3`, `"unread":3`, `"kind":"task_assigned"`, `"task_index":3`,
				`"text":"owner assigned task 3 of Roofs to you"`, fmt.Sprintf(`"link":"/projects/%d/tasks/1"`, pid)}},
		{name: "OK_OnlyMine", method: "GET", url: list, headers: as(bob), wantStatus: 200,
			wantContain: []string{`"total":1`}, wantAbsent: []string{`"task_index":3`}},
		{name: "OK_Paged", method: "GET", url: list + "?per_page=2&page=2", headers: as(amira), wantStatus: 200,
			wantContain: []string{`"total":3`, `"task_index":1`, `"page":2`, `"per_page":2`},
			wantAbsent:  []string{`"task_index":3`}},
		{name: "ErrPageTooBig", method: "GET", url: list + "?per_page=100000", headers: as(amira), wantStatus: 422},
		{name: "ErrReadNothing", method: "POST", url: read, body: `{}`, headers: as(amira), wantStatus: 422,
			wantContain: []string{"ids"}},
		{name: "ErrReadMalformed", method: "POST", url: read, body: `{"ids":`, headers: as(amira), wantStatus: 400},
		{name: "OK_ReadOthersIgnored", method: "POST", url: read, body: fmt.Sprintf(`{"ids":[%d]}`, theirs[0]),
			headers: as(amira), wantStatus: 200, wantContain: []string{`"marked":0`, `"unread":3`}},
		{name: "OK_ReadOne", method: "POST", url: read, body: fmt.Sprintf(`{"ids":[%d]}`, mine[0]),
			headers: as(amira), wantStatus: 200, wantContain: []string{`"marked":1`, `"unread":2`}},
		{name: "OK_UnreadOnly", method: "GET", url: list + "?unread=true", headers: as(amira), wantStatus: 200,
			wantContain: []string{`"total":2`}, wantAbsent: []string{`"task_index":3`}},
		{name: "OK_ReadAll", method: "POST", url: read, body: `{"all":true}`, headers: as(amira), wantStatus: 200,
			wantContain: []string{`"marked":2`, `"unread":0`}},
		{name: "OK_BobStillUnread", method: "GET", url: list + "?unread=true", headers: as(bob), wantStatus: 200,
			wantContain: []string{`"total":1`, `"unread":1`}},
		{name: "OK_PrefsDefault", method: "GET", url: prefs, headers: as(amira), wantStatus: 200,
			wantContain: []string{`"task_assigned":true`, `"mention":true`, `"digest":"never"`, `"email":""`,
				`"email_enabled":false`}},
		{name: "ErrUnknownKind", method: "PUT", url: prefs, body: `{"kinds":{"weather":false}}`, headers: as(amira),
			wantStatus: 422, wantContain: []string{"kinds.weather"}},
		{name: "ErrBadDigest", method: "PUT", url: prefs, body: `{"digest":"weekly"}`, headers: as(amira),
			wantStatus: 422},
		{name: "ErrDigestNeedsEmail", method: "PUT", url: prefs, body: `{"digest":"daily"}`, headers: as(amira),
			wantStatus: 422, wantContain: []string{"email", "needed for an e-mail digest"}},
		{name: "ErrBadEmail", method: "PUT", url: prefs, body: `{"email":"not an address"}`, headers: as(amira),
			wantStatus: 422, wantContain: []string{"email"}},
		{name: "OK_PutPrefs", method: "PUT", url: prefs,
			body: `{"kinds":{"task_assigned":false},"digest":"daily","email":"amira@example.org"}`, headers: as(amira),
			wantStatus: 200, wantContain: []string{`"task_assigned":false`, `"mention":true`, `"digest":"daily"`,
				`"email":"amira@example.org"`}},
		{name: "OK_PrefsAreMine", method: "GET", url: prefs, headers: as(bob), wantStatus: 200,
			wantContain: []string{`"task_assigned":true`, `"digest":"never"`}},
	})
	// A kind turned off is not created.
	ta.seedNotices(t, pid, ownerID, amiraID, 1)
	if got := ta.notificationsOf(t, amira, ""); got.Body.Total != 3 {
		t.Errorf("a kind turned off was still created: total %d", got.Body.Total)
	}
}

// TestNotificationPages: the bell shows the unread count on a page, the list page lists and links, opening one
// marks it read and goes to its task, "mark all read" empties the count, and the preferences page saves and
// shows its errors beside the field.
func TestNotificationPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ownerID, owner := ta.newUser(t, "owner", false)
	amiraID, _ := ta.newUser(t, "amira", false)
	pid := ta.publishedProject(t, owner, "")
	ids := ta.seedNotices(t, pid, ownerID, amiraID, 2)
	b := &browser{t: t, ta: ta}
	if resp, _ := b.get("/notifications"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous list page: %d, want a redirect to log in", resp.StatusCode)
	}
	b.login("amira", testPassword)
	_, home := b.get("/projects")
	if !strings.Contains(home, `data-bell-count>2</span>`) || !strings.Contains(home, "Notifications: 2 unread") {
		t.Fatalf("the bell does not show 2 unread:\n%s", home)
	}
	_, list := b.get("/notifications")
	for _, want := range []string{"owner assigned task 2 of Roofs to you", fmt.Sprintf(`href="/notifications/%d/open"`, ids[0]),
		"2 unread", "Mark all read"} {
		if !strings.Contains(list, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	resp, _ := b.get(fmt.Sprintf("/notifications/%d/open", ids[0]))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/projects/%d/tasks/2", pid) {
		t.Fatalf("open: %d to %q", resp.StatusCode, loc)
	}
	if n, _ := ta.store.UnreadCount(context.Background(), amiraID); n != 1 {
		t.Fatalf("unread after opening one: %d", n)
	}
	if resp, _ := b.form("/notifications/read", url.Values{"csrf_token": {b.csrf()}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark all read: %d", resp.StatusCode)
	}
	if _, page := b.get("/notifications"); !strings.Contains(page, "Nothing unread") ||
		!strings.Contains(page, "data-bell-count hidden>0</span>") {
		t.Fatalf("after mark all read:\n%s", page)
	}
	resp, page := b.form("/account/notifications", url.Values{"csrf_token": {b.csrf()}, "digest": {"hourly"},
		"email": {""}, "kind_mention": {"1"}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "is needed for an e-mail digest") {
		t.Fatalf("digest without e-mail: %d", resp.StatusCode)
	}
	resp, page = b.form("/account/notifications", url.Values{"csrf_token": {b.csrf()}, "digest": {"hourly"},
		"email": {"amira@example.org"}, "kind_mention": {"1"}}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Saved.") || !strings.Contains(page, `value="hourly" checked`) {
		t.Fatalf("save preferences: %d\n%s", resp.StatusCode, page)
	}
	p, err := ta.store.NoticePrefs(context.Background(), amiraID)
	if err != nil || p.Digest != "hourly" || p.Kinds["task_assigned"] || !p.Kinds["mention"] {
		t.Fatalf("stored preferences: %+v %v", p, err)
	}
}
