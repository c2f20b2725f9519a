package app

import (
	"github.com/gofiber/fiber/v2"
)

func (a *App) showHomePage(c *fiber.Ctx) error {
	admins, err := a.store.CountAdmins(c.UserContext())
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "home", "Home", homePage{NeedsSetup: admins == 0})
}

// homePage is the welcome page; NeedsSetup is true until the first administrator exists.
type homePage struct{ NeedsSetup bool }

// standalone renders a page that brings its own HTML skeleton (the API docs).
func (a *App) standalone(page, name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		body, err := a.tmpl.execute(page, name, nil)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(body)
	}
}
