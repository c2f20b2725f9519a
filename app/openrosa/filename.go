package openrosa

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFilenameBytes is the longest attachment file name kept, in bytes.
const MaxFilenameBytes = 255

// SanitizeFilename checks an attachment file name sent by a client. It
// refuses, rather than rewrites, names that are empty, "." or "..", contain
// a path separator (so "../../x" is an error), NUL or other control
// characters, or are not valid UTF-8; errors are *FormError so the caller can
// answer 4xx. Surrounding spaces are trimmed, and a name longer than
// MaxFilenameBytes is shortened on a rune boundary, keeping its extension.
func SanitizeFilename(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", &FormError{Message: "the file name is empty"}
	case name == "." || name == "..":
		return "", &FormError{Message: "the file name " + name + " is not allowed"}
	case !utf8.ValidString(name):
		return "", &FormError{Message: "the file name is not valid UTF-8"}
	case strings.ContainsAny(name, `/\`):
		return "", &FormError{Message: "the file name must not contain a path separator"}
	case strings.IndexFunc(name, isControl) >= 0:
		return "", &FormError{Message: "the file name must not contain control characters"}
	}
	if len(name) <= MaxFilenameBytes {
		return name, nil
	}
	ext := path.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	stem := truncateUTF8(strings.TrimSuffix(name, ext), MaxFilenameBytes-len(ext))
	return stem + ext, nil
}

// isControl reports control characters and the bidirectional overrides that
// can disguise a file's extension.
func isControl(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// truncateUTF8 cuts s to at most max bytes without splitting a rune.
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
