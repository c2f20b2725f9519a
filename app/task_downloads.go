package app

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/geo"
	"fieldbase/app/navfile"
	"fieldbase/db"
)

// downloadTaskDoc documents the per-task download. It is a plain route (a.handle): Huma's router would read
// "3.kml" as the task index of GET /projects/{id}/tasks/{index}, so this route is registered before that one.
var downloadTaskDoc = huma.Operation{OperationID: "download-task", Tags: []string{"Tasks"},
	Summary: "One task for navigation apps: its outline and the data-extract features inside it, as a file",
	Description: "`format` is `geojson` (a FeatureCollection, the outline first with `role` \"outline\", then each " +
		"feature with `role` \"feature\", its tags, `fb_id` and `fb_status`), `kml` (KML 2.2: a Document with a " +
		"styled Placemark per outline part and a Placemark per feature, tags as ExtendedData) or `gpx` (GPX 1.1: " +
		"point features as waypoints; the outline, line features and the outer rings of areas as tracks). " +
		"Organic Maps and OsmAnd open GPX and KML; Google Earth opens KML; QGIS opens all three. A task is named " +
		"by its index, as in the other task routes.",
	Parameters: []*huma.Param{
		{Name: "id", In: "path", Required: true, Description: "The project", Schema: &huma.Schema{Type: "integer"}},
		{Name: "index", In: "path", Required: true, Description: "The task's index in its project (1, 2, ...)",
			Schema: &huma.Schema{Type: "integer"}},
		{Name: "format", In: "path", Required: true, Description: "The file format",
			Schema: &huma.Schema{Type: "string", Enum: []any{"geojson", "kml", "gpx"}}},
	},
	Responses: map[string]*huma.Response{
		"200": {Description: "The file, as an attachment named <project>-task-<index>.<format>",
			Content: map[string]*huma.MediaType{"application/geo+json": {},
				"application/vnd.google-earth.kml+xml": {}, "application/gpx+xml": {}}},
		"404": {Description: "No such project, task or format"},
	}}

// downloadTask writes one task's file. It is built in memory before it is sent, so a failure halfway is a
// problem answer rather than a truncated file; one task's features are few enough for that.
func (a *App) downloadTask(c *fiber.Ctx) error {
	format, ok := navfile.ParseFormat(c.Params("format"))
	if !ok {
		return fiber.ErrNotFound
	}
	in, err := taskIndex(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p := projectFrom(ctx).Project
	t, err := a.store.Task(ctx, p.ID, in.Index)
	if err != nil {
		return err
	}
	outline, ok := geo.OutlineMultiPolygon(t.Outline)
	if !ok {
		return fmt.Errorf("task %d of project %d: the outline is not a GeoJSON (Multi)Polygon", t.Index, p.ID)
	}
	var buf bytes.Buffer
	w, err := navfile.NewWriter(&buf, format, navfile.Task{Project: p.Name, Index: t.Index, Outline: outline})
	if err != nil {
		return err
	}
	err = a.store.EachFeature(ctx, p.ID, t.ID, func(f db.Feature) error {
		return w.Feature(navfile.Feature{ID: f.ID, Status: f.Status, Geometry: []byte(f.Geometry),
			Properties: []byte(f.Properties)})
	})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, format.ContentType())
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+taskFileName(p.Name, t.Index, format)+`"`)
	return c.Send(buf.Bytes())
}

// taskFileName is "<project>-task-<index>.<format>", the project's name reduced to lower-case ASCII letters,
// digits and single hyphens (at most 60 characters; "project" when nothing is left), safe in a header and on
// every file system.
func taskFileName(project string, index int, format navfile.Format) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(project) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		default:
			hyphen = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := b.String()
	if name == "" {
		name = "project"
	}
	return name + "-task-" + strconv.Itoa(index) + "." + string(format)
}
