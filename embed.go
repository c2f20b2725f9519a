package main

import (
	"embed"
	"io/fs"

	"fieldbase/app"
)

// The only //go:embed lines: the migrations (one folder per database engine), the templates and the static files travel inside the binary.
var (
	//go:embed db/migrations/sqlite/*.sql
	migrationsFS embed.FS
	//go:embed web/templates
	templatesFS embed.FS
	//go:embed web/static
	staticFS embed.FS
	//go:embed web/i18n
	i18nFS embed.FS
)

// embedded returns the embedded trees, each rooted at its own folder.
func embedded() (migrations fs.FS, assets app.Assets) {
	migrations = mustSub(migrationsFS, "db/migrations")
	assets = app.Assets{Templates: mustSub(templatesFS, "web/templates"), Static: mustSub(staticFS, "web/static"),
		I18n: mustSub(i18nFS, "web/i18n")}
	return migrations, assets
}

func mustSub(f embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is fixed at compile time
	}
	return sub
}
