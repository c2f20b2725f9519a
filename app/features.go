package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"fieldbase/app/geo"
	"fieldbase/db"
)

const (
	// maxFeatures is the most features one data extract may hold.
	maxFeatures = 200000
	// featureBatch is how many decoded features are converted (geometry checked, centroid found) at once.
	featureBatch = 2000
)

var (
	uploadFeaturesOp = huma.Operation{OperationID: "upload-features", Tags: []string{"Features"},
		Summary:   "Upload a data extract (GeoJSON FeatureCollection, up to 200,000 features; ?replace=true drops the previous one)",
		Responses: map[string]*huma.Response{"201": {Description: `{"added": n, "assigned": n}`}}}
	featuresGeoJSONOp = huma.Operation{OperationID: "get-features-geojson", Tags: []string{"Features"},
		Summary: "The data extract as GeoJSON; ?task_id=<task index> for one task's features; ?bbox=minLon,minLat," +
			"maxLon,maxLat for the features whose centroid is in the box, at most ?limit (default and maximum 10,000), " +
			`with "truncated": true when more were left out`,
		Responses: map[string]*huma.Response{"200": {Description: "GeoJSON FeatureCollection",
			Content: map[string]*huma.MediaType{"application/geo+json": {}}}}}
)

// uploadFeatures reads the FeatureCollection with a streaming decoder, one feature at a time, checks every
// geometry, gives each feature the task holding its centroid, and stores them all in one transaction.
func (a *App) uploadFeatures(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := projectFrom(ctx).Project
	feats, err := decodeFeatures(bytes.NewReader(c.Body()))
	if err != nil {
		return err
	}
	replace := c.Query("replace") == "true"
	if replace && p.Status != "draft" {
		return errorf(http.StatusConflict, "the data extract of a "+p.Status+" project cannot be replaced")
	}
	assigned, err := a.assignFeatures(ctx, p.ID, feats)
	if err != nil {
		return err
	}
	if err := a.store.SaveFeatures(ctx, p.ID, feats, replace); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"added": len(feats), "assigned": assigned})
}

// assignFeatures sets each feature's task from the project's current split.
func (a *App) assignFeatures(ctx context.Context, projectID int64, feats []db.NewFeature) (int, error) {
	out := 0
	rows, err := a.store.Tasks(ctx, projectID, db.TaskOptions{Outlines: true})
	if err != nil || len(rows) == 0 {
		return out, err
	}
	tasks := make([]geo.Task, len(rows))
	for i, r := range rows {
		mp, err := geo.ParseMultiPolygon(r.Outline)
		if err != nil {
			return out, err
		}
		tasks[i] = geo.Task{Outline: mp, Bound: mp.Bound()}
	}
	points := make([]orb.Point, len(feats))
	for i, f := range feats {
		points[i] = orb.Point{f.Lon, f.Lat}
	}
	for i, t := range geo.AssignPoints(tasks, points) {
		if t >= 0 {
			feats[i].TaskID = rows[t].ID
			out++
		}
	}
	return out, nil
}

type rawFeature struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// The refusals of a data extract that is not a FeatureCollection.
var (
	errNotFC       = coded("validation_extract_not_fc", "the data extract must be a GeoJSON FeatureCollection")
	errExtractJSON = coded("validation_extract_json", "the data extract is not valid JSON")
)

// decodeFeatures reads a FeatureCollection token by token, decoding one feature at a time.
func decodeFeatures(r io.Reader) ([]db.NewFeature, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	bad := func(msg validation.Error) error { return fieldError("features", msg) }
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad(errNotFC)
	}
	var out []db.NewFeature
	isFC := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, bad(errExtractJSON)
		}
		switch key {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return nil, bad(errNotFC)
			}
			isFC = true
		case "features":
			if out, err = decodeFeatureArray(dec); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, bad(errExtractJSON)
			}
		}
	}
	if !isFC || len(out) == 0 {
		return nil, bad(coded("validation_extract_empty",
			"the data extract must be a GeoJSON FeatureCollection with at least one feature"))
	}
	return out, nil
}

func decodeFeatureArray(dec *json.Decoder) ([]db.NewFeature, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fieldError("features", coded("validation_extract_array", `"features" must be an array`))
	}
	var out []db.NewFeature
	var batch []rawFeature
	for dec.More() {
		if len(out)+len(batch) >= maxFeatures {
			return nil, fieldError("features", coded("validation_extract_too_many",
				"the data extract has more than {{.max}} features", "max", maxFeatures))
		}
		var f rawFeature
		if err := dec.Decode(&f); err != nil {
			return nil, fieldError("features", coded("validation_feature_json", "feature {{.n}} is not valid JSON",
				"n", len(out)+len(batch)+1))
		}
		if batch = append(batch, f); len(batch) == featureBatch {
			conv, err := convertFeatures(batch, len(out))
			if err != nil {
				return nil, err
			}
			out, batch = append(out, conv...), batch[:0]
		}
	}
	conv, err := convertFeatures(batch, len(out))
	if err != nil {
		return nil, err
	}
	_, err = dec.Token() // the closing bracket
	return append(out, conv...), err
}

