package app

import (
	"io"
	"net/http"

	"github.com/valyala/fasthttp"
)

// limitBodies keeps server.body_limit_mb for every route but the streamed uploads (the POST routes marked
// streamed in routes.go, which read their body with their own limit: [submissions] max_request_mb,
// [basemaps] max_upload_mb): with StreamRequestBody on,
// fasthttp no longer refuses a large body by itself, so a body announced larger than the limit is answered 413
// before any handler runs, and a chunked body is read into memory only up to the limit. After any handler it
// finishes the body (see finishBody).
func (a *App) limitBodies(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	limit := a.cfg.Server.BodyLimitMB << 20
	return func(ctx *fasthttp.RequestCtx) {
		defer finishBody(ctx)
		if ctx.IsPost() && a.streamedRE != nil && a.streamedRE.Match(ctx.Path()) {
			next(ctx)
			return
		}
		n := ctx.Request.Header.ContentLength()
		if n > limit {
			tooLarge(ctx)
			return
		}
		if s := ctx.RequestBodyStream(); n == -1 && s != nil {
			b, err := io.ReadAll(io.LimitReader(s, int64(limit)+1))
			if err != nil || len(b) > limit {
				tooLarge(ctx)
				return
			}
			ctx.Request.SetBody(b)
		}
		next(ctx)
	}
}

func tooLarge(ctx *fasthttp.RequestCtx) { sendProblem(ctx, http.StatusRequestEntityTooLarge) }

// finishBody reads what a handler left of a streamed body (the end of a chunked encoding, or a whole upload that
// was refused before its body was read, for lack of access say) so that the connection can carry the next
// request; when much is left it closes the connection instead of reading it all. fasthttp itself would parse
// the unread bytes as the next request.
func finishBody(ctx *fasthttp.RequestCtx) {
	s := ctx.RequestBodyStream()
	if s == nil || ctx.Response.ConnectionClose() {
		return
	}
	const most = 64 << 10
	if n, err := io.CopyN(io.Discard, s, most); n == most || (err != nil && err != io.EOF) {
		ctx.SetConnectionClose()
	}
}
