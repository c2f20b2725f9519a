package tasking

import (
	"regexp"
	"strings"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// mentionRE finds @username in a comment: a username is 3-64 of a-z 0-9 . _ - (auth.UsernameRule), and the @
// must not follow a word character (so an e-mail address is no mention).
var mentionRE = regexp.MustCompile(`(?i)(?:^|[^a-z0-9._@-])@([a-z0-9._-]{3,64})`)

// Mentions returns the usernames mentioned in text (lower-cased, each once, in order of appearance). A trailing
// dot or dash ends the sentence rather than the name.
func Mentions(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		name := strings.ToLower(strings.TrimRight(m[1], ".-"))
		if len(name) >= 3 && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// TaskNotices are the notifications an applied action causes, decided from the task before the action (old) and
// the history row: the assignee hears of an assignment, the mapper of a validation or invalidation (with the
// comment), and each project member mentioned in the comment of a mention. Nobody hears of their own act and a
// person hears of one event once (db.ChangeTask fills the project, task and actor and stores them).
func TaskNotices(old db.Task, actorID int64, ev db.TaskEvent) []db.Notice {
	var out []db.Notice
	told := map[int64]bool{actorID: true}
	add := func(n db.Notice) {
		if n.UserID != 0 && told[n.UserID] {
			return
		}
		told[n.UserID] = true
		out = append(out, n)
	}
	comment := map[string]string{"comment": ev.Comment}
	switch taskflow.Action(ev.Action) {
	case taskflow.ActionAssign:
		if ev.TargetUserID != 0 {
			add(db.Notice{UserID: ev.TargetUserID, Kind: db.NoticeTaskAssigned})
		}
		if ev.TargetTeamID != 0 { // every member of the team, expanded inside the write (the actor is skipped there)
			out = append(out, db.Notice{TeamID: ev.TargetTeamID, Kind: db.NoticeTaskAssigned})
		}
	case taskflow.ActionValidate:
		if old.MappedBy != 0 {
			add(db.Notice{UserID: old.MappedBy, Kind: db.NoticeTaskValidated, Params: comment})
		}
	case taskflow.ActionInvalidate:
		if old.MappedBy != 0 {
			add(db.Notice{UserID: old.MappedBy, Kind: db.NoticeTaskInvalidated, Params: comment})
		}
	}
	for _, name := range Mentions(ev.Comment) {
		// Resolved among the project's members inside the write; db skips the actor and unknown names.
		out = append(out, db.Notice{Username: name, Kind: db.NoticeMention, Params: comment})
	}
	return out
}
