package app

import (
	"github.com/gofiber/fiber/v2"
)

func (a *App) showHomePage(c *fiber.Ctx) error {
	return a.page(c, fiber.StatusOK, "home", "Home", nil)
}

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
