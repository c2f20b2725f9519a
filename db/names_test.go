package db

import (
	"context"
	"testing"
)

func mustUser(t *testing.T, s *Store, username, display string) int64 {
	t.Helper()
	u, err := s.CreateUser(context.Background(), User{Username: username, DisplayName: display, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestQueriesNamePeople checks that the queries behind the pages return the names of the people they refer to:
// a task's lock holder and assignee, a history row's user and assignee, a submission's sender (a user or a device
// token), a reviewer and a device token's creator.
func TestQueriesNamePeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t, Options{})
	ana := mustUser(t, s, "ana", "Ana Lima")
	bob := mustUser(t, s, "bob", " ") // a blank display name: people know him by his username
	p, err := s.CreateProject(ctx, Project{Name: "p", Visibility: "public", Status: "draft",
		AOI: `{"type":"MultiPolygon","coordinates":[]}`, LockMinutes: 60, CreatedBy: ana})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceTasks(ctx, p.ID, []NewTask{{Outline: `{"type":"MultiPolygon","coordinates":[]}`}}); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.ChangeTask(ctx, p.ID, 1, ana, func(snap TaskSnapshot) (Task, TaskEvent, error) {
		next := snap.Task
		next.State, next.LockedBy, next.AssignedTo = "locked_for_mapping", ana, bob
		return next, TaskEvent{Action: "assign", FromState: "ready", ToState: "locked_for_mapping",
			TargetUserID: bob}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK_Task", func(t *testing.T) {
		task, err := s.Task(ctx, p.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		assertTaskNames(t, task)
	})
	t.Run("OK_Tasks", func(t *testing.T) {
		tasks, err := s.Tasks(ctx, p.ID, TaskOptions{})
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks %v, %v", tasks, err)
		}
		assertTaskNames(t, tasks[0])
	})
	t.Run("OK_TaskEvents", func(t *testing.T) {
		evs, err := s.TaskEvents(ctx, p.ID, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v, %v", evs, err)
		}
		e := evs[0]
		if e.Username != "ana" || e.DisplayName != "Ana Lima" || e.TargetUsername != "bob" || e.TargetDisplayName != " " {
			t.Errorf("event names %q %q -> %q %q", e.Username, e.DisplayName, e.TargetUsername, e.TargetDisplayName)
		}
	})
	form := mustForm(t, s, p.ID)
	tok, err := s.CreateCollectToken(ctx, CollectToken{ProjectID: p.ID, Name: "Team A phone 3", TokenHash: "h",
		Nonce: "n", CreatedBy: bob})
	if err != nil {
		t.Fatal(err)
	}
	sub := Submission{ProjectID: p.ID, FormRow: form.ID, FormID: "f", XML: []byte("<d/>"), XMLSHA256: "a"}
	byAna, byPhone := sub, sub
	byAna.InstanceID, byAna.SubmitterID = "uuid:ana", ana
	byPhone.InstanceID, byPhone.CollectTokenID = "uuid:phone", tok.ID
	var phoneID int64
	for _, in := range []Submission{byAna, byPhone} {
		res, err := s.SaveSubmission(ctx, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		phoneID = res.Submission.ID
	}
	t.Run("OK_Submissions", func(t *testing.T) {
		list, _, err := s.Submissions(ctx, SubmissionFilter{ProjectID: p.ID})
		if err != nil || len(list) != 2 {
			t.Fatalf("submissions %v, %v", list, err)
		}
		if list[0].SubmittedBy != "Ana Lima" || list[1].SubmittedBy != "Team A phone 3" {
			t.Errorf("submitted by %q and %q", list[0].SubmittedBy, list[1].SubmittedBy)
		}
	})
	t.Run("OK_ReviewAndReviewer", func(t *testing.T) {
		got, err := s.ReviewSubmission(ctx, p.ID, phoneID, bob, "approved", "")
		if err != nil || got.SubmittedBy != "Team A phone 3" {
			t.Fatalf("reviewed %+v, %v", got, err)
		}
		reviews, err := s.Reviews(ctx, phoneID)
		if err != nil || len(reviews) != 1 || reviews[0].ReviewerName != "bob" {
			t.Fatalf("reviews %+v, %v", reviews, err)
		}
	})
	t.Run("OK_CollectTokenCreator", func(t *testing.T) {
		toks, err := s.CollectTokens(ctx, p.ID)
		if err != nil || len(toks) != 1 || toks[0].CreatedByName != "bob" || toks[0].Name != "Team A phone 3" {
			t.Fatalf("tokens %+v, %v", toks, err)
		}
	})
}

func assertTaskNames(t *testing.T, task Task) {
	t.Helper()
	if task.LockedByName != "ana" || task.LockedByDisplayName != "Ana Lima" || task.AssignedToName != "bob" {
		t.Errorf("lock holder %q (%q), assignee %q", task.LockedByName, task.LockedByDisplayName, task.AssignedToName)
	}
}
