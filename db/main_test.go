package db

import (
	"testing"

	"fieldbase/db/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster that pgtest may have started for this package's tests.
func TestMain(m *testing.M) { pgtest.Main(m) }
