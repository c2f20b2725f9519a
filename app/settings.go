package app

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/db"
)

// SettingsBody is the instance settings as the API shows and takes them.
type SettingsBody struct {
	SiteName           string     `json:"site_name" maxLength:"100" doc:"Name shown in the page header"`
	DefaultLockMinutes int        `json:"default_lock_minutes" doc:"Task lock duration for new projects, minutes"`
	MaxUploadMB        int        `json:"max_upload_mb" doc:"Largest accepted upload, MB"`
	UpdatedAt          *time.Time `json:"updated_at,omitempty" readOnly:"true"`
}

// Validate checks the domain rules (Huma has already checked the shape).
func (s SettingsBody) Validate(maxUploadMB int) error {
	return validation.ValidateStruct(&s,
		validation.Field(&s.SiteName, validation.Required, validation.RuneLength(1, 100)),
		validation.Field(&s.DefaultLockMinutes, validation.Required, validation.Min(5), validation.Max(7*24*60)),
		validation.Field(&s.MaxUploadMB, validation.Required, validation.Min(1), validation.Max(maxUploadMB)),
	)
}

func settingsBody(s db.Settings) SettingsBody {
	b := SettingsBody{SiteName: s.SiteName, DefaultLockMinutes: s.DefaultLockMinutes, MaxUploadMB: s.MaxUploadMB}
	if !s.UpdatedAt.IsZero() {
		t := s.UpdatedAt
		b.UpdatedAt = &t
	}
	return b
}

// SettingsOutput wraps SettingsBody.
type SettingsOutput struct{ Body SettingsBody }

// SettingsInput is the body of PUT /settings.
type SettingsInput struct{ Body SettingsBody }

var (
	getSettingsOp = huma.Operation{OperationID: "get-settings", Method: http.MethodGet, Path: "/settings",
		Tags: []string{"System"}, Summary: "Instance settings"}
	putSettingsOp = huma.Operation{OperationID: "put-settings", Method: http.MethodPut, Path: "/settings",
		Tags: []string{"System"}, Summary: "Change the instance settings (administrators)",
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusUnprocessableEntity}}
)

func (a *App) apiGetSettings(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
	s, err := a.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &SettingsOutput{Body: settingsBody(s)}, nil
}

func (a *App) apiPutSettings(ctx context.Context, in *SettingsInput) (*SettingsOutput, error) {
	if err := in.Body.Validate(a.cfg.Server.BodyLimitMB); err != nil {
		return nil, err
	}
	saved, err := a.store.SaveSettings(ctx, db.Settings{SiteName: in.Body.SiteName,
		DefaultLockMinutes: in.Body.DefaultLockMinutes, MaxUploadMB: in.Body.MaxUploadMB})
	if err != nil {
		return nil, err
	}
	return &SettingsOutput{Body: settingsBody(saved)}, nil
}