// convertFeatures checks a batch of features and computes their centroids with geo.FeaturePoints.
func convertFeatures(batch []rawFeature, offset int) ([]db.NewFeature, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	var doc bytes.Buffer
	doc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, f := range batch {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.WriteString(`{"type":"Feature","geometry":`)
		doc.Write(nonEmpty(f.Geometry, "null"))
		doc.WriteByte('}')
	}
	doc.WriteString("]}")
	points, types, err := geo.FeaturePoints(doc.Bytes())
	if err != nil {
		return nil, fieldError("features", coded("validation_extract_geometries",
			"the data extract's geometries are not valid GeoJSON"))
	}
	out := make([]db.NewFeature, len(batch))
	for i, f := range batch {
		n := offset + i + 1
		pt := points[i]
		if f.Type != "Feature" || types[i] == "" || pt.Lon() < -180 || pt.Lon() > 180 || pt.Lat() < -90 || pt.Lat() > 90 {
			return nil, fieldError("features", coded("validation_feature_geometry",
				"feature {{.n}} has no usable WGS84 geometry", "n", n))
		}
		props := nonEmpty(f.Properties, "{}")
		if string(props) == "null" {
			props = []byte("{}")
		}
		if props[0] != '{' {
			return nil, fieldError("features", coded("validation_feature_properties",
				"feature {{.n}}: properties must be an object", "n", n))
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, props); err != nil {
			return nil, err
		}
		out[i] = db.NewFeature{Geometry: string(f.Geometry), Properties: compact.String(), Lon: pt.Lon(), Lat: pt.Lat()}
	}
	return out, nil
}

func nonEmpty(raw json.RawMessage, def string) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte(def)
	}
	return raw
}

// featuresGeoJSON streams the data extract. Each feature keeps its properties, with fb_id, fb_status and
// fb_task_index added.
func (a *App) featuresGeoJSON(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := projectFrom(ctx).Project
	var taskID int64
	if q := c.Query("task_id"); q != "" {
		idx, err := strconv.Atoi(q)
		if err != nil || idx < 1 {
			return fieldError("task_id", coded("validation_task_index", "must be a task index (1, 2, ...)"))
		}
		t, err := a.store.Task(ctx, p.ID, idx)
		if err != nil {
			return err
		}
		taskID = t.ID
	}
	box, limit, err := featureBox(c)
	if err != nil {
		return err
	}
	index, err := a.taskIndexes(ctx, p.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	if box != nil {
		return a.featuresInBox(c, p.ID, *box, limit, index)
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		_, _ = w.WriteString(`{"type":"FeatureCollection","features":[`)
		first := true
		err := a.store.EachFeature(a.life, p.ID, taskID, func(f db.Feature) error {
			if !first {
				_ = w.WriteByte(',')
			}
			first = false
			_, err := w.WriteString(featureJSON(f, index[f.TaskID]))
			return err
		})
		if err != nil {
			a.log.Error("features download cut short", "project_id", p.ID, "err", err)
		}
		_, _ = w.WriteString("]}")
	})
	return nil
}

// maxBoxFeatures bounds one ?bbox= answer, so that a map showing a 200,000-feature extract asks for the part it shows.
const maxBoxFeatures = 10000

// featureBox reads ?bbox= and ?limit=; no bbox is nil.
func featureBox(c *fiber.Ctx) (*[4]float64, int, error) {
	q := c.Query("bbox")
	if q == "" {
		return nil, 0, nil
	}
	var box [4]float64
	parts := strings.Split(q, ",")
	bad := fieldError("bbox", coded("validation_bbox", "must be minLon,minLat,maxLon,maxLat in degrees"))
	if len(parts) != 4 {
		return nil, 0, bad
	}
	for i, s := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, bad
		}
		box[i] = v
	}
	if box[0] > box[2] || box[1] > box[3] {
		return nil, 0, bad
	}
	limit := maxBoxFeatures
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxBoxFeatures {
			return nil, 0, fieldError("limit", coded("validation_between", "must be between {{.min}} and {{.max}}",
				"min", 1, "max", maxBoxFeatures))
		}
		limit = n
	}
	return &box, limit, nil
}

// featuresInBox answers the features whose centroid is in box (at most limit), buffered: a bounded answer.
func (a *App) featuresInBox(c *fiber.Ctx, projectID int64, box [4]float64, limit int, index map[int64]int) error {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	first := true
	more, err := a.store.EachFeatureIn(c.UserContext(), projectID, box, limit, func(f db.Feature) error {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteString(featureJSON(f, index[f.TaskID]))
		return nil
	})
	if err != nil {
		return err
	}
	buf.WriteString(`],"truncated":` + strconv.FormatBool(more) + "}")
	return c.Send(buf.Bytes())
}

func (a *App) taskIndexes(ctx context.Context, projectID int64) (map[int64]int, error) {
	tasks, err := a.store.Tasks(ctx, projectID, db.TaskOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(tasks))
	for _, t := range tasks {
		out[t.ID] = t.Index
	}
	return out, nil
}

func featureJSON(f db.Feature, taskIndex int) string {
	meta := `"fb_id":` + strconv.FormatInt(f.ID, 10) + `,"fb_status":"` + f.Status + `","fb_task_index":`
	if taskIndex > 0 {
		meta += strconv.Itoa(taskIndex)
	} else {
		meta += "null"
	}
	props := "{" + meta + "}"
	if len(f.Properties) > 2 {
		props = "{" + meta + "," + f.Properties[1:]
	}
	return `{"type":"Feature","id":` + strconv.FormatInt(f.ID, 10) + `,"geometry":` + f.Geometry +
		`,"properties":` + props + "}"
}
