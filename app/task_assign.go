package app

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/geo"
	"fieldbase/app/taskflow"
	"fieldbase/app/tasking"
	"fieldbase/db"
)

// maxZoneGrid is the finest grid of zones ("quadrants") a selection may use.
const maxZoneGrid = 6

// ZonesBody selects tasks by a grid of zones over the bounding box of the project's area: grid x grid zones
// numbered 0.. row by row from the north-west; a task belongs to the zone holding the centre of its bounding box.
type ZonesBody struct {
	Grid  int   `json:"grid" doc:"2 to 6: the area's bounding box cut in grid x grid zones"`
	Cells []int `json:"cells" maxItems:"36" doc:"The zones picked, 0-based, row by row from the north-west"`
}

// AssignBody is the body of POST .../tasks/assign and .../tasks/unassign: the tasks, by index or by zones, and
// for assign the user or the team to give them to.
type AssignBody struct {
	TaskIndexes []int      `json:"task_indexes,omitempty" maxItems:"10000" doc:"Tasks by index (at most 10,000)"`
	Zones       *ZonesBody `json:"zones,omitempty" doc:"Or tasks by zones of a grid over the area"`
	UserID      int64      `json:"user_id,omitempty" doc:"Assign: the member to give the tasks to"`
	TeamID      int64      `json:"team_id,omitempty" doc:"Assign: or the team to give them to"`
}

// RefusedTaskBody is a task a bulk assignment left as it was, and why.
type RefusedTaskBody struct {
	Index  int    `json:"index"`
	State  string `json:"state,omitempty"`
	Reason string `json:"reason"`
	Code   string `json:"code" enum:"no_task,validated,not_assigned,other" doc:"The reason as a stable code, for pages in other languages"`
}

// AssignOutput is what a bulk assignment did.
type AssignOutput struct {
	Body struct {
		Changed []int             `json:"changed" doc:"Indexes of the tasks assigned (or unassigned)"`
		Refused []RefusedTaskBody `json:"refused" doc:"Tasks left as they were, each with the reason"`
	}
}

var (
	assignTasksOp = huma.Operation{OperationID: "assign-tasks", Tags: []string{"Tasks"},
		Summary: "Assign tasks in bulk to a member or a team (field managers and above); one transaction, a history row per task",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity}}
	unassignTasksOp = huma.Operation{OperationID: "unassign-tasks", Tags: []string{"Tasks"},
		Summary: "Unassign tasks in bulk (field managers and above)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity}}
	myTasksOp = huma.Operation{OperationID: "list-my-tasks", Tags: []string{"Tasks"},
		Summary: "The caller's tasks: those assigned to them or to one of their teams, by index",
		Errors:  []int{http.StatusNotFound}}
)

func (a *App) apiAssignTasks(ctx context.Context, in *struct {
	ProjectIDInput
	Body AssignBody
}) (*AssignOutput, error) {
	return a.assignTasks(ctx, in.Body, false)
}

func (a *App) apiUnassignTasks(ctx context.Context, in *struct {
	ProjectIDInput
	Body AssignBody
}) (*AssignOutput, error) {
	return a.assignTasks(ctx, in.Body, true)
}

// assignTasks checks a bulk (un)assignment, resolves its tasks and applies it as the caller.
func (a *App) assignTasks(ctx context.Context, b AssignBody, unassign bool) (*AssignOutput, error) {
	pa, p := projectFrom(ctx), principal(ctx)
	if err := a.checkAssignBody(ctx, pa.Project.ID, &b, unassign); err != nil {
		return nil, err
	}
	indexes := b.TaskIndexes
	if b.Zones != nil {
		var err error
		if indexes, err = a.zoneTasks(ctx, pa.Project, *b.Zones); err != nil {
			return nil, err
		}
	}
	slices.Sort(indexes)
	indexes = slices.Compact(indexes)
	res, err := a.tasking.Assign(ctx, pa.Project.ID, tasking.Person{ID: p.UserID, Username: p.Username,
		DisplayName: p.DisplayName}, pa.Role, tasking.Assignment{Indexes: indexes, UserID: b.UserID, TeamID: b.TeamID,
		Unassign: unassign})
	if err != nil {
		return nil, err
	}
	out := &AssignOutput{}
	out.Body.Changed = make([]int, 0, len(res.Changed))
	for _, t := range res.Changed {
		out.Body.Changed = append(out.Body.Changed, t.Index)
	}
	out.Body.Refused = make([]RefusedTaskBody, 0, len(res.Refused))
	for _, r := range res.Refused {
		out.Body.Refused = append(out.Body.Refused, a.refusedTask(ctx, pa.Project.ID, r, unassign))
	}
	return out, nil
}

func (a *App) refusedTask(ctx context.Context, projectID int64, r db.Refusal, unassign bool) RefusedTaskBody {
	if errors.Is(r.Err, db.ErrNotFound) {
		return RefusedTaskBody{Index: r.Index, Reason: "no such task", Code: "no_task"}
	}
	out := RefusedTaskBody{Index: r.Index, Reason: r.Err.Error(), Code: "other"}
	if t, err := a.store.Task(ctx, projectID, r.Index); err == nil {
		out.State = t.State
		switch {
		case unassign && t.AssignedTo == 0 && t.AssignedTeamID == 0:
			out.Code = "not_assigned"
		case !unassign && t.State == string(taskflow.StateValidated):
			out.Code = "validated"
		}
	}
	return out
}

