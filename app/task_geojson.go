package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

var tasksGeoJSONOp = huma.Operation{OperationID: "get-tasks-geojson", Tags: []string{"Tasks"},
	Summary: "The project's tasks as a GeoJSON FeatureCollection (outline, index, state, lock holder, assignee)",
	Responses: map[string]*huma.Response{"200": {Description: "GeoJSON FeatureCollection",
		Content: map[string]*huma.MediaType{"application/geo+json": {}}}, "304": {Description: "Not modified"}}}

// tasksGeoJSON answers the task map, with an ETag of the tasks' revision: gzipped for the clients that accept
// gzip (every browser), as built for the others. Both come from the cache, so neither is compressed per request.
func (a *App) tasksGeoJSON(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := projectFrom(ctx).Project.ID
	rev, err := a.store.TasksRevision(ctx, id)
	if err != nil {
		return err
	}
	etag := `"t` + strconv.FormatInt(id, 10) + "-" + rev + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Vary(fiber.HeaderAcceptEncoding)
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(http.StatusNotModified)
	}
	gz := acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	m, err := a.taskMap(ctx, id, rev, gz)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(m.gz)
	}
	return c.Send(m.body)
}

// taskMap returns the project's map at revision rev, from the cache or built and cached; with wantGzip its
// gzipped body too, compressed once per revision.
func (a *App) taskMap(ctx context.Context, id int64, rev string, wantGzip bool) (taskMap, error) {
	m, cached := a.taskMaps.get(id, rev)
	if !cached {
		body, err := a.buildTaskMap(ctx, id)
		if err != nil {
			return m, err
		}
		m = taskMap{rev: rev, body: body}
	}
	if wantGzip && m.gz == nil {
		gz, err := gzipBytes(m.body)
		if err != nil {
			return m, err
		}
		m.gz, cached = gz, false
	}
	if !cached {
		a.taskMaps.put(id, m)
	}
	return m, nil
}

// buildTaskMap writes every task as a GeoJSON Feature. The revision is read before the tasks, so a change
// racing with the build makes the next request rebuild rather than serve stale data.
func (a *App) buildTaskMap(ctx context.Context, projectID int64) ([]byte, error) {
	tasks, err := a.store.Tasks(ctx, projectID, db.TaskOptions{Outlines: true})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(tasks) * 300)
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, t := range tasks {
		if i > 0 {
			buf.WriteByte(',')
		}
		props := map[string]any{"index": t.Index, "state": t.State, "area_m2": t.AreaM2,
			"feature_count": t.FeatureCount}
		if t.LockedBy != 0 {
			props["locked_by"], props["locked_by_username"] = t.LockedBy, t.LockedByName
		}
		if t.AssignedTo != 0 {
			props["assigned_to"], props["assigned_to_username"] = t.AssignedTo, t.AssignedToName
		}
		if t.AssignedTeamID != 0 {
			props["assigned_team"], props["team_colour"] = t.AssignedTeamID, t.AssignedTeamColour
		}
		p, err := json.Marshal(props)
		if err != nil {
			return nil, err
		}
		buf.WriteString(`{"type":"Feature","id":`)
		buf.WriteString(strconv.Itoa(t.Index))
		buf.WriteString(`,"properties":`)
		buf.Write(p)
		buf.WriteString(`,"geometry":`)
		buf.WriteString(t.Outline)
		buf.WriteByte('}')
	}
	buf.WriteString("]}")
	return buf.Bytes(), nil
}

// gzipBytes compresses a body once for every later request.
func gzipBytes(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
