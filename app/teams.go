package app

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/tasking"
	"fieldbase/db"
)

// TeamBody is a team of a project.
type TeamBody struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	Colour    string         `json:"colour" doc:"#rrggbb, the team's colour on the map"`
	Members   []TeamUserBody `json:"members"`
	Tasks     int            `json:"tasks" doc:"How many of the project's tasks are assigned to the team"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// TeamUserBody is a member of a team.
type TeamUserBody struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Name     string `json:"name" doc:"How people know the user: the display name, or the username"`
}

func teamBody(t db.Team) TeamBody {
	b := TeamBody{ID: t.ID, Name: t.Name, Colour: t.Colour, Members: make([]TeamUserBody, 0, len(t.Members)),
		Tasks: t.Tasks, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	for _, m := range t.Members {
		b.Members = append(b.Members, TeamUserBody{UserID: m.UserID, Username: m.Username,
			Name: tasking.PersonName(m.DisplayName, m.Username)})
	}
	return b
}

// TeamListOutput is a page of a project's teams, by name.
type TeamListOutput struct {
	Body struct {
		Items   []TeamBody `json:"items"`
		Total   int        `json:"total"`
		Page    int        `json:"page"`
		PerPage int        `json:"per_page"`
	}
}

// TeamInput names a team of a project.
type TeamInput struct {
	ID  int64 `path:"id" minimum:"1"`
	TID int64 `path:"tid" minimum:"1"`
}

// TeamMemberInput names a user in a team.
type TeamMemberInput struct {
	TeamInput
	UserID int64 `path:"user_id" minimum:"1"`
}

// TeamCreateBody is the body of POST /projects/{id}/teams.
type TeamCreateBody struct {
	Name    string  `json:"name" maxLength:"200"`
	Colour  string  `json:"colour" maxLength:"20" doc:"#rrggbb"`
	Members []int64 `json:"members,omitempty" maxItems:"1000" doc:"User ids; each must be a member of the project"`
}

// TeamPatchBody is the body of PATCH /projects/{id}/teams/{tid}: the fields present change.
type TeamPatchBody struct {
	Name   *string `json:"name,omitempty" maxLength:"200"`
	Colour *string `json:"colour,omitempty" maxLength:"20" doc:"#rrggbb"`
}

// TeamOutput wraps TeamBody.
type TeamOutput struct{ Body TeamBody }

// colourRE is a colour as the map takes it: #rrggbb.
var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks a team's name (trimmed) and colour.
func (b *TeamCreateBody) Validate() error {
	b.Name = strings.TrimSpace(b.Name)
	return validation.ValidateStruct(b,
		validation.Field(&b.Name, validation.Required.Error("is required"), validation.RuneLength(1, 60)),
		validation.Field(&b.Colour, validation.Required.Error("is required"),
			validation.Match(colourRE).ErrorObject(coded("validation_colour", "must be a colour written #rrggbb"))))
}

var (
	listTeamsOp = huma.Operation{OperationID: "list-teams", Tags: []string{"Teams"},
		Summary: "A project's teams, by name, with their members and assigned task counts",
		Errors:  []int{http.StatusNotFound}}
	createTeamOp = huma.Operation{OperationID: "create-team", Tags: []string{"Teams"},
		Summary: "Create a team (field managers and above)", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	getTeamOp = huma.Operation{OperationID: "get-team", Tags: []string{"Teams"}, Summary: "A team",
		Errors: []int{http.StatusNotFound}}
	patchTeamOp = huma.Operation{OperationID: "patch-team", Tags: []string{"Teams"},
		Summary: "Rename a team or change its colour (field managers and above)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	deleteTeamOp = huma.Operation{OperationID: "delete-team", Tags: []string{"Teams"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Delete a team; its tasks become unassigned (field managers and above)",
		Errors:        []int{http.StatusNotFound}}
	putTeamMemberOp = huma.Operation{OperationID: "put-team-member", Tags: []string{"Teams"},
		Summary: "Put a project member in a team (field managers and above)",
		Errors:  []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	deleteTeamMemberOp = huma.Operation{OperationID: "delete-team-member", Tags: []string{"Teams"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Take a user out of a team (field managers and above)", Errors: []int{http.StatusNotFound}}
)

func (a *App) apiListTeams(ctx context.Context, in *struct {
	ProjectIDInput
	Page
}) (*TeamListOutput, error) {
	limit, offset := in.limitOffset()
	list, total, err := a.store.Teams(ctx, in.ID, limit, offset)
	if err != nil {
		return nil, err
	}
	out := &TeamListOutput{}
	out.Body.Items = make([]TeamBody, 0, len(list))
	for _, t := range list {
		out.Body.Items = append(out.Body.Items, teamBody(t))
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = total, in.Page.Page, in.PerPage
	return out, nil
}

func (a *App) apiCreateTeam(ctx context.Context, in *struct {
	ProjectIDInput
	Body TeamCreateBody
}) (*TeamOutput, error) {
	b := &in.Body
	if err := b.Validate(); err != nil {
		return nil, err
	}
	t, err := a.store.CreateTeam(ctx, in.ID, b.Name, b.Colour, b.Members)
	if err != nil {
		return nil, teamError(err)
	}
	return &TeamOutput{Body: teamBody(t)}, nil
}

func (a *App) apiGetTeam(ctx context.Context, in *TeamInput) (*TeamOutput, error) {
	t, err := a.store.Team(ctx, in.ID, in.TID)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{Body: teamBody(t)}, nil
}

func (a *App) apiPatchTeam(ctx context.Context, in *struct {
	TeamInput
	Body TeamPatchBody
}) (*TeamOutput, error) {
	t, err := a.store.Team(ctx, in.ID, in.TID)
	if err != nil {
		return nil, err
	}
	f := TeamCreateBody{Name: t.Name, Colour: t.Colour}
	if in.Body.Name != nil {
		f.Name = *in.Body.Name
	}
	if in.Body.Colour != nil {
		f.Colour = *in.Body.Colour
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err = a.store.UpdateTeam(ctx, in.ID, in.TID, f.Name, f.Colour)
	if err != nil {
		return nil, teamError(err)
	}
	return &TeamOutput{Body: teamBody(t)}, nil
}

func (a *App) apiDeleteTeam(ctx context.Context, in *TeamInput) (*struct{}, error) {
	return nil, a.store.DeleteTeam(ctx, in.ID, in.TID)
}

func (a *App) apiPutTeamMember(ctx context.Context, in *TeamMemberInput) (*TeamOutput, error) {
	if err := a.store.AddTeamMember(ctx, in.ID, in.TID, in.UserID); err != nil {
		return nil, teamError(err)
	}
	return a.apiGetTeam(ctx, &in.TeamInput)
}

func (a *App) apiDeleteTeamMember(ctx context.Context, in *TeamMemberInput) (*struct{}, error) {
	return nil, a.store.RemoveTeamMember(ctx, in.ID, in.TID, in.UserID)
}

// teamError words the store's refusals of a team change for the field they are about.
func teamError(err error) error {
	switch {
	case isConflict(err):
		return &Error{Status: http.StatusConflict, Message: "the project already has a team with this name",
			Fields: map[string]validation.Error{"name": coded("validation_team_name_taken",
				"is already the name of another team")}, Err: err}
	case errors.Is(err, db.ErrNotProjectMember):
		return &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed",
			Fields: map[string]validation.Error{"members": coded("validation_team_not_member",
				"only members of the project can be in its teams")}, Err: err}
	}
	return err
}

// TeamStatsBody is what a team did in its project. mapped and validated count distinct tasks with a "mark
// mapped" (or "validate") event by a current member of the team, or on a task assigned to the team now;
// submissions counts the project's submissions by current members; last_activity is the latest of those events
// and submissions (absent: none).
type TeamStatsBody struct {
	TeamID        int64      `json:"team_id"`
	TasksAssigned int        `json:"tasks_assigned"`
	Mapped        int        `json:"mapped"`
	Validated     int        `json:"validated"`
	Submissions   int        `json:"submissions"`
	LastActivity  *time.Time `json:"last_activity,omitempty"`
}

var teamStatsOp = huma.Operation{OperationID: "get-team-stats", Tags: []string{"Teams"},
	Summary: "What a team did: tasks mapped and validated, submissions by its members, last activity",
	Errors:  []int{http.StatusNotFound}}

func (a *App) apiTeamStats(ctx context.Context, in *TeamInput) (*struct{ Body TeamStatsBody }, error) {
	t, err := a.store.Team(ctx, in.ID, in.TID)
	if err != nil {
		return nil, err
	}
	st, err := a.store.TeamStats(ctx, in.ID, in.TID)
	if err != nil {
		return nil, err
	}
	b := TeamStatsBody{TeamID: t.ID, TasksAssigned: t.Tasks, Mapped: st.Mapped, Validated: st.Validated,
		Submissions: st.Submissions}
	if !st.LastActivity.IsZero() {
		at := st.LastActivity.UTC()
		b.LastActivity = &at
	}
	return &struct{ Body TeamStatsBody }{Body: b}, nil
}
