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
	// Words is Message with a stable code and its params, for a page to say it in its reader's language (see
	// refusal); nil when the message has no code (a page then shows Message as it is).
	Words validation.Error
	// Fields are per-field messages, each with a stable code and params: the API sends their English text, a page
	// says them in its reader's language.
	Fields map[string]validation.Error
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

// refusal builds an Error with a status and a coded message (see coded): the API sends its English text, a page
// says it in its reader's language.
func refusal(status int, words validation.Error) *Error {
	return &Error{Status: status, Message: words.Error(), Words: words}
}

// fieldError is a 422 for one field, with a coded message (see coded).
func fieldError(field string, words validation.Error) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: "validation failed",
		Fields: map[string]validation.Error{field: words}}
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

// classify is the one table from an error to a status, a safe message and per-field messages, in English (what
// the API sends).
func classify(err error) (int, string, map[string]string) {
	status, msg, fields := judge(err)
	return status, msg.Error(), englishFields(fields)
}

// judge is classify with the messages kept coded (see coded), for a page to say them in its reader's language. A
// message without a code has the code "" and is shown in English.
func judge(err error) (int, validation.Error, map[string]validation.Error) {
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
		if ae.Words != nil {
			return ae.Status, ae.Words, ae.Fields
		}
		if len(ae.Fields) > 0 && ae.Message == errInvalid.Error() {
			return ae.Status, errInvalid, ae.Fields
		}
		return ae.Status, uncoded(ae.Message), ae.Fields
	case errors.As(err, &ce):
		return collectStatus(ce), uncoded(ce.Message), nil
	case errors.As(err, &te):
		return flowStatus(te), uncoded(te.Message), nil
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, errInvalid, flattenValidation("", ve)
	case errors.As(err, &vi):
		return http.StatusUnprocessableEntity, vi, nil
	case errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, errGone, nil
	case errors.Is(err, db.ErrConflict):
		return http.StatusConflict, errConflict, nil
	case errors.As(err, &fe):
		return fe.Code, fiberMessage(fe), nil
	case errors.As(err, &se):
		return se.GetStatus(), uncoded(se.Error()), nil
	case errors.Is(err, context.Canceled):
		return 499, uncoded("request cancelled"), nil
	}
	return http.StatusInternalServerError, errInternal, nil
}

// The messages of the store's own errors.
var (
	errGone     = coded("validation_not_found", "not found")
	errConflict = coded("validation_conflict", "conflict with the current state")
	errInternal = coded("validation_internal", "internal error")
	// errInvalid is the message of a request refused for its fields, whose own messages say why.
	errInvalid = coded("validation_failed", "validation failed")
)

// englishFields is per-field messages as the API sends them.
func englishFields(fields map[string]validation.Error) map[string]string {
	if fields == nil {
		return nil
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = v.Error()
	}
	return out
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
func fiberMessage(fe *fiber.Error) validation.Error {
	switch fe.Code {
	case http.StatusNotFound:
		return coded("validation_no_such_resource", "no such resource")
	case http.StatusMethodNotAllowed:
		return coded("validation_method_not_allowed", "method not allowed on this resource")
	case http.StatusRequestEntityTooLarge:
		return coded("validation_body_too_large", "the request body is larger than the server accepts")
	}
	if fe.Code >= 500 {
		return errInternal
	}
	return uncoded(strings.ToLower(http.StatusText(fe.Code)))
}

// flattenValidation turns nested ozzo errors into "parent.child" -> message; an error without a code (a rule
// written with errors.New) keeps its text with the code "".
func flattenValidation(prefix string, ve validation.Errors) map[string]validation.Error {
	out := map[string]validation.Error{}
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
		var vi validation.Error
		if errors.As(err, &vi) {
			out[key] = vi
		} else {
			out[key] = uncoded(err.Error())
		}
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
	return a.renderError(c, p, err)
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
