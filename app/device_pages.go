package app

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// devicesPage is the device access page: a project's ODK Collect tokens, and the one just created (whose token
// is shown this once).
type devicesPage struct {
	Project ProjectBody
	Tokens  []CollectTokenBody
	Active  int
	Created *CollectTokenBody
	Name    string
	Errors  map[string]string
	Saved   string
	// Address is the server URL phones get, and the advice when they cannot reach it.
	Address phoneAddress
	// QRQuery is appended to the QR image URLs ("?base=..." when a LAN address was chosen).
	QRQuery string
	IsAdmin bool
	// SecureURL is the HTTPS address for the phones' browsers when LAN HTTPS is on (ODK Collect keeps the plain
	// one, as it does not trust a certificate authority installed on the phone).
	SecureURL string
	// BrowserLink is the created token's link for filling forms in a phone's browser (shown once, as the token).
	BrowserLink string
}

func (a *App) devicesPageData(c *fiber.Ctx, page devicesPage) (devicesPage, error) {
	ctx := c.UserContext()
	pa := projectFrom(ctx)
	list, err := a.apiListCollectTokens(ctx, &struct {
		ID int64 `path:"id"`
	}{ID: pa.Project.ID})
	if err != nil {
		return page, err
	}
	page.Project, page.Tokens = projectBody(pa.Project, pa.Role), list.Body.Items
	page.Address = a.phoneAddress(ctx, c.Query("base", c.FormValue("base")))
	if page.Address.Chosen != "" {
		page.QRQuery = "?base=" + url.QueryEscape(page.Address.Chosen)
	}
	page.SecureURL = a.secureURL(browserBase(page.Address))
	if p := principal(ctx); p != nil {
		page.IsAdmin = p.IsAdmin
	}
	for _, t := range page.Tokens {
		if t.RevokedAt == nil {
			page.Active++
		}
	}
	return page, nil
}

// browserBase is the plain address phones reach the server at, for the browser link: the address the QR codes
// give, or the first LAN address while that one is this machine's loopback.
func browserBase(pa phoneAddress) string {
	if pa.Unreachable && pa.Chosen == "" && len(pa.Choices) > 0 {
		return pa.Choices[0]
	}
	return pa.URL
}

// showDevicesPage lists a project's ODK Collect device tokens with the form to create one.
func (a *App) showDevicesPage(c *fiber.Ctx) error {
	page, err := a.devicesPageData(c, devicesPage{Saved: c.Query("saved")})
	if err != nil {
		return err
	}
	return a.page(c, fiber.StatusOK, "project_devices", "Device access", page)
}

// createDeviceForm creates a device token through the API's handler and shows it, with its QR code, once.
func (a *App) createDeviceForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in := &CollectTokenInput{ID: projectFrom(ctx).Project.ID}
	in.Body.Name = c.FormValue("name")
	out, err := a.apiCreateCollectToken(ctx, in)
	if err != nil {
		errs, status, ok := a.formErrors(c, err)
		if !ok {
			return err
		}
		page, derr := a.devicesPageData(c, devicesPage{Name: in.Body.Name, Errors: errs})
		if derr != nil {
			return derr
		}
		return a.page(c, status, "project_devices", "Device access", page)
	}
	page, err := a.devicesPageData(c, devicesPage{Created: &out.Body})
	if err != nil {
		return err
	}
	if page.Address.Chosen != "" {
		out.Body.ServerURL = page.Address.Chosen + "/odk/" + out.Body.Token
	}
	page.BrowserLink = a.deviceBrowserLink(page.Address, out.Body.Token)
	// No redirect: the token exists in clear only in this answer.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.page(c, fiber.StatusCreated, "project_devices", "Device access", page)
}

// revokeDeviceForm revokes a device token through the API's handler and goes back to the list.
func (a *App) revokeDeviceForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return refusal(fiber.StatusNotFound, errNoToken)
	}
	pid := projectFrom(ctx).Project.ID
	if _, err := a.apiRevokeCollectToken(ctx, &CollectTokenPath{ID: pid, TID: tid}); err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" {
		name = "The token"
	}
	return a.redirect(c, fmt.Sprintf("/projects/%d/devices?saved=%s", pid, urlQueryEscape(name+" revoked")))
}
