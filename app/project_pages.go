package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/geo"
	"fieldbase/app/markdown"
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
	Bar     progressBar
}

// stateCount is one task state in a legend or a stacked progress bar.
type stateCount struct {
	State, Label string
	Tasks        int
	Percent      float64
}

// stateCounts lists every state with its share of the tasks, in workflow order.
func stateCounts(l loc, st StatsBody) []stateCount {
	out := make([]stateCount, 0, len(taskflow.States()))
	for _, s := range taskflow.States() {
		n := st.TasksByState[string(s)]
		out = append(out, stateCount{State: string(s), Label: stateLabel(l, string(s)), Tasks: n,
			Percent: percent(float64(n), float64(st.Tasks))})
	}
	return out
}

// barOrder is the order of a progress bar's segments: the work done first, from the left, so that the coloured
// part reads as the share done; the states still to map come last, in the bar's neutral grey.
var barOrder = []taskflow.State{taskflow.StateValidated, taskflow.StateLockedForValidation, taskflow.StateMapped,
	taskflow.StateInvalidated, taskflow.StateLockedForMapping, taskflow.StateReady}

// barSegment is one task state in a progress bar. Colour is the state whose colour it is drawn in ("validated"
// or "mapped"), or "" for work not yet done, drawn in the bar's grey.
type barSegment struct {
	stateCount
	Colour string
}

// progressBar is a project's progress as drawn: the validated tasks in their colour, the other mapped ones
// (mapped, or being validated) in the mapped colour and the work not yet done in neutral grey, so that a project
// 3% mapped shows a bar 3% coloured; with the figures printed beside it.
type progressBar struct {
	Segments                        []barSegment
	Tasks, Mapped, Validated        int
	PercentMapped, PercentValidated float64
}

// newProgressBar draws the progress of the stats; states without tasks get no segment.
func newProgressBar(l loc, st StatsBody) progressBar {
	b := progressBar{Tasks: st.Tasks, PercentMapped: st.PercentMapped, PercentValidated: st.PercentValidated}
	for _, s := range barOrder {
		n := st.TasksByState[string(s)]
		colour := ""
		switch {
		case s == taskflow.StateValidated:
			colour, b.Validated = "validated", n
		case mappedStates[s]:
			colour = "mapped"
		}
		if colour != "" {
			b.Mapped += n
		}
		if n > 0 {
			b.Segments = append(b.Segments, barSegment{Colour: colour, stateCount: stateCount{State: string(s),
				Label: stateLabel(l, string(s)), Tasks: n, Percent: percent(float64(n), float64(st.Tasks))}})
		}
	}
	return b
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
	if page.Projects, err = a.projectCards(ctx, a.tr(c), list); err != nil {
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
func (a *App) projectCards(ctx context.Context, l loc, list []db.Project) ([]projectCard, error) {
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
		cards = append(cards, projectCard{Project: projectBody(pr, taskflow.RoleNone), Stats: st, Bar: newProgressBar(l, st)})
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

// aoiCheck is what the new project page shows when an AOI file is picked: its area against the maximum, or what
// is wrong with it (the server's own rules, so the message matches what saving would say).
type aoiCheck struct {
	OK       bool            `json:"ok"`
	AreaKm2  float64         `json:"area_km2"`
	MaxKm2   float64         `json:"max_km2"`
	Message  string          `json:"message"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// checkAOIPartial checks an AOI file's content (the request body) as creating the project would; ?from=drawing
// says the area was drawn on the map, not read from a file.
func (a *App) checkAOIPartial(c *fiber.Ctx) error {
	raw := json.RawMessage(bytes.TrimSpace(c.Body()))
	out := aoiCheck{MaxKm2: a.cfg.Projects.MaxAOIKm2}
	l := a.tr(c)
	drawing := c.Query("from") == "drawing"
	mp, err := geo.ParseAOI(raw, 0) // no maximum here: the area is compared below, with its figure
	var ae *geo.AOIError
	switch {
	case len(raw) == 0:
		out.Message = l.T("new.aoi.empty")
	case errors.As(err, &ae):
		out.Message = l.T("new.aoi.file_refused", "Detail", ae.Message)
		if drawing {
			out.Message = l.T("new.aoi.drawing_refused", "Detail", ae.Message)
		}
	case err != nil:
		return err
	default:
		out.AreaKm2 = math.Round(geo.AreaM2(mp)/1e4) / 100
		out.Geometry, _ = json.Marshal(mp)
		if _, _, err := a.parseAOI(raw); err != nil {
			out.Message = l.T("new.aoi.too_large", "Area", formatKm2(out.AreaKm2), "Max", formatKm2(out.MaxKm2))
		} else {
			out.OK = true
			out.Message = l.T("new.aoi.ok", "Area", formatKm2(out.AreaKm2), "Max", formatKm2(out.MaxKm2))
		}
	}
	return c.JSON(out)
}

// km2 writes an area given in m² in km², rounded to 0.01 (a template function).
func km2(m2 float64) string { return formatKm2(math.Round(m2/1e4) / 100) }

// formatKm2 writes an area in km² as people read it: 582.3, 0.04, 2,000.
func formatKm2(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
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
	Project      ProjectBody
	Stats        StatsBody
	States       []stateCount
	Bar          progressBar
	CanManage    bool
	CanMap       bool
	SignedIn     bool
	UserID       int64
	HasFeatures  bool
	Notice       string
	Instructions template.HTML // the project's instructions, rendered from Markdown
	// Teams are the project's teams with their task counts, for the legend (members only); CanAssign lets field
	// managers select tasks and assign them to one of Teams or Members; MyTeams are the caller's team ids.
	Teams     []TeamBody
	CanAssign bool
	Members   []MemberBody
	MyTeams   string
}

// showProjectPage is the project's map with its tasks, progress and instructions.
func (a *App) showProjectPage(c *fiber.Ctx) error {
	pa := projectFrom(c.UserContext())
	page, err := a.projectPageData(c, pa)
	if err != nil {
		return err
	}
	if c.Query("published") != "" {
		page.Notice = a.tr(c).T("project.notice.published")
	}
	page.Instructions = markdown.Render(pa.Project.Instructions)
	return a.page(c, fiber.StatusOK, "project", pa.Project.Name, page)
}

func (a *App) projectPageData(c *fiber.Ctx, pa *ProjectAccess) (projectPage, error) {
	st, err := a.apiStats(c.UserContext(), &ProjectIDInput{ID: pa.Project.ID})
	if err != nil {
		return projectPage{}, err
	}
	page := projectPage{Project: projectBody(pa.Project, pa.Role), Stats: st.Body, States: stateCounts(a.tr(c), st.Body),
		Bar:       newProgressBar(a.tr(c), st.Body),
		CanManage: taskflow.RoleAtLeast(pa.Role, taskflow.RoleProjectManager),
		CanMap:    taskflow.RoleAtLeast(pa.Role, taskflow.RoleMapper)}
	for _, n := range st.Body.FeaturesByStatus {
		page.HasFeatures = page.HasFeatures || n > 0
	}
	if p := principal(c.UserContext()); p != nil {
		page.SignedIn, page.UserID = true, p.UserID
	}
	if page.CanMap {
		if err := a.projectTeamsData(c, pa, &page); err != nil {
			return projectPage{}, err
		}
	}
	return page, nil
}

// projectProgressPartial is the progress block of the project page, refreshed when tasks change.
func (a *App) projectProgressPartial(c *fiber.Ctx) error {
	page, err := a.projectPageData(c, projectFrom(c.UserContext()))
	if err != nil {
		return err
	}
	body, err := a.execute(c, "project", "project_progress", page)
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
