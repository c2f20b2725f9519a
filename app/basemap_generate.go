package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"fieldbase/app/basemapgen"
	"fieldbase/app/geo"
	"fieldbase/app/jobs"
	"fieldbase/app/taskflow"
)

// GenerateBasemapBody asks for a basemap made from a tile source, covering the project's AOI.
type GenerateBasemapBody struct {
	Source  string `json:"source" minLength:"1" maxLength:"2000" doc:"The name of a configured source ([basemaps] sources) or an XYZ URL template with {z}, {x} and {y}"`
	MinZoom int    `json:"min_zoom" minimum:"0" maximum:"22"`
	MaxZoom int    `json:"max_zoom" minimum:"0" maximum:"22"`
	Format  string `json:"format" enum:"mbtiles,pmtiles"`
}

// GenerateBasemapInput is a generation or estimate request.
type GenerateBasemapInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body GenerateBasemapBody
}

// BasemapEstimateBody is what a generation would download.
type BasemapEstimateBody struct {
	Source         string `json:"source" doc:"The source's name (or the URL's host)"`
	Tiles          int    `json:"tiles" doc:"Tiles covering the AOI at the zoom range"`
	EstimatedBytes int64  `json:"estimated_bytes" doc:"A rough size of the file (tiles times a typical tile size)"`
	MaxTiles       int    `json:"max_tiles" doc:"The limit, [basemaps] max_generate_tiles"`
}

var (
	estimateBasemapOp = huma.Operation{OperationID: "estimate-basemap", Tags: []string{"Basemaps"},
		Summary: "Count the tiles a basemap generated from a tile source would hold (project managers)",
		Description: "Same body as generate. 422 for a refused source (one whose terms forbid bulk download, a " +
			"URL that is not http(s), a private address), a zoom range the source does not serve, or more tiles " +
			"than [basemaps] max_generate_tiles.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	generateBasemapOp = huma.Operation{OperationID: "generate-basemap", Tags: []string{"Basemaps"},
		DefaultStatus: http.StatusAccepted,
		Summary:       "Start a job that makes a basemap (MBTiles or PMTiles) of the AOI from a tile source (project managers)",
		Description: "Answers 202 with the job; its progress says tiles done of total and bytes. When it ends the " +
			"file is a basemap of the project like an uploaded one. Cancel with DELETE /jobs/{id}.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	cancelJobOp = huma.Operation{OperationID: "cancel-job", Tags: []string{"Jobs"},
		DefaultStatus: http.StatusAccepted,
		Summary:       "Cancel a basemap generation job (project managers); a running one stops within seconds",
		Errors:        []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}
)

// generation is a checked generation request.
type generation struct {
	source   basemapgen.Source
	estimate basemapgen.Estimate
}

// checkGeneration resolves the source, checks the zoom range against it and counts the tiles against the limit.
func (a *App) checkGeneration(ctx context.Context, in GenerateBasemapBody) (generation, error) {
	var g generation
	configured := make([]basemapgen.Source, 0, len(a.cfg.Basemaps.Sources))
	for _, s := range a.cfg.Basemaps.Sources {
		configured = append(configured, basemapgen.Source{Name: s.Name, URL: s.URL, Attribution: s.Attribution,
			MaxZoom: s.MaxZoom})
	}
	src, err := basemapgen.Resolve(ctx, in.Source, configured, a.cfg.Basemaps.AllowPrivateURLs)
	var se *basemapgen.SourceError
	if errors.As(err, &se) {
		return g, fieldError("source", worded{code: se.Code, text: se.Reason, params: se.Params})
	}
	if err != nil {
		return g, err
	}
	switch {
	case in.Format != basemapgen.MBTiles && in.Format != basemapgen.PMTiles:
		return g, fieldError("format", coded("validation_basemap_format", "must be mbtiles or pmtiles"))
	case in.MinZoom < 0 || in.MaxZoom > basemapgen.MaxZoom:
		return g, fieldError("max_zoom", coded("validation_zoom_range", "zooms must be within 0-{{.max}}",
			"max", basemapgen.MaxZoom))
	case in.MinZoom > in.MaxZoom:
		return g, fieldError("max_zoom", coded("validation_zoom_order", "must be at least the lowest zoom"))
	case src.MaxZoom > 0 && in.MaxZoom > src.MaxZoom:
		return g, fieldError("max_zoom", coded("validation_zoom_source", "{{.source}} serves zooms up to {{.max}}",
			"source", src.Name, "max", src.MaxZoom))
	}
	aoi, err := geo.ParseMultiPolygon(projectFrom(ctx).Project.AOI)
	if err != nil || len(aoi) == 0 {
		return g, refusal(http.StatusConflict, coded("validation_no_aoi", "the project has no area of interest"))
	}
	limit := a.cfg.Basemaps.MaxGenerateTiles
	g.source, g.estimate = src, basemapgen.EstimateTiles(aoi, in.MinZoom, in.MaxZoom, limit)
	if g.estimate.Tiles > limit {
		return g, fieldError("max_zoom", coded("validation_zoom_tiles", "zooms {{.min}}-{{.max}} need more than "+
			"{{.limit}} tiles, the limit (basemaps.max_generate_tiles): choose a lower highest zoom", "min", in.MinZoom,
			"max", in.MaxZoom, "limit", jobsThousands(limit)))
	}
	return g, nil
}

