package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Submission is one filled-in form instance.
type Submission struct {
	ID             int64
	ProjectID      int64
	FormRow        int64 // the forms row (form version) it was read with
	FormID         string
	InstanceID     string
	DeprecatedID   string
	XML            []byte
	XMLSHA256      string
	SubmitterID    int64 // 0 when sent with a device token
	CollectTokenID int64 // 0 when sent by a signed-in user
	DeviceID       string
	TaskID         int64 // 0 when not linked
	FeatureID      int64 // 0 when not linked
	Lon, Lat       *float64
	ReviewState    string // received, approved, has_issues or rejected
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// SubmittedBy is who sent it as people know them, filled by the queries: the submitter's display name (or
	// username), else the device token's name; "" when neither is known.
	SubmittedBy string
}

// Attachment is a file stored with a submission.
type Attachment struct {
	SubmissionID int64
	Name         string
	FileKey      string
	Size         int64
	SHA256       string
	ContentType  string
	CreatedAt    time.Time
}

var submissionColumns = `s.id, s.project_id, s.form_row, s.form_id, s.instance_id, s.deprecated_id, s.xml,
	s.xml_sha256, coalesce(s.submitter_id, 0), coalesce(s.collect_token_id, 0), s.device_id, coalesce(s.task_id, 0),
	coalesce(s.feature_id, 0), s.lon, s.lat, s.review_state, s.created_at, s.updated_at,
	coalesce((SELECT ` + personName("u") + ` FROM users u WHERE u.id = s.submitter_id),
		(SELECT c.name FROM collect_tokens c WHERE c.id = s.collect_token_id), '')`

func scanSubmission(row scanner) (Submission, error) {
	var s Submission
	var lon, lat sql.NullFloat64
	var created, updated string
	err := row.Scan(&s.ID, &s.ProjectID, &s.FormRow, &s.FormID, &s.InstanceID, &s.DeprecatedID, &s.XML,
		&s.XMLSHA256, &s.SubmitterID, &s.CollectTokenID, &s.DeviceID, &s.TaskID, &s.FeatureID, &lon, &lat,
		&s.ReviewState, &created, &updated, &s.SubmittedBy)
	if err != nil {
		return Submission{}, mapErr(err)
	}
	if lon.Valid && lat.Valid {
		s.Lon, s.Lat = &lon.Float64, &lat.Float64
	}
	s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
	return s, nil
}

// SaveResult tells what SaveSubmission did.
type SaveResult struct {
	Submission Submission
	// Created is false when the instance already existed with identical XML.
	Created bool
	// Added are the attachments stored by this call; Skipped are those the submission already had (their
	// files are the caller's to remove).
	Added, Skipped []Attachment
}

// SaveSubmission stores a submission and its attachments in one write. The same (project, instanceID) with the
// same XML (by SHA-256) adds only the attachments the submission lacks, as ODK Collect does when it splits a
// large submission over several requests; with different XML it is ErrConflict. A new submission linked to a
// feature sets that feature's status to submitted.
func (s *Store) SaveSubmission(ctx context.Context, sub Submission, atts []Attachment) (SaveResult, error) {
	var res SaveResult
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res = SaveResult{}
		created, err := s.insertSubmission(ctx, tx, sub)
		switch {
		case err == nil:
			res.Submission, res.Created = created, true
		case !errors.Is(err, ErrNotFound):
			return err
		default:
			// The instance exists: a retry, the next part of a split submission, or a conflict.
			old, err := scanSubmission(tx.QueryRowContext(ctx, "SELECT "+submissionColumns+
				" FROM submissions s WHERE s.project_id = ? AND s.instance_id = ?", sub.ProjectID, sub.InstanceID))
			if err != nil {
				return err
			}
			if old.XMLSHA256 != sub.XMLSHA256 {
				return fmt.Errorf("instance %s exists with other content: %w", sub.InstanceID, ErrConflict)
			}
			res.Submission = old
		}
		return s.addAttachments(ctx, tx, res.Submission.ID, atts, &res)
	})
	return res, err
}

