package app

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/taskflow"
	"fieldbase/db"
)

// featurePanel is what the project map's panel shows for one data-extract feature. Submissions are listed only for
// validators and above, who may open them; others see how many there are.
type featurePanel struct {
	ProjectID      int64
	Feature        db.Feature
	TaskIndex      int
	Properties     []featureProperty
	Submissions    []db.Submission
	SubmissionsN   int
	SeeSubmissions bool
	// Forms are the project's forms a member may fill in the browser for this feature ("Collect").
	Forms []db.Form
}

type featureProperty struct{ Name, Value string }

// featurePanelSubmissions bounds the submissions listed in the panel; the count says when there are more.
const featurePanelSubmissions = 20

// featurePanelPartial answers a feature's panel for the project map (htmx), or a page of its own.
func (a *App) featurePanelPartial(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	fid, err := strconv.ParseInt(c.Params("fid"), 10, 64)
	if err != nil || fid < 1 {
		return errorf(fiber.StatusNotFound, "no such feature")
	}
	f, err := a.store.Feature(ctx, pa.Project.ID, fid)
	if err != nil {
		return err
	}
	panel := featurePanel{ProjectID: pa.Project.ID, Feature: f, Properties: featureProperties(f.Properties),
		SeeSubmissions: taskflow.RoleAtLeast(pa.Role, taskflow.RoleValidator)}
	if f.TaskID > 0 {
		if index, err := a.taskIndexes(ctx, pa.Project.ID); err == nil {
			panel.TaskIndex = index[f.TaskID]
		}
	}
	limit := featurePanelSubmissions
	if !panel.SeeSubmissions {
		limit = 1 // only the count is shown
	}
	panel.Submissions, panel.SubmissionsN, err = a.store.Submissions(ctx, db.SubmissionFilter{
		ProjectID: pa.Project.ID, FeatureID: f.ID, Limit: limit})
	if err != nil {
		return err
	}
	if !panel.SeeSubmissions {
		panel.Submissions = nil
	}
	if panel.Forms, err = a.fillForms(c); err != nil {
		return err
	}
	if !isHTMX(c) {
		return a.page(c, fiber.StatusOK, "project_feature", fmt.Sprintf("Feature %d", f.ID), panel)
	}
	body, err := a.execute(c, "project_feature", "feature_panel", panel)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// featureProperties lists a feature's properties by name, each value as JSON text unless it is a string.
func featureProperties(raw string) []featureProperty {
	var props map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &props) != nil {
		return nil
	}
	out := make([]featureProperty, 0, len(props))
	for k, v := range props {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out = append(out, featureProperty{Name: k, Value: cmp.Or(s, "—")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
