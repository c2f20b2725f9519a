package navfile

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// geojsonWriter writes a FeatureCollection: the outline first (role "outline"), then each feature (role
// "feature") with its own properties and fb_id, fb_status as features.geojson names them.
type geojsonWriter struct {
	w *errWriter
}

func newGeoJSONWriter(w *errWriter, t Task) *geojsonWriter {
	g := &geojsonWriter{w: w}
	props, _ := json.Marshal(map[string]any{"role": "outline", "name": t.name(), "project": t.Project,
		"task_index": t.Index})
	coords, err := json.Marshal(t.Outline)
	if err != nil {
		w.err = err
		return g
	}
	w.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":`)
	w.Write(props)
	w.WriteString(`,"geometry":{"type":"MultiPolygon","coordinates":`)
	w.Write(coords)
	w.WriteString("}}")
	return g
}

// Feature writes one feature, its geometry as stored. Its own "role" property, if any, gives way to Fieldbase's.
func (g *geojsonWriter) Feature(f Feature) error {
	props, err := propertyMap(f.Properties)
	if err != nil {
		return err
	}
	props["role"], props["fb_id"], props["fb_status"] = "feature", f.ID, f.Status
	p, err := json.Marshal(props)
	if err != nil {
		return err
	}
	var geom bytes.Buffer
	if err := json.Compact(&geom, f.Geometry); err != nil {
		return fmt.Errorf("feature %d geometry: %w", f.ID, err)
	}
	g.w.WriteString(`,{"type":"Feature","id":`)
	g.w.WriteString(jsonInt(f.ID))
	g.w.WriteString(`,"properties":`)
	g.w.Write(p)
	g.w.WriteString(`,"geometry":`)
	g.w.Write(geom.Bytes())
	g.w.WriteString("}")
	return g.w.err
}

func (g *geojsonWriter) Close() error {
	g.w.WriteString("]}\n")
	return g.w.err
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
