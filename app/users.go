package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/go-ozzo/ozzo-validation/v4/is"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// errUsernameTaken refuses a username another account has.
var errUsernameTaken = coded("validation_username_taken", "is already taken")

// UserBody is a user as the API shows it (never with a password hash).
type UserBody struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email"`
	IsAdmin     bool      `json:"is_admin"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func userBody(u db.User) UserBody {
	return UserBody{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, IsAdmin: u.IsAdmin,
		Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

// UserOutput wraps UserBody.
type UserOutput struct{ Body UserBody }

// NewUserBody is what an administrator sends to create a user.
type NewUserBody struct {
	Username    string `json:"username" maxLength:"64" doc:"3-64 characters: a-z 0-9 . _ -"`
	DisplayName string `json:"display_name,omitempty" maxLength:"100"`
	Password    string `json:"password" maxLength:"256" doc:"10-256 characters"`
	Email       string `json:"email,omitempty" maxLength:"254"`
	IsAdmin     bool   `json:"is_admin,omitempty"`
}

// Validate checks the domain rules.
func (b *NewUserBody) Validate() error {
	b.Username = auth.NormalizeUsername(b.Username)
	b.DisplayName = strings.TrimSpace(b.DisplayName)
	return validation.ValidateStruct(b,
		validation.Field(&b.Username, validation.Required, auth.UsernameRule()),
		validation.Field(&b.DisplayName, validation.RuneLength(0, 100)),
		validation.Field(&b.Password, validation.Required, auth.PasswordRule()),
		validation.Field(&b.Email, is.EmailFormat, validation.RuneLength(0, 254)),
	)
}

// UserPatchBody changes some fields of a user; absent fields stay as they are.
type UserPatchBody struct {
	Username    *string `json:"username,omitempty" maxLength:"64"`
	DisplayName *string `json:"display_name,omitempty" maxLength:"100"`
	Email       *string `json:"email,omitempty" maxLength:"254"`
	Password    *string `json:"password,omitempty" maxLength:"256" doc:"A new password (revokes the user's sessions and tokens)"`
	IsAdmin     *bool   `json:"is_admin,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty" doc:"A disabled user's sessions and tokens stop working at once"`
}

// Validate checks the domain rules of the fields present.
func (b *UserPatchBody) Validate() error {
	if b.Username != nil {
		*b.Username = auth.NormalizeUsername(*b.Username)
	}
	return validation.ValidateStruct(b,
		validation.Field(&b.Username, validation.When(b.Username != nil, validation.Required, auth.UsernameRule())),
		validation.Field(&b.DisplayName, validation.RuneLength(0, 100)),
		validation.Field(&b.Email, is.EmailFormat, validation.RuneLength(0, 254)),
		validation.Field(&b.Password, validation.When(b.Password != nil, validation.Required, auth.PasswordRule())),
	)
}

// Page is the paging part of a list request.
type Page struct {
	Page    int `query:"page" minimum:"1" default:"1"`
	PerPage int `query:"per_page" minimum:"1" maximum:"500" default:"50"`
}

func (p Page) limitOffset() (int, int) { return p.PerPage, (p.Page - 1) * p.PerPage }

var (
	createUserOp = huma.Operation{OperationID: "create-user", Tags: []string{"Users"},
		Summary: "Create a user (administrators)", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity}}
	listUsersOp = huma.Operation{OperationID: "list-users", Tags: []string{"Users"},
		Summary: "List users (administrators)"}
	getUserOp = huma.Operation{OperationID: "get-user", Tags: []string{"Users"},
		Summary: "A user (administrators)", Errors: []int{http.StatusNotFound}}
	patchUserOp = huma.Operation{OperationID: "patch-user", Tags: []string{"Users"},
		Summary: "Rename, disable, promote or reset the password of a user (administrators)",
		Errors:  []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}
	getMeOp = huma.Operation{OperationID: "get-me", Tags: []string{"Users"}, Summary: "The signed-in user"}
)

func (a *App) apiCreateUser(ctx context.Context, in *struct{ Body NewUserBody }) (*UserOutput, error) {
	u, err := a.createUser(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

// createUser validates and stores a new user; a taken username is a 409 naming the field.
func (a *App) createUser(ctx context.Context, b NewUserBody) (db.User, error) {
	if err := b.Validate(); err != nil {
		return db.User{}, err
	}
	hash, err := a.logins.hash(ctx, b.Password)
	if err != nil {
		return db.User{}, err
	}
	if b.DisplayName == "" {
		b.DisplayName = b.Username
	}
	u, err := a.store.CreateUser(ctx, db.User{Username: b.Username, DisplayName: b.DisplayName, Email: b.Email,
		PasswordHash: hash, IsAdmin: b.IsAdmin})
	if isConflict(err) {
		return db.User{}, &Error{Status: http.StatusConflict, Message: "username taken",
			Fields: map[string]validation.Error{"username": errUsernameTaken}}
	}
	return u, err
}

// UserListOutput is a page of users.
type UserListOutput struct {
	Body struct {
		Items   []UserBody `json:"items"`
		Total   int        `json:"total"`
		Page    int        `json:"page"`
		PerPage int        `json:"per_page"`
	}
}

func (a *App) apiListUsers(ctx context.Context, in *struct {
	Page
	Q string `query:"q" maxLength:"100" doc:"Part of a username or display name"`
}) (*UserListOutput, error) {
	limit, offset := in.limitOffset()
	users, total, err := a.store.Users(ctx, db.UserFilter{Query: in.Q, Limit: limit, Offset: offset})
	if err != nil {
		return nil, err
	}
	out := &UserListOutput{}
	out.Body.Items = make([]UserBody, 0, len(users))
	for _, u := range users {
		out.Body.Items = append(out.Body.Items, userBody(u))
	}
	out.Body.Total, out.Body.Page, out.Body.PerPage = total, in.Page.Page, in.PerPage
	return out, nil
}

// UserIDInput names a user.
type UserIDInput struct {
	UserID int64 `path:"user_id" minimum:"1"`
}

func (a *App) apiGetUser(ctx context.Context, in *UserIDInput) (*UserOutput, error) {
	u, err := a.store.User(ctx, in.UserID)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

func (a *App) apiPatchUser(ctx context.Context, in *struct {
	UserIDInput
	Body UserPatchBody
}) (*UserOutput, error) {
	u, err := a.patchUser(ctx, in.UserID, in.Body)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

// patchUser applies an administrator's change; the last enabled administrator cannot be disabled or demoted.
func (a *App) patchUser(ctx context.Context, id int64, b UserPatchBody) (db.User, error) {
	if err := b.Validate(); err != nil {
		return db.User{}, err
	}
	cur, err := a.store.User(ctx, id)
	if err != nil {
		return db.User{}, err
	}
	losesAdmin := cur.IsAdmin && !cur.Disabled &&
		((b.Disabled != nil && *b.Disabled) || (b.IsAdmin != nil && !*b.IsAdmin))
	if losesAdmin {
		if n, err := a.store.CountAdmins(ctx); err != nil || n <= 1 {
			return db.User{}, refusal(http.StatusConflict, coded("validation_last_admin",
				"this is the last administrator; make another first"))
		}
	}
	p := db.UserPatch{Username: b.Username, DisplayName: b.DisplayName, Email: b.Email, IsAdmin: b.IsAdmin,
		Disabled: b.Disabled}
	if b.Password != nil {
		h, err := a.logins.hash(ctx, *b.Password)
		if err != nil {
			return db.User{}, err
		}
		p.PasswordHash = &h
	}
	u, err := a.store.UpdateUser(ctx, id, p)
	// Forgotten after the write: a request that cached the user meanwhile would otherwise keep old rights.
	a.creds.forgetUser(id)
	if isConflict(err) {
		return db.User{}, &Error{Status: http.StatusConflict, Message: "username taken",
			Fields: map[string]validation.Error{"username": errUsernameTaken}}
	}
	return u, err
}

func (a *App) apiGetMe(ctx context.Context, _ *struct{}) (*UserOutput, error) {
	u, err := a.store.User(ctx, principal(ctx).UserID)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}
