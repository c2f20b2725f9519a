package app

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"fieldbase/app/jobs"
	"fieldbase/app/live"
	"fieldbase/app/tasking"
)

// TestJobAccess: a job is readable by whoever may read what it works on, and anyone else gets the 404 of a job
// that does not exist (job ids are sequential: they must reveal nothing of a private project).
func TestJobAccess(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	_, admin := ta.newUser(t, "root", true)
	_, owner := ta.newUser(t, "owner", false)
	_, outsider := ta.newUser(t, "outsider", false)
	validatorID, validator := ta.newUser(t, "vera", false)
	mapperID, mapper := ta.newUser(t, "mapper", false)

	private := ta.newProject(t, owner, `,"visibility":"private"`)
	public := ta.newProject(t, owner, "")
	ta.markPublished(t, public)
	for _, m := range []struct {
		user int64
		role string
	}{{validatorID, "validator"}, {mapperID, "mapper"}} {
		ta.run(t, []scenario{{name: "Member", method: http.MethodPut,
			url:  fmt.Sprintf("/api/v1/projects/%d/members/%d", private, m.user),
			body: `{"role":"` + m.role + `"}`, headers: bearer(owner), wantStatus: http.StatusOK}})
	}
	insert := func(args interface{ Kind() string }) int64 { // queued, never run: the workers are not started
		t.Helper()
		id, err := ta.jobs.Insert(ctx, args)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	privateSplit := insert(jobs.SplitArgs{SplitParams: tasking.SplitParams{ProjectID: private, Method: "count", Tasks: 2}})
	publicSplit := insert(jobs.SplitArgs{SplitParams: tasking.SplitParams{ProjectID: public, Method: "count", Tasks: 2}})
	privateExport := insert(jobs.ExportArgs{ExportID: 1, ProjectID: private})
	publicExport := insert(jobs.ExportArgs{ExportID: 2, ProjectID: public})
	server := insert(jobs.MaintenanceArgs{})

	url := func(id int64) string { return fmt.Sprintf("/api/v1/jobs/%d", id) }
	noJob := []string{`"status":404`, "no such job"}
	ta.run(t, []scenario{
		{name: "Unauthenticated", method: http.MethodGet, url: url(publicSplit), wantStatus: http.StatusUnauthorized},
		{name: "OK_OwnerReadsPrivateSplit", method: http.MethodGet, url: url(privateSplit), headers: bearer(owner),
			wantStatus: http.StatusOK, wantContain: []string{`"kind":"split_project"`}},
		{name: "OK_MemberReadsPrivateSplit", method: http.MethodGet, url: url(privateSplit), headers: bearer(mapper),
			wantStatus: http.StatusOK},
		{name: "Hidden_OutsiderPrivateSplit", method: http.MethodGet, url: url(privateSplit),
			headers: bearer(outsider), wantStatus: http.StatusNotFound, wantContain: noJob,
			wantAbsent: []string{"split_project", "project_id"}},
		{name: "OK_OutsiderPublicSplit", method: http.MethodGet, url: url(publicSplit), headers: bearer(outsider),
			wantStatus: http.StatusOK},
		{name: "Hidden_OutsiderPrivateExport", method: http.MethodGet, url: url(privateExport),
			headers: bearer(outsider), wantStatus: http.StatusNotFound, wantContain: noJob},
		{name: "Hidden_MapperExport", method: http.MethodGet, url: url(privateExport), headers: bearer(mapper),
			wantStatus: http.StatusNotFound, wantContain: noJob},
		{name: "Hidden_OutsiderPublicExport", method: http.MethodGet, url: url(publicExport),
			headers: bearer(outsider), wantStatus: http.StatusNotFound, wantContain: noJob},
		{name: "OK_ValidatorExport", method: http.MethodGet, url: url(privateExport), headers: bearer(validator),
			wantStatus: http.StatusOK, wantContain: []string{`"kind":"export_submissions"`}},
		{name: "Hidden_UserServerJob", method: http.MethodGet, url: url(server), headers: bearer(owner),
			wantStatus: http.StatusNotFound, wantContain: noJob},
		{name: "OK_AdminServerJob", method: http.MethodGet, url: url(server), headers: bearer(admin),
			wantStatus: http.StatusOK, wantContain: []string{`"kind":"db_maintenance"`}},
		{name: "OK_AdminPrivateExport", method: http.MethodGet, url: url(privateExport), headers: bearer(admin),
			wantStatus: http.StatusOK},
		{name: "NotFound_NoSuchJob", method: http.MethodGet, url: url(server + 1000), headers: bearer(admin),
			wantStatus: http.StatusNotFound, wantContain: noJob},
		{name: "Invalid_NotAnID", method: http.MethodGet, url: "/api/v1/jobs/abc", headers: bearer(admin),
			wantStatus: http.StatusUnprocessableEntity},
	})
}

// TestJobEventsPublishedByTheJob: a job of a project publishes its progress and its end on the project's stream
// itself, whoever queued it (here: queued directly, as a scheduled or retried job would be), with no watcher
// polling its row.
func TestJobEventsPublishedByTheJob(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	_, owner := ta.newUser(t, "owner", false)
	id := ta.newProject(t, owner, "")
	sub, _, _ := ta.events.Subscribe(id, 0)
	defer ta.events.Unsubscribe(sub)
	jobID, err := ta.jobs.Insert(context.Background(),
		jobs.SplitArgs{SplitParams: tasking.SplitParams{ProjectID: id, Method: "count", Tasks: 3}})
	if err != nil {
		t.Fatal(err)
	}
	ta.startJobs(t)
	progress := 0
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-sub.C():
			if ev.Kind != live.KindJob {
				continue
			}
			var n jobs.JobNotice
			decode(t, string(ev.Data), &n)
			if n.JobID != jobID || n.ProjectID != id || n.Kind != "split_project" {
				t.Fatalf("job event %s", ev.Data)
			}
			switch n.State {
			case "running":
				progress++
			case "completed":
				if progress == 0 || n.Percent != 100 || n.Message != "3 tasks" {
					t.Fatalf("completed after %d progress events: %s", progress, ev.Data)
				}
				return
			default:
				t.Fatalf("job ended %s", ev.Data)
			}
		case <-deadline:
			t.Fatalf("no completed job event (%d progress events)", progress)
		}
	}
}
