package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/auth"
	"fieldbase/db"
)

// LoginBody is a username and password.
type LoginBody struct {
	Username string `json:"username" maxLength:"64"`
	Password string `json:"password" maxLength:"256"`
	Name     string `json:"name,omitempty" maxLength:"100" doc:"A label for the token, e.g. the device it is for"`
}

// TokenOutput is a new API token, shown once.
type TokenOutput struct {
	Body struct {
		Token     string    `json:"token" doc:"Send as Authorization: Bearer <token>; it is not shown again"`
		ExpiresAt time.Time `json:"expires_at"`
		User      UserBody  `json:"user"`
	}
}

// PasswordChangeBody is the caller's old and new password.
type PasswordChangeBody struct {
	OldPassword string `json:"old_password" maxLength:"256"`
	NewPassword string `json:"new_password" maxLength:"256" doc:"10-256 characters"`
}

// Validate checks the domain rules.
func (b PasswordChangeBody) Validate() error {
	return validation.ValidateStruct(&b,
		validation.Field(&b.OldPassword, validation.Required),
		validation.Field(&b.NewPassword, validation.Required, auth.PasswordRule()),
	)
}

var (
	createTokenOp = huma.Operation{OperationID: "create-token", Tags: []string{"Auth"},
		Summary:       "Exchange a username and password for an API token",
		DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity,
			http.StatusTooManyRequests}}
	revokeTokenOp = huma.Operation{OperationID: "revoke-current-token", Tags: []string{"Auth"},
		Summary:       "Revoke the token (or session) of this request",
		DefaultStatus: http.StatusNoContent}
	changePasswordOp = huma.Operation{OperationID: "change-my-password", Tags: []string{"Users"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Change your own password (revokes your other sessions and tokens)",
		Errors:        []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}
)

func (a *App) apiCreateToken(ctx context.Context, in *struct{ Body LoginBody }) (*TokenOutput, error) {
	if err := validation.ValidateStruct(&in.Body, validation.Field(&in.Body.Username, validation.Required),
		validation.Field(&in.Body.Password, validation.Required)); err != nil {
		return nil, err
	}
	u, err := a.logins.check(ctx, in.Body.Username, in.Body.Password)
	if err != nil {
		return nil, err
	}
	plain, cred, err := a.issue(ctx, u.ID, "token", in.Body.Name)
	if err != nil {
		return nil, err
	}
	out := &TokenOutput{}
	out.Body.Token, out.Body.ExpiresAt, out.Body.User = plain, cred.ExpiresAt.UTC(), userBody(u)
	return out, nil
}

func (a *App) apiRevokeToken(ctx context.Context, _ *struct{}) (*struct{}, error) {
	return nil, a.revoke(ctx, principal(ctx).SessionID)
}

// revoke deletes a session or token and forgets it at once.
func (a *App) revoke(ctx context.Context, credentialID int64) error {
	a.creds.forgetCredential(credentialID)
	err := a.store.RevokeCredential(ctx, credentialID)
	a.creds.forgetCredential(credentialID)
	return err
}

func (a *App) apiChangePassword(ctx context.Context, in *struct{ Body PasswordChangeBody }) (*struct{}, error) {
	return nil, a.changePassword(ctx, principal(ctx), in.Body)
}

// changePassword checks the old password, stores the new one and revokes every other session and token.
func (a *App) changePassword(ctx context.Context, p *Principal, b PasswordChangeBody) error {
	if err := b.Validate(); err != nil {
		return err
	}
	u, err := a.store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, err := a.logins.verify(ctx, b.OldPassword, u.PasswordHash)
	var ae *Error
	if errors.As(err, &ae) { // the server is busy
		return err
	}
	if !ok {
		return fieldError("old_password", coded("validation_old_password", "is not your current password"))
	}
	hash, err := a.logins.hash(ctx, b.NewPassword)
	if err != nil {
		return err
	}
	err = a.store.ChangePassword(ctx, p.UserID, hash, p.SessionID)
	a.creds.forgetUser(p.UserID)
	return err
}

// isConflict reports a db conflict (e.g. a unique value taken).
func isConflict(err error) bool { return errors.Is(err, db.ErrConflict) }
