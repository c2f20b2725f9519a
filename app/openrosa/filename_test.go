package openrosa

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".jpg" // 404 bytes
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"OKPlain", "1700000000000.jpg", "1700000000000.jpg", false},
		{"OKUnicodeAndSpaces", "  photo de Zoë (1).png ", "photo de Zoë (1).png", false},
		{"OKTruncatedKeepsExtension", long, strings.Repeat("é", 125) + ".jpg", false},
		{"ErrEmpty", "  ", "", true},
		{"ErrDot", ".", "", true},
		{"ErrDotDot", "..", "", true},
		{"ErrTraversal", "../../x", "", true},
		{"ErrAbsolute", "/etc/passwd", "", true},
		{"ErrBackslash", `..\..\x`, "", true},
		{"ErrNUL", "a\x00.jpg", "", true},
		{"ErrNewline", "a\nb.jpg", "", true},
		{"ErrBidiOverride", "photo\u202Egpj.exe", "", true},
		{"ErrInvalidUTF8", "a\xff.jpg", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SanitizeFilename(tt.in)
			if tt.wantErr {
				wantFormError(t, err, "")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SanitizeFilename(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if len(got) > MaxFilenameBytes || !utf8.ValidString(got) {
				t.Fatalf("result %q is %d bytes or invalid UTF-8", got, len(got))
			}
		})
	}
}
