package app

import (
	"bufio"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/live"
	"fieldbase/app/notify"
	"fieldbase/db"
)

// notificationsPerPage is the size of a page of the notifications list.
const notificationsPerPage = 20

type notificationsPage struct {
	Items      []NotificationBody
	Total      int
	Unread     int
	UnreadOnly bool
	Prev, Next string
}

func (a *App) showNotificationsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid := principal(ctx).UserID
	page := max(c.QueryInt("page", 1), 1)
	p := notificationsPage{UnreadOnly: c.Query("unread") == "1"}
	items, total, err := a.store.Notifications(ctx, uid, p.UnreadOnly, notificationsPerPage,
		(page-1)*notificationsPerPage)
	if err != nil {
		return err
	}
	p.Total = total
	tr := a.tr(c)
	for _, n := range items {
		p.Items = append(p.Items, notificationBody(tr, n))
	}
	if p.Unread, err = a.store.UnreadCount(ctx, uid); err != nil {
		return err
	}
	link := func(n int) string {
		q := "/notifications?page=" + strconv.Itoa(n)
		if p.UnreadOnly {
			q += "&unread=1"
		}
		return q
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page*notificationsPerPage < total {
		p.Next = link(page + 1)
	}
	return a.page(c, fiber.StatusOK, "notifications", "Notifications", p)
}

// openNotification marks a notification read and goes to the page it points to.
func (a *App) openNotification(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid := principal(ctx).UserID
	id, err := strconv.ParseInt(c.Params("nid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	n, err := a.store.Notification(ctx, uid, id)
	if err != nil {
		return err
	}
	if _, err := a.store.MarkRead(ctx, uid, []int64{id}, false); err != nil {
		return err
	}
	to := notify.Link(n)
	if to == "" {
		to = "/notifications"
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// markNotificationsReadForm marks one notification (nid) or all of them read and goes back to the list.
func (a *App) markNotificationsReadForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid := principal(ctx).UserID
	var ids []int64
	all := c.Params("nid") == ""
	if !all {
		id, err := strconv.ParseInt(c.Params("nid"), 10, 64)
		if err != nil {
			return fiber.ErrNotFound
		}
		ids = []int64{id}
	}
	if _, err := a.store.MarkRead(ctx, uid, ids, all); err != nil {
		return err
	}
	back := "/notifications"
	if c.FormValue("unread") == "1" {
		back += "?unread=1"
	}
	return a.redirect(c, back)
}

type noticePrefsPage struct {
	Prefs  NoticePrefsBody
	Kinds  []noticeKindRow
	Errors map[string]string
	Saved  bool
}

type noticeKindRow struct {
	Kind, Label string
	On          bool
}

// newNoticePrefsPage lists the kinds a person can receive (backup failures reach administrators only).
func newNoticePrefsPage(tr notify.Tr, b NoticePrefsBody, admin bool) noticePrefsPage {
	p := noticePrefsPage{Prefs: b}
	for _, k := range db.NoticeKinds() {
		if k == db.NoticeBackupFailed && !admin {
			continue
		}
		p.Kinds = append(p.Kinds, noticeKindRow{Kind: k, Label: notify.KindLabel(tr, k), On: b.Kinds[k]})
	}
	return p
}

func (a *App) showNoticePrefsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	b, err := a.noticePrefs(ctx, principal(ctx).UserID)
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "notification_prefs", "Notification settings", newNoticePrefsPage(a.tr(c), b, principal(ctx).IsAdmin))
}

func (a *App) saveNoticePrefsForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid := principal(ctx).UserID
	email := c.FormValue("email")
	patch := NoticePrefsPatch{Kinds: map[string]bool{}, Digest: c.FormValue("digest"), Email: &email}
	for _, k := range db.NoticeKinds() {
		if k != db.NoticeBackupFailed || principal(ctx).IsAdmin {
			patch.Kinds[k] = c.FormValue("kind_"+k) == "1"
		}
	}
	if err := a.saveNoticePrefs(ctx, uid, patch); err != nil {
		return a.rerender(c, err, "notification_prefs", "Notification settings", func(errs map[string]string) any {
			p := newNoticePrefsPage(a.tr(c), NoticePrefsBody{Kinds: patch.Kinds, Digest: patch.Digest, Email: email,
				EmailEnabled: a.cfg.SMTP.Enabled()}, principal(ctx).IsAdmin)
			p.Errors = errs
			return p
		})
	}
	b, err := a.noticePrefs(ctx, uid)
	if err != nil {
		return err
	}
	p := newNoticePrefsPage(a.tr(c), b, principal(ctx).IsAdmin)
	p.Saved = true
	return a.page(c, fiber.StatusOK, "notification_prefs", "Notification settings", p)
}

// kindUnread is the event the notifications stream sends: the caller's unread count, as JSON {"unread": n}.
const kindUnread = "unread"

// streamNotifications answers GET /notifications/stream: a Server-Sent Events stream of the caller's unread
// notification count, sent at once and again whenever it changes (a new notification, one marked read), until the
// client leaves or the server stops. Each event carries the whole count, so a client that reconnects needs no
// backlog. It is scoped to the user (not to a project), so the bell works on every page.
func (a *App) streamNotifications(c *fiber.Ctx) error {
	uid := principal(c.UserContext()).UserID
	sub, _, _ := a.userEvents.Subscribe(uid, 0)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	conn, timeout, beat, life := c.Context().Conn(), a.cfg.Server.WriteTimeout, a.userEvents.Heartbeat, a.life
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer a.userEvents.Unsubscribe(sub)
		flush := func() bool {
			_ = conn.SetWriteDeadline(time.Now().Add(timeout))
			return w.Flush() == nil
		}
		send := func() bool {
			n, err := a.store.UnreadCount(life, uid)
			if err != nil {
				return false
			}
			_, _ = fmt.Fprintf(w, "event: %s\ndata: {\"unread\":%d}\n\n", kindUnread, n)
			return flush()
		}
		_, _ = w.WriteString("retry: 5000\n\n")
		if !send() {
			return
		}
		tick := time.NewTicker(beat)
		defer tick.Stop()
		for {
			select {
			case _, ok := <-sub.C():
				if !ok {
					return
				}
				drain(sub)
				if !send() {
					return
				}
			case <-tick.C:
				_, _ = w.WriteString(": heartbeat\n\n")
				if !flush() {
					return
				}
			}
		}
	})
	return nil
}

// drain takes what is queued on a subscription, so that a burst of notifications costs one count.
func drain(sub *live.Subscription) {
	for {
		select {
		case _, ok := <-sub.C():
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// tellUsers wakes the notification streams of users (the store calls it after a commit that notified them).
func (a *App) tellUsers(userIDs []int64) {
	for _, id := range userIDs {
		a.userEvents.Publish(id, kindUnread, []byte("{}"))
	}
}
