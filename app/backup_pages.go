package app

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/backup"
	"fieldbase/app/jobs"
)

// backupsPage is the administrators' backups page.
type backupsPage struct {
	Backups  []backupRow
	Running  *backupProgress
	Failure  *backupFailureView
	Dir      string
	Schedule string
	Notice   string
	// ListError says the archives could not be listed.
	ListError string
}

type backupRow struct {
	Name, Size, Age, Taken, Kind, Version string
	DownloadURL, DeleteURL                string
}

type backupProgress struct {
	Percent int
	Message string
}

type backupFailureView struct {
	Age, Error string
}

func (a *App) showBackupsPage(c *fiber.Ctx) error {
	data, err := a.backupsPageData(c)
	if err != nil {
		return err
	}
	l := a.tr(c)
	switch c.Query("done") {
	case "deleted":
		data.Notice = l.T("backups.flash.deleted")
	case "backup":
		data.Notice = l.T("backups.flash.finished")
	}
	return a.page(c, fiber.StatusOK, "backups", l.T("nav.backups"), data)
}

func (a *App) backupsPageData(c *fiber.Ctx) (backupsPage, error) {
	ctx := c.UserContext()
	now := time.Now()
	l := a.tr(c)
	p := backupsPage{Dir: a.jobs.BackupsDir(), Schedule: scheduleWords(l, a.cfg.Backups.Interval, a.cfg.Backups.Keep)}
	list, err := backup.List(p.Dir)
	if err != nil {
		// The page still shows what went wrong with the last backup, which is usually the same cause.
		a.log.WarnContext(ctx, "backups not listed", "dir", p.Dir, "err", err)
		p.ListError = l.T("backups.list_error")
	}
	for _, b := range list {
		kind := l.T("backups.kind.manual")
		if b.Scheduled {
			kind = l.T("backups.kind.scheduled")
		}
		p.Backups = append(p.Backups, backupRow{Name: b.Name, Size: l.Size(b.Size), Age: l.Ago(now, b.CreatedAt),
			Taken: b.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Kind: kind, Version: b.AppVersion,
			DownloadURL: apiPrefix + "/backups/" + url.PathEscape(b.Name),
			DeleteURL:   "/backups/" + url.PathEscape(b.Name) + "/delete"})
	}
	st, err := a.jobs.Backups(ctx)
	if err != nil {
		return p, err
	}
	if st.Running != nil {
		p.Running = progressOf(l, *st.Running)
	}
	if f := st.Failed; f != nil {
		at := f.CreatedAt
		if f.FinishedAt != nil {
			at = *f.FinishedAt
		}
		p.Failure = &backupFailureView{Age: l.Ago(now, at), Error: f.Error}
	}
	return p, nil
}

func progressOf(l loc, st jobs.Status) *backupProgress {
	msg := jobWords(l, st.Message, st.Words)
	if msg == "" {
		msg = l.T("backups.waiting")
	}
	return &backupProgress{Percent: st.Percent, Message: msg}
}

// startBackupForm starts a backup ("Back up now") and shows its progress bar, which follows it.
func (a *App) startBackupForm(c *fiber.Ctx) error {
	out, err := a.apiCreateBackup(c.UserContext(), nil)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect("/backups", fiber.StatusSeeOther)
	}
	st, err := a.jobs.Status(c.UserContext(), out.Body.ID)
	if err != nil {
		return err
	}
	return a.backupProgressFragment(c, progressOf(a.tr(c), st))
}

// backupProgressPartial is polled by the progress bar; once no backup runs it asks the page to reload, which
// then lists the new archive (or shows the failure).
func (a *App) backupProgressPartial(c *fiber.Ctx) error {
	st, err := a.jobs.Backups(c.UserContext())
	if err != nil {
		return err
	}
	if st.Running == nil {
		c.Set("HX-Redirect", "/backups?done=backup")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return a.backupProgressFragment(c, progressOf(a.tr(c), *st.Running))
}

func (a *App) backupProgressFragment(c *fiber.Ctx, p *backupProgress) error {
	body, err := a.execute(c, "backups", "backup_progress", p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

func (a *App) deleteBackupForm(c *fiber.Ctx) error {
	if err := backup.Remove(a.jobs.BackupsDir(), pathParam(c, "name")); err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", "/backups?done=deleted")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/backups?done=deleted", fiber.StatusSeeOther)
}

// scheduleWords describes the backup schedule.
func scheduleWords(l loc, every time.Duration, keep int) string {
	if every <= 0 {
		return l.T("backups.schedule.off")
	}
	var when string
	switch {
	case every == 24*time.Hour:
		when = l.T("backups.schedule.daily")
	case every == time.Hour:
		when = l.T("backups.schedule.hourly")
	case every%(24*time.Hour) == 0:
		when = l.N("backups.schedule.days", int(every/(24*time.Hour)))
	case every%time.Hour == 0:
		when = l.N("backups.schedule.hours", int(every/time.Hour))
	default:
		when = l.T("backups.schedule.every", "Interval", every.String())
	}
	kept := l.T("backups.schedule.keep_all")
	if keep > 0 {
		kept = l.N("backups.schedule.keep", keep)
	}
	return when + " " + kept + " " + l.T("backups.schedule.manual")
}
