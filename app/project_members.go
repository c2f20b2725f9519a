package app

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/db"
)

// MemberBody is a project member.
type MemberBody struct {
	UserID      int64     `json:"user_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role" enum:"mapper,validator,field_manager,project_manager"`
	CreatedAt   time.Time `json:"created_at"`
}

func memberBody(m db.Member) MemberBody {
	return MemberBody{UserID: m.UserID, Username: m.Username, DisplayName: m.DisplayName, Role: m.Role,
		CreatedAt: m.CreatedAt.UTC()}
}

// MemberListOutput lists a project's members.
type MemberListOutput struct {
	Body struct {
		Items []MemberBody `json:"items"`
		Total int          `json:"total"`
	}
}

// MemberInput names a member of a project.
type MemberInput struct {
	ID     int64 `path:"id" minimum:"1"`
	UserID int64 `path:"user_id" minimum:"1"`
}

// MemberRoleBody is the body of PUT /projects/{id}/members/{user_id}.
type MemberRoleBody struct {
	Role string `json:"role" enum:"mapper,validator,field_manager,project_manager"`
}

var (
	listMembersOp = huma.Operation{OperationID: "list-project-members", Tags: []string{"Projects"},
		Summary: "A project's members",
		Errors:  []int{http.StatusNotFound}}
	putMemberOp = huma.Operation{OperationID: "put-project-member", Tags: []string{"Projects"},
		Summary: "Add a member or change their role (project managers)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	deleteMemberOp = huma.Operation{OperationID: "delete-project-member", Tags: []string{"Projects"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Remove a member (project managers)", Errors: []int{http.StatusNotFound, http.StatusConflict}}
)

func (a *App) apiListMembers(ctx context.Context, in *ProjectIDInput) (*MemberListOutput, error) {
	list, err := a.store.Members(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &MemberListOutput{}
	out.Body.Items = make([]MemberBody, 0, len(list))
	for _, m := range list {
		out.Body.Items = append(out.Body.Items, memberBody(m))
	}
	out.Body.Total = len(list)
	return out, nil
}

// MemberOutput wraps MemberBody.
type MemberOutput struct{ Body MemberBody }

// errNeedsManager refuses a change that would leave a project without a project manager.
var errNeedsManager = coded("validation_needs_manager", "the project needs a project manager")

func (a *App) apiPutMember(ctx context.Context, in *struct {
	MemberInput
	Body MemberRoleBody
}) (*MemberOutput, error) {
	err := validation.ValidateStruct(&in.Body, validation.Field(&in.Body.Role, validation.Required,
		validation.In("mapper", "validator", "field_manager", "project_manager")))
	if err != nil {
		return nil, err
	}
	m, err := a.store.SetMember(ctx, in.ID, in.UserID, in.Body.Role)
	if isConflict(err) {
		return nil, &Error{Status: http.StatusConflict, Message: errNeedsManager.Error(), Words: errNeedsManager, Err: err}
	}
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberBody(m)}, nil
}

func (a *App) apiDeleteMember(ctx context.Context, in *MemberInput) (*struct{}, error) {
	err := a.store.RemoveMember(ctx, in.ID, in.UserID)
	if isConflict(err) {
		return nil, &Error{Status: http.StatusConflict, Message: errNeedsManager.Error(), Words: errNeedsManager, Err: err}
	}
	return nil, err
}
