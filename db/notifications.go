package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The notification kinds.
const (
	NoticeTaskAssigned        = "task_assigned"
	NoticeTaskValidated       = "task_validated"
	NoticeTaskInvalidated     = "task_invalidated"
	NoticeMention             = "mention"
	NoticeSubmissionHasIssues = "submission_has_issues"
	NoticeBackupFailed        = "backup_failed"
)

// NoticeKinds lists every notification kind, in the order the preferences page shows them.
func NoticeKinds() []string {
	return []string{NoticeTaskAssigned, NoticeTaskValidated, NoticeTaskInvalidated, NoticeMention,
		NoticeSubmissionHasIssues, NoticeBackupFailed}
}

// The digest choices.
const (
	DigestNever  = "never"
	DigestHourly = "hourly"
	DigestDaily  = "daily"
)

// Notice is a notification to create. It reaches UserID, or, when UserID is 0, the member of ProjectID whose
// username is Username (a mention: nobody when no member has that name). Nobody is told of their own act
// (ActorID), a disabled account is not told, and neither is a person who turned the kind off.
type Notice struct {
	UserID       int64
	Username     string
	TeamID       int64 // with UserID 0 and no Username: one notice for each member of the project's team
	Kind         string
	ProjectID    int64
	TaskID       int64
	TaskIndex    int
	SubmissionID int64
	ActorID      int64
	// Params are the event's own words: "comment", "error".
	Params map[string]string
	// DedupKey (optional) makes the notice land once per user however often it is created.
	DedupKey string
}

// Notification is a stored notification with the names it refers to.
type Notification struct {
	ID           int64
	UserID       int64
	Kind         string
	ProjectID    int64
	ProjectName  string
	TaskID       int64
	TaskIndex    int
	SubmissionID int64
	ActorID      int64
	ActorName    string
	Params       map[string]string
	CreatedAt    time.Time
	ReadAt       time.Time // zero: unread
	DigestID     int64
}

// OnNotify sets the function told, after the commit, which users got new notifications (the live bell). It is
// called from the committing goroutine and must not block.
func (s *Store) OnNotify(fn func(userIDs []int64)) { s.notified.Store(&fn) }

// told passes the users who got notifications to the OnNotify function.
func (s *Store) told(users []int64) {
	if fn := s.notified.Load(); fn != nil && len(users) > 0 {
		(*fn)(users)
	}
}

const noticeInsert = `INSERT INTO notifications (user_id, kind, project_id, task_id, task_index, submission_id,
	actor_id, params, dedup_key, created_at)
	SELECT u.id, ?, ?, ?, coalesce(nullif(?, 0), (SELECT idx FROM tasks WHERE id = ?), 0), ?, ?, ?, ?, ? FROM users u WHERE u.id = ? AND u.disabled = 0 AND u.id IS DISTINCT FROM ?
	AND NOT EXISTS (SELECT 1 FROM notification_prefs p WHERE p.user_id = u.id AND p.kind = ? AND p.enabled = 0)
	ON CONFLICT DO NOTHING`

// insertNotices stores notices inside a write transaction and returns the users who got one.
func insertNotices(ctx context.Context, tx *sql.Tx, notices []Notice) ([]int64, error) {
	var users []int64
	at := now()
	for i := 0; i < len(notices); i++ {
		n := notices[i]
		if n.UserID == 0 && n.TeamID != 0 {
			members, err := teamMemberIDs(ctx, tx, n.ProjectID, n.TeamID)
			if err != nil {
				return nil, err
			}
			for _, uid := range members {
				m := n
				m.UserID, m.TeamID = uid, 0
				notices = append(notices, m)
			}
			continue
		}
		uid := n.UserID
		if uid == 0 {
			err := tx.QueryRowContext(ctx, `SELECT u.id FROM users u JOIN project_members m ON m.user_id = u.id
				AND m.project_id = ? WHERE lower(u.username) = lower(?)`, n.ProjectID, n.Username).Scan(&uid)
			if err == sql.ErrNoRows {
				continue
			} else if err != nil {
				return nil, err
			}
		}
		params, err := json.Marshal(n.Params)
		if err != nil || n.Params == nil {
			params = []byte("{}")
		}
		var dedup any
		if n.DedupKey != "" {
			dedup = n.DedupKey
		}
		res, err := tx.ExecContext(ctx, noticeInsert, n.Kind, nullID(n.ProjectID), nullID(n.TaskID), n.TaskIndex, n.TaskID,
			nullID(n.SubmissionID), nullID(n.ActorID), string(params), dedup, at, uid, nullID(n.ActorID), n.Kind)
		if err != nil {
			return nil, fmt.Errorf("notification: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			users = append(users, uid)
		}
	}
	return users, nil
}

// Notify stores notices in one write (see Notice for who is told).
func (s *Store) Notify(ctx context.Context, notices []Notice) error {
	var users []int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		users, err = insertNotices(ctx, tx, notices)
		return err
	})
	if err != nil {
		return err
	}
	s.told(users)
	return nil
}

// NotifyAdmins stores notice n for every administrator (n.UserID is ignored).
func (s *Store) NotifyAdmins(ctx context.Context, n Notice) error {
	admins, err := queryAll(ctx, s.read, func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	}, "SELECT id FROM users WHERE is_admin = 1 AND disabled = 0 ORDER BY id")
	if err != nil {
		return err
	}
	notices := make([]Notice, 0, len(admins))
	for _, id := range admins {
		c := n
		c.UserID = id
		notices = append(notices, c)
	}
	return s.Notify(ctx, notices)
}

