package openrosa

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// readTestdata returns the bytes of a file in testdata/.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return data
}

// fixture returns the bytes of a shared public fixture, skipping the test
// when the fixtures folder is absent.
func fixture(t testing.TB, parts ...string) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	data, err := os.ReadFile(filepath.Join(append([]string{dir}, parts...)...))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

// mustParseForm parses an XForm or fails the test.
func mustParseForm(t *testing.T, data []byte) *Form {
	t.Helper()
	f, err := ParseForm(data)
	if err != nil {
		t.Fatalf("ParseForm: %v", err)
	}
	return f
}

// mustParseSubmission parses a submission or fails the test.
func mustParseSubmission(t *testing.T, data []byte) *Submission {
	t.Helper()
	s, err := ParseSubmission(data)
	if err != nil {
		t.Fatalf("ParseSubmission: %v", err)
	}
	return s
}

// wantFormError checks that err is a *FormError with the given message.
func wantFormError(t *testing.T, err error, message string) *FormError {
	t.Helper()
	var fe *FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *FormError", err, err)
	}
	if message != "" && fe.Message != message {
		t.Fatalf("message = %q, want %q", fe.Message, message)
	}
	return fe
}
