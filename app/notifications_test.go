package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fieldbase/app/jobs"
	"fieldbase/db"
)

// notificationsOf lists a user's notifications through the API.
func (ta *testApp) notificationsOf(t *testing.T, token, query string) NotificationListOutput {
	t.Helper()
	resp, body := ta.do(t, jsonReq("GET", "/api/v1/notifications"+query, "", token))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list notifications: %d %s", resp.StatusCode, body)
	}
	var out NotificationListOutput
	decode(t, body, &out.Body)
	return out
}

// kinds is the kinds of a list, newest first.
func kinds(out NotificationListOutput) []string {
	var k []string
	for _, n := range out.Body.Items {
		k = append(k, n.Kind)
	}
	return k
}

// TestNotificationTaskEvents: an assignment tells the assignee, a validation or invalidation tells the mapper
// with the comment, and a mention in a comment tells the project member named, but nobody who is not a member
// nor an unknown name, and nobody hears of their own act.
func TestNotificationTaskEvents(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	mapperID, mapper := ta.newUser(t, "mapper", false)
	validatorID, validator := ta.newUser(t, "validator", false)
	carolID, carol := ta.newUser(t, "carol", false)
	_, dave := ta.newUser(t, "dave", false) // not a member of the project
	id := ta.publishedProject(t, owner, "")
	for uid, role := range map[int64]string{validatorID: "validator", mapperID: "mapper", carolID: "mapper"} {
		if _, err := ta.store.SetMember(context.Background(), id, uid, role); err != nil {
			t.Fatal(err)
		}
	}
	act := func(task int, token, body string) {
		t.Helper()
		resp, got := ta.do(t, jsonReq("POST", fmt.Sprintf("/api/v1/projects/%d/tasks/%d/events", id, task), body, token))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("task %d %s: %d %s", task, body, resp.StatusCode, got)
		}
	}
	for _, task := range []int{1, 2} {
		act(task, mapper, `{"action":"lock_for_mapping"}`)
		act(task, mapper, `{"action":"mark_mapped"}`)
	}
	act(1, validator, `{"action":"lock_for_validation"}`)
	act(1, validator, `{"action":"invalidate","comment":"missing roofs, see @Carol and @dave, ask @nobody or mail x@carol.org"}`)
	act(2, validator, `{"action":"lock_for_validation"}`)
	act(2, validator, `{"action":"validate","comment":"tidy work"}`)
	act(3, owner, fmt.Sprintf(`{"action":"assign","user_id":%d}`, mapperID))
	act(4, owner, fmt.Sprintf(`{"action":"assign","user_id":%d}`, ta.userID(t, "owner"))) // to oneself: no notice
	act(5, validator, `{"action":"comment","comment":"@validator @carol what about the school?"}`)

	got := ta.notificationsOf(t, mapper, "")
	if k := kinds(got); !slices.Equal(k, []string{"task_assigned", "task_validated", "task_invalidated"}) {
		t.Fatalf("mapper's notifications: %v", k)
	}
	inv, val, asg := got.Body.Items[2], got.Body.Items[1], got.Body.Items[0]
	if inv.Comment != "missing roofs, see @Carol and @dave, ask @nobody or mail x@carol.org" || inv.TaskIndex != 1 ||
		inv.Actor != "validator" || inv.Link != fmt.Sprintf("/projects/%d/tasks/1", id) ||
		!strings.Contains(inv.Text, "invalidated your task 1 of Roofs") {
		t.Errorf("invalidation notice: %+v", inv)
	}
	if val.Comment != "tidy work" || val.TaskIndex != 2 || !strings.Contains(val.Text, "validated your task 2") {
		t.Errorf("validation notice: %+v", val)
	}
	if asg.TaskIndex != 3 || asg.Actor != "owner" || !strings.Contains(asg.Text, "owner assigned task 3 of Roofs to you") {
		t.Errorf("assignment notice: %+v", asg)
	}
	if got.Body.Unread != 3 || got.Body.Total != 3 {
		t.Errorf("mapper: unread %d total %d, want 3 and 3", got.Body.Unread, got.Body.Total)
	}
	c := ta.notificationsOf(t, carol, "")
	if k := kinds(c); !slices.Equal(k, []string{"mention", "mention"}) || c.Body.Items[1].TaskIndex != 1 ||
		c.Body.Items[0].TaskIndex != 5 || c.Body.Items[0].Comment != "@validator @carol what about the school?" {
		t.Fatalf("carol (a member, mentioned twice): %+v", c.Body.Items)
	}
	for name, tok := range map[string]string{"dave (not a member)": dave, "validator (own comment)": validator,
		"owner (own assignment)": owner} {
		if n := ta.notificationsOf(t, tok, ""); n.Body.Total != 0 {
			t.Errorf("%s got notifications: %+v", name, n.Body.Items)
		}
	}
}

