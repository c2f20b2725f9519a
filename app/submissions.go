package app

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/collect"
	"fieldbase/app/openrosa"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// SubmissionBody is a submission as the API shows it.
type SubmissionBody struct {
	ID           int64            `json:"id"`
	FormID       string           `json:"form_id"`
	FormVersion  string           `json:"form_version"`
	InstanceID   string           `json:"instance_id"`
	DeprecatedID string           `json:"deprecated_id,omitempty"`
	SubmitterID  int64            `json:"submitter_id,omitempty"`
	DeviceID     string           `json:"device_id,omitempty"`
	SubmittedBy  string           `json:"submitted_by,omitempty" doc:"Who sent it: a user's display name, or a device token's name"`
	TaskID       int64            `json:"task_id,omitempty"`
	FeatureID    int64            `json:"feature_id,omitempty"`
	Lon          *float64         `json:"lon,omitempty"`
	Lat          *float64         `json:"lat,omitempty"`
	ReviewState  string           `json:"review_state" enum:"received,approved,has_issues,rejected"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Data         map[string]any   `json:"data,omitempty" doc:"The fields parsed from the XML, nested"`
	Attachments  []AttachmentBody `json:"attachments,omitempty"`
	Reviews      []ReviewBody     `json:"reviews,omitempty"`
}

// AttachmentBody is a file stored with a submission.
type AttachmentBody struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// ReviewBody is one change of review state.
type ReviewBody struct {
	UserID     int64     `json:"user_id,omitempty"`
	ReviewedBy string    `json:"reviewed_by,omitempty" doc:"The reviewer's display name, or username"`
	FromState  string    `json:"from_state"`
	ToState    string    `json:"to_state"`
	Comment    string    `json:"comment,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// SubmissionListInput filters and pages a project's submissions.
type SubmissionListInput struct {
	ID          int64     `path:"id"`
	Form        string    `query:"form" maxLength:"255"`
	Task        int64     `query:"task"`
	Submitter   int64     `query:"submitter"`
	ReviewState string    `query:"review_state" enum:"received,approved,has_issues,rejected,"`
	From        time.Time `query:"from" doc:"Received at or after (RFC 3339)"`
	To          time.Time `query:"to" doc:"Received before (RFC 3339)"`
	Page        int       `query:"page" minimum:"1" default:"1"`
	PerPage     int       `query:"per_page" minimum:"1" maximum:"500" default:"50"`
}

// SubmissionPath names one submission of a project.
type SubmissionPath struct {
	ID  int64 `path:"id"`
	SID int64 `path:"sid"`
}

// ReviewInput changes a submission's review state.
type ReviewInput struct {
	SubmissionPath
	Body struct {
		ReviewState string `json:"review_state" enum:"approved,has_issues,rejected"`
		Comment     string `json:"comment,omitempty" maxLength:"2000"`
	}
}

var (
	listSubmissionsOp = huma.Operation{OperationID: "list-submissions", Tags: []string{"Submissions"},
		Summary: "List submissions, filtered by form, task, submitter, review state and date",
		Errors:  []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	getSubmissionOp = huma.Operation{OperationID: "get-submission", Tags: []string{"Submissions"},
		Summary: "Show a submission: metadata, parsed fields, attachments and review history",
		Errors:  []int{http.StatusNotFound}}
	reviewSubmissionOp = huma.Operation{OperationID: "review-submission", Tags: []string{"Submissions"},
		Summary: "Review a submission; approving validates its feature, rejecting marks it bad",
		Errors:  []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	createSubmissionDoc = huma.Operation{OperationID: "create-submission", Tags: []string{"Submissions"},
		Summary: "Send a submission: multipart submission_xml, device_id and attachments (0..n files)",
		Description: "201 with the stored submission, also when the same instanceID and XML were already " +
			"received (missing attachments are added); 409 when that instanceID has different XML; 413 too large."}
	submissionXMLDoc = huma.Operation{OperationID: "get-submission-xml", Tags: []string{"Submissions"},
		Summary: "Download a submission's XML as received"}
	attachmentDoc = huma.Operation{OperationID: "get-submission-attachment", Tags: []string{"Submissions"},
		Summary: "Download an attachment"}
)

func submissionBody(s db.Submission) SubmissionBody {
	return SubmissionBody{ID: s.ID, FormID: s.FormID, InstanceID: s.InstanceID, DeprecatedID: s.DeprecatedID,
		SubmitterID: s.SubmitterID, DeviceID: s.DeviceID, SubmittedBy: s.SubmittedBy, TaskID: s.TaskID,
		FeatureID: s.FeatureID, Lon: s.Lon, Lat: s.Lat, ReviewState: s.ReviewState, CreatedAt: s.CreatedAt.UTC(),
		UpdatedAt: s.UpdatedAt.UTC()}
}

// createSubmission is the REST upload: the same ingest and dedupe as OpenRosa, answered as JSON.
func (a *App) createSubmission(c *fiber.Ctx) error {
	ctx := c.UserContext()
	mr, err := multipartBody(c, a.uploads.maxRequest)
	if err != nil {
		return err
	}
	r, err := a.uploads.readParts(mr, "submission_xml", "device_id", "attachments")
	if err != nil {
		return err
	}
	if len(r.XML) == 0 {
		r.Discard()
		return fieldError("submission_xml", coded("validation_submission_xml_required",
			"the submission XML is required"))
	}
	p := principal(ctx)
	got, err := a.collect.Ingest(ctx, r, db.Submission{ProjectID: projectFrom(ctx).Project.ID,
		SubmitterID: p.UserID}, p.Username)
	var ce *collect.Error
	if errors.As(err, &ce) && errors.Is(ce, collect.ErrMalformed) {
		return &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed", Err: err,
			Fields: map[string]validation.Error{"submission_xml": coded("validation_submission_xml", "{{.detail}}",
				"detail", ce.Message)}}
	}
	if err != nil {
		return err
	}
	body, err := a.submissionDetail(ctx, got.Submission)
	if err != nil {
		return err
	}
	// A new row comes back as written, without the names the queries join.
	body.SubmittedBy = cmp.Or(body.SubmittedBy, tasking.PersonName(p.DisplayName, p.Username))
	return c.Status(http.StatusCreated).JSON(body)
}

func (a *App) apiListSubmissions(ctx context.Context, in *SubmissionListInput) (*struct {
	Body ListBody[SubmissionBody]
}, error) {
	page, per := max(in.Page, 1), min(max(in.PerPage, 1), 500)
	list, total, err := a.store.Submissions(ctx, db.SubmissionFilter{ProjectID: projectFrom(ctx).Project.ID,
		FormID: in.Form, TaskID: in.Task, SubmitterID: in.Submitter, ReviewState: in.ReviewState, From: in.From,
		To: in.To, Limit: per, Offset: (page - 1) * per})
	if err != nil {
		return nil, err
	}
	out := &struct{ Body ListBody[SubmissionBody] }{}
	out.Body = ListBody[SubmissionBody]{Items: make([]SubmissionBody, 0, len(list)), Total: total, Page: page,
		PerPage: per}
	for _, s := range list {
		out.Body.Items = append(out.Body.Items, submissionBody(s))
	}
	return out, nil
}

// ListBody is one page of a list.
type ListBody[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func (a *App) apiGetSubmission(ctx context.Context, in *SubmissionPath) (*struct{ Body SubmissionBody }, error) {
	s, err := a.store.Submission(ctx, projectFrom(ctx).Project.ID, in.SID)
	if err != nil {
		return nil, err
	}
	b, err := a.submissionDetail(ctx, s)
	return &struct{ Body SubmissionBody }{Body: b}, err
}

// submissionDetail adds the parsed fields, the attachments and the review history.
func (a *App) submissionDetail(ctx context.Context, s db.Submission) (SubmissionBody, error) {
	b := submissionBody(s)
	row, err := a.store.FormByRow(ctx, s.FormRow)
	if err != nil {
		return b, err
	}
	b.FormVersion = row.Version
	form, err := a.collect.ParsedForm(row)
	if err != nil {
		return b, err
	}
	if parsed, err := openrosa.ParseSubmission(s.XML); err == nil {
		b.Data = parsed.DataFor(form)
	}
	atts, err := a.store.Attachments(ctx, s.ID)
	if err != nil {
		return b, err
	}
	for _, at := range atts {
		b.Attachments = append(b.Attachments, AttachmentBody{Name: at.Name, Size: at.Size, SHA256: at.SHA256,
			ContentType: at.ContentType})
	}
	reviews, err := a.store.Reviews(ctx, s.ID)
	for _, r := range reviews {
		b.Reviews = append(b.Reviews, ReviewBody{UserID: r.UserID, ReviewedBy: r.ReviewerName, FromState: r.FromState,
			ToState: r.ToState, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC()})
	}
	return b, err
}

func (a *App) apiReviewSubmission(ctx context.Context, in *ReviewInput) (*struct{ Body SubmissionBody }, error) {
	if err := validation.ValidateStruct(&in.Body,
		validation.Field(&in.Body.ReviewState, validation.Required, validation.In("approved", "has_issues", "rejected")),
		validation.Field(&in.Body.Comment, validation.RuneLength(0, 2000))); err != nil {
		return nil, err
	}
	s, err := a.store.ReviewSubmission(ctx, projectFrom(ctx).Project.ID, in.SID, principal(ctx).UserID,
		in.Body.ReviewState, strings.TrimSpace(in.Body.Comment))
	if err != nil {
		return nil, err
	}
	b, err := a.submissionDetail(ctx, s)
	return &struct{ Body SubmissionBody }{Body: b}, err
}

func (a *App) submissionFromPath(c *fiber.Ctx) (db.Submission, error) {
	sid, err := strconv.ParseInt(c.Params("sid"), 10, 64)
	if err != nil {
		return db.Submission{}, errorf(http.StatusNotFound, "no such submission")
	}
	return a.store.Submission(c.UserContext(), projectFrom(c.UserContext()).Project.ID, sid)
}

func (a *App) downloadSubmissionXML(c *fiber.Ctx) error {
	s, err := a.submissionFromPath(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(s.XML)
}

func (a *App) downloadAttachment(c *fiber.Ctx) error {
	s, err := a.submissionFromPath(c)
	if err != nil {
		return err
	}
	atts, err := a.store.Attachments(c.UserContext(), s.ID)
	if err != nil {
		return err
	}
	name := pathParam(c, "name")
	for _, at := range atts {
		if at.Name == name {
			return a.sendFile(c, at.FileKey, at.Name, at.ContentType, at.Size)
		}
	}
	return errorf(http.StatusNotFound, "no such attachment")
}