const (
	submissionInsertQuery = `INSERT INTO submissions (project_id, form_row, form_id, instance_id, deprecated_id, xml,
		xml_sha256, submitter_id, collect_token_id, device_id, task_id, feature_id, lon, lat, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, instance_id) DO NOTHING RETURNING id`
	featureSubmittedQuery = "UPDATE features SET status = 'submitted' WHERE id = ? AND project_id = ?"
	attachmentInsertQuery = `INSERT INTO submission_attachments (submission_id, name, file_key, size, sha256,
		content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id, name) DO NOTHING`
)

// insertSubmission inserts a new submission; ErrNotFound means its instance already exists.
func (s *Store) insertSubmission(ctx context.Context, tx *sql.Tx, sub Submission) (Submission, error) {
	t := now()
	err := s.txQueryRow(ctx, tx, submissionInsertQuery,
		sub.ProjectID, sub.FormRow, sub.FormID, sub.InstanceID, sub.DeprecatedID, sub.XML, sub.XMLSHA256,
		nullID(sub.SubmitterID), nullID(sub.CollectTokenID), sub.DeviceID, nullID(sub.TaskID), nullID(sub.FeatureID),
		sub.Lon, sub.Lat, t, t).Scan(&sub.ID)
	if err != nil {
		return sub, mapErr(err)
	}
	sub.ReviewState, sub.CreatedAt, sub.UpdatedAt = "received", parseTime(t), parseTime(t)
	if sub.FeatureID != 0 {
		_, err = s.txExec(ctx, tx, featureSubmittedQuery, sub.FeatureID, sub.ProjectID)
	}
	return sub, err
}

func (s *Store) addAttachments(ctx context.Context, tx *sql.Tx, subID int64, atts []Attachment,
	res *SaveResult) error {
	t := now()
	for _, a := range atts {
		r, err := s.txExec(ctx, tx, attachmentInsertQuery, subID, a.Name, a.FileKey, a.Size, a.SHA256,
			a.ContentType, t)
		if err != nil {
			return err
		}
		a.SubmissionID, a.CreatedAt = subID, parseTime(t)
		if n, _ := r.RowsAffected(); n == 1 {
			res.Added = append(res.Added, a)
		} else {
			res.Skipped = append(res.Skipped, a)
		}
	}
	return nil
}

// Submission returns a submission of a project, or ErrNotFound.
func (s *Store) Submission(ctx context.Context, projectID, id int64) (Submission, error) {
	return scanSubmission(s.read.QueryRowContext(ctx, "SELECT "+submissionColumns+
		" FROM submissions s WHERE s.project_id = ? AND s.id = ?", projectID, id))
}

// Attachments lists the files of a submission, by name.
func (s *Store) Attachments(ctx context.Context, submissionID int64) ([]Attachment, error) {
	return queryAll(ctx, s.read, func(row scanner) (Attachment, error) {
		var a Attachment
		var created string
		err := row.Scan(&a.SubmissionID, &a.Name, &a.FileKey, &a.Size, &a.SHA256, &a.ContentType, &created)
		a.CreatedAt = parseTime(created)
		return a, err
	}, `SELECT submission_id, name, file_key, size, sha256, content_type, created_at
		FROM submission_attachments WHERE submission_id = ? ORDER BY name`, submissionID)
}

// FileReferenced reports whether a stored file key is named by an attachment, a form media file, a form's
// original workbook or an export:
// the start-up sweep removes files that none names.
func (s *Store) FileReferenced(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM submission_attachments WHERE file_key = ?1) OR
		EXISTS (SELECT 1 FROM form_media WHERE file_key = ?1) OR
		EXISTS (SELECT 1 FROM forms WHERE source_key = ?1) OR
		EXISTS (SELECT 1 FROM exports WHERE file_key = ?1)`, key).Scan(&n)
	return n == 1, err
}
