package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// Settings are the instance-wide settings administrators edit at run time.
type Settings struct {
	SiteName           string `json:"site_name"`
	DefaultLockMinutes int    `json:"default_lock_minutes"`
	MaxUploadMB        int    `json:"max_upload_mb"`
	// BaseURL is the address phones reach the server at (ODK Collect's server URL, the QR codes); empty means
	// server.base_url from the configuration.
	BaseURL string `json:"base_url,omitempty"`
	// DefaultLanguage is the pages' language for people whose browser asks for none the catalogues have.
	DefaultLanguage string `json:"default_language,omitempty"`
	// OnlineBasemaps are the XYZ tile services administrators added to the configuration's (map.online_basemaps).
	OnlineBasemaps []OnlineBasemap `json:"online_basemaps,omitempty"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// OnlineBasemap is an XYZ raster tile service maps may offer: its name, tile URL template, attribution and
// largest zoom.
type OnlineBasemap struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
	MaxZoom     int    `json:"max_zoom"`
}

// DefaultSettings are the settings of a new instance.
func DefaultSettings() Settings {
	return Settings{SiteName: "Fieldbase", DefaultLockMinutes: 180, MaxUploadMB: 100}
}

const settingsKey = "instance"

// Settings returns the instance settings, or the defaults when none were saved.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	var raw, updated string
	err := s.read.QueryRowContext(ctx, "SELECT value, updated_at FROM settings WHERE key = ?", settingsKey).
		Scan(&raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, err
	}
	out := DefaultSettings()
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return Settings{}, err
	}
	out.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return out, nil
}

// SaveSettings stores the instance settings and returns them as saved.
func (s *Store) SaveSettings(ctx context.Context, in Settings) (Settings, error) {
	in.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	raw, err := json.Marshal(in)
	if err != nil {
		return Settings{}, err
	}
	err = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			settingsKey, string(raw), in.UpdatedAt.Format(time.RFC3339Nano))
		return err
	})
	return in, err
}
