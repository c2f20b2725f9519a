// Package notify says what a notification means to a person (its sentence and its link) and sends e-mail
// digests of them over SMTP. The events that cause notifications are decided where they happen (tasking, db);
// the job that sends digests lives in app/jobs. It must not import fiber, huma, River or the app package.
package notify

import (
	"fmt"
	"strconv"
	"strings"

	"fieldbase/db"
)

// KindLabel is how the preferences page names a kind.
func KindLabel(kind string) string {
	switch kind {
	case db.NoticeTaskAssigned:
		return "A task is assigned to me"
	case db.NoticeTaskValidated:
		return "My task is validated"
	case db.NoticeTaskInvalidated:
		return "My task needs more mapping (invalidated)"
	case db.NoticeMention:
		return "Someone mentions me (@username) in a task comment"
	case db.NoticeSubmissionHasIssues:
		return "A submission of mine is marked \"has issues\""
	case db.NoticeBackupFailed:
		return "A backup failed (administrators)"
	}
	return kind
}

// Text is the sentence a notification shows, without the comment (see Comment).
func Text(n db.Notification) string {
	actor := n.ActorName
	if actor == "" {
		actor = "Someone"
	}
	task := "task " + strconv.Itoa(n.TaskIndex)
	if n.ProjectName != "" {
		task += " of " + n.ProjectName
	}
	switch n.Kind {
	case db.NoticeTaskAssigned:
		return fmt.Sprintf("%s assigned %s to you", actor, task)
	case db.NoticeTaskValidated:
		return fmt.Sprintf("%s validated your %s", actor, task)
	case db.NoticeTaskInvalidated:
		return fmt.Sprintf("%s invalidated your %s: it needs more mapping", actor, task)
	case db.NoticeMention:
		return fmt.Sprintf("%s mentioned you on %s", actor, task)
	case db.NoticeSubmissionHasIssues:
		s := fmt.Sprintf("%s marked your submission %d as having issues", actor, n.SubmissionID)
		if n.ProjectName != "" {
			s += " (" + n.ProjectName + ")"
		}
		return s
	case db.NoticeBackupFailed:
		if e := n.Params["error"]; e != "" {
			return "A backup failed: " + e
		}
		return "A backup failed"
	}
	return n.Kind
}

// Comment is the comment that came with the event, if any.
func Comment(n db.Notification) string { return strings.TrimSpace(n.Params["comment"]) }

// Link is the path of the page a notification points to ("" when none): the task, the project, the backups.
func Link(n db.Notification) string {
	switch {
	case n.Kind == db.NoticeBackupFailed:
		return "/backups"
	// A submission's page is for validators; its submitter (usually a mapper) is sent to the task or the project,
	// and the reviewer's comment travels with the notification.
	case n.TaskIndex != 0 && n.ProjectID != 0:
		return fmt.Sprintf("/projects/%d/tasks/%d", n.ProjectID, n.TaskIndex)
	case n.ProjectID != 0:
		return fmt.Sprintf("/projects/%d", n.ProjectID)
	}
	return ""
}
