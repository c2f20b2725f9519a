package app

import (
	"os"
	"testing"
)

// TestMain runs the package's tests, then closes the Chromium that the browser tests share (newBrowser).
func TestMain(m *testing.M) {
	code := m.Run()
	stopSharedChromium()
	os.Exit(code)
}