const notificationSelect = `SELECT n.id, n.user_id, n.kind, coalesce(n.project_id, 0), coalesce(p.name, ''),
	coalesce(n.task_id, 0), n.task_index, coalesce(n.submission_id, 0), coalesce(n.actor_id, 0), ` +
	"coalesce(nullif(trim(a.display_name), ''), a.username, '')" + `, n.params, n.created_at,
	coalesce(n.read_at, ''), coalesce(n.digest_id, 0) FROM notifications n LEFT JOIN projects p ON p.id = n.project_id
	LEFT JOIN users a ON a.id = n.actor_id`

func scanNotification(row scanner) (Notification, error) {
	var n Notification
	var params, created, read string
	err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.ProjectID, &n.ProjectName, &n.TaskID, &n.TaskIndex,
		&n.SubmissionID, &n.ActorID, &n.ActorName, &params, &created, &read, &n.DigestID)
	if err != nil {
		return n, err
	}
	_ = json.Unmarshal([]byte(params), &n.Params)
	n.CreatedAt = parseTime(created)
	if read != "" {
		n.ReadAt = parseTime(read)
	}
	return n, nil
}

// Notifications lists a user's notifications, newest first, with the total before paging.
func (s *Store) Notifications(ctx context.Context, userID int64, unreadOnly bool, limit, offset int) ([]Notification,
	int, error) {
	where := " WHERE n.user_id = ?"
	if unreadOnly {
		where += " AND n.read_at IS NULL"
	}
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM notifications n"+where, userID).
		Scan(&total); err != nil {
		return nil, 0, err
	}
	items, err := queryAll(ctx, s.read, scanNotification, notificationSelect+where+
		" ORDER BY n.id DESC LIMIT ? OFFSET ?", userID, limit, offset)
	return items, total, err
}

// Notification returns one of a user's notifications, or ErrNotFound (also for another user's).
func (s *Store) Notification(ctx context.Context, userID, id int64) (Notification, error) {
	n, err := scanNotification(s.read.QueryRowContext(ctx, notificationSelect+" WHERE n.user_id = ? AND n.id = ?",
		userID, id))
	if err != nil {
		return n, fmt.Errorf("notification %d: %w", id, mapErr(err))
	}
	return n, nil
}

// UnreadCount counts a user's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
		userID).Scan(&n)
	return n, err
}

// MarkRead marks a user's notifications read: the given ids (others' ids are ignored), or all of them. It returns
// how many changed.
func (s *Store) MarkRead(ctx context.Context, userID int64, ids []int64, all bool) (int, error) {
	var n int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		q := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
		args := []any{now(), userID}
		if !all {
			if len(ids) == 0 {
				return nil
			}
			q += " AND id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
			for _, id := range ids {
				args = append(args, id)
			}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n > 0 {
		s.told([]int64{userID})
	}
	return int(n), err
}

// NoticePrefs are a user's notification choices.
type NoticePrefs struct {
	// Kinds maps every kind to on or off.
	Kinds map[string]bool
	// Digest is never, hourly or daily.
	Digest       string
	LastDigestAt time.Time
}

// NoticePrefs reads a user's choices (every kind on and no digest unless changed).
func (s *Store) NoticePrefs(ctx context.Context, userID int64) (NoticePrefs, error) {
	p := NoticePrefs{Kinds: map[string]bool{}, Digest: DigestNever}
	for _, k := range NoticeKinds() {
		p.Kinds[k] = true
	}
	rows, err := queryAll(ctx, s.read, func(row scanner) ([2]any, error) {
		var kind string
		var on bool
		err := row.Scan(&kind, &on)
		return [2]any{kind, on}, err
	}, "SELECT kind, enabled FROM notification_prefs WHERE user_id = ?", userID)
	if err != nil {
		return p, err
	}
	for _, r := range rows {
		p.Kinds[r[0].(string)] = r[1].(bool)
	}
	var last string
	err = s.read.QueryRowContext(ctx, `SELECT digest, coalesce(last_digest_at, '') FROM notification_settings
		WHERE user_id = ?`, userID).Scan(&p.Digest, &last)
	if err != nil && err != sql.ErrNoRows {
		return p, err
	}
	if last != "" {
		p.LastDigestAt = parseTime(last)
	}
	return p, nil
}

// SaveNoticePrefs stores a user's choices: the kinds given (others keep theirs) and the digest ("" keeps it).
func (s *Store) SaveNoticePrefs(ctx context.Context, userID int64, kinds map[string]bool, digest string) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for k, on := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_prefs (user_id, kind, enabled) VALUES (?, ?, ?)
				ON CONFLICT (user_id, kind) DO UPDATE SET enabled = excluded.enabled`, userID, k, on); err != nil {
				return err
			}
		}
		if digest == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (user_id, digest) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest`, userID, digest)
		return err
	}))
}

// teamMemberIDs are the users in a team of a project, for the notices addressed to the team.
func teamMemberIDs(ctx context.Context, tx *sql.Tx, projectID, teamID int64) ([]int64, error) {
	return queryAll(ctx, tx, func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	}, `SELECT m.user_id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.id = ? AND t.project_id = ?
		ORDER BY m.user_id`, teamID, projectID)
}
