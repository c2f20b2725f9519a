package app

import (
	"cmp"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/openrosa"
)

// inlineImages are the attachment types shown in the page itself; anything else (SVG, HTML, video) downloads.
var inlineImages = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// fieldValue is one parsed field of a submission.
type fieldValue struct{ Path, Value string }

// attachmentView is an attachment with how the page shows it.
type attachmentView struct {
	AttachmentBody
	URL   string
	Image bool
}

// reviewView is one review with names a person reads.
type reviewView struct {
	ReviewBody
	By, From, To string
}

// submissionDetailPage is one submission: its fields, photos, review history and the review form.
type submissionDetailPage struct {
	Project     ProjectBody
	Submission  SubmissionBody
	Submitter   string
	Form        string // the form and its version, in words
	Fields      []fieldValue
	Attachments []attachmentView
	StateLabel  string
	Reviews     []reviewView
	ReviewState string
	Comment     string
	Errors      map[string]string
	Saved       string
}

func (a *App) submissionDetailData(c *fiber.Ctx, page submissionDetailPage) (submissionDetailPage, error) {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	s, err := a.submissionFromPath(c)
	if err != nil {
		return page, err
	}
	b, err := a.submissionDetail(ctx, s)
	if err != nil {
		return page, err
	}
	page.Project, page.Submission = projectBody(pa.Project, pa.Role), b
	page.Submitter, page.StateLabel = submitterName(b), reviewLabel(a.tr(c), b.ReviewState)
	page.Form = formName(a.tr(c), "", b.FormID, b.FormVersion)
	for k, v := range openrosa.Flatten(b.Data) {
		page.Fields = append(page.Fields, fieldValue{Path: k, Value: v})
	}
	sort.Slice(page.Fields, func(i, j int) bool { return page.Fields[i].Path < page.Fields[j].Path })
	for _, at := range b.Attachments {
		page.Attachments = append(page.Attachments, attachmentView{AttachmentBody: at,
			URL:   fmt.Sprintf("/projects/%d/submissions/%d/files/%s", pa.Project.ID, b.ID, url.PathEscape(at.Name)),
			Image: contains(inlineImages, mediaType(at.ContentType))})
	}
	page.Reviews = reviewViews(a.tr(c), b.Reviews)
	return page, nil
}

func mediaType(ct string) string {
	t, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return t
}

// reviewViews puts a submission's review history in words.
func reviewViews(l loc, reviews []ReviewBody) []reviewView {
	out := make([]reviewView, 0, len(reviews))
	for _, r := range reviews {
		out = append(out, reviewView{ReviewBody: r, By: cmp.Or(r.ReviewedBy, l.T("task.someone_capital")), From: reviewLabel(l, r.FromState),
			To: reviewLabel(l, r.ToState)})
	}
	return out
}

// showSubmissionPage is the detail view of one submission with the review buttons.
func (a *App) showSubmissionPage(c *fiber.Ctx) error {
	page, err := a.submissionDetailData(c, submissionDetailPage{Saved: c.Query("saved")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "submission", fmt.Sprintf("Submission %d", page.Submission.ID), page)
}

// reviewSubmissionForm changes the review state through the API's handler; a comment is kept on a 422.
func (a *App) reviewSubmissionForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s, err := a.submissionFromPath(c)
	if err != nil {
		return err
	}
	in := &ReviewInput{SubmissionPath: SubmissionPath{ID: s.ProjectID, SID: s.ID}}
	in.Body.ReviewState, in.Body.Comment = c.FormValue("review_state"), c.FormValue("comment")
	if _, err := a.apiReviewSubmission(ctx, in); err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		page, derr := a.submissionDetailData(c, submissionDetailPage{ReviewState: in.Body.ReviewState,
			Comment: in.Body.Comment, Errors: errs})
		if derr != nil {
			return derr
		}
		return a.page(c, status, "submission", fmt.Sprintf("Submission %d", s.ID), page)
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d/submissions/%d?saved=%s", s.ProjectID, s.ID,
		urlQueryEscape("marked "+strings.ReplaceAll(in.Body.ReviewState, "_", " "))))
}

// showAttachment streams an attachment through the API's handler, inline when it is a raster image (for <img>
// and "full size"), as a download otherwise, so no uploaded HTML or SVG ever runs on this origin.
func (a *App) showAttachment(c *fiber.Ctx) error {
	if err := a.downloadAttachment(c); err != nil {
		return err
	}
	ct := mediaType(string(c.Response().Header.ContentType()))
	if contains(inlineImages, ct) {
		c.Set(fiber.HeaderContentDisposition, "inline")
		c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	}
	return nil
}

// exportJob is the ZIP export being built, shown with a live progress bar.
type exportJob struct {
	Export ExportBody
}

// startExportForm starts a ZIP export job through the API's handler and answers with its progress block (the
// job publishes its progress on the project's live stream).
func (a *App) startExportForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pid := projectFrom(ctx).Project.ID
	in := &ExportInput{ID: pid}
	in.Body.Format = "zip"
	out, err := a.apiCreateExport(ctx, in)
	if err != nil {
		return err
	}
	body, err := a.execute(c, "project_submissions", "export_job", exportJob{Export: out.Body})
	if err != nil {
		return err
	}
	c.Status(fiber.StatusAccepted).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}
