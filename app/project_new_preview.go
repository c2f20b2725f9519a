package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/geo"
	"fieldbase/app/tasking"
)

// newSplitPreview is the body of POST /projects/new/split-preview: an area not saved yet and a grid cell size.
type newSplitPreview struct {
	AOI       json.RawMessage `json:"aoi"`
	CellSizeM float64         `json:"cell_size_m"`
}

// previewNewSplit answers the tasks a grid split of an area would make, as GeoJSON, before the project exists, so
// that the new project page can show them on the map where the area is drawn. The area goes through the checks
// that creating the project applies; a refused area or cell size is a 422 problem naming the field, as in the API.
func (a *App) previewNewSplit(c *fiber.Ctx) error {
	var in newSplitPreview
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return writeProblem(c, problem(errorf(http.StatusBadRequest, "the preview request is not valid JSON")))
	}
	if in.CellSizeM < 10 || in.CellSizeM > 100000 {
		return writeProblem(c, problem(fieldError("cell_size_m", errCellSize)))
	}
	stored, _, err := a.parseAOI(in.AOI)
	if err != nil {
		return writeProblem(c, problem(err))
	}
	aoi, err := geo.ParseMultiPolygon(stored)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), previewTimeout)
	defer cancel()
	tasks, err := tasking.Split(ctx, aoi, nil, tasking.SplitParams{Method: tasking.SplitMethodGrid,
		CellSizeM: in.CellSizeM}, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return writeProblem(c, problem(fieldError("cell_size_m", coded("validation_preview_too_large",
			"the split is too large to preview: try larger cells"))))
	}
	if err != nil {
		if p := splitError(err); p != err {
			return writeProblem(c, problem(p))
		}
		return err
	}
	body, err := previewGeoJSON(tasks)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	return c.Send(body)
}
