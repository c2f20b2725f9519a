package app

import (
	"github.com/gofiber/fiber/v2"
)

func (a *App) showHomePage(c *fiber.Ctx) error {
	admins, err := a.store.CountAdmins(c.UserContext())
	if err != nil {
		return err
	}
	page := homePage{NeedsSetup: admins == 0}
	if a.lanHTTPS() && c.Protocol() != "https" {
		page.SecureURL = a.secureURL(a.phoneHost(c)) + "/"
	}
	return a.page(c, fiber.StatusOK, "home", "Home", page)
}

// homePage is the welcome page; NeedsSetup is true until the first administrator exists. SecureURL is the HTTPS
// address to offer a browser that came over plain HTTP while LAN HTTPS is on.
type homePage struct {
	NeedsSetup bool
	SecureURL  string
}

// standalone renders a page that brings its own HTML skeleton (the API docs).
func (a *App) standalone(page, name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		body, err := a.execute(c, page, name, nil)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(body)
	}
}
