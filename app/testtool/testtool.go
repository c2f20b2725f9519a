// Package testtool finds the programs some tests drive (Chromium, certutil, xmllint, node). Only tests import it.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the first of names found on PATH. When none is, the test is skipped with hint (what to
// install) on a developer's machine, and fails under CI (the CI variable set, as .ci/run sets it), where .ci/run
// installs every program the tests need: a skipped test there would prove nothing.
func Need(t testing.TB, hint string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, hint)
	return ""
}

// Missing skips the test (hint says what to install), or fails it under CI.
func Missing(t testing.TB, hint string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI must install it)", hint)
	}
	t.Skip(hint)
}
