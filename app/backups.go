package app

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/backup"
	"fieldbase/app/jobs"
)

// BackupBody is a good backup archive in the backups directory.
type BackupBody struct {
	Name          string    `json:"name" doc:"File name, also the path segment of its download and delete routes"`
	Size          int64     `json:"size" doc:"Archive size in bytes"`
	CreatedAt     time.Time `json:"created_at" doc:"When the database snapshot was taken"`
	AppVersion    string    `json:"app_version"`
	SchemaVersion int64     `json:"schema_version" doc:"The database migration version inside"`
	Scheduled     bool      `json:"scheduled" doc:"Taken by the schedule (pruned to [backups] keep) or by hand"`
	Submissions   int64     `json:"submissions"`
	DownloadURL   string    `json:"download_url"`
}

// BackupListOutput is a page of backups, newest first.
type BackupListOutput struct {
	Body ListBody[BackupBody]
}

// BackupNameInput names a backup archive.
type BackupNameInput struct {
	Name string `path:"name" maxLength:"200" doc:"A backup's file name, as listed"`
}

var (
	createBackupOp = huma.Operation{OperationID: "create-backup", Tags: []string{"Backups"},
		DefaultStatus: http.StatusAccepted,
		Summary:       "Start a backup job (follow it at GET /jobs/{id}); while one runs, that one is answered",
		Description: "The archive is a ZIP of a consistent database snapshot (checked with PRAGMA integrity_check), " +
			"every stored file the snapshot names, and manifest.json (versions, time, size and SHA-256 of each entry)."}
	listBackupsOp = huma.Operation{OperationID: "list-backups", Tags: []string{"Backups"},
		Summary: "List the good backup archives, newest first (archives being written are never listed)"}
	deleteBackupOp = huma.Operation{OperationID: "delete-backup", Tags: []string{"Backups"},
		DefaultStatus: http.StatusNoContent, Summary: "Delete a backup archive", Errors: []int{http.StatusNotFound}}
	downloadBackupDoc = huma.Operation{OperationID: "download-backup", Tags: []string{"Backups"},
		Summary: "Download a backup archive (ZIP), with HTTP Range requests",
		Description: "A single byte range (Range: bytes=a-b, a- or -n) is answered 206 with Content-Range, so an " +
			"interrupted download can resume; 404 for a name that is not a listed archive (names with / or .. " +
			"never reach outside the backups directory)."}
)

// apiCreateBackup enqueues a manual backup and answers its job.
func (a *App) apiCreateBackup(ctx context.Context, _ *struct{}) (*JobOutput, error) {
	id, err := a.jobs.Insert(ctx, jobs.BackupArgs{})
	if err != nil {
		return nil, err
	}
	st, err := a.jobs.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	return &JobOutput{Body: jobBody(st)}, nil
}

func (a *App) apiListBackups(_ context.Context, in *struct{ Page }) (*BackupListOutput, error) {
	list, err := backup.List(a.jobs.BackupsDir())
	if err != nil {
		return nil, err
	}
	limit, offset := in.limitOffset()
	out := &BackupListOutput{}
	out.Body.Items = make([]BackupBody, 0, min(limit, len(list)))
	for i := offset; i < len(list) && i < offset+limit; i++ {
		out.Body.Items = append(out.Body.Items, backupBody(list[i]))
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = len(list), in.Page.Page, in.PerPage
	return out, nil
}

func backupBody(b backup.Info) BackupBody {
	return BackupBody{Name: b.Name, Size: b.Size, CreatedAt: b.CreatedAt.UTC(), AppVersion: b.AppVersion,
		SchemaVersion: b.SchemaVersion, Scheduled: b.Scheduled, Submissions: b.Submissions,
		DownloadURL: apiPrefix + "/backups/" + url.PathEscape(b.Name)}
}

func (a *App) apiDeleteBackup(_ context.Context, in *BackupNameInput) (*struct{}, error) {
	return nil, backup.Remove(a.jobs.BackupsDir(), in.Name)
}

// downloadBackup sends an archive, or the byte range asked for.
func (a *App) downloadBackup(c *fiber.Ctx) error {
	f, info, err := backup.Open(a.jobs.BackupsDir(), pathParam(c, "name"))
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"%s-%d"`, info.CreatedAt.UTC().Format("20060102T150405.000"), info.Size)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": info.Name}))
	rng := c.Get(fiber.HeaderRange)
	if ir := c.Get(fiber.HeaderIfRange); ir != "" && ir != etag {
		rng = ""
	}
	start, end, status := byteRange(rng, info.Size)
	switch status {
	case http.StatusRequestedRangeNotSatisfiable:
		_ = f.Close()
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", info.Size))
		return c.SendStatus(status)
	case http.StatusPartialContent:
		c.Status(status)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, info.Size))
	}
	c.Context().SetBodyStream(&sectionFile{SectionReader: io.NewSectionReader(f, start, end-start+1), f: f},
		int(end-start+1))
	return nil
}

// BackupHealth is what the healthcheck tells administrators of the backups.
type BackupHealth struct {
	LastFailure *BackupFailure `json:"last_failure,omitempty" doc:"The last backup that failed, unless a good one followed"`
	Running     bool           `json:"running"`
}

// BackupFailure is a failed backup job.
type BackupFailure struct {
	JobID int64     `json:"job_id"`
	At    time.Time `json:"at"`
	Error string    `json:"error"`
}

// backupHealth reads the backup jobs' state for the healthcheck.
func (a *App) backupHealth(ctx context.Context) (*BackupHealth, error) {
	st, err := a.jobs.Backups(ctx)
	if err != nil {
		return nil, err
	}
	h := &BackupHealth{Running: st.Running != nil}
	if f := st.Failed; f != nil {
		at := f.CreatedAt
		if f.FinishedAt != nil {
			at = *f.FinishedAt
		} else if f.UpdatedAt != nil {
			at = *f.UpdatedAt
		}
		h.LastFailure = &BackupFailure{JobID: f.ID, At: at.UTC(), Error: f.Error}
	}
	return h, nil
}
