// Package tasking holds the task operations that API handlers, pages and background jobs share: apply an
// action to a task (with its history row, atomically), list what a caller may do, release expired locks, split
// a project into tasks, and tell the project's open pages about each change. The rules themselves live in
// taskflow (pure) and geo; SQL in db. It must not import fiber, huma, River or the app package.
package tasking

import (
	"cmp"
	"context"
	"strings"
	"time"

	"fieldbase/app/live"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// Service applies task operations on a store and publishes them to the project's live streams.
type Service struct {
	store  *db.Store
	events *live.Broker
}

// New returns the task operations over store; events (nil: none) receives a task event per change.
func New(store *db.Store, events *live.Broker) *Service {
	return &Service{store: store, events: events}
}

// Person is who acts on a task: a user, or the zero Person for the system.
type Person struct {
	ID          int64
	Username    string
	DisplayName string
}

// PersonName is how people know a user: the display name when set, else the username.
func PersonName(displayName, username string) string {
	return cmp.Or(strings.TrimSpace(displayName), username)
}

// TaskBody is a task as the API lists it and the live stream sends it.
type TaskBody struct {
	Index          int        `json:"index"`
	State          string     `json:"state"`
	AreaM2         float64    `json:"area_m2"`
	FeatureCount   int        `json:"feature_count"`
	BBox           [4]float64 `json:"bbox" doc:"min_lon, min_lat, max_lon, max_lat"`
	LockedBy       *UserRef   `json:"locked_by,omitempty"`
	LockExpiresAt  *time.Time `json:"lock_expires_at,omitempty"`
	AssignedTo     *UserRef   `json:"assigned_to,omitempty"`
	AssignedTeam   *TeamRef   `json:"assigned_team,omitempty" doc:"The team the task is assigned to (a task has an assigned_to or an assigned_team, not both)"`
	MappedBy       int64      `json:"mapped_by,omitempty"`
	Version        int64      `json:"version"`
	UpdatedAt      time.Time  `json:"updated_at"`
	AllowedActions []string   `json:"allowed_actions,omitempty" doc:"What the caller may do now (single task views)"`
	WhyNot         []Reason   `json:"why_not,omitempty" doc:"Why main actions are missing from allowed_actions (single task views)"`
}

// Reason says in words why an action is not available to the caller now.
type Reason struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	Code   string `json:"code" doc:"Stable name of the reason (e.g. locked_by_mapper, lock_limit), for clients that word it themselves"`
	// Data fills the reason's sentence in another language (Name, Count).
	Data map[string]any `json:"-"`
}

// UserRef names a user.
type UserRef struct {
	ID       int64  `json:"id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty" doc:"How people know the user: the display name, or the username"`
}

// TeamRef names a team of the project, with its colour on the map.
type TeamRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name,omitempty"`
	Colour string `json:"colour,omitempty" doc:"#rrggbb"`
}

func userRef(id int64, username, displayName string) *UserRef {
	if id == 0 {
		return nil
	}
	return &UserRef{ID: id, Username: username, Name: PersonName(displayName, username)}
}

// Body is the API shape of a stored task.
func Body(t db.Task) TaskBody {
	b := TaskBody{Index: t.Index, State: t.State, AreaM2: t.AreaM2, FeatureCount: t.FeatureCount,
		BBox:     [4]float64{t.MinLon, t.MinLat, t.MaxLon, t.MaxLat},
		LockedBy: userRef(t.LockedBy, t.LockedByName, t.LockedByDisplayName), MappedBy: t.MappedBy,
		AssignedTo: userRef(t.AssignedTo, t.AssignedToName, t.AssignedToDisplayName), Version: t.Version,
		UpdatedAt: t.UpdatedAt.UTC()}
	if t.AssignedTeamID != 0 {
		b.AssignedTeam = &TeamRef{ID: t.AssignedTeamID, Name: t.AssignedTeamName, Colour: t.AssignedTeamColour}
	}
	if !t.LockExpiresAt.IsZero() {
		e := t.LockExpiresAt.UTC()
		b.LockExpiresAt = &e
	}
	return b
}

// TaskChange is the payload of a task event: the task after the change, what was done and by whom.
type TaskChange struct {
	ProjectID int64    `json:"project_id"`
	Task      TaskBody `json:"task"`
	Action    string   `json:"action"`
	By        string   `json:"by"`
}

// Act applies an action of by (whose role in the project is role) to task index of a project: the rules
// decide inside the write transaction, the task and its history row commit together, then the project's open
// pages are told. A refusal is a *taskflow.Error; a missing task db.ErrNotFound.
func (s *Service) Act(ctx context.Context, projectID int64, index int, by Person, role taskflow.Role,
	req taskflow.Request) (db.Task, db.TaskEvent, error) {
	// The rules let the members of a task's team lock it, so they need the caller's teams in this project.
	teams, err := s.store.UserTeams(ctx, projectID, by.ID)
	if err != nil {
		return db.Task{}, db.TaskEvent{}, err
	}
	next, ev, err := s.store.ChangeTask(ctx, projectID, index, by.ID,
		func(snap db.TaskSnapshot) (db.Task, db.TaskEvent, error) {
			return ApplyTaskAction(snap, taskflow.Actor{UserID: by.ID, Role: role, Locks: snap.Locks, Teams: teams},
				req)
		})
	if err != nil {
		return next, ev, err
	}
	s.publish(projectID, next, ev.Action, by)
	return next, ev, nil
}

