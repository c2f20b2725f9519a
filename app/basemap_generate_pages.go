package app

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/jobs"
	"fieldbase/db"
)

// generateForm is the "Make a basemap" form: the configured sources, the choice so far, and the estimate or
// the per-field messages of the last check.
type generateForm struct {
	ProjectID int64
	CSRFToken string
	Sources   []string
	Source    string // a configured source's name, or "url"
	URL       string
	MinZoom   int
	MaxZoom   int
	Format    string
	MaxTiles  int
	// MaxTilesLabel is MaxTiles written in the page's language.
	MaxTilesLabel string
	Errors        map[string]string
	Estimate      *BasemapEstimateBody
	// Summary says the estimate in words: "1,234 tiles from Imagery, about 18.5 MB".
	Summary string
}

// generationJob is a generation job as its progress block shows it.
type generationJob struct {
	ProjectID int64
	CSRFToken string
	Job       JobBody
	Ended     bool
	// Message is what the job is doing or why it failed, in the page's language; empty while it waits.
	Message string
}

func newGenerationJob(l loc, pid int64, csrf string, job JobBody) generationJob {
	g := generationJob{ProjectID: pid, CSRFToken: csrf, Job: job,
		Ended: job.State == "completed" || job.State == "cancelled" || job.State == "discarded"}
	switch {
	case job.Error != "":
		g.Message = l.T("basemaps.job.failed", "Why", job.Error)
	case job.Progress.Message != "":
		g.Message = jobWords(l, job.Progress.Message, job.Progress.words)
	}
	return g
}

func (a *App) newGenerateForm(l loc, pid int64, csrf string) generateForm {
	f := generateForm{ProjectID: pid, CSRFToken: csrf, MinZoom: 12, MaxZoom: 17, Format: "mbtiles", Source: "url",
		MaxTiles: a.cfg.Basemaps.MaxGenerateTiles, MaxTilesLabel: l.Int(int64(a.cfg.Basemaps.MaxGenerateTiles))}
	for _, s := range a.cfg.Basemaps.Sources {
		f.Sources = append(f.Sources, s.Name)
	}
	if len(f.Sources) > 0 {
		f.Source = f.Sources[0]
	}
	return f
}

// readGenerateForm reads the form fields into the form and the API body.
func (a *App) readGenerateForm(c *fiber.Ctx) (generateForm, GenerateBasemapBody) {
	ctx := c.UserContext()
	f := a.newGenerateForm(a.tr(c), projectFrom(ctx).Project.ID, principal(ctx).csrf)
	f.Source, f.URL = strings.Clone(c.FormValue("source")), strings.TrimSpace(strings.Clone(c.FormValue("url")))
	f.MinZoom, _ = strconv.Atoi(c.FormValue("min_zoom"))
	f.MaxZoom, _ = strconv.Atoi(c.FormValue("max_zoom"))
	f.Format = strings.Clone(c.FormValue("format"))
	body := GenerateBasemapBody{Source: f.Source, MinZoom: f.MinZoom, MaxZoom: f.MaxZoom, Format: f.Format}
	if f.Source == "url" {
		body.Source = f.URL
	}
	return f, body
}

// estimateBasemapForm checks the form and answers it again with the estimate and a start button, or with the
// messages beside the fields (422).
func (a *App) estimateBasemapForm(c *fiber.Ctx) error {
	f, body := a.readGenerateForm(c)
	out, err := a.apiEstimateBasemap(c.UserContext(), &GenerateBasemapInput{ID: f.ProjectID, Body: body})
	if err != nil {
		return a.refuseGenerateForm(c, f, err)
	}
	f.Estimate = &out.Body
	l := a.tr(c)
	f.Summary = l.T("basemaps.gen.summary", "Tiles", l.Int(int64(out.Body.Tiles)), "Source", out.Body.Source,
		"Size", l.Size(out.Body.EstimatedBytes))
	return a.partial(c, fiber.StatusOK, "basemaps", "generate_form", f)
}

// generateBasemapForm starts the job and answers with its progress block.
func (a *App) generateBasemapForm(c *fiber.Ctx) error {
	f, body := a.readGenerateForm(c)
	out, err := a.apiGenerateBasemap(c.UserContext(), &GenerateBasemapInput{ID: f.ProjectID, Body: body})
	if err != nil {
		return a.refuseGenerateForm(c, f, err)
	}
	return a.partial(c, fiber.StatusAccepted, "basemaps", "generation_job",
		newGenerationJob(a.tr(c), f.ProjectID, f.CSRFToken, out.Body))
}

// refuseGenerateForm answers the form again with err's messages beside its fields; an error that is not the
// person's mistake is returned as it is.
func (a *App) refuseGenerateForm(c *fiber.Ctx, f generateForm, err error) error {
	fields, status, ok := a.formErrors(c, err)
	if !ok {
		return err
	}
	f.Errors = fields
	return a.partial(c, status, "basemaps", "generate_form", f)
}

// generationJobPartial is the progress block of one of the project's generation jobs (polled by the page); once
// the job has made its basemap the page reloads to list it.
func (a *App) generationJobPartial(c *fiber.Ctx) error {
	g, err := a.projectGeneration(c)
	if err != nil {
		return err
	}
	if g.Job.State == "completed" {
		c.Set("HX-Redirect", fmt.Sprintf("/projects/%d/basemaps?saved=%s", g.ProjectID,
			url.QueryEscape(a.tr(c).T("basemaps.flash.made"))))
	}
	return a.partial(c, fiber.StatusOK, "basemaps", "generation_job", g)
}

// cancelGenerationForm cancels a generation job and answers with its progress block.
func (a *App) cancelGenerationForm(c *fiber.Ctx) error {
	g, err := a.projectGeneration(c)
	if err != nil {
		return err
	}
	if !g.Ended {
		st, err := a.jobs.CancelGeneration(c.UserContext(), g.Job.ID)
		if err != nil {
			return err
		}
		g = newGenerationJob(a.tr(c), g.ProjectID, g.CSRFToken, jobBody(st))
		g.Ended = st.State != "running"
	}
	return a.partial(c, fiber.StatusOK, "basemaps", "generation_job", g)
}

// projectGeneration loads the route's job, which must be a generation job of the route's project.
func (a *App) projectGeneration(c *fiber.Ctx) (generationJob, error) {
	ctx := c.UserContext()
	pid := projectFrom(ctx).Project.ID
	jid, err := c.ParamsInt("jid")
	if err != nil {
		return generationJob{}, errorf(fiber.StatusNotFound, "no such job")
	}
	st, err := a.jobs.Status(ctx, int64(jid))
	if errors.Is(err, db.ErrNotFound) || (err == nil && (st.ProjectID != pid ||
		st.Kind != (jobs.GenerateBasemapArgs{}).Kind())) {
		return generationJob{}, errorf(fiber.StatusNotFound, "no such job")
	}
	if err != nil {
		return generationJob{}, err
	}
	return newGenerationJob(a.tr(c), pid, principal(ctx).csrf, jobBody(st)), nil
}

// partial answers one template of a page on its own.
func (a *App) partial(c *fiber.Ctx, status int, page, name string, data any) error {
	body, err := a.execute(c, page, name, data)
	if err != nil {
		return err
	}
	c.Status(status).Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}
