package db

import (
	"context"
	"database/sql"
	"encoding/json"
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

	// Source is the workbook the version was converted from (an XLSForm), empty for a version uploaded as XML.
	Source FormSource
	// Warnings are what the conversion warned about; NeedsMedia the media files the form names that the
	// workbook could not hold (for the coordinator to upload).
	Warnings   []string
	NeedsMedia []string
}

// FormSource is a stored original file a form version was made from.
type FormSource struct {
	Key  string // storage key; "" when there is none
	Name string // file name as uploaded (sanitised)
	Size int64
}

const formColumns = `id, project_id, form_id, version, title, xml, md5, current, coalesce(created_by, 0), created_at,
	coalesce(source_key, ''), source_name, source_size, warnings, needs_media`

func scanForm(row scanner) (Form, error) {
	var f Form
	var created, warnings, needs string
	err := row.Scan(&f.ID, &f.ProjectID, &f.FormID, &f.Version, &f.Title, &f.XML, &f.MD5, &f.Current, &f.CreatedBy,
		&created, &f.Source.Key, &f.Source.Name, &f.Source.Size, &warnings, &needs)
	if err != nil {
		return Form{}, mapErr(err)
	}
	f.CreatedAt = parseTime(created)
	if err := json.Unmarshal([]byte(warnings), &f.Warnings); err != nil {
		return Form{}, fmt.Errorf("form %d warnings: %w", f.ID, err)
	}
	if err := json.Unmarshal([]byte(needs), &f.NeedsMedia); err != nil {
		return Form{}, fmt.Errorf("form %d needs_media: %w", f.ID, err)
	}
	return f, nil
}

// jsonList is a string list as a JSON array, never null.
func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// CreateForm stores a form version and makes it the one served for its form id. Uploading the same bytes for an
// existing version returns that version unchanged; different bytes under an existing version are ErrConflict
// (ODK tools expect a new version for a changed form).
func (s *Store) CreateForm(ctx context.Context, f Form) (Form, error) {
	out, _, err := s.CreateFormWithMedia(ctx, f, nil)
	return out, err
}

// CreateFormWithMedia is CreateForm that also stores media files of the form (by name, replacing any of the same
// name) in the same transaction: a converted XLSForm's generated files (itemsets.csv) commit with its version or
// not at all. When the version already exists with the same bytes, nothing is written and the stored version is
// returned: the caller then removes the files it wrote for f (Source.Key, the media keys). replaced lists the
// keys of media files that were replaced, for the caller to remove once the write is durable.
func (s *Store) CreateFormWithMedia(ctx context.Context, f Form, media []FormMedia) (out Form, replaced []string,
	err error) {
	err = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		replaced = nil
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
		var sourceKey any
		if f.Source.Key != "" {
			sourceKey = f.Source.Key
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO forms (project_id, form_id, version, title, xml, md5, current,
			created_by, created_at, source_key, source_name, source_size, warnings, needs_media)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.ProjectID, f.FormID, f.Version,
			f.Title, f.XML, f.MD5, nullID(f.CreatedBy), t, sourceKey, f.Source.Name, f.Source.Size,
			jsonList(f.Warnings), jsonList(f.NeedsMedia)).Scan(&f.ID)
		if err != nil {
			return err
		}
		f.Current, f.CreatedAt = true, parseTime(t)
		for _, m := range media {
			m.ProjectID, m.FormID = f.ProjectID, f.FormID
			if _, key, err := putMedia(ctx, tx, m); err != nil {
				return err
			} else if key != "" {
				replaced = append(replaced, key)
			}
		}
		out = f
		return nil
	})
	return out, replaced, err
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
		var err error
		m, replaced, err = putMedia(ctx, tx, m)
		return err
	})
	return m, replaced, err
}

// putMedia upserts a media row by (project, form, name) and returns the key of the file it replaced, if any.
func putMedia(ctx context.Context, tx *sql.Tx, m FormMedia) (FormMedia, string, error) {
	var replaced string
	err := tx.QueryRowContext(ctx, "SELECT file_key FROM form_media WHERE project_id = ? AND form_id = ? AND name = ?",
		m.ProjectID, m.FormID, m.Name).Scan(&replaced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return m, "", err
	}
	t := now()
	row := tx.QueryRowContext(ctx, `INSERT INTO form_media (project_id, form_id, name, file_key, size, md5,
		content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, form_id, name) DO UPDATE SET file_key = excluded.file_key, size = excluded.size,
		md5 = excluded.md5, content_type = excluded.content_type, created_at = excluded.created_at
		RETURNING `+mediaColumns, m.ProjectID, m.FormID, m.Name, m.FileKey, m.Size, m.MD5, m.ContentType, t)
	m, err = scanMedia(row)
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
