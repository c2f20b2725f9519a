package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/collect"
	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// Error is an error meant for the client: a status, a safe message and optional per-field messages. Err keeps
// the internal cause for the log; it never reaches the client.
type Error struct {
	Status  int
	Message string
	Fields  map[string]string
	// Headers are sent with the error (e.g. Retry-After on a 429).
	Headers map[string]string
	// List holds further messages, in order, each its own entry of the problem's errors after Fields: for a
	// field with several (the problems of an uploaded workbook).
	List []FieldMessage
	Err  error
}

// FieldMessage is one message about one field.
type FieldMessage struct {
	Field, Message string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an Error with a status and a client-facing message.
func errorf(status int, message string) *Error { return &Error{Status: status, Message: message} }

// fieldError is a 422 for one field.
func fieldError(field, message string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed",
		Fields: map[string]string{field: message}}
}

// problem is what every error becomes before it is written: an RFC 9457 problem document.
func problem(err error) *huma.ErrorModel {
	status, msg, fields := classify(err)
	p := &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: msg}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body." + f, Message: fields[f]})
	}
	var ae *Error
	if errors.As(err, &ae) {
		for _, m := range ae.List {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body." + m.Field, Message: m.Message})
		}
	}
	return p
}

// classify is the one table from an error to a status, a safe message and per-field messages.
func classify(err error) (int, string, map[string]string) {
	var (
		ae *Error
		fe *fiber.Error
		ve validation.Errors
		se huma.StatusError
		vi validation.Error
		ce *collect.Error
		te *taskflow.Error
	)
	switch {
	case errors.As(err, &ae):
		return ae.Status, ae.Message, ae.Fields
	case errors.As(err, &ce):
		return collectStatus(ce), ce.Message, nil
	case errors.As(err, &te):
		return flowStatus(te), te.Message, nil
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "validation failed", flattenValidation("", ve)
	case errors.As(err, &vi):
		return http.StatusUnprocessableEntity, vi.Error(), nil
	case errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, "not found", nil
	case errors.Is(err, db.ErrConflict):
		return http.StatusConflict, "conflict with the current state", nil
	case errors.As(err, &fe):
		return fe.Code, fiberMessage(fe), nil
	case errors.As(err, &se):
		return se.GetStatus(), se.Error(), nil
	case errors.Is(err, context.Canceled):
		return 499, "request cancelled", nil
	}
	return http.StatusInternalServerError, "internal error", nil
}

// collectStatus is the status of a refused submission: 400 malformed, 422 unknown form, 409 duplicate.
func collectStatus(e *collect.Error) int {
	switch e.Kind {
	case collect.ErrUnknownForm:
		return http.StatusUnprocessableEntity
	case collect.ErrDuplicate:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// flowStatus is the status of a refused task action: 403 wrong role, 422 malformed request, 409 wrong state.
func flowStatus(e *taskflow.Error) int {
	switch {
	case errors.Is(e.Kind, taskflow.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(e.Kind, taskflow.ErrInvalid):
		return http.StatusUnprocessableEntity
	}
	return http.StatusConflict
}

// fiberMessage keeps Fiber's own errors short and free of echoed input.
func fiberMessage(fe *fiber.Error) string {
	switch fe.Code {
	case http.StatusNotFound:
		return "no such resource"
	case http.StatusMethodNotAllowed:
		return "method not allowed on this resource"
	case http.StatusRequestEntityTooLarge:
		return "the request body is larger than the server accepts"
	}
	if fe.Code >= 500 {
		return "internal error"
	}
	return strings.ToLower(http.StatusText(fe.Code))
}

// flattenValidation turns nested ozzo errors into "parent.child" -> message.
func flattenValidation(prefix string, ve validation.Errors) map[string]string {
	out := map[string]string{}
	for k, err := range ve {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		var nested validation.Errors
		if errors.As(err, &nested) {
			for nk, nv := range flattenValidation(key, nested) {
				out[nk] = nv
			}
			continue
		}
		out[key] = err.Error()
	}
	return out
}

// logError logs the cause of a 5xx beside the request id; client errors are not worth a log line.
func logError(ctx context.Context, log *slog.Logger, status int, err error) {
	if status < 500 {
		return
	}
	rid, _ := ctx.Value(requestIDKey).(string)
	log.ErrorContext(ctx, "request failed", "request_id", rid, "status", status, "err", err)
}

// errorHandler is the single Fiber error handler: problem JSON under /api, an error partial for htmx, an error
// page for browsers.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	p := problem(err)
	for k, v := range errorHeaders(err) {
		c.Set(k, v)
	}
	logError(c.UserContext(), a.log, p.Status, err)
	if wantsProblem(c) {
		return writeProblem(c, p)
	}
	return a.renderError(c, p)
}

// errorHeaders returns the headers an error asks to be sent with it.
func errorHeaders(err error) map[string]string {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Headers
	}
	return nil
}

// headedProblem is a problem document with response headers, for Huma (which sends GetHeaders).
type headedProblem struct {
	*huma.ErrorModel
	headers http.Header
}

func (h headedProblem) GetHeaders() http.Header { return h.headers }

// humaError is what a Huma handler returns for err: the problem document, with the error's headers if any.
func humaError(err error) error {
	p := problem(err)
	hs := errorHeaders(err)
	if len(hs) == 0 {
		return p
	}
	h := http.Header{}
	for k, v := range hs {
		h.Set(k, v)
	}
	return headedProblem{ErrorModel: p, headers: h}
}
