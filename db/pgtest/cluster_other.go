//go:build !linux

package pgtest

// cluster is never started outside Linux: set FIELDBASE_TEST_POSTGRES there.
type cluster struct{ url string }

func binaries() (dir, missing string) {
	return "", "no PostgreSQL server for the tests: " + EnvURL + " is not set (this package starts a throwaway " +
		"cluster on Linux only)"
}

func start(string) (*cluster, error) { return nil, errNoCluster }

func (c *cluster) stop() error { return nil }
