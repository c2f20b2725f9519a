package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/go-ozzo/ozzo-validation/v4/is"

	"fieldbase/app/i18n"
	"fieldbase/app/notify"
	"fieldbase/db"
)

// NotificationBody is a notification as the API shows it.
type NotificationBody struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind" enum:"task_assigned,task_validated,task_invalidated,mention,submission_has_issues,backup_failed"`
	Text         string     `json:"text" doc:"The sentence shown to the person"`
	Comment      string     `json:"comment,omitempty" doc:"The comment that came with the event"`
	Link         string     `json:"link,omitempty" doc:"The path of the page it points to"`
	ProjectID    int64      `json:"project_id,omitempty"`
	TaskIndex    int        `json:"task_index,omitempty"`
	SubmissionID int64      `json:"submission_id,omitempty"`
	Actor        string     `json:"actor,omitempty" doc:"Who caused it (display name or username)"`
	Params       any        `json:"params" doc:"The event's own words (comment, error)"`
	CreatedAt    time.Time  `json:"created_at"`
	ReadAt       *time.Time `json:"read_at,omitempty"`
}

func notificationBody(tr notify.Tr, n db.Notification) NotificationBody {
	b := NotificationBody{ID: n.ID, Kind: n.Kind, Text: notify.Text(tr, n), Comment: notify.Comment(n), Link: notify.Link(n),
		ProjectID: n.ProjectID, TaskIndex: n.TaskIndex, SubmissionID: n.SubmissionID, Actor: n.ActorName,
		Params: n.Params, CreatedAt: n.CreatedAt.UTC()}
	if b.Params == nil {
		b.Params = map[string]string{}
	}
	if !n.ReadAt.IsZero() {
		r := n.ReadAt.UTC()
		b.ReadAt = &r
	}
	return b
}

// NotificationListInput pages through the caller's notifications.
type NotificationListInput struct {
	Page
	Unread bool `query:"unread" doc:"Only the unread ones"`
}

// NotificationListOutput is a page of notifications, newest first.
type NotificationListOutput struct {
	Body struct {
		Items   []NotificationBody `json:"items"`
		Total   int                `json:"total"`
		Unread  int                `json:"unread" doc:"All unread notifications of the caller"`
		Page    int                `json:"page"`
		PerPage int                `json:"per_page"`
	}
}

// MarkReadBody names the notifications to mark read: some ids, or all.
type MarkReadBody struct {
	IDs []int64 `json:"ids,omitempty" maxItems:"500" doc:"Notification ids (others' ids are ignored)"`
	All bool    `json:"all,omitempty" doc:"Mark every notification read"`
}

// Validate asks for ids or all.
func (b *MarkReadBody) Validate() error {
	return validation.Errors{"ids": validation.Validate(b.IDs, validation.When(!b.All,
		validation.Required.Error("give ids, or all: true")))}.Filter()
}

// MarkReadOutput says how many notifications changed and how many stay unread.
type MarkReadOutput struct {
	Body struct {
		Marked int `json:"marked"`
		Unread int `json:"unread"`
	}
}

// NoticePrefsBody is a person's notification choices.
type NoticePrefsBody struct {
	Kinds map[string]bool `json:"kinds" doc:"Each kind on or off (all on unless turned off)"`
	// Digest is how often unread notifications are e-mailed.
	Digest       string     `json:"digest" enum:"never,hourly,daily" doc:"E-mail digest of unread notifications"`
	Email        string     `json:"email" maxLength:"254" doc:"Where digests go"`
	EmailEnabled bool       `json:"email_enabled" readOnly:"true" doc:"Whether this server can send e-mail"`
	LastDigestAt *time.Time `json:"last_digest_at,omitempty" readOnly:"true"`
}

// NoticePrefsPatch changes some choices; absent fields stay as they are.
type NoticePrefsPatch struct {
	Kinds  map[string]bool `json:"kinds,omitempty" doc:"Kinds to turn on or off"`
	Digest string          `json:"digest,omitempty" enum:"never,hourly,daily,"`
	Email  *string         `json:"email,omitempty" maxLength:"254"`
}

// Validate checks the kinds and the digest choice; a digest needs an e-mail address.
func (b *NoticePrefsPatch) Validate(current string) error {
	if b.Email != nil {
		*b.Email = strings.TrimSpace(*b.Email)
		current = *b.Email
	}
	errs := validation.Errors{
		"digest": validation.Validate(b.Digest, validation.In(db.DigestNever, db.DigestHourly, db.DigestDaily).
			ErrorObject(coded("validation_digest", "must be never, hourly or daily"))),
		"email": validation.Validate(b.Email, is.EmailFormat, validation.RuneLength(0, 254)),
	}
	for k := range b.Kinds {
		if !slices.Contains(db.NoticeKinds(), k) {
			errs["kinds."+k] = coded("validation_unknown_kind", "is not a notification kind")
		}
	}
	if errs["email"] == nil && b.Digest != "" && b.Digest != db.DigestNever && current == "" {
		errs["email"] = coded("validation_email_needed", "is needed for an e-mail digest")
	}
	return errs.Filter()
}

