package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// teamsPerPage bounds the teams the page shows at once.
const teamsPerPage = 100

// teamRow is a team with what it did, for the teams page.
type teamRow struct {
	TeamBody
	Stats  TeamStatsBody
	Errors map[string]string // of this team's forms, when one failed
}

type teamsPage struct {
	Project   ProjectBody
	Teams     []teamRow
	Total     int
	Members   []MemberBody
	CanManage bool
	// The create form's values and messages (Form: "new" or the id of the team whose form failed).
	Name, Colour string
	Form         string
	Errors       map[string]string
	Saved        string
}

func (a *App) teamsPageData(c *fiber.Ctx, page teamsPage) (teamsPage, error) {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	in := &struct {
		ProjectIDInput
		Page
	}{ProjectIDInput{ID: pa.Project.ID}, Page{Page: 1, PerPage: teamsPerPage}}
	list, err := a.apiListTeams(ctx, in)
	if err != nil {
		return page, err
	}
	for _, t := range list.Body.Items {
		st, err := a.apiTeamStats(ctx, &TeamInput{ID: pa.Project.ID, TID: t.ID})
		if err != nil {
			return page, err
		}
		page.Teams = append(page.Teams, teamRow{TeamBody: t, Stats: st.Body})
	}
	members, err := a.apiListMembers(ctx, &ProjectIDInput{ID: pa.Project.ID})
	if err != nil {
		return page, err
	}
	page.Project, page.Members, page.Total = projectBody(pa.Project, pa.Role), members.Body.Items, list.Body.Total
	page.CanManage = taskflow.RoleAtLeast(pa.Role, taskflow.RoleFieldManager)
	if page.Colour == "" {
		page.Colour = teamColours[len(page.Teams)%len(teamColours)]
	}
	return page, nil
}

// teamColours are the colours offered to a new team in turn: the Okabe-Ito palette, told apart by most people
// with a colour vision deficiency, each dark or saturated enough to show over the state fills.
var teamColours = []string{"#0072b2", "#d55e00", "#cc79a7", "#e69f00", "#009e73", "#56b4e9", "#000000"}

