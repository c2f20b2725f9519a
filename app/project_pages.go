package app

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// projectsPerPage is how many projects the list page shows at once.
const projectsPerPage = 20

// projectScan bounds the projects the list page filters by name and status.
const projectScan = 5000

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
func (a *App) showProjectsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := db.ProjectFilter{Limit: projectScan}
	p := principal(ctx)
	if p != nil {
		f.UserID, f.IsAdmin = p.UserID, p.IsAdmin
	}
	all, _, err := a.store.Projects(ctx, f)
	if err != nil {
		return err
	}
	page := projectsPage{Q: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), Statuses: projectStatuses,
		CanCreate: p != nil}
	page.FilterApplied = page.Q != "" || page.Status != ""
	var match []db.Project
	for _, pr := range all {
		if (page.Status == "" || pr.Status == page.Status) &&
			(page.Q == "" || strings.Contains(strings.ToLower(pr.Name), strings.ToLower(page.Q))) {
			match = append(match, pr)
		}
	}
	page.Total = len(match)
	page.PageNo = max(1, atoiDefault(c.Query("page"), 1))
	from := min((page.PageNo-1)*projectsPerPage, len(match))
	to := min(from+projectsPerPage, len(match))
	for _, pr := range match[from:to] {
		st, err := a.apiStats(ctx, &ProjectIDInput{ID: pr.ID})
		if err != nil {
			return err
		}
		page.Projects = append(page.Projects, projectCard{Project: projectBody(pr, taskflow.RoleNone), Stats: st.Body,
			Bars: stateCounts(st.Body)})
	}
	page.ProjectsOnPage = len(page.Projects)
	link := func(n int) string {
		return fmt.Sprintf("/projects?q=%s&status=%s&page=%d", urlQueryEscape(page.Q), urlQueryEscape(page.Status), n)
	}
	if page.PageNo > 1 {
		page.Prev = link(page.PageNo - 1)
	}
	if to < len(match) {
		page.Next = link(page.PageNo + 1)
	}
	return a.page(c, fiber.StatusOK, "projects", "Projects", page)
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