// NoticePrefsOutput wraps NoticePrefsBody.
type NoticePrefsOutput struct{ Body NoticePrefsBody }

var (
	listNotificationsOp = huma.Operation{OperationID: "list-notifications", Tags: []string{"Notifications"},
		Summary: "The caller's notifications, newest first"}
	markNotificationsReadOp = huma.Operation{OperationID: "mark-notifications-read", Tags: []string{"Notifications"},
		Summary: "Mark some or all of the caller's notifications read"}
	getNoticePrefsOp = huma.Operation{OperationID: "get-notification-preferences", Tags: []string{"Notifications"},
		Summary: "The caller's notification preferences and e-mail digest choice"}
	putNoticePrefsOp = huma.Operation{OperationID: "put-notification-preferences", Tags: []string{"Notifications"},
		Summary: "Change the caller's notification preferences, digest choice or e-mail address"}
)

func (a *App) apiListNotifications(ctx context.Context, in *NotificationListInput) (*NotificationListOutput, error) {
	uid := principal(ctx).UserID
	limit, offset := in.limitOffset()
	items, total, err := a.store.Notifications(ctx, uid, in.Unread, limit, offset)
	if err != nil {
		return nil, err
	}
	out := &NotificationListOutput{}
	out.Body.Items, out.Body.Total, out.Body.Page, out.Body.PerPage = []NotificationBody{}, total, in.Page.Page,
		in.PerPage
	// The sentences are in the caller's saved language, else English (an API call has no page language).
	tr := loc{cat: a.cat, lang: i18n.Source}
	if l := principal(ctx).Language; a.cat.Has(l) {
		tr.lang = l
	}
	for _, n := range items {
		out.Body.Items = append(out.Body.Items, notificationBody(tr, n))
	}
	if out.Body.Unread, err = a.store.UnreadCount(ctx, uid); err != nil {
		return nil, err
	}
	return out, nil
}

func (a *App) apiMarkNotificationsRead(ctx context.Context, in *struct{ Body MarkReadBody }) (*MarkReadOutput,
	error) {
	if err := in.Body.Validate(); err != nil {
		return nil, err
	}
	uid := principal(ctx).UserID
	n, err := a.store.MarkRead(ctx, uid, in.Body.IDs, in.Body.All)
	if err != nil {
		return nil, err
	}
	out := &MarkReadOutput{}
	out.Body.Marked = n
	out.Body.Unread, err = a.store.UnreadCount(ctx, uid)
	return out, err
}

func (a *App) apiGetNoticePrefs(ctx context.Context, _ *struct{}) (*NoticePrefsOutput, error) {
	b, err := a.noticePrefs(ctx, principal(ctx).UserID)
	if err != nil {
		return nil, err
	}
	return &NoticePrefsOutput{Body: b}, nil
}

func (a *App) apiPutNoticePrefs(ctx context.Context, in *struct{ Body NoticePrefsPatch }) (*NoticePrefsOutput,
	error) {
	uid := principal(ctx).UserID
	if err := a.saveNoticePrefs(ctx, uid, in.Body); err != nil {
		return nil, err
	}
	return a.apiGetNoticePrefs(ctx, nil)
}

// noticePrefs reads a person's choices with their e-mail address.
func (a *App) noticePrefs(ctx context.Context, uid int64) (NoticePrefsBody, error) {
	p, err := a.store.NoticePrefs(ctx, uid)
	if err != nil {
		return NoticePrefsBody{}, err
	}
	u, err := a.store.User(ctx, uid)
	if err != nil {
		return NoticePrefsBody{}, err
	}
	b := NoticePrefsBody{Kinds: p.Kinds, Digest: p.Digest, Email: u.Email, EmailEnabled: a.cfg.SMTP.Enabled()}
	if !p.LastDigestAt.IsZero() {
		t := p.LastDigestAt.UTC()
		b.LastDigestAt = &t
	}
	return b, nil
}

// saveNoticePrefs validates and stores a change of choices (and of the e-mail address, when given).
func (a *App) saveNoticePrefs(ctx context.Context, uid int64, b NoticePrefsPatch) error {
	u, err := a.store.User(ctx, uid)
	if err != nil {
		return err
	}
	if err := b.Validate(u.Email); err != nil {
		return err
	}
	if b.Email != nil && *b.Email != u.Email {
		if _, err := a.store.UpdateUser(ctx, uid, db.UserPatch{Email: b.Email}); err != nil {
			return err
		}
	}
	return a.store.SaveNoticePrefs(ctx, uid, b.Kinds, b.Digest)
}
