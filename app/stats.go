package app

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// StatsBody is a project's progress.
type StatsBody struct {
	Tasks                int                `json:"tasks"`
	AreaM2               float64            `json:"area_m2" doc:"Total area of the tasks"`
	TasksByState         map[string]int     `json:"tasks_by_state"`
	AreaByState          map[string]float64 `json:"area_m2_by_state"`
	PercentMapped        float64            `json:"percent_mapped" doc:"By count: mapped, validating or validated"`
	PercentValidated     float64            `json:"percent_validated" doc:"By count"`
	PercentMappedByArea  float64            `json:"percent_mapped_by_area"`
	PercentValidatedArea float64            `json:"percent_validated_by_area"`
	FeaturesByStatus     map[string]int     `json:"features_by_status"`
	Contributors         []ContributorBody  `json:"contributors"`
	Activity             []ActivityBody     `json:"activity" doc:"Task actions per UTC day"`
}

// ContributorBody is a user's share of the work.
type ContributorBody struct {
	UserID    int64  `json:"user_id"`
	Username  string `json:"username"`
	Mapped    int    `json:"mapped"`
	Validated int    `json:"validated"`
	Actions   int    `json:"actions"`
}

// ActivityBody is one day's task actions.
type ActivityBody struct {
	Day       string `json:"day" doc:"YYYY-MM-DD, UTC"`
	Actions   int    `json:"actions"`
	Mapped    int    `json:"mapped"`
	Validated int    `json:"validated"`
}

// StatsOutput wraps StatsBody.
type StatsOutput struct{ Body StatsBody }

var statsOp = huma.Operation{OperationID: "get-project-stats", Tags: []string{"Projects"},
	Summary: "Tasks per state, percent mapped and validated, features, contributors, activity",
	Errors:  []int{http.StatusNotFound}}

// mappedStates count as mapped: the mapping is done whatever validation says next (invalidated is not).
var mappedStates = map[taskflow.State]bool{taskflow.StateMapped: true, taskflow.StateLockedForValidation: true,
	taskflow.StateValidated: true}

func (a *App) apiStats(ctx context.Context, in *ProjectIDInput) (*StatsOutput, error) {
	st, err := a.store.ProjectStats(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	b := progress(st.States)
	b.FeaturesByStatus, b.Contributors, b.Activity = st.Features, []ContributorBody{}, []ActivityBody{}
	for _, c := range st.Contributors {
		b.Contributors = append(b.Contributors, ContributorBody(c))
	}
	for _, d := range st.Activity {
		b.Activity = append(b.Activity, ActivityBody(d))
	}
	return &StatsOutput{Body: b}, nil
}

// progress is the task part of a project's stats: counts and areas per state (every state, 0 when none) and
// the shares mapped and validated.
func progress(states []db.StateCount) StatsBody {
	b := StatsBody{TasksByState: map[string]int{}, AreaByState: map[string]float64{}}
	for _, s := range taskflow.States() {
		b.TasksByState[string(s)], b.AreaByState[string(s)] = 0, 0
	}
	var mapped, validated int
	var mappedArea, validatedArea float64
	for _, s := range states {
		b.TasksByState[s.State], b.AreaByState[s.State] = s.Tasks, s.AreaM2
		b.Tasks += s.Tasks
		b.AreaM2 += s.AreaM2
		if mappedStates[taskflow.State(s.State)] {
			mapped, mappedArea = mapped+s.Tasks, mappedArea+s.AreaM2
		}
		if s.State == string(taskflow.StateValidated) {
			validated, validatedArea = s.Tasks, s.AreaM2
		}
	}
	b.PercentMapped, b.PercentValidated = percent(float64(mapped), float64(b.Tasks)),
		percent(float64(validated), float64(b.Tasks))
	b.PercentMappedByArea, b.PercentValidatedArea = percent(mappedArea, b.AreaM2), percent(validatedArea, b.AreaM2)
	return b
}

func percent(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(int(part/whole*1000+0.5)) / 10
}