// userID reads the id of a username.
func (ta *testApp) userID(t *testing.T, username string) int64 {
	t.Helper()
	var id int64
	if err := ta.store.DB().QueryRow("SELECT id FROM users WHERE username = ?", username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestNotifyAssignedForTeams: the function team assignment calls tells every user given of every task given,
// once each, and not the one who assigned.
func TestNotifyAssignedForTeams(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	f := newTeamsFixture(t, ta)
	fmID := ta.userID(t, "fieldlead")
	// The team holds both mappers and the field manager who assigns: the members hear of it, the assigner not.
	body := fmt.Sprintf(`{"name":"North","colour":"#e69f00","members":[%d,%d,%d]}`, f.m1ID, f.m2ID, fmID)
	resp, b := ta.do(t, jsonReq("POST", f.url("/teams"), body, f.fm))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("team: %d %s", resp.StatusCode, b)
	}
	var team TeamBody
	decode(t, b, &team)
	body = fmt.Sprintf(`{"task_indexes":[7,8],"team_id":%d}`, team.ID)
	if resp, b := ta.do(t, jsonReq("POST", f.url("/tasks/assign"), body, f.fm)); resp.StatusCode != http.StatusOK {
		t.Fatalf("assign: %d %s", resp.StatusCode, b)
	}
	for _, tok := range []string{f.m1, f.m2} {
		got := ta.notificationsOf(t, tok, "")
		if got.Body.Total != 2 || got.Body.Items[0].TaskIndex != 8 || got.Body.Items[1].TaskIndex != 7 ||
			got.Body.Items[0].Kind != "task_assigned" || got.Body.Items[0].Actor != "fieldlead" {
			t.Errorf("team member's notices: %+v", got.Body.Items)
		}
	}
	if got := ta.notificationsOf(t, f.fm, ""); got.Body.Total != 0 {
		t.Errorf("the one who assigned is told: %+v", got.Body.Items)
	}
	if got := ta.notificationsOf(t, f.out, ""); got.Body.Total != 0 {
		t.Errorf("someone outside the team is told: %+v", got.Body.Items)
	}
}

// TestNotificationSubmissionHasIssues: marking a submission "has issues" tells its submitter, with the comment,
// once; other review states tell nobody.
func TestNotificationSubmissionHasIssues(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fp := ta.formsProject(t)
	ta.mustUploadForm(t, fp, readFile(t, filepath.Join("testdata", "forms", "linked.xml")))
	url := fmt.Sprintf("/api/v1/projects/%d/submissions", fp.id)
	resp, body := ta.upload(t, url, fp.mapper, part{"submission_xml", "", linkedXML("uuid:n1", "", "", "0.5 0.5 10 5")})
	var sb SubmissionBody
	decode(t, body, &sb)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	review := func(state string) {
		resp, body := ta.do(t, jsonReq("PATCH", fmt.Sprintf("%s/%d", url, sb.ID),
			`{"review_state":"`+state+`","comment":"blurry photo"}`, fp.validator))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("review %s: %d %s", state, resp.StatusCode, body)
		}
	}
	review("approved")
	if got := ta.notificationsOf(t, fp.mapper, ""); got.Body.Total != 0 {
		t.Fatalf("approval notified: %+v", got.Body.Items)
	}
	review("has_issues")
	review("has_issues") // unchanged: no second notice
	got := ta.notificationsOf(t, fp.mapper, "")
	if got.Body.Total != 1 {
		t.Fatalf("submitter's notices: %+v", got.Body.Items)
	}
	n := got.Body.Items[0]
	if n.Kind != "submission_has_issues" || n.Comment != "blurry photo" || n.SubmissionID != sb.ID ||
		n.Link != fmt.Sprintf("/projects/%d", fp.id) || n.Actor != "checker" {
		t.Errorf("notice: %+v", n)
	}
	if got := ta.notificationsOf(t, fp.validator, ""); got.Body.Total != 0 {
		t.Errorf("the reviewer is told: %+v", got.Body.Items)
	}
}

// TestNotificationBackupFailed: a failed backup tells every administrator, once, and nobody else.
func TestNotificationBackupFailed(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.startJobs(t)
	_, root := ta.newUser(t, "root", true)
	_, root2 := ta.newUser(t, "root2", true)
	_, mapper := ta.newUser(t, "mapper", false)
	if err := os.WriteFile(ta.jobs.BackupsDir(), []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := ta.jobs.Insert(context.Background(), jobs.BackupArgs{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		st, err := ta.jobs.Status(context.Background(), id)
		return err == nil && st.State == "cancelled"
	})
	for _, tok := range []string{root, root2} {
		got := ta.notificationsOf(t, tok, "")
		if got.Body.Total != 1 || got.Body.Items[0].Kind != "backup_failed" || got.Body.Items[0].Link != "/backups" ||
			!strings.Contains(got.Body.Items[0].Text, "not a directory") {
			t.Errorf("administrator's notices: %+v", got.Body.Items)
		}
	}
	if got := ta.notificationsOf(t, mapper, ""); got.Body.Total != 0 {
		t.Errorf("a non-administrator is told: %+v", got.Body.Items)
	}
	// The same job telling again (a run interrupted after telling) adds nothing.
	if err := ta.store.NotifyAdmins(context.Background(), db.Notice{Kind: db.NoticeBackupFailed,
		DedupKey: fmt.Sprintf("backup-job-%d", id)}); err != nil {
		t.Fatal(err)
	}
	if got := ta.notificationsOf(t, root, ""); got.Body.Total != 1 {
		t.Errorf("a second notice for the same job: %+v", got.Body.Items)
	}
}
