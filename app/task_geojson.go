package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

var tasksGeoJSONOp = huma.Operation{OperationID: "get-tasks-geojson", Method: http.MethodGet,
	Path: "/projects/{id}/tasks.geojson", Tags: []string{"Tasks"},
	Summary: "The project's tasks as a GeoJSON FeatureCollection (outline, index, state, lock holder, assignee)",
	Responses: map[string]*huma.Response{"200": {Description: "GeoJSON FeatureCollection",
		Content: map[string]*huma.MediaType{"application/geo+json": {}}}, "304": {Description: "Not modified"}}}

// taskMapCache keeps the last tasks.geojson built for a few projects, keyed by the tasks' revision, so that a
// busy map costs one small query per request instead of rebuilding megabytes. The zero value is ready.
type taskMapCache struct {
	mu sync.Mutex
	m  map[int64]taskMap
}

type taskMap struct {
	rev  string
	body []byte
	gz   []byte // body gzipped once, for the clients that accept it (every browser)
}

// taskMapEntries bounds the projects whose map is kept.
const taskMapEntries = 32

func (c *taskMapCache) get(id int64, rev string) (taskMap, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	return e, ok && e.rev == rev
}

func (c *taskMapCache) put(id int64, rev string, body, gz []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]taskMap{}
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= taskMapEntries {
		for k := range c.m { // evict any one: a project whose map is wanted again is rebuilt once
			delete(c.m, k)
			break
		}
	}
	c.m[id] = taskMap{rev: rev, body: body, gz: gz}
}

// tasksGeoJSON answers the task map, with an ETag of the tasks' revision.
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
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(http.StatusNotModified)
	}
	m, ok := a.taskMaps.get(id, rev)
	if !ok {
		if m.body, err = a.buildTaskMap(ctx, id); err != nil {
			return err
		}
		if m.gz, err = gzipBytes(m.body); err != nil {
			return err
		}
		a.taskMaps.put(id, rev, m.body, m.gz)
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	c.Vary(fiber.HeaderAcceptEncoding)
	if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(m.gz)
	}
	return c.Send(m.body)
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
