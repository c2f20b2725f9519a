package auth

import (
	"fmt"
	"strings"
	"unicode/utf8"

	validation "github.com/go-ozzo/ozzo-validation/v4"
)

// Password and username length limits, in characters.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
	MinUsernameLen = 3
	MaxUsernameLen = 64
)

// ValidatePassword checks a new password's length (10 to 256 characters) and
// returns a validation.Error with a user-facing message, or nil.
func ValidatePassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || n > MaxPasswordLen {
		return validation.NewError("validation_password_length", "must be between {{.min}} and {{.max}} characters").
			SetParams(map[string]any{"min": MinPasswordLen, "max": MaxPasswordLen})
	}
	return nil
}

// PasswordRule is ValidatePassword as an ozzo rule for validation.Field.
func PasswordRule() validation.Rule {
	return stringRule(ValidatePassword)
}

// NormalizeUsername returns the canonical form of a username: trimmed and
// lower-cased. Store and look up usernames only in this form.
func NormalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidateUsername checks a normalized username: 3 to 64 characters, each a
// lower-case letter a-z, a digit, '.', '_' or '-'. It returns a
// validation.Error with a user-facing message, or nil.
func ValidateUsername(name string) error {
	if n := len(name); n < MinUsernameLen || n > MaxUsernameLen {
		return validation.NewError("validation_username_length", "must be between {{.min}} and {{.max}} characters").
			SetParams(map[string]any{"min": MinUsernameLen, "max": MaxUsernameLen})
	}
	for i := 0; i < len(name); i++ {
		if !usernameByte(name[i]) {
			return validation.NewError("validation_username_chars",
				"may contain only lower-case letters a-z, digits, '.', '_' and '-'")
		}
	}
	return nil
}

// UsernameRule is ValidateUsername as an ozzo rule for validation.Field.
func UsernameRule() validation.Rule {
	return stringRule(ValidateUsername)
}

func usernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// stringRule adapts a string check to an ozzo rule; a non-string value is
// the caller's bug, reported as an internal error.
func stringRule(check func(string) error) validation.Rule {
	return validation.By(func(v any) error {
		switch s := v.(type) {
		case string:
			return check(s)
		case *string:
			if s == nil {
				return check("")
			}
			return check(*s)
		}
		return validation.NewInternalError(fmt.Errorf("auth rule applied to %T, want string", v))
	})
}
