package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/geo"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// projectStatuses are the project statuses in the only order a project moves through them.
var projectStatuses = []string{"draft", "published", "completed", "archived"}

// ProjectBody is a project as the API shows it. Role is the caller's effective role in it.
type ProjectBody struct {
	ID                  int64     `json:"id"`
	Name                string    `json:"name"`
	Description         string    `json:"description"`
	Instructions        string    `json:"instructions" doc:"Markdown"`
	Visibility          string    `json:"visibility" enum:"public,private"`
	Status              string    `json:"status" enum:"draft,published,completed,archived"`
	AreaM2              float64   `json:"area_m2"`
	LockMinutes         int       `json:"lock_minutes"`
	AllowSelfValidation bool      `json:"allow_self_validation"`
	MaxLocksPerUser     int       `json:"max_locks_per_user"`
	CreatedBy           int64     `json:"created_by,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	Role                string    `json:"role,omitempty" doc:"The caller's effective role in the project"`
}

func projectBody(p db.Project, role taskflow.Role) ProjectBody {
	b := ProjectBody{ID: p.ID, Name: p.Name, Description: p.Description, Instructions: p.Instructions,
		Visibility: p.Visibility, Status: p.Status, AreaM2: p.AreaM2, LockMinutes: p.LockMinutes,
		AllowSelfValidation: p.AllowSelfValidation, MaxLocksPerUser: p.MaxLocksPerUser, CreatedBy: p.CreatedBy,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if role != taskflow.RoleNone {
		b.Role = role.String()
	}
	return b
}

// ProjectSettings are the workflow settings of a project; absent ones keep their value (or the default).
type ProjectSettings struct {
	LockMinutes         *int  `json:"lock_minutes,omitempty" doc:"Task lock duration in minutes (default 180)"`
	AllowSelfValidation *bool `json:"allow_self_validation,omitempty" doc:"May a mapper validate their own task (default false)"`
	MaxLocksPerUser     *int  `json:"max_locks_per_user,omitempty" doc:"Tasks one user may hold locked at once (default 1)"`
}

func (s *ProjectSettings) rules() []*validation.FieldRules {
	return []*validation.FieldRules{
		validation.Field(&s.LockMinutes, validation.NilOrNotEmpty, validation.Min(5), validation.Max(7*24*60)),
		validation.Field(&s.MaxLocksPerUser, validation.NilOrNotEmpty, validation.Min(1), validation.Max(1000)),
	}
}

func (s ProjectSettings) apply(p *db.Project) {
	if s.LockMinutes != nil {
		p.LockMinutes = *s.LockMinutes
	}
	if s.AllowSelfValidation != nil {
		p.AllowSelfValidation = *s.AllowSelfValidation
	}
	if s.MaxLocksPerUser != nil {
		p.MaxLocksPerUser = *s.MaxLocksPerUser
	}
}

// NewProjectBody is the body of POST /projects.
type NewProjectBody struct {
	Name         string          `json:"name" maxLength:"200"`
	Description  string          `json:"description,omitempty" maxLength:"10000"`
	Instructions string          `json:"instructions,omitempty" maxLength:"100000" doc:"Markdown"`
	Visibility   string          `json:"visibility,omitempty" enum:"public,private" doc:"Default public"`
	AOI          json.RawMessage `json:"aoi" doc:"GeoJSON Polygon or MultiPolygon geometry, Feature, or FeatureCollection of polygons (merged)"`
	ProjectSettings
}

// Validate checks the fields other than the AOI.
func (b NewProjectBody) Validate() error {
	rules := append([]*validation.FieldRules{
		validation.Field(&b.Name, validation.Required, validation.RuneLength(1, 200)),
		validation.Field(&b.Visibility, validation.In("public", "private")),
	}, b.ProjectSettings.rules()...)
	return validation.ValidateStruct(&b, rules...)
}

// ProjectOutput wraps ProjectBody.
type ProjectOutput struct{ Body ProjectBody }

// ProjectIDInput names a project.
type ProjectIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

var (
	createProjectOp = huma.Operation{OperationID: "create-project", Tags: []string{"Projects"},
		Summary:       "Create a project; the creator becomes its project manager",
		DefaultStatus: http.StatusCreated}
	listProjectsOp = huma.Operation{OperationID: "list-projects", Tags: []string{"Projects"},
		Summary: "Public projects and the private ones the caller belongs to"}
	getProjectOp = huma.Operation{OperationID: "get-project", Tags: []string{"Projects"}, Summary: "A project",
		Errors: []int{http.StatusNotFound}}
	patchProjectOp = huma.Operation{OperationID: "patch-project", Tags: []string{"Projects"},
		Summary: "Edit a project or move it to its next status (project managers)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	deleteProjectOp = huma.Operation{OperationID: "delete-project", Tags: []string{"Projects"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Delete a project with its tasks and features (project managers)",
		Errors:        []int{http.StatusNotFound}}
	aoiOp = huma.Operation{OperationID: "get-project-aoi", Tags: []string{"Projects"},
		Summary: "The project's area of interest as a GeoJSON Feature",
		Responses: map[string]*huma.Response{"200": {Description: "GeoJSON Feature",
			Content: map[string]*huma.MediaType{"application/geo+json": {}}}}}
)

func (a *App) apiCreateProject(ctx context.Context, in *struct{ Body NewProjectBody }) (*ProjectOutput, error) {
	b := in.Body
	if err := b.Validate(); err != nil {
		return nil, err
	}
	aoi, area, err := a.parseAOI(b.AOI)
	if err != nil {
		return nil, err
	}
	p := db.Project{Name: b.Name, Description: b.Description, Instructions: b.Instructions,
		Visibility: b.Visibility, Status: "draft", AOI: aoi, AreaM2: area, LockMinutes: 180, MaxLocksPerUser: 1,
		CreatedBy: principal(ctx).UserID}
	if p.Visibility == "" {
		p.Visibility = "public"
	}
	b.ProjectSettings.apply(&p)
	p, err = a.store.CreateProject(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ProjectOutput{Body: projectBody(p, taskflow.RoleProjectManager)}, nil
}

// errAOIRequired refuses a project without an area of interest (ozzo's code: the page says it as any other
// required field).
var errAOIRequired = coded("validation_required", "is required")

// parseAOI validates an uploaded AOI and returns it as a GeoJSON MultiPolygon with its area.
func (a *App) parseAOI(raw json.RawMessage) (string, float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0, fieldError("aoi", errAOIRequired)
	}
	mp, err := geo.ParseAOI(raw, a.cfg.Projects.MaxAOIKm2)
	var ae *geo.AOIError
	if errors.As(err, &ae) {
		return "", 0, fieldError("aoi", coded("validation_aoi", "{{.detail}}", "detail", ae.Message))
	}
	if err != nil {
		return "", 0, err
	}
	out, err := geo.MultiPolygonJSON(mp)
	return out, geo.AreaM2(mp), err
}

// ProjectListOutput is a page of projects.
type ProjectListOutput struct {
	Body struct {
		Items   []ProjectBody `json:"items"`
		Total   int           `json:"total"`
		Page    int           `json:"page"`
		PerPage int           `json:"per_page"`
	}
}

func (a *App) apiListProjects(ctx context.Context, in *struct{ Page }) (*ProjectListOutput, error) {
	f := projectFilter(principal(ctx))
	f.Limit, f.Offset = in.limitOffset()
	list, total, err := a.store.Projects(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &ProjectListOutput{}
	out.Body.Items = make([]ProjectBody, 0, len(list))
	for _, p := range list {
		out.Body.Items = append(out.Body.Items, projectBody(p, taskflow.RoleNone))
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = total, in.Page.Page, in.PerPage
	return out, nil
}

// projectFilter selects the projects the caller may list, as projectRole decides who may read one: public
// projects for everyone, private ones for their members, all of them for an administrator.
func projectFilter(p *Principal) db.ProjectFilter {
	if p == nil {
		return db.ProjectFilter{}
	}
	return db.ProjectFilter{UserID: p.UserID, IsAdmin: p.IsAdmin}
}

func (a *App) apiGetProject(ctx context.Context, _ *ProjectIDInput) (*ProjectOutput, error) {
	pa := projectFrom(ctx)
	return &ProjectOutput{Body: projectBody(pa.Project, pa.Role)}, nil
}

// ProjectPatch is the body of PATCH /projects/{id}: the fields to change.
type ProjectPatch struct {
	Name         *string `json:"name,omitempty" maxLength:"200"`
	Description  *string `json:"description,omitempty" maxLength:"10000"`
	Instructions *string `json:"instructions,omitempty" maxLength:"100000"`
	Visibility   *string `json:"visibility,omitempty" enum:"public,private"`
	Status       *string `json:"status,omitempty" enum:"draft,published,completed,archived" doc:"Only forward: draft, published, completed, archived"`
	ProjectSettings
}

// Validate checks the fields' shapes.
func (b ProjectPatch) Validate() error {
	rules := append([]*validation.FieldRules{
		validation.Field(&b.Name, validation.NilOrNotEmpty, validation.RuneLength(1, 200)),
		validation.Field(&b.Visibility, validation.NilOrNotEmpty, validation.In("public", "private")),
		validation.Field(&b.Status, validation.NilOrNotEmpty, validation.In("draft", "published", "completed",
			"archived")),
	}, b.ProjectSettings.rules()...)
	return validation.ValidateStruct(&b, rules...)
}

func (a *App) apiPatchProject(ctx context.Context, in *struct {
	ProjectIDInput
	Body ProjectPatch
}) (*ProjectOutput, error) {
	b := in.Body
	if err := b.Validate(); err != nil {
		return nil, err
	}
	tasks := 0
	if b.Status != nil && *b.Status == "published" {
		list, err := a.store.Tasks(ctx, in.ID, db.TaskOptions{})
		if err != nil {
			return nil, err
		}
		tasks = len(list)
	}
	p, err := a.store.UpdateProject(ctx, in.ID, func(p *db.Project) error { return b.apply(p, tasks) })
	if err != nil {
		return nil, err
	}
	return &ProjectOutput{Body: projectBody(p, projectFrom(ctx).Role)}, nil
}

// apply changes p, refusing edits of an archived project and status moves other than forward. tasks is the
// number of tasks, which publishing needs.
func (b ProjectPatch) apply(p *db.Project, tasks int) error {
	if p.Status == "archived" {
		return refusal(http.StatusConflict, coded("validation_project_archived", "the project is archived and read-only"))
	}
	if b.Status != nil && *b.Status != p.Status {
		if slices.Index(projectStatuses, *b.Status) < slices.Index(projectStatuses, p.Status) {
			return refusal(http.StatusConflict, coded("validation_status_back",
				"a {{.from}} project cannot go back to {{.to}}", "from", p.Status, "to", *b.Status))
		}
		if p.Status == "draft" && tasks == 0 {
			return refusal(http.StatusConflict, coded("validation_publish_unsplit",
				"split the project into tasks before publishing it"))
		}
		p.Status = *b.Status
	}
	for _, f := range []struct{ to, from *string }{{&p.Name, b.Name}, {&p.Description, b.Description},
		{&p.Instructions, b.Instructions}, {&p.Visibility, b.Visibility}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	b.ProjectSettings.apply(p)
	return nil
}

func (a *App) apiDeleteProject(ctx context.Context, in *ProjectIDInput) (*struct{}, error) {
	maps, err := a.store.Basemaps(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := a.store.DeleteProject(ctx, in.ID); err != nil {
		return nil, err
	}
	for _, b := range maps {
		a.basemaps.mbtiles.forget(b.ID) // close its open file now rather than when it is pushed out
	}
	return nil, nil
}

// getAOI streams the AOI as a GeoJSON Feature named after the project.
func (a *App) getAOI(c *fiber.Ctx) error {
	p := projectFrom(c.UserContext()).Project
	props, err := json.Marshal(map[string]any{"project_id": p.ID, "name": p.Name, "area_m2": p.AreaM2})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	return c.SendString(`{"type":"Feature","properties":` + string(props) + `,"geometry":` + p.AOI + "}")
}
