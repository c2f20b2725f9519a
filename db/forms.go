package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Form is one version of an XForm uploaded to a project.
type Form struct {
	ID        int64 // row id: identifies this version
	ProjectID int64
	FormID    string
	Version   string
	Title     string
	XML       []byte
	MD5       string // hex MD5 of XML
	Current   bool   // the version served to phones
	CreatedBy int64
	CreatedAt time.Time
}

const formColumns = "id, project_id, form_id, version, title, xml, md5, current, coalesce(created_by, 0), created_at"

func scanForm(row scanner) (Form, error) {
	var f Form
	var created string
	err := row.Scan(&f.ID, &f.ProjectID, &f.FormID, &f.Version, &f.Title, &f.XML, &f.MD5, &f.Current, &f.CreatedBy,
		&created)
	if err != nil {
		return Form{}, mapErr(err)
	}
	f.CreatedAt = parseTime(created)
	return f, nil
}

// CreateForm stores a form version and makes it the one served for its form id. Uploading the same bytes for an
// existing version returns that version unchanged; different bytes under an existing version are ErrConflict
// (ODK tools expect a new version for a changed form).
func (s *Store) CreateForm(ctx context.Context, f Form) (Form, error) {
	var out Form
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := scanForm(tx.QueryRowContext(ctx, "SELECT "+formColumns+
			" FROM forms WHERE project_id = ? AND form_id = ? AND version = ?", f.ProjectID, f.FormID, f.Version))
		switch {
		case err == nil && old.MD5 == f.MD5:
			out = old
			return nil
		case err == nil:
			return fmt.Errorf("form %s version %q exists with other content: %w", f.FormID, f.Version, ErrConflict)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE forms SET current = 0 WHERE project_id = ? AND form_id = ?",
			f.ProjectID, f.FormID); err != nil {
			return err
		}
		t := now()
		res, err := tx.ExecContext(ctx, `INSERT INTO forms (project_id, form_id, version, title, xml, md5, current,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, f.ProjectID, f.FormID, f.Version, f.Title,
			f.XML, f.MD5, nullID(f.CreatedBy), t)
		if err != nil {
			return err
		}
		f.ID, _ = res.LastInsertId()
		f.Current, f.CreatedAt = true, parseTime(t)
		out = f
		return nil
	})
	return out, err
}

// Forms returns the current version of every form of a project, by form id.
func (s *Store) Forms(ctx context.Context, projectID int64) ([]Form, error) {
	return queryAll(ctx, s.read, scanForm, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND current = 1 ORDER BY form_id", projectID)
}

// CurrentForm returns the version of a form served to phones, or ErrNotFound.
func (s *Store) CurrentForm(ctx context.Context, projectID int64, formID string) (Form, error) {
	return scanForm(s.read.QueryRowContext(ctx, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND form_id = ? AND current = 1", projectID, formID))
}

// FormVersion returns one version of a form, or ErrNotFound.
func (s *Store) FormVersion(ctx context.Context, projectID int64, formID, version string) (Form, error) {
	return scanForm(s.read.QueryRowContext(ctx, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND form_id = ? AND version = ?", projectID, formID, version))
}

// FormByRow returns a form version by its row id, or ErrNotFound.
func (s *Store) FormByRow(ctx context.Context, id int64) (Form, error) {
	return scanForm(s.read.QueryRowContext(ctx, "SELECT "+formColumns+" FROM forms WHERE id = ?", id))
}

// FormVersions returns every stored version of a form, newest first (for the forms page); an unknown form gives
// an empty list.
func (s *Store) FormVersions(ctx context.Context, projectID int64, formID string) ([]Form, error) {
	return queryAll(ctx, s.read, scanForm, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND form_id = ? ORDER BY id DESC", projectID, formID)
}

// FormMedia is a media file served with a form (all its versions).
type FormMedia struct {
	ID          int64
	ProjectID   int64
	FormID      string
	Name        string
	FileKey     string
	Size        int64
	MD5         string
	ContentType string
	CreatedAt   time.Time
}

const mediaColumns = "id, project_id, form_id, name, file_key, size, md5, content_type, created_at"

func scanMedia(row scanner) (FormMedia, error) {
	var m FormMedia
	var created string
	if err := row.Scan(&m.ID, &m.ProjectID, &m.FormID, &m.Name, &m.FileKey, &m.Size, &m.MD5, &m.ContentType,
		&created); err != nil {
		return FormMedia{}, mapErr(err)
	}
	m.CreatedAt = parseTime(created)
	return m, nil
}

// PutFormMedia stores (or replaces, by name) a media file of a form that exists. It returns the key of the file
// it replaced, if any, for the caller to remove once the write is durable.
func (s *Store) PutFormMedia(ctx context.Context, m FormMedia) (FormMedia, string, error) {
	var replaced string
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM forms WHERE project_id = ? AND form_id = ?",
			m.ProjectID, m.FormID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("form %s: %w", m.FormID, ErrNotFound)
		}
		err := tx.QueryRowContext(ctx, "SELECT file_key FROM form_media WHERE project_id = ? AND form_id = ? AND name = ?",
			m.ProjectID, m.FormID, m.Name).Scan(&replaced)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		t := now()
		row := tx.QueryRowContext(ctx, `INSERT INTO form_media (project_id, form_id, name, file_key, size, md5,
			content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project_id, form_id, name) DO UPDATE SET file_key = excluded.file_key, size = excluded.size,
			md5 = excluded.md5, content_type = excluded.content_type, created_at = excluded.created_at
			RETURNING `+mediaColumns, m.ProjectID, m.FormID, m.Name, m.FileKey, m.Size, m.MD5, m.ContentType, t)
		var err2 error
		m, err2 = scanMedia(row)
		return err2
	})
	return m, replaced, err
}

// FormMediaList returns the media files of a form, by name.
func (s *Store) FormMediaList(ctx context.Context, projectID int64, formID string) ([]FormMedia, error) {
	return queryAll(ctx, s.read, scanMedia, "SELECT "+mediaColumns+
		" FROM form_media WHERE project_id = ? AND form_id = ? ORDER BY name", projectID, formID)
}

// FormMediaFile returns one media file of a form, or ErrNotFound.
func (s *Store) FormMediaFile(ctx context.Context, projectID int64, formID, name string) (FormMedia, error) {
	return scanMedia(s.read.QueryRowContext(ctx, "SELECT "+mediaColumns+
		" FROM form_media WHERE project_id = ? AND form_id = ? AND name = ?", projectID, formID, name))
}
