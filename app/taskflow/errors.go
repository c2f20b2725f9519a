package taskflow

import (
	"errors"
	"fmt"
)

// The kinds of refusal. Every error Apply returns is an *Error whose Kind is
// one of these, so callers test it with errors.Is and map it to a status.
var (
	// ErrForbidden means the actor's role or relation to the task does not
	// allow the action (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrConflict means the task or project is not in a state that allows the
	// action now (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the request itself is malformed: an unknown action, a
	// missing comment or user id (HTTP 422).
	ErrInvalid = errors.New("invalid")
)

// Error is a refused action. Message is safe to show to the client; Kind is
// ErrForbidden, ErrConflict or ErrInvalid.
type Error struct {
	Kind    error
	Message string
}

// Error returns the client-facing message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the kind, so errors.Is(err, ErrConflict) works.
func (e *Error) Unwrap() error { return e.Kind }

func forbiddenf(format string, args ...any) error {
	return &Error{Kind: ErrForbidden, Message: fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &Error{Kind: ErrConflict, Message: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}
