package app

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
)

type basemapsPage struct {
	Project     ProjectBody
	Basemaps    []basemapRow
	CanManage   bool
	Validating  bool // some basemap is still being checked: the list refreshes itself
	MaxUploadMB int
	Saved       string
	// Generate is the "Make a basemap" form and Generations the project's generation jobs still running (project
	// managers only).
	Generate    generateForm
	Generations []generationJob
}

// basemapRow is a basemap with its words in the page's language.
type basemapRow struct {
	BasemapBody
	ContainerName, StateLabel, TypeLabel, SizeLabel string
}

func newBasemapRow(l loc, b BasemapBody) basemapRow {
	r := basemapRow{BasemapBody: b, ContainerName: "MBTiles", SizeLabel: l.Size(b.Size)}
	if b.Container == "pmtiles" {
		r.ContainerName = "PMTiles"
	}
	switch b.State {
	case "validating", "ready", "invalid":
		r.StateLabel = l.T("basemaps.state." + b.State)
	default:
		r.StateLabel = l.T("basemaps.state.unknown")
	}
	if b.TileType == "vector" {
		r.TypeLabel = l.T("basemaps.type.vector")
	} else {
		r.TypeLabel = l.T("basemaps.type.raster")
	}
	return r
}

// showBasemapsPage lists a project's basemaps; project managers also get the upload form and delete buttons.
func (a *App) showBasemapsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	list, err := a.store.Basemaps(ctx, pa.Project.ID)
	if err != nil {
		return err
	}
	l := a.tr(c)
	page := basemapsPage{Project: projectBody(pa.Project, pa.Role), Basemaps: make([]basemapRow, 0, len(list)),
		CanManage:   taskflow.RoleAtLeast(pa.Role, taskflow.RoleProjectManager),
		MaxUploadMB: a.cfg.Basemaps.MaxUploadMB, Saved: c.Query("saved")}
	for _, b := range list {
		page.Basemaps = append(page.Basemaps, newBasemapRow(l, basemapBody(b)))
		page.Validating = page.Validating || b.State == "validating"
	}
	if page.CanManage {
		csrf := principal(ctx).csrf
		page.Generate = a.newGenerateForm(l, pa.Project.ID, csrf)
		ids, err := a.jobs.Generations(ctx, pa.Project.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			st, err := a.jobs.Status(ctx, id)
			if err != nil {
				return err
			}
			page.Generations = append(page.Generations, newGenerationJob(l, pa.Project.ID, csrf, jobBody(st)))
		}
	}
	return a.page(c, fiber.StatusOK, "basemaps", l.T("basemaps.title", "Name", pa.Project.Name), page)
}

// deleteBasemapForm deletes a basemap through the API's handler and goes back to the list.
func (a *App) deleteBasemapForm(c *fiber.Ctx) error {
	bid, err := c.ParamsInt("bid")
	if err != nil {
		return errorf(fiber.StatusNotFound, "no such basemap")
	}
	ctx := c.UserContext()
	pid := projectFrom(ctx).Project.ID
	b, err := a.store.ProjectBasemap(ctx, pid, int64(bid))
	if err != nil {
		return err
	}
	if _, err := a.apiDeleteBasemap(ctx, &BasemapPath{ID: pid, BID: b.ID}); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d/basemaps?saved=%s", pid,
		url.QueryEscape(a.tr(c).T("basemaps.flash.deleted", "Name", b.Name))))
}
