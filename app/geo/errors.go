package geo

import "fmt"

// AOIError is a validation failure of an uploaded area of interest, task
// boundaries or data extract. Message is written for the person who uploaded
// the file and is safe to show as the per-field message of that upload's
// field ("aoi" for ParseAOI).
type AOIError struct {
	Message string
}

// Error returns the user-facing message.
func (e *AOIError) Error() string { return e.Message }

// ParamError is an unusable split parameter, such as a cell size that would
// create too many tasks. Field names the parameter (for example
// "cell_size_m"); Message is safe to show to the user.
type ParamError struct {
	Field   string
	Message string
}

// Error returns the field and the user-facing message.
func (e *ParamError) Error() string { return e.Field + ": " + e.Message }

func aoiErrorf(format string, args ...any) *AOIError {
	return &AOIError{Message: fmt.Sprintf(format, args...)}
}

func paramErrorf(field, format string, args ...any) *ParamError {
	return &ParamError{Field: field, Message: fmt.Sprintf(format, args...)}
}
