package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/readyforms"
	"fieldbase/db"
)

// ReadyFormBody is a ready-made form a project can start from.
type ReadyFormBody struct {
	Name        string `json:"name" doc:"the name in URLs; also the form id once added"`
	Title       string `json:"title"`
	Description string `json:"description"`
	XMLURL      string `json:"xml_url" doc:"download the XForm to adapt it"`
}

// ReadyFormListBody lists the ready forms (a short fixed list: one page).
type ReadyFormListBody struct {
	Items []ReadyFormBody `json:"items"`
	Total int             `json:"total"`
}

var (
	listReadyFormsOp = huma.Operation{OperationID: "list-ready-forms", Tags: []string{"Forms"},
		Summary: "List the ready forms: buildings, points of interest, health facilities, water points"}
	addReadyFormOp = huma.Operation{OperationID: "add-ready-form", Tags: []string{"Forms"},
		DefaultStatus: http.StatusCreated,
		Summary:       "Add a ready form to the project, as if its XForm had been uploaded",
		Description:   "Answers 201 with the form; adding it again answers the same version. 404 for an unknown name.",
		Errors:        []int{http.StatusNotFound, http.StatusConflict}}
	readyFormXMLDoc = huma.Operation{OperationID: "get-ready-form-xml", Tags: []string{"Forms"},
		Summary: "Download a ready form's XForm, to adapt it and upload it as the project's own"}
)

// readyForms lists the ready forms with where to download each.
func readyForms() []ReadyFormBody {
	list := readyforms.List()
	out := make([]ReadyFormBody, 0, len(list))
	for _, f := range list {
		out = append(out, ReadyFormBody{Name: f.Name, Title: f.Title, Description: f.Description,
			XMLURL: "/api/v1/ready-forms/" + f.Name + ".xml"})
	}
	return out
}

func (a *App) apiListReadyForms(context.Context, *struct{}) (*struct{ Body ReadyFormListBody }, error) {
	items := readyForms()
	return &struct{ Body ReadyFormListBody }{Body: ReadyFormListBody{Items: items, Total: len(items)}}, nil
}

// ReadyFormPath names a ready form for a project.
type ReadyFormPath struct {
	ID   int64  `path:"id"`
	Name string `path:"name" maxLength:"64"`
}

func (a *App) apiAddReadyForm(ctx context.Context, in *ReadyFormPath) (*struct{ Body FormBody }, error) {
	row, err := a.addReadyForm(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	return &struct{ Body FormBody }{Body: formBody(row)}, nil
}

// addReadyForm stores a ready form as the project's form, through the same path as an uploaded XForm.
func (a *App) addReadyForm(ctx context.Context, name string) (db.Form, error) {
	xml, err := readyforms.XML(name)
	if errors.Is(err, readyforms.ErrUnknown) {
		return db.Form{}, errorf(http.StatusNotFound, "no ready form by that name")
	}
	if err != nil {
		return db.Form{}, err
	}
	return a.saveForm(ctx, xml, nil)
}

// downloadReadyFormXML answers a ready form's XForm as a download.
func (a *App) downloadReadyFormXML(c *fiber.Ctx) error {
	name := pathParam(c, "name")
	xml, err := readyforms.XML(name)
	if errors.Is(err, readyforms.ErrUnknown) {
		return errorf(http.StatusNotFound, "no ready form by that name")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xml"`)
	return c.Send(xml)
}
