package app

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
)

// apiPrefix is where the JSON API is mounted; the OpenAPI document's server URL.
const apiPrefix = "/api/v1"

// newAPI mounts Huma on /api/v1 with the document at /api/v1/openapi.json (and .yaml). Huma's own docs page is
// off: it loads its scripts from a CDN, and ours (/docs, /redoc) are embedded.
func newAPI(f *fiber.App, version string) huma.API {
	cfg := huma.DefaultConfig("Fieldbase API", version)
	cfg.Info.Description = "Field mapping tasking manager: projects, tasks, submissions. " +
		"Errors are RFC 9457 problem documents (application/problem+json)."
	cfg.Servers = []*huma.Server{{URL: apiPrefix}}
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/schemas"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token from POST /auth/tokens."},
		"session": {Type: "apiKey", In: "cookie", Name: sessionCookie,
			Description: "The browser session of /login; changes also need the X-CSRF-Token header."},
	}
	return humafiber.NewWithGroup(f, f.Group(apiPrefix), cfg)
}
