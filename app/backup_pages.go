package app

import (
	"fmt"
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
	switch c.Query("done") {
	case "deleted":
		data.Notice = "Backup deleted."
	case "backup":
		data.Notice = "Backup finished."
	}
	return a.page(c, fiber.StatusOK, "backups", "Backups", data)
}

func (a *App) backupsPageData(c *fiber.Ctx) (backupsPage, error) {
	ctx := c.UserContext()
	now := time.Now()
	p := backupsPage{Dir: a.jobs.BackupsDir(), Schedule: scheduleWords(a.cfg.Backups.Interval, a.cfg.Backups.Keep)}
	list, err := backup.List(p.Dir)
	if err != nil {
		// The page still shows what went wrong with the last backup, which is usually the same cause.
		a.log.WarnContext(ctx, "backups not listed", "dir", p.Dir, "err", err)
		p.ListError = "The backups folder cannot be read; see the server log."
	}
	for _, b := range list {
		kind := "By hand"
		if b.Scheduled {
			kind = "Scheduled"
		}
		p.Backups = append(p.Backups, backupRow{Name: b.Name, Size: sizeWords(b.Size), Age: ago(now, b.CreatedAt),
			Taken: b.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Kind: kind, Version: b.AppVersion,
			DownloadURL: apiPrefix + "/backups/" + url.PathEscape(b.Name),
			DeleteURL:   "/backups/" + url.PathEscape(b.Name) + "/delete"})
	}
	st, err := a.jobs.Backups(ctx)
	if err != nil {
		return p, err
	}
	if st.Running != nil {
		p.Running = progressOf(*st.Running)
	}
	if f := st.Failed; f != nil {
		at := f.CreatedAt
		if f.FinishedAt != nil {
			at = *f.FinishedAt
		}
		p.Failure = &backupFailureView{Age: ago(now, at), Error: f.Error}
	}
	return p, nil
}

func progressOf(st jobs.Status) *backupProgress {
	msg := st.Message
	if msg == "" {
		msg = "Waiting to start…"
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
	return a.backupProgressFragment(c, progressOf(st))
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
	return a.backupProgressFragment(c, progressOf(*st.Running))
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

// ago says how long ago t was, the way people say it: "just now", "5 minutes ago", "2 hours ago", "3 days ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s ago", unit)
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/(24*time.Hour)), "day")
	}
}

// sizeWords writes a byte count for people: 532 bytes, 12.3 MB, 1.4 GB.
func sizeWords(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// scheduleWords describes the backup schedule.
func scheduleWords(every time.Duration, keep int) string {
	if every <= 0 {
		return "Scheduled backups are off."
	}
	when := "every " + every.String()
	switch {
	case every == 24*time.Hour:
		when = "every day"
	case every == time.Hour:
		when = "every hour"
	case every%(24*time.Hour) == 0:
		when = fmt.Sprintf("every %d days", every/(24*time.Hour))
	case every%time.Hour == 0:
		when = fmt.Sprintf("every %d hours", every/time.Hour)
	}
	kept := "all of them are kept"
	if keep > 0 {
		kept = fmt.Sprintf("the newest %d are kept", keep)
	}
	return fmt.Sprintf("A backup is taken %s; %s. Backups taken by hand are never deleted automatically.", when, kept)
}