// showTeamsPage lists a project's teams with their members and what they did; field managers also get the
// forms to change them.
func (a *App) showTeamsPage(c *fiber.Ctx) error {
	page, err := a.teamsPageData(c, teamsPage{Saved: c.Query("saved")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "project_teams", "Teams", page)
}

// errTeamGone is what a team form says when its team was deleted meanwhile.
var errTeamGone = coded("validation_team_gone", "this team no longer exists")

// teamFormFailed shows the page again with the refusal's messages beside the fields of the form that failed.
func (a *App) teamFormFailed(c *fiber.Ctx, form teamsPage, err error) error {
	if errors.Is(err, db.ErrNotFound) {
		err = refusal(fiber.StatusNotFound, errTeamGone) // the team was deleted meanwhile
	}
	errs, status, ok := a.formErrors(c, err)
	if !ok {
		return err
	}
	page, derr := a.teamsPageData(c, form)
	if derr != nil {
		return derr
	}
	page.Errors = errs
	for i := range page.Teams {
		if strconv.FormatInt(page.Teams[i].ID, 10) == form.Form {
			page.Teams[i].Errors, page.Errors = errs, nil
		}
	}
	return a.page(c, status, "project_teams", "Teams", page)
}

// createTeamForm creates a team through the API's handler.
func (a *App) createTeamForm(c *fiber.Ctx) error {
	form := teamsPage{Name: c.FormValue("name"), Colour: c.FormValue("colour"), Form: "new"}
	in := &struct {
		ProjectIDInput
		Body TeamCreateBody
	}{ProjectIDInput{ID: projectFrom(c.UserContext()).Project.ID}, TeamCreateBody{Name: form.Name, Colour: form.Colour}}
	if _, err := a.apiCreateTeam(c.UserContext(), in); err != nil {
		return a.teamFormFailed(c, form, err)
	}
	return a.redirect(c, a.teamsURL(c, a.tr(c).T("teams.flash.created", "Name", strings.TrimSpace(form.Name))))
}

// changeTeamForm renames a team or changes its colour, or deletes it when the form says delete.
func (a *App) changeTeamForm(c *fiber.Ctx) error {
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	in := TeamInput{ID: projectFrom(c.UserContext()).Project.ID, TID: tid}
	if c.FormValue("delete") != "" {
		if _, err := a.apiDeleteTeam(c.UserContext(), &in); err != nil {
			return a.teamFormFailed(c, teamsPage{Form: c.Params("tid")}, err)
		}
		return a.redirect(c, a.teamsURL(c, a.tr(c).T("teams.flash.deleted")))
	}
	name, colour := c.FormValue("name"), c.FormValue("colour")
	_, err = a.apiPatchTeam(c.UserContext(), &struct {
		TeamInput
		Body TeamPatchBody
	}{in, TeamPatchBody{Name: &name, Colour: &colour}})
	if err != nil {
		return a.teamFormFailed(c, teamsPage{Form: c.Params("tid")}, err)
	}
	return a.redirect(c, a.teamsURL(c, a.tr(c).T("teams.flash.changed", "Name", strings.TrimSpace(name))))
}

// teamMemberForm puts a project member in a team, or takes them out when the form says remove.
func (a *App) teamMemberForm(c *fiber.Ctx) error {
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	uid, _ := strconv.ParseInt(c.FormValue("user_id"), 10, 64)
	if uid <= 0 {
		return a.teamFormFailed(c, teamsPage{Form: c.Params("tid")}, fieldError("members", coded("validation_choose_member", "choose a member")))
	}
	in := TeamMemberInput{TeamInput: TeamInput{ID: projectFrom(c.UserContext()).Project.ID, TID: tid}, UserID: uid}
	msg := a.tr(c).T("teams.flash.member_added")
	if c.FormValue("remove") != "" {
		msg = a.tr(c).T("teams.flash.member_removed")
		_, err = a.apiDeleteTeamMember(c.UserContext(), &in)
	} else {
		_, err = a.apiPutTeamMember(c.UserContext(), &in)
	}
	if err != nil {
		return a.teamFormFailed(c, teamsPage{Form: c.Params("tid")}, err)
	}
	return a.redirect(c, a.teamsURL(c, msg))
}

func (a *App) teamsURL(c *fiber.Ctx, saved string) string {
	return fmt.Sprintf("/projects/%d/teams?saved=%s", projectFrom(c.UserContext()).Project.ID,
		urlQueryEscape(saved))
}

// myTasksPage lists the caller's tasks in a project: those assigned to them or to their teams.
type myTasksPage struct {
	Project ProjectBody
	Tasks   []TaskBody
	Total   int
	Teams   []TeamBody
}

// showMyTasksPage lists the tasks assigned to the caller or their teams, each with its state and a link to it
// on the map.
func (a *App) showMyTasksPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	list, err := a.apiMyTasks(ctx, &struct {
		ProjectIDInput
		Page
	}{ProjectIDInput{ID: pa.Project.ID}, Page{Page: 1, PerPage: 500}})
	if err != nil {
		return err
	}
	page := myTasksPage{Project: projectBody(pa.Project, pa.Role), Tasks: list.Body.Items, Total: list.Body.Total}
	ids, err := a.store.UserTeams(ctx, pa.Project.ID, principal(ctx).UserID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		t, err := a.apiGetTeam(ctx, &TeamInput{ID: pa.Project.ID, TID: id})
		if err != nil {
			return err
		}
		page.Teams = append(page.Teams, t.Body)
	}
	return a.page(c, fiber.StatusOK, "project_my_tasks", "My tasks", page)
}

// projectTeamsData adds to the project page the teams for its legend, the caller's teams, and for field managers
// the people and teams tasks may be assigned to.
func (a *App) projectTeamsData(c *fiber.Ctx, pa *ProjectAccess, page *projectPage) error {
	ctx := c.UserContext()
	list, err := a.apiListTeams(ctx, &struct {
		ProjectIDInput
		Page
	}{ProjectIDInput{ID: pa.Project.ID}, Page{Page: 1, PerPage: teamsPerPage}})
	if err != nil {
		return err
	}
	page.Teams = list.Body.Items
	ids, err := a.store.UserTeams(ctx, pa.Project.ID, page.UserID)
	if err != nil {
		return err
	}
	mine := make([]string, len(ids))
	for i, id := range ids {
		mine[i] = strconv.FormatInt(id, 10)
	}
	page.MyTeams = strings.Join(mine, ",")
	page.CanAssign = taskflow.RoleAtLeast(pa.Role, taskflow.RoleFieldManager) && pa.Project.Status == "published"
	if page.CanAssign {
		members, err := a.apiListMembers(ctx, &ProjectIDInput{ID: pa.Project.ID})
		if err != nil {
			return err
		}
		page.Members = members.Body.Items
	}
	return nil
}
