package app

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// serverErrors wraps the fasthttp ErrorHandler, which answers the requests refused before any handler runs (a
// header over the read buffer, a body over the limit, a read timeout, a malformed request). Fiber's own handler
// renders them through errorHandler, which cannot tell an /api request when the header was never parsed; this
// one answers every such request whose path starts with /api/ with a problem document, and leaves the others to
// next (a short error page).
func serverErrors(next func(*fasthttp.RequestCtx, error)) func(*fasthttp.RequestCtx, error) {
	return func(ctx *fasthttp.RequestCtx, err error) {
		if !strings.HasPrefix(failedPath(ctx, err), "/api/") {
			next(ctx, err)
			return
		}
		sendProblem(ctx, serverErrorStatus(err))
	}
}

// serverErrorStatus is the status of an error fasthttp met while reading a request, much as Fiber maps it
// (but a network error other than a timeout is the client's: 400, not 502).
func serverErrorStatus(err error) int {
	var (
		small *fasthttp.ErrSmallBuffer
		nerr  net.Error
	)
	switch {
	case errors.As(err, &small):
		return http.StatusRequestHeaderFieldsTooLarge
	case errors.As(err, &nerr) && nerr.Timeout(): // not a match on the text, which quotes the request
		return http.StatusRequestTimeout
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, fasthttp.ErrGetOnly):
		return http.StatusMethodNotAllowed
	}
	return http.StatusBadRequest
}

// failedPath is the path of a request fasthttp refused. When the header could not be parsed (too large, cut
// short, malformed) fasthttp has already reset it, and the request line survives only in the error, whose text
// quotes the start of what was read; otherwise the parsed path is used. It answers "" when neither has one.
func failedPath(ctx *fasthttp.RequestCtx, err error) string {
	if p, ok := quotedRequestPath(err.Error()); ok {
		return p
	}
	if len(ctx.Request.Header.RawHeaders()) > 0 { // parsed: a body too large or cut short
		return string(ctx.Path())
	}
	return ""
}

// quotedRequestPath finds the request line in fasthttp's header error text (`... contents: "GET /path HTTP/1.1\r\n
// ..."`) and returns the path of its target.
func quotedRequestPath(msg string) (string, bool) {
	_, quoted, ok := strings.Cut(msg, "contents: ")
	if !ok {
		return "", false
	}
	q, err := strconv.QuotedPrefix(quoted)
	if err != nil {
		return "", false
	}
	head, err := strconv.Unquote(q)
	if err != nil {
		return "", false
	}
	line, _, _ := strings.Cut(head, "\n")
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return "", false
	}
	target := fields[1]
	if !strings.HasPrefix(target, "/") { // absolute form: GET http://host/path HTTP/1.1
		u, err := url.Parse(target)
		if err != nil {
			return "", false
		}
		target = u.Path
	}
	p, _, _ := strings.Cut(target, "?")
	return p, true
}

// sendProblem answers a request with the problem document of a status, on the fasthttp context (no Fiber
// handler runs for these requests), and closes the connection: what follows on it cannot be trusted.
func sendProblem(ctx *fasthttp.RequestCtx, status int) {
	body, _ := json.Marshal(problem(fiber.NewError(status)))
	ctx.Response.Reset()
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/problem+json")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.SetConnectionClose()
	ctx.SetBody(body)
}
