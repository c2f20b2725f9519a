package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/valyala/fasthttp"
)

type ctxKey string

// requestIDKey holds the request id in the Fiber locals and in the request's context.
const requestIDKey ctxKey = "request_id"

// requestID gives every request an id (or keeps a sane one sent by a proxy), echoes it in X-Request-Id and puts
// it in the request context for log lines.
func requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	} else {
		id = strings.Clone(id)
	}
	c.Locals(requestIDKey, id)
	c.SetUserContext(context.WithValue(c.UserContext(), requestIDKey, id))
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// recoverPanic turns a panic in a handler into a 500 whose cause and stack go to the log, never to the client.
func (a *App) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return c.Next()
}

// accessLog writes one structured line per request after it is answered: its id, method, route pattern, status,
// size, duration, the client address and the signed-in user's id. It logs the route pattern (/odk/:token/...)
// and never the raw path or query, which may hold a device token, a setup token or a search.
func (a *App) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the response now, so the line has the final status.
		if herr := a.errorHandler(c, err); herr != nil {
			a.log.Error("error handler failed", "err", herr)
		}
		err = nil
	}
	status, took, route := c.Response().StatusCode(), time.Since(start), a.routePattern(c)
	a.metrics.observeRequest(c.Method(), route, status, took)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", stringLocal(c, requestIDKey)),
		slog.String("method", c.Method()),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int("bytes", responseBytes(c)),
		slog.Duration("duration", took),
		slog.String("ip", c.IP()),
	}
	if p := principal(c.UserContext()); p != nil {
		attrs = append(attrs, slog.Int64("user_id", p.UserID))
	}
	a.log.LogAttrs(c.UserContext(), level, "request", attrs...)
	return err
}

// responseBytes is the size of the answer; a streamed body (an event stream) is not read, which would wait for
// its end, and counts as -1.
func responseBytes(c *fiber.Ctx) int {
	if c.Response().IsBodyStream() {
		return -1
	}
	return len(c.Response().Body())
}

func stringLocal(c *fiber.Ctx, key any) string {
	s, _ := c.Locals(key).(string)
	return s
}

// securityHeaders sets the headers every response carries; the content security policy is onlineBasemaps'.
func (a *App) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Content-Security-Policy", a.online.policy())
	return c.Next()
}

// corsAPI answers CORS (and its preflights) for the JSON API with the configured origins; with none configured,
// browsers on other origins are refused.
func corsAPI(origins []string) fiber.Handler {
	allowed := map[string]bool{}
	any := false
	for _, o := range origins {
		if o == "*" {
			any = true
		}
		allowed[strings.TrimRight(o, "/")] = true
	}
	return cors.New(cors.Config{
		AllowOriginsFunc: func(origin string) bool { return any || allowed[origin] },
		AllowMethods:     "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS",
		AllowHeaders:     "Authorization,Content-Type,X-Request-Id,Last-Event-ID",
		ExposeHeaders:    "X-Request-Id,Location,Retry-After",
		MaxAge:           600,
	})
}

// headAsGet answers HEAD wherever GET is answered: it runs the GET route and drops the body, keeping the headers
// (Content-Length included). It wraps the server's handler because Huma's routes are registered per method.
func headAsGet(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if !ctx.IsHead() {
			next(ctx)
			return
		}
		ctx.Request.Header.SetMethod(fasthttp.MethodGet)
		next(ctx)
		ctx.Request.Header.SetMethod(fasthttp.MethodHead)
		ctx.Response.SkipBody = true
	}
}

// minCompress is the smallest answer compressBodies gzips: below it the header costs more than it saves.
const minCompress = 1024

// compressBodies gzips the pages and JSON answers built in memory (at the fastest level: they are made per
// request) when the client accepts gzip. Streams (Server-Sent Events, files, exports) and answers that are
// already encoded (static files, tasks.geojson, vector tiles) are left as they are; tasks.geojson picks its
// cached encoding itself, so its plain answer only goes to clients that refuse gzip, and stays plain.
func compressBodies(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	r := c.Response()
	if r.IsBodyStream() || len(r.Body()) < minCompress || len(r.Header.Peek(fiber.HeaderContentEncoding)) > 0 {
		return nil
	}
	if ct := string(r.Header.ContentType()); !compressible(ct) && !strings.Contains(ct, "xml") {
		return nil
	}
	// The answer depends on Accept-Encoding whether or not this client takes gzip: say so to caches either way.
	c.Vary(fiber.HeaderAcceptEncoding)
	if !acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
		return nil
	}
	r.SetBodyRaw(fasthttp.AppendGzipBytesLevel(nil, r.Body(), fasthttp.CompressBestSpeed))
	r.Header.Set(fiber.HeaderContentEncoding, "gzip")
	return nil
}

// acceptsGzip reads an Accept-Encoding header: gzip (or x-gzip, or *) listed with a quality above zero. An
// explicit "gzip;q=0" refuses it even when "*" is accepted.
func acceptsGzip(header string) bool {
	star := false
	for _, item := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(item, ";")
		ok := quality(params) > 0
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			return ok
		case "*":
			star = ok
		}
	}
	return star
}

// quality is the q parameter of an Accept-Encoding item ("q=0.5"), 1 when absent, 0 when unreadable.
func quality(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0
			}
			return q
		}
	}
	return 1
}
