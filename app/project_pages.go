package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// projectsPerPage is how many projects the list page shows at once.
const projectsPerPage = 20

// maxPageNo bounds the page number a list link may ask for, so that its offset cannot overflow.
const maxPageNo = math.MaxInt32

// projectCard is one project in the list, with its progress.
type projectCard struct {
	Project ProjectBody
	Stats   StatsBody
	Bars    []stateCount
}

// stateCount is one task state in a legend or a stacked progress bar.
type stateCount struct {
	State, Label string
	Tasks        int
	Percent      float64
}

// stateCounts lists every state with its share of the tasks, in workflow order.
func stateCounts(st StatsBody) []stateCount {
	out := make([]stateCount, 0, len(taskflow.States()))
	for _, s := range taskflow.States() {
		n := st.TasksByState[string(s)]
		out = append(out, stateCount{State: string(s), Label: stateLabel(string(s)), Tasks: n,
			Percent: percent(float64(n), float64(st.Tasks))})
	}
	return out
}

type projectsPage struct {
	Projects       []projectCard
	Total, PageNo  int
	Q, Status      string
	Statuses       []string
	Prev, Next     string
	CanCreate      bool
	FilterApplied  bool
	ProjectsOnPage int
}

// showProjectsPage lists the projects the caller may see, filtered by name and status, each with a progress bar.
// The filter and the paging run in SQL, and the progress of every card on the page comes from one more query.
func (a *App) showProjectsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(ctx)
	page := projectsPage{Q: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), Statuses: projectStatuses,
		CanCreate: p != nil}
	page.FilterApplied = page.Q != "" || page.Status != ""
	page.PageNo = min(max(1, atoiDefault(c.Query("page"), 1)), maxPageNo)
	f := projectFilter(p)
	f.Query, f.Status, f.Limit, f.Offset = page.Q, page.Status, projectsPerPage, (page.PageNo-1)*projectsPerPage
	list, total, err := a.store.Projects(ctx, f)
	if err != nil {
		return err
	}
	if page.Projects, err = a.projectCards(ctx, list); err != nil {
		return err
	}
	page.Total, page.ProjectsOnPage = total, len(page.Projects)
	link := func(n int) string {
		return fmt.Sprintf("/projects?q=%s&status=%s&page=%d", urlQueryEscape(page.Q), urlQueryEscape(page.Status), n)
	}
	if page.PageNo > 1 {
		page.Prev = link(page.PageNo - 1)
	}
	if f.Offset+len(list) < total {
		page.Next = link(page.PageNo + 1)
	}
	return a.page(c, fiber.StatusOK, "projects", "Projects", page)
}

// projectCards pairs each project of a list page with its progress, read for all of them in one query.
func (a *App) projectCards(ctx context.Context, list []db.Project) ([]projectCard, error) {
	ids := make([]int64, 0, len(list))
	for _, pr := range list {
		ids = append(ids, pr.ID)
	}
	states, err := a.store.ProjectsStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	cards := make([]projectCard, 0, len(list))
	for _, pr := range list {
		st := progress(states[pr.ID])
		cards = append(cards, projectCard{Project: projectBody(pr, taskflow.RoleNone), Stats: st, Bars: stateCounts(st)})
	}
	return cards, nil
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

type newProjectPage struct {
	Name, Description, Instructions, Visibility, AOI string
	Errors                                           map[string]string
}

func (a *App) showNewProjectPage(c *fiber.Ctx) error {
	return a.page(c, fiber.StatusOK, "project_new", "New project", newProjectPage{Visibility: "public"})
}

// createProjectForm creates a project from the form through the API's code path, then goes to the split step.
func (a *App) createProjectForm(c *fiber.Ctx) error {
	form := newProjectPage{Name: c.FormValue("name"), Description: c.FormValue("description"),
		Instructions: c.FormValue("instructions"), Visibility: c.FormValue("visibility"), AOI: c.FormValue("aoi")}
	body := NewProjectBody{Name: form.Name, Description: form.Description, Instructions: form.Instructions,
		Visibility: form.Visibility, AOI: json.RawMessage(strings.TrimSpace(form.AOI))}
	out, err := a.apiCreateProject(c.UserContext(), &struct{ Body NewProjectBody }{Body: body})
	if err != nil {
		return a.rerender(c, err, "project_new", "New project", func(errs map[string]string) any {
			form.Errors = errs
			return form
		})
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d/split?created=1", out.Body.ID))
}

type projectPage struct {
	Project     ProjectBody
	Stats       StatsBody
	States      []stateCount
	CanManage   bool
	CanMap      bool
	SignedIn    bool
	UserID      int64
	HasFeatures bool
	Notice      string
}

// showProjectPage is the project's map with its tasks, progress and instructions.
func (a *App) showProjectPage(c *fiber.Ctx) error {
	pa := projectFrom(c.UserContext())
	page, err := a.projectPageData(c, pa)
	if err != nil {
		return err
	}
	if c.Query("published") != "" {
		page.Notice = "Published: mappers can now lock tasks."
	}
	return a.page(c, fiber.StatusOK, "project", pa.Project.Name, page)
}

func (a *App) projectPageData(c *fiber.Ctx, pa *ProjectAccess) (projectPage, error) {
	st, err := a.apiStats(c.UserContext(), &ProjectIDInput{ID: pa.Project.ID})
	if err != nil {
		return projectPage{}, err
	}
	page := projectPage{Project: projectBody(pa.Project, pa.Role), Stats: st.Body, States: stateCounts(st.Body),
		CanManage: taskflow.RoleAtLeast(pa.Role, taskflow.RoleProjectManager),
		CanMap:    taskflow.RoleAtLeast(pa.Role, taskflow.RoleMapper)}
	for _, n := range st.Body.FeaturesByStatus {
		page.HasFeatures = page.HasFeatures || n > 0
	}
	if p := principal(c.UserContext()); p != nil {
		page.SignedIn, page.UserID = true, p.UserID
	}
	return page, nil
}

// projectProgressPartial is the progress block of the project page, refreshed when tasks change.
func (a *App) projectProgressPartial(c *fiber.Ctx) error {
	page, err := a.projectPageData(c, projectFrom(c.UserContext()))
	if err != nil {
		return err
	}
	body, err := a.tmpl.execute("project", "project_progress", page)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// publishProjectForm moves a draft project to published through the API's code path.
func (a *App) publishProjectForm(c *fiber.Ctx) error {
	pa := projectFrom(c.UserContext())
	status := "published"
	_, err := a.apiPatchProject(c.UserContext(), &struct {
		ProjectIDInput
		Body ProjectPatch
	}{ProjectIDInput{ID: pa.Project.ID}, ProjectPatch{Status: &status}})
	if err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d?published=1", pa.Project.ID))
}
