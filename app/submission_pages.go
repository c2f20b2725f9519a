package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// submissionsPerPage is how many submissions the table shows at once.
const submissionsPerPage = 50

// reviewStates are the review states a submission can be in, in review order.
var reviewStates = []string{"received", "approved", "has_issues", "rejected"}

// option is one choice of a select.
type option struct{ Value, Label string }

func reviewOptions(l loc) []option {
	out := make([]option, 0, len(reviewStates))
	for _, s := range reviewStates {
		out = append(out, option{Value: s, Label: reviewLabel(l, s)})
	}
	return out
}

// submissionFilter is the filter form of the submissions page, as typed.
type submissionFilter struct {
	Form, Task, Submitter, ReviewState, From, To string
	Page                                         int
}

// query is the filter as a URL query (without the page).
func (f submissionFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"form": f.Form, "task": f.Task, "submitter": f.Submitter,
		"review_state": f.ReviewState, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// submissionRow is one line of the table.
type submissionRow struct {
	SubmissionBody
	Submitter   string
	ReviewLabel string
}

// submissionsPage is the submissions page: filters, one page of the table, exports.
type submissionsPage struct {
	Project      ProjectBody
	Filter       submissionFilter
	Forms        []FormBody
	States       []option
	Rows         []submissionRow
	Total        int
	First, Last  int
	Prev, Next   string
	Errors       map[string]string
	Query        string // the filter as a query string, for the live refresh and exports
	FilterActive bool
	CanImport    bool // project managers and administrators may import an outbox ZIP
}

func filterFrom(c *fiber.Ctx) submissionFilter {
	return submissionFilter{Form: strings.TrimSpace(c.Query("form")), Task: strings.TrimSpace(c.Query("task")),
		Submitter: strings.TrimSpace(c.Query("submitter")), ReviewState: c.Query("review_state"),
		From: c.Query("from"), To: c.Query("to"), Page: max(1, atoiDefault(c.Query("page"), 1))}
}

// listInput turns the typed filter into the API's list input, or per-field errors.
func (a *App) listInput(ctx context.Context, pid int64, f submissionFilter) (*SubmissionListInput, error) {
	in := &SubmissionListInput{ID: pid, Form: f.Form, Page: f.Page, PerPage: submissionsPerPage}
	errs := map[string]validation.Error{}
	if f.Task != "" {
		n, err := strconv.ParseInt(f.Task, 10, 64)
		if err != nil || n < 1 {
			errs["task"] = coded("validation_task_id", "must be a task id (a whole number)")
		}
		in.Task = n
	}
	if f.Submitter != "" {
		u, err := a.store.UserByUsername(ctx, f.Submitter)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs["submitter"] = errNoSuchUser
		case err != nil:
			return nil, err
		}
		in.Submitter = u.ID
	}
	if f.ReviewState != "" && !contains(reviewStates, f.ReviewState) {
		errs["review_state"] = coded("validation_review_state", "is not a review state")
	}
	in.ReviewState = f.ReviewState
	var err error
	if in.From, err = parseDay(f.From); err != nil {
		errs["from"] = errDay
	}
	if in.To, err = parseDay(f.To); err != nil {
		errs["to"] = errDay
	} else if !in.To.IsZero() {
		in.To = in.To.AddDate(0, 0, 1) // the day named is included
	}
	if len(errs) > 0 {
		return nil, &Error{Status: fiber.StatusUnprocessableEntity, Message: "validation failed", Fields: errs}
	}
	return in, nil
}

// errDay refuses a day not written YYYY-MM-DD.
var errDay = coded("validation_day", "must be a date (YYYY-MM-DD)")

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02", s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// showSubmissionsPage is the submissions table with its filters, paging and export buttons.
func (a *App) showSubmissionsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	page := submissionsPage{Project: projectBody(pa.Project, pa.Role), Filter: filterFrom(c), States: reviewOptions(a.tr(c))}
	page.CanImport = pa.Role >= taskflow.RoleProjectManager
	q := page.Filter.query()
	page.Query, page.FilterActive = q.Encode(), len(q) > 0
	forms, err := a.apiListForms(ctx, &struct {
		ID int64 `path:"id"`
	}{ID: pa.Project.ID})
	if err != nil {
		return err
	}
	page.Forms = forms.Body.Items
	in, err := a.listInput(ctx, pa.Project.ID, page.Filter)
	if err != nil {
		return a.rerender(c, err, "project_submissions", "Submissions", func(errs map[string]string) any {
			page.Errors = errs
			return page
		})
	}
	list, err := a.apiListSubmissions(ctx, in)
	if err != nil {
		return err
	}
	page.Rows = submissionRows(a.tr(c), list.Body.Items)
	a.pageLinks(&page, q, list.Body.Total)
	return a.page(c, fiber.StatusOK, "project_submissions", "Submissions", page)
}

// pageLinks fills the counts and the previous and next links.
func (a *App) pageLinks(page *submissionsPage, q url.Values, total int) {
	page.Total = total
	n := page.Filter.Page
	if len(page.Rows) > 0 {
		page.First = (n-1)*submissionsPerPage + 1
		page.Last = page.First + len(page.Rows) - 1
	}
	link := func(p int) string {
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf("/projects/%d/submissions?%s", page.Project.ID, q.Encode())
	}
	if n > 1 {
		page.Prev = link(n - 1)
	}
	if n*submissionsPerPage < total {
		page.Next = link(n + 1)
	}
}

// submissionRows adds who sent each submission (a person's name or a device token's) and its review state in
// words.
func submissionRows(l loc, items []SubmissionBody) []submissionRow {
	rows := make([]submissionRow, 0, len(items))
	for _, s := range items {
		rows = append(rows, submissionRow{SubmissionBody: s, Submitter: submitterName(s),
			ReviewLabel: reviewLabel(l, s.ReviewState)})
	}
	return rows
}

// submitterName is who sent a submission, for a page.
func submitterName(s SubmissionBody) string {
	return cmp.Or(s.SubmittedBy, "Unknown sender")
}
