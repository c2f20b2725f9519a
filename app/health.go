package app

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// HealthBody is the healthcheck's answer.
type HealthBody struct {
	Status           string `json:"status" enum:"ok,unavailable" doc:"ok when the server and its database answer"`
	Version          string `json:"version"`
	Database         string `json:"database" enum:"ok,unavailable"`
	MigrationVersion int64  `json:"migration_version"`
	UptimeSeconds    int64  `json:"uptime_seconds"`
	// Backups is shown to administrators only.
	Backups *BackupHealth `json:"backups,omitempty" doc:"The backups' state; administrators only"`
}

// HealthOutput carries the healthcheck's status code: 200, or 503 when the database does not answer.
type HealthOutput struct {
	Status int
	Body   HealthBody
}

var healthOp = huma.Operation{
	OperationID: "healthcheck", Tags: []string{"System"},
	Summary: "Is the server up and its database answering?",
	Errors:  []int{http.StatusServiceUnavailable},
}

func (a *App) apiHealthcheck(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
	out := &HealthOutput{Status: http.StatusOK, Body: HealthBody{Status: "ok", Version: a.version, Database: "ok",
		UptimeSeconds: int64(time.Since(a.started).Seconds())}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := a.store.MigrationVersion(ctx)
	if err != nil {
		a.log.Warn("healthcheck: database does not answer", "err", err)
		out.Status, out.Body.Status, out.Body.Database = http.StatusServiceUnavailable, "unavailable", "unavailable"
		return out, nil
	}
	out.Body.MigrationVersion = v
	if p := principal(ctx); p != nil && p.IsAdmin && a.jobs != nil {
		if out.Body.Backups, err = a.backupHealth(ctx); err != nil {
			a.log.Warn("healthcheck: backup state not read", "err", err)
		}
	}
	return out, nil
}