// Options lists what user (with role in the project) may do to the task now, and why the main actions left out
// are not possible (taskflow.WhyNot), naming the lock holder and the assignee as people know them. Both read the
// locks the user holds once.
func (s *Service) Options(ctx context.Context, p db.Project, t db.Task, userID int64,
	role taskflow.Role) (allowed []string, whyNot []Reason, err error) {
	actor, err := s.actor(ctx, p, userID, role)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	for _, act := range taskflow.Actions(FlowTask(t), actor, FlowRules(p), now) {
		allowed = append(allowed, string(act))
	}
	names := taskflow.Names{LockedBy: PersonName(t.LockedByDisplayName, t.LockedByName),
		AssignedTo: PersonName(t.AssignedToDisplayName, t.AssignedToName), AssignedTeam: t.AssignedTeamName}
	for _, r := range taskflow.WhyNot(FlowTask(t), actor, FlowRules(p), now, names) {
		code, data := taskflow.ReasonCode(FlowTask(t), actor, FlowRules(p), r.Action, now, names)
		whyNot = append(whyNot, Reason{Action: string(r.Action), Reason: r.Text, Code: code, Data: data})
	}
	return allowed, whyNot, nil
}

// actor is user as the rules see them in project p, with the locks they hold there now and their teams.
func (s *Service) actor(ctx context.Context, p db.Project, userID int64, role taskflow.Role) (taskflow.Actor, error) {
	locks, err := s.store.LocksHeld(ctx, p.ID, userID)
	if err != nil {
		return taskflow.Actor{}, err
	}
	teams, err := s.store.UserTeams(ctx, p.ID, userID)
	return taskflow.Actor{UserID: userID, Role: role, Locks: locks, Teams: teams}, err
}

// publish tells a project's open pages that a task changed; the names of the lock holder and assignee are
// filled in when they are the actor.
func (s *Service) publish(projectID int64, t db.Task, action string, by Person) {
	if s.events == nil {
		return
	}
	name := "system"
	if by.ID != 0 {
		name = by.Username
		if t.LockedBy == by.ID && t.LockedByName == "" {
			t.LockedByName, t.LockedByDisplayName = by.Username, by.DisplayName
		}
		if t.AssignedTo == by.ID && t.AssignedToName == "" {
			t.AssignedToName, t.AssignedToDisplayName = by.Username, by.DisplayName
		}
	}
	s.events.PublishJSON(projectID, live.KindTask, TaskChange{ProjectID: projectID, Task: Body(t), Action: action,
		By: name})
}

// ApplyTaskAction decides an action on a stored task with the workflow rules (taskflow.Apply) and returns the
// task and history row to store; it is the decide function of db.Store.ChangeTask for people and the system.
func ApplyTaskAction(s db.TaskSnapshot, actor taskflow.Actor, req taskflow.Request) (db.Task, db.TaskEvent, error) {
	next, ev, err := taskflow.Apply(FlowTask(s.Task), actor, FlowRules(s.Project), req)
	if err != nil {
		return db.Task{}, db.TaskEvent{}, err
	}
	t := s.Task
	t.State, t.LockedBy, t.MappedBy, t.AssignedTo = string(next.State), next.LockedBy, next.MappedBy, next.AssignedTo
	if t.AssignedTeamID != next.AssignedTeam {
		t.AssignedTeamID, t.AssignedTeamName, t.AssignedTeamColour = next.AssignedTeam, "", ""
	}
	t.LockExpiresAt, t.StateBeforeLock = next.LockExpiresAt, string(next.StateBeforeLock)
	if !next.State.Locked() {
		t.LockExpiresAt = time.Time{}
	}
	out := db.TaskEvent{Action: string(ev.Action), FromState: string(ev.From), ToState: string(ev.To),
		Comment: ev.Comment, TargetUserID: ev.UserID, TargetTeamID: ev.TeamID}
	out.Notices = TaskNotices(s.Task, actor.UserID, out)
	return t, out, nil
}

// FlowTask is the part of a stored task the workflow rules read.
func FlowTask(t db.Task) taskflow.Task {
	return taskflow.Task{State: taskflow.State(t.State), LockedBy: t.LockedBy, MappedBy: t.MappedBy,
		AssignedTo: t.AssignedTo, AssignedTeam: t.AssignedTeamID, LockExpiresAt: t.LockExpiresAt, StateBeforeLock: taskflow.State(t.StateBeforeLock)}
}

// FlowRules are a project's workflow settings as the rules read them; only a published project is open.
func FlowRules(p db.Project) taskflow.Rules {
	return taskflow.Rules{ProjectOpen: p.Status == "published", Draft: p.Status == "draft",
		LockDuration: time.Duration(p.LockMinutes) * time.Minute, AllowSelfValidation: p.AllowSelfValidation,
		MaxLocksPerUser: p.MaxLocksPerUser}
}
