package app

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

// splitForm is the split step's form as the person filled it in.
type splitForm struct {
	Method, CellSizeM, FeaturesPerTask, TaskCount, Boundaries string
}

type splitPage struct {
	Project ProjectBody
	Form    splitForm
	Errors  map[string]string
	Tasks   int
	Created bool
	JobID   int64
	// CSRFToken is for the plain publish form inside the fragment.
	CSRFToken string
}

// showSplitPage is the split step: choose a method, preview it on the map, run it as a job, publish.
func (a *App) showSplitPage(c *fiber.Ctx) error {
	pa := projectFrom(c.UserContext())
	page, err := a.splitPageData(c, pa, splitForm{Method: "grid", CellSizeM: "100", FeaturesPerTask: "50",
		TaskCount: "20"})
	if err != nil {
		return err
	}
	page.Created = c.Query("created") != ""
	return a.page(c, fiber.StatusOK, "project_split", "Split "+pa.Project.Name, page)
}

func (a *App) splitPageData(c *fiber.Ctx, pa *ProjectAccess, f splitForm) (splitPage, error) {
	tasks, err := a.store.Tasks(c.UserContext(), pa.Project.ID, db.TaskOptions{})
	if err != nil {
		return splitPage{}, err
	}
	page := splitPage{Project: projectBody(pa.Project, pa.Role), Form: f, Tasks: len(tasks)}
	if p := principal(c.UserContext()); p != nil {
		page.CSRFToken = p.csrf
	}
	return page, nil
}

// splitBody turns the form into the API's body; a number that does not parse is left at zero, which the API
// refuses with a message beside the field.
func (f splitForm) body() SplitBody {
	b := SplitBody{Method: f.Method}
	b.CellSizeM, _ = strconv.ParseFloat(strings.TrimSpace(f.CellSizeM), 64)
	b.FeaturesPerTask, _ = strconv.Atoi(strings.TrimSpace(f.FeaturesPerTask))
	switch f.Method {
	case "count":
		b.Tasks = json.RawMessage(strconv.Quote(strings.TrimSpace(f.TaskCount)))
		if n, err := strconv.Atoi(strings.TrimSpace(f.TaskCount)); err == nil {
			b.Tasks = json.RawMessage(strconv.Itoa(n))
		}
	case "boundaries":
		b.Tasks = json.RawMessage(strings.TrimSpace(f.Boundaries))
	}
	return b
}

// splitProjectForm starts the split job through the API's code path and answers the split area with a
// progress bar that follows the job's events.
func (a *App) splitProjectForm(c *fiber.Ctx) error {
	pa := projectFrom(c.UserContext())
	f := splitForm{Method: c.FormValue("method"), CellSizeM: c.FormValue("cell_size_m"),
		FeaturesPerTask: c.FormValue("features_per_task"), TaskCount: c.FormValue("tasks"),
		Boundaries: c.FormValue("boundaries")}
	page, err := a.splitPageData(c, pa, f)
	if err != nil {
		return err
	}
	job, err := a.apiSplit(c.UserContext(), &SplitInput{ID: pa.Project.ID, Body: f.body()})
	if err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		page.Errors = errs
		return a.splitArea(c, status, page)
	}
	page.JobID = job.Body.ID
	return a.splitArea(c, fiber.StatusAccepted, page)
}

// splitArea answers the split form and its progress: the fragment for htmx, the whole page otherwise.
func (a *App) splitArea(c *fiber.Ctx, status int, page splitPage) error {
	if !isHTMX(c) {
		return a.page(c, status, "project_split", "Split "+page.Project.Name, page)
	}
	body, err := a.execute(c, "project_split", "split_area", page)
	if err != nil {
		return err
	}
	c.Status(status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}