func (a *App) apiEstimateBasemap(ctx context.Context, in *GenerateBasemapInput) (*struct {
	Body BasemapEstimateBody
}, error) {
	g, err := a.checkGeneration(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &struct{ Body BasemapEstimateBody }{Body: BasemapEstimateBody{Source: g.source.Name,
		Tiles: g.estimate.Tiles, EstimatedBytes: g.estimate.Bytes, MaxTiles: a.cfg.Basemaps.MaxGenerateTiles}}, nil
}

func (a *App) apiGenerateBasemap(ctx context.Context, in *GenerateBasemapInput) (*JobOutput, error) {
	g, err := a.checkGeneration(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	b := in.Body
	id, err := a.jobs.Insert(ctx, jobs.GenerateBasemapArgs{ProjectID: projectFrom(ctx).Project.ID, Source: g.source,
		MinZoom: b.MinZoom, MaxZoom: b.MaxZoom, Format: b.Format,
		Name:      fmt.Sprintf("%s zoom %d-%d", g.source.Name, b.MinZoom, b.MaxZoom),
		CreatedBy: principal(ctx).UserID, Concurrency: a.cfg.Basemaps.GenerateConcurrency,
		Timeout: a.cfg.Basemaps.GenerateTimeout, UserAgent: a.userAgent()})
	if err != nil {
		return nil, err
	}
	st, err := a.jobs.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	return &JobOutput{Body: jobBody(st)}, nil
}

// userAgent names Fieldbase and its version to tile servers, as their usage policies ask.
func (a *App) userAgent() string {
	return "Fieldbase/" + a.version + " (offline basemap generator; +https://github.com/fieldbase)"
}

// jobCancelAccess guards DELETE /jobs/{id}: the job must be visible to the caller (else 404, as for reading it)
// and the caller a project manager of its project.
type jobCancelAccess struct{}

func (jobCancelAccess) documented() bool { return true }

func (jobCancelAccess) check(ctx context.Context, a *App, p *Principal, param func(string) string) (context.Context,
	error) {
	ctx, err := jobAccess{}.check(ctx, a, p, param)
	if err != nil {
		return ctx, err
	}
	st, ok := ctx.Value(jobKey).(jobs.Status)
	if !ok {
		return ctx, nil
	}
	if st.ProjectID == 0 {
		return ctx, errorf(http.StatusForbidden, "the server's own jobs cannot be cancelled")
	}
	pid := strconv.FormatInt(st.ProjectID, 10)
	return projectRole(taskflow.RoleProjectManager).check(ctx, a, p, func(string) string { return pid })
}

func (a *App) apiCancelJob(ctx context.Context, in *JobInput) (*JobOutput, error) {
	st, ok := ctx.Value(jobKey).(jobs.Status)
	switch {
	case !ok || st.ID != in.ID:
		return nil, errorf(http.StatusNotFound, "no such job")
	case st.Kind != (jobs.GenerateBasemapArgs{}).Kind():
		return nil, errorf(http.StatusConflict, "only basemap generation jobs can be cancelled")
	case st.State == "completed" || st.State == "cancelled" || st.State == "discarded":
		return nil, errorf(http.StatusConflict, "the job has already ended ("+st.State+")")
	}
	st, err := a.jobs.CancelGeneration(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &JobOutput{Body: jobBody(st)}, nil
}

// jobsThousands writes a count with thousands separators: 250,000.
func jobsThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
