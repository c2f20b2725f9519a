// Package notify says what a notification means to a person (its sentence and its link) and sends e-mail
// digests of them over SMTP. The events that cause notifications are decided where they happen (tasking, db);
// the job that sends digests lives in app/jobs. It must not import fiber, huma, River or the app package.
package notify

import (
	"fmt"
	"strings"

	"fieldbase/app/i18n"
	"fieldbase/db"
)

// Tr gives the words of one language: T is message id filled with name and value pairs, N its plural form for
// n (the app's per-request words and In both are one).
type Tr interface {
	T(id string, kv ...any) string
	N(id string, n int, kv ...any) string
}

// words are the messages of one language of a catalogue.
type words struct {
	cat  *i18n.Catalog
	lang string
}

func (w words) T(id string, kv ...any) string {
	data, _ := i18n.Pairs(kv...)
	return w.cat.T(w.lang, id, data)
}

func (w words) N(id string, n int, kv ...any) string {
	data, _ := i18n.Pairs(kv...)
	return w.cat.N(w.lang, id, n, data)
}

// In is the words of language lang in cat (English when cat has no such language).
func In(cat *i18n.Catalog, lang string) Tr { return words{cat: cat, lang: lang} }

// KindLabel is how the preferences page names a kind.
func KindLabel(tr Tr, kind string) string {
	switch kind {
	case db.NoticeTaskAssigned:
		return tr.T("notifications.kind.task_assigned")
	case db.NoticeTaskValidated:
		return tr.T("notifications.kind.task_validated")
	case db.NoticeTaskInvalidated:
		return tr.T("notifications.kind.task_invalidated")
	case db.NoticeMention:
		return tr.T("notifications.kind.mention")
	case db.NoticeSubmissionHasIssues:
		return tr.T("notifications.kind.submission_has_issues")
	case db.NoticeBackupFailed:
		return tr.T("notifications.kind.backup_failed")
	}
	return kind
}

// Text is the sentence a notification shows, without the comment (see Comment).
func Text(tr Tr, n db.Notification) string {
	actor := n.ActorName
	if actor == "" {
		actor = tr.T("notifications.someone")
	}
	in := n.ProjectName != ""
	kv := []any{"Actor", actor, "Index", n.TaskIndex, "Project", n.ProjectName}
	switch {
	case n.Kind == db.NoticeTaskAssigned && in:
		return tr.T("notifications.text.task_assigned_in", kv...)
	case n.Kind == db.NoticeTaskAssigned:
		return tr.T("notifications.text.task_assigned", kv...)
	case n.Kind == db.NoticeTaskValidated && in:
		return tr.T("notifications.text.task_validated_in", kv...)
	case n.Kind == db.NoticeTaskValidated:
		return tr.T("notifications.text.task_validated", kv...)
	case n.Kind == db.NoticeTaskInvalidated && in:
		return tr.T("notifications.text.task_invalidated_in", kv...)
	case n.Kind == db.NoticeTaskInvalidated:
		return tr.T("notifications.text.task_invalidated", kv...)
	case n.Kind == db.NoticeMention && in:
		return tr.T("notifications.text.mention_in", kv...)
	case n.Kind == db.NoticeMention:
		return tr.T("notifications.text.mention", kv...)
	case n.Kind == db.NoticeSubmissionHasIssues && in:
		return tr.T("notifications.text.submission_has_issues_in", "Actor", actor, "ID", n.SubmissionID,
			"Project", n.ProjectName)
	case n.Kind == db.NoticeSubmissionHasIssues:
		return tr.T("notifications.text.submission_has_issues", "Actor", actor, "ID", n.SubmissionID)
	case n.Kind == db.NoticeBackupFailed:
		if e := n.Params["error"]; e != "" {
			return tr.T("notifications.text.backup_failed_why", "Error", e)
		}
		return tr.T("notifications.text.backup_failed")
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