// checkAssignBody checks the selection (indexes or zones, one of them) and the assignee (a member of the project
// or one of its teams, one of them; neither for unassign), with a message per field.
func (a *App) checkAssignBody(ctx context.Context, projectID int64, b *AssignBody, unassign bool) error {
	errs := validation.Errors{}
	switch {
	case len(b.TaskIndexes) == 0 && b.Zones == nil:
		errs["task_indexes"] = coded("validation_assign_choose", "choose tasks: task_indexes or zones")
	case len(b.TaskIndexes) > 0 && b.Zones != nil:
		errs["zones"] = coded("validation_assign_both_selections", "give task_indexes or zones, not both")
	case len(b.TaskIndexes) > db.MaxBulkTasks:
		errs["task_indexes"] = coded("validation_assign_too_many", "at most 10,000 tasks at once")
	case b.Zones != nil && (b.Zones.Grid < 2 || b.Zones.Grid > maxZoneGrid):
		errs["zones.grid"] = coded("validation_zone_grid", "must be from {{.min}} to {{.max}}", "min", 2, "max", maxZoneGrid)
	case b.Zones != nil && len(b.Zones.Cells) == 0:
		errs["zones.cells"] = coded("validation_zone_none", "pick at least one zone")
	case b.Zones != nil && slices.ContainsFunc(b.Zones.Cells, func(c int) bool { return c < 0 || c >= b.Zones.Grid*b.Zones.Grid }):
		errs["zones.cells"] = coded("validation_zone_outside", "a zone number is outside the grid")
	case slices.ContainsFunc(b.TaskIndexes, func(i int) bool { return i < 1 }):
		errs["task_indexes"] = coded("validation_task_indexes", "task indexes start at 1")
	}
	switch {
	case unassign && (b.UserID != 0 || b.TeamID != 0):
		errs["user_id"] = coded("validation_unassign_assignee", "unassign takes no user_id or team_id")
	case unassign:
	case b.UserID == 0 && b.TeamID == 0:
		errs["user_id"] = coded("validation_assign_assignee", "give the user_id or the team_id to assign the tasks to")
	case b.UserID != 0 && b.TeamID != 0:
		errs["team_id"] = coded("validation_assign_both_assignees", "give a user_id or a team_id, not both")
	case b.UserID != 0:
		role, err := a.store.MemberRole(ctx, projectID, b.UserID)
		if err != nil {
			return err
		}
		if role == "" {
			errs["user_id"] = coded("validation_not_member", "is not a member of the project")
		}
	default:
		_, err := a.store.Team(ctx, projectID, b.TeamID)
		if errors.Is(err, db.ErrNotFound) {
			errs["team_id"] = coded("validation_no_such_team", "the project has no such team")
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// zoneTasks returns the indexes of the project's tasks in the picked zones of a grid over the area's bounding box.
func (a *App) zoneTasks(ctx context.Context, p db.Project, z ZonesBody) ([]int, error) {
	aoi, err := geo.ParseMultiPolygon(p.AOI)
	if err != nil {
		return nil, err
	}
	bound := aoi.Bound()
	tasks, err := a.store.Tasks(ctx, p.ID, db.TaskOptions{})
	if err != nil {
		return nil, err
	}
	var out []int
	for _, t := range tasks {
		cell := zoneOf(bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1], z.Grid,
			(t.MinLon+t.MaxLon)/2, (t.MinLat+t.MaxLat)/2)
		if slices.Contains(z.Cells, cell) {
			out = append(out, t.Index)
		}
	}
	return out, nil
}

// zoneOf is the zone (row by row from the north-west) of a grid x grid cut of a box holding the point.
func zoneOf(minLon, minLat, maxLon, maxLat float64, grid int, lon, lat float64) int {
	cell := func(v, lo, hi float64) int {
		if hi <= lo {
			return 0
		}
		return min(max(int((v-lo)/(hi-lo)*float64(grid)), 0), grid-1)
	}
	return cell(maxLat-lat+minLat, minLat, maxLat)*grid + cell(lon, minLon, maxLon)
}

// MyTasksOutput is a page of the caller's tasks.
type MyTasksOutput struct {
	Body struct {
		Items   []TaskBody `json:"items"`
		Total   int        `json:"total"`
		Page    int        `json:"page"`
		PerPage int        `json:"per_page"`
	}
}

func (a *App) apiMyTasks(ctx context.Context, in *struct {
	ProjectIDInput
	Page
}) (*MyTasksOutput, error) {
	limit, offset := in.limitOffset()
	list, total, err := a.store.AssignedTasks(ctx, in.ID, principal(ctx).UserID, limit, offset)
	if err != nil {
		return nil, err
	}
	out := &MyTasksOutput{}
	out.Body.Items = make([]TaskBody, 0, len(list))
	for _, t := range list {
		out.Body.Items = append(out.Body.Items, tasking.Body(t))
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = total, in.Page.Page, in.PerPage
	return out, nil
}
