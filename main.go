// Command fieldbase is a field mapping tasking manager in one executable: `fieldbase serve` runs the web UI, the
// JSON API and the ODK Collect endpoints on an embedded SQLite database.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version, commit and date describe the build; `make release` sets them with -ldflags "-X main.version=..."
// (the git tag or description, the commit hash, the build time in RFC 3339 UTC).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Environ()...)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldbase:", err)
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprint(os.Stderr, "\n"+usage)
		}
		os.Exit(exitCode(err))
	}
}
