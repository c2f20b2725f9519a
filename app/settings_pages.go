package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

type settingsPage struct {
	Settings SettingsBody
	Errors   map[string]string
	Saved    bool
}

func (a *App) showSettingsPage(c *fiber.Ctx) error {
	out, err := a.apiGetSettings(c.UserContext(), nil)
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "settings", "Settings", settingsPage{Settings: out.Body})
}

// saveSettingsForm goes through the same validation and store call as PUT /api/v1/settings.
func (a *App) saveSettingsForm(c *fiber.Ctx) error {
	lock, _ := strconv.Atoi(c.FormValue("default_lock_minutes"))
	upload, _ := strconv.Atoi(c.FormValue("max_upload_mb"))
	in := &SettingsInput{Body: SettingsBody{SiteName: c.FormValue("site_name"), DefaultLockMinutes: lock,
		MaxUploadMB: upload, BaseURL: strings.TrimSpace(c.FormValue("base_url"))}}
	out, err := a.apiPutSettings(c.UserContext(), in)
	if err != nil {
		return a.rerender(c, err, "settings", "Settings", func(errs map[string]string) any {
			return settingsPage{Settings: in.Body, Errors: errs}
		})
	}
	return a.page(c, fiber.StatusOK, "settings", "Settings", settingsPage{Settings: out.Body, Saved: true})
}
