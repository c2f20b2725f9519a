package app

import (
	"fieldbase/app/config"
	"fmt"
	"strconv"
	"strings"

	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"
)

type settingsPage struct {
	Settings SettingsBody
	Errors   map[string]string
	Saved    bool
	// Online is the settings' online basemaps as the form shows them, one a line; Configured the configuration's,
	// which only the configuration file changes.
	Online     string
	Configured []config.OnlineBasemap
}

// onlineLines writes online basemaps as the settings form shows them: "name | URL | attribution | largest zoom",
// one a line.
func onlineLines(list []config.OnlineBasemap) string {
	var b strings.Builder
	for _, o := range list {
		fmt.Fprintf(&b, "%s | %s | %s | %d\n", o.Name, o.URL, o.Attribution, o.MaxZoom)
	}
	return b.String()
}

// parseOnlineLines reads the settings form's online basemaps; a line that is not four parts separated by "|" with
// a whole number last is a field error naming the line.
func parseOnlineLines(text string) ([]config.OnlineBasemap, error) {
	var out []config.OnlineBasemap
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		zoom, err := 0, error(nil)
		if len(parts) == 4 {
			zoom, err = strconv.Atoi(strings.TrimSpace(parts[3]))
		}
		if len(parts) != 4 || err != nil {
			return nil, validation.Errors{"online_basemaps": coded("validation_online_basemap_line",
				"line {{.line}}: write name | tile address | attribution | largest zoom, e.g. {{.example}}",
				"line", i+1, "example", "Imagery | https://tiles.example.org/{z}/{x}/{y}.jpg | © Example | 19")}
		}
		out = append(out, config.OnlineBasemap{Name: strings.TrimSpace(parts[0]), URL: strings.TrimSpace(parts[1]),
			Attribution: strings.TrimSpace(parts[2]), MaxZoom: zoom})
	}
	return out, nil
}

func (a *App) newSettingsPage(s SettingsBody, online string, errs map[string]string, saved bool) settingsPage {
	if online == "" && errs == nil {
		online = onlineLines(s.OnlineBasemaps)
	}
	return settingsPage{Settings: s, Errors: errs, Saved: saved, Online: online, Configured: a.cfg.Maps.OnlineBasemaps}
}

func (a *App) showSettingsPage(c *fiber.Ctx) error {
	out, err := a.apiGetSettings(c.UserContext(), nil)
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "settings", "Settings", a.newSettingsPage(out.Body, "", nil, false))
}

// saveSettingsForm goes through the same validation and store call as PUT /api/v1/settings.
func (a *App) saveSettingsForm(c *fiber.Ctx) error {
	lock, _ := strconv.Atoi(c.FormValue("default_lock_minutes"))
	upload, _ := strconv.Atoi(c.FormValue("max_upload_mb"))
	in := &SettingsInput{Body: SettingsBody{SiteName: c.FormValue("site_name"), DefaultLockMinutes: lock,
		MaxUploadMB: upload, BaseURL: strings.TrimSpace(c.FormValue("base_url")),
		DefaultLanguage: c.FormValue("default_language")}}
	onlineText := c.FormValue("online_basemaps")
	online, err := parseOnlineLines(onlineText)
	var out *SettingsOutput
	if err == nil {
		in.Body.OnlineBasemaps = online
		out, err = a.apiPutSettings(c.UserContext(), in)
	}
	if err != nil {
		return a.rerender(c, err, "settings", "Settings", func(errs map[string]string) any {
			return a.newSettingsPage(in.Body, strings.Clone(onlineText), errs, false)
		})
	}
	return a.page(c, fiber.StatusOK, "settings", "Settings", a.newSettingsPage(out.Body, "", nil, true))
}
