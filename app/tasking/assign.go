package tasking

import (
	"context"
	"errors"
	"time"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// Assignment is a bulk assign (to a user or a team) or unassign of tasks named by their indexes.
type Assignment struct {
	Indexes  []int
	UserID   int64
	TeamID   int64
	Unassign bool
}

// AssignResult is what a bulk assignment did: the tasks changed, and those left as they were with the reason.
type AssignResult struct {
	Changed []db.Task
	Refused []db.Refusal
}

// Assign assigns (or unassigns) the tasks of a bulk assignment as by (with role in the project) in one write
// transaction: every task goes through the workflow rules, gets its history row, and a task the rules refuse
// (a validated task, an unassigned task to unassign) is reported in Refused rather than skipped silently. After
// the commit each change is published to the project's live stream; the "task assigned" notifications (to the
// person, or to every member of the team) are stored inside the same transaction.
func (s *Service) Assign(ctx context.Context, projectID int64, by Person, role taskflow.Role,
	as Assignment) (AssignResult, error) {
	req := taskflow.Request{Action: taskflow.ActionAssign, UserID: as.UserID, TeamID: as.TeamID, Now: time.Now()}
	if as.Unassign {
		req = taskflow.Request{Action: taskflow.ActionUnassign, Now: req.Now}
	}
	actor := taskflow.Actor{UserID: by.ID, Role: role}
	changed, _, refused, err := s.store.ChangeTasks(ctx, projectID, as.Indexes, by.ID,
		func(snap db.TaskSnapshot) (db.Task, db.TaskEvent, error) {
			actor.Locks = snap.Locks
			return ApplyTaskAction(snap, actor, req)
		}, func(err error) bool {
			var fe *taskflow.Error
			return errors.As(err, &fe)
		})
	if err != nil {
		return AssignResult{}, err
	}
	if err := s.nameAssignees(ctx, projectID, changed, as); err != nil {
		return AssignResult{}, err
	}
	for _, t := range changed {
		s.publish(projectID, t, string(req.Action), by)
	}
	return AssignResult{Changed: changed, Refused: refused}, nil
}

// nameAssignees fills in the name of the user or team the tasks were given to, for the stream and the answer.
func (s *Service) nameAssignees(ctx context.Context, projectID int64, tasks []db.Task, as Assignment) error {
	var user db.User
	var team db.Team
	var err error
	switch {
	case len(tasks) == 0 || as.Unassign:
		return nil
	case as.UserID != 0:
		user, err = s.store.User(ctx, as.UserID)
	default:
		team, err = s.store.Team(ctx, projectID, as.TeamID)
	}
	if err != nil {
		return err
	}
	for i := range tasks {
		tasks[i].AssignedToName, tasks[i].AssignedToDisplayName = user.Username, user.DisplayName
		tasks[i].AssignedTeamName, tasks[i].AssignedTeamColour = team.Name, team.Colour
	}
	return nil
}
