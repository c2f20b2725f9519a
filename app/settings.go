package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/config"
	"fieldbase/db"
)

// SettingsBody is the instance settings as the API shows and takes them.
type SettingsBody struct {
	SiteName           string `json:"site_name" maxLength:"100" doc:"Name shown in the page header"`
	DefaultLockMinutes int    `json:"default_lock_minutes" doc:"Task lock duration for new projects, minutes"`
	MaxUploadMB        int    `json:"max_upload_mb" doc:"Largest accepted upload, MB"`
	BaseURL            string `json:"base_url,omitempty" maxLength:"200" doc:"The address phones reach this server at, e.g. http://192.168.1.20:8090 (ODK Collect's server URL and the device QR codes); empty: server.base_url of the configuration"`
	DefaultLanguage    string `json:"default_language,omitempty" maxLength:"20" doc:"Language of the pages for people who chose none and whose browser asks for none the server has (a tag such as en, fr, ar); empty: English"`
	// OnlineBasemaps are the XYZ tile services added to the configuration's map.online_basemaps (whose names they
	// may not reuse); a PUT without them removes them.
	OnlineBasemaps []config.OnlineBasemap `json:"online_basemaps,omitempty" maxItems:"20" doc:"Online XYZ basemaps the maps offer beside the configuration's map.online_basemaps; none by default"`
	UpdatedAt      *time.Time             `json:"updated_at,omitempty" readOnly:"true"`
}

// Validate checks the domain rules (Huma has already checked the shape); configured are the configuration's
// online basemaps, whose names the settings' may not reuse.
func (s SettingsBody) Validate(maxUploadMB int, configured []config.OnlineBasemap) error {
	return validation.ValidateStruct(&s,
		validation.Field(&s.SiteName, validation.Required, validation.RuneLength(1, 100)),
		validation.Field(&s.DefaultLockMinutes, validation.Required, validation.Min(5), validation.Max(7*24*60)),
		validation.Field(&s.MaxUploadMB, validation.Required, validation.Min(1), validation.Max(maxUploadMB)),
		validation.Field(&s.BaseURL, validation.RuneLength(0, 200), validation.By(checkBaseURL)),
		validation.Field(&s.OnlineBasemaps, validation.By(func(any) error {
			if err := config.CheckOnlineBasemaps(s.OnlineBasemaps, configured); err != nil {
				return coded("validation_online_basemaps", "{{.detail}}", "detail", err.Error())
			}
			return nil
		})),
	)
}

// checkBaseURL accepts an absolute http(s) URL of a server: a host (and port), no query or fragment.
func checkBaseURL(v any) error {
	raw, _ := v.(string)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" ||
		u.Fragment != "" || u.User != nil {
		return coded("validation_base_url", "must be an address such as http://192.168.1.20:8090")
	}
	return nil
}

func settingsBody(s db.Settings) SettingsBody {
	b := SettingsBody{SiteName: s.SiteName, DefaultLockMinutes: s.DefaultLockMinutes, MaxUploadMB: s.MaxUploadMB,
		BaseURL: s.BaseURL, DefaultLanguage: s.DefaultLanguage}
	for _, o := range s.OnlineBasemaps {
		b.OnlineBasemaps = append(b.OnlineBasemaps, config.OnlineBasemap(o))
	}
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
	getSettingsOp = huma.Operation{OperationID: "get-settings", Tags: []string{"System"},
		Summary: "Instance settings"}
	putSettingsOp = huma.Operation{OperationID: "put-settings", Tags: []string{"System"},
		Summary: "Change the instance settings (administrators)",
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
	if err := in.Body.Validate(a.cfg.Server.BodyLimitMB, a.cfg.Maps.OnlineBasemaps); err != nil {
		return nil, err
	}
	if l := in.Body.DefaultLanguage; l != "" && !a.cat.Has(l) {
		return nil, fieldError("default_language", a.errLanguage())
	}
	var online []db.OnlineBasemap
	for _, b := range in.Body.OnlineBasemaps {
		b.Name = strings.TrimSpace(b.Name)
		b.Attribution = strings.TrimSpace(b.Attribution)
		online = append(online, db.OnlineBasemap(b))
	}
	a.online.saving.Lock()
	defer a.online.saving.Unlock()
	saved, err := a.store.SaveSettings(ctx, db.Settings{SiteName: in.Body.SiteName,
		DefaultLockMinutes: in.Body.DefaultLockMinutes, MaxUploadMB: in.Body.MaxUploadMB,
		BaseURL: strings.TrimRight(strings.TrimSpace(in.Body.BaseURL), "/"), OnlineBasemaps: online,
		DefaultLanguage: in.Body.DefaultLanguage})
	if err != nil {
		return nil, err
	}
	a.online.set(saved.OnlineBasemaps)
	return &SettingsOutput{Body: settingsBody(saved)}, nil
}
