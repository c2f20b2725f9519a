// Package app is Fieldbase's HTTP surface: the JSON API under /api/v1 (Huma, documented as OpenAPI 3.1), the
// server-rendered pages, the error contract and the wiring of every dependency. Domain logic worth testing
// without HTTP lives in its sub-packages; SQL lives in fieldbase/db.
package app

import (
	"context"
	"fieldbase/app/i18n"
	"io/fs"
	"log/slog"
	"net"
	"regexp"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/collect"
	"fieldbase/app/config"
	"fieldbase/app/jobs"
	"fieldbase/app/live"
	"fieldbase/app/tasking"
	"fieldbase/app/tlsconf"
	"fieldbase/db"
)

// Assets are the files embedded in the binary (or read from disk in tests).
type Assets struct {
	// Templates is web/templates: layout/, partials/ and pages/.
	Templates fs.FS
	// Static is web/static, served under /static.
	Static fs.FS
	// I18n is web/i18n: the message catalogues, one <language tag>.json each.
	I18n fs.FS
}

// Build describes the running binary.
type Build struct {
	Version string
	Log     *slog.Logger
}

// App is the HTTP application: one Fiber app serving the JSON API and the pages.
type App struct {
	cfg     config.Config
	store   *db.Store
	jobs    *jobs.Jobs
	log     *slog.Logger
	version string
	started time.Time
	fiber   *fiber.App
	api     huma.API
	tmpls   *pageTemplates
	cat     *i18n.Catalog
	static  *staticFiles
	uploads *uploads
	logins  *logins
	creds   *credCache
	setup   setupLink
	// bg runs what requests start without waiting for it (recording a credential's use); Shutdown waits for it.
	bg *background

	// events fans live updates out to the project pages; the operations below and the jobs publish to it.
	events *live.Broker
	// tasking applies task actions; collect stores submissions.
	tasking *tasking.Service
	collect *collect.Ingester
	// life ends when Shutdown starts: work that outlives a request (streams) stops with it.
	life    context.Context
	endLife context.CancelFunc

	// taskMaps caches each project's tasks.geojson.
	taskMaps taskMapCache

	// streamedRE matches the paths of the routes marked streamed (their bodies are read by their handlers).
	streamedPaths []string
	streamedRE    *regexp.Regexp

	// lanIPs lists the machine's LAN addresses (offered on the devices page when phones cannot reach the
	// configured address).
	lanIPs func() []net.IP

	// basemaps stores and serves offline basemap files.
	basemaps *basemaps
	// middlewareRoutes are the Use routes, which run for every request (see routePattern).
	middlewareRoutes map[*fiber.Route]bool
	// metrics is nil unless [metrics] enabled.
	metrics *appMetrics
	// https is nil unless HTTPS is configured; watchLAN starts the LAN certificate's address watcher once.
	https    *tlsconf.HTTPS
	watchLAN sync.Once
	// online holds the online basemaps in force and the Content-Security-Policy that follows them.
	online *onlineBasemaps
	// userEvents wakes each person's notification stream (topics are user ids, not projects).
	userEvents *live.Broker
}

// New builds the application and its routes. It parses every template and checks the browser assets, so a
// broken build fails here rather than in front of a user.
func New(cfg config.Config, store *db.Store, jq *jobs.Jobs, assets Assets, build Build) (*App, error) {
	a := &App{cfg: cfg, store: store, jobs: jq, log: build.Log, version: build.Version, started: time.Now()}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.creds = newCredCache(10_000)
	a.lanIPs = lanIPs
	a.life, a.endLife = context.WithCancel(context.Background())
	a.bg = newBackground()
	a.events = live.NewBroker()
	if jq != nil {
		a.events = jq.Events() // job progress and lock expiry reach the same streams as a person's change
	}
	a.tasking = tasking.New(store, a.events)
	a.userEvents = live.NewBroker()
	store.OnNotify(a.tellUsers)
	var err error
	if a.logins, err = newLogins(cfg.Auth, store); err != nil {
		return nil, err
	}
	if a.uploads, err = newUploads(cfg.Data.Dir, cfg.Submissions.MaxRequestMB, cfg.Submissions.MaxFileMB); err != nil {
		return nil, err
	}
	a.collect = collect.New(store, a.uploads.files, a.events, a.log)
	if a.basemaps, err = newBasemaps(a.life, cfg.Data.Dir, cfg.Basemaps.MaxUploadMB,
		cfg.Server.ReadTimeout, store); err != nil {
		return nil, err
	}
	if a.static, err = loadStatic(assets.Static); err != nil {
		return nil, err
	}
	if a.online, err = newOnlineBasemaps(context.Background(), cfg.Maps.OnlineBasemaps, store); err != nil {
		return nil, err
	}
	if a.cat, err = i18n.Load(assets.I18n); err != nil {
		return nil, err
	}
	a.tmpls = &pageTemplates{sets: map[string]*templates{}, build: func(lang string) (*templates, error) {
		funcs := labelFuncs()
		funcs["asset"], funcs["field"], funcs["km2"] = a.static.url, newFormField, km2
		for k, f := range a.langFuncs(lang) {
			funcs[k] = f
		}
		return parseTemplates(assets.Templates, funcs)
	}}
	if _, err = a.tmpls.get(i18n.Source); err != nil {
		return nil, err
	}
	if cfg.Metrics.Enabled {
		a.metrics = a.newMetrics()
	}
	if err = a.newHTTPS(); err != nil {
		return nil, err
	}
	a.fiber = fiber.New(fiber.Config{
		AppName:               "fieldbase",
		ErrorHandler:          a.errorHandler,
		BodyLimit:             cfg.Server.BodyLimitMB << 20,
		ReadTimeout:           cfg.Server.ReadTimeout,
		WriteTimeout:          cfg.Server.WriteTimeout,
		IdleTimeout:           cfg.Server.IdleTimeout,
		DisableStartupMessage: true,
		ReadBufferSize:        16 << 10,
		// Uploads (submissions, forms, media) are read from the connection as they are parsed, never whole
		// into memory; other routes still read the whole body.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
	})
	a.fiber.Server().Handler = a.limitBodies(headAsGet(a.fiber.Server().Handler))
	a.fiber.Server().ErrorHandler = serverErrors(a.fiber.Server().ErrorHandler)
	a.middleware()
	a.api = newAPI(a.fiber, a.version)
	a.routes()
	return a, nil
}

// Fiber returns the Fiber app, for tests (app.Test) and for listening.
func (a *App) Fiber() *fiber.App { return a.fiber }

// API returns the Huma API, whose OpenAPI document lists every /api/v1 operation.
func (a *App) API() huma.API { return a.api }

// Serve answers requests on ln until Shutdown.
func (a *App) Serve(ln net.Listener) error { return a.fiber.Listener(ln) }

// Shutdown stops accepting connections and waits (until ctx ends) for requests in flight to finish, then for
// the work they started in the background; that work is cancelled if ctx ends first, and Shutdown still waits for
// it to return, so the store may be closed once Shutdown has returned. Live event streams and downloads being
// streamed are ended first, or they would hold the shutdown until ctx ends. The open basemap files are closed
// last (a request still reading one closes it when it ends).
func (a *App) Shutdown(ctx context.Context) error {
	a.endLife()
	a.events.Close()
	a.userEvents.Close()
	err := a.fiber.ShutdownWithContext(ctx)
	if berr := a.bg.stop(ctx); err == nil {
		err = berr
	}
	a.basemaps.mbtiles.close()
	return err
}
