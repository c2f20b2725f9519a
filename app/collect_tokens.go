package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/auth"
	"fieldbase/app/openrosa"
	"fieldbase/db"
)

// collectTokenPrefix starts every ODK Collect device token.
const collectTokenPrefix = "fbc_"

// loadCollectKey reads (creating it on first use) the key device tokens are derived from. It lives in the data
// directory, not in the database, so a copy of the database alone reveals no token.
func loadCollectKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "collect.key")
	key, err := os.ReadFile(path)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("collect key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("collect key: %w", err)
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("collect key: %w", err)
	}
	return key, nil
}

// collectTokenFor derives the device token of a nonce.
func (u *uploads) collectTokenFor(nonce string) string {
	m := hmac.New(sha256.New, u.collectKey)
	m.Write([]byte(nonce))
	return collectTokenPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CollectTokenBody is a device token as listed (the token itself only in the answer that creates it).
type CollectTokenBody struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Token         string     `json:"token,omitempty" doc:"Shown once, when created"`
	ServerURL     string     `json:"server_url,omitempty" doc:"The OpenRosa server URL for ODK Collect, shown once"`
	CreatedByName string     `json:"created_by_name,omitempty" doc:"Who created it: a display name, or a username (lists)"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

// CollectTokenInput names a new device token.
type CollectTokenInput struct {
	ID   int64 `path:"id"`
	Body struct {
		Name string `json:"name" maxLength:"100" example:"team A phone 3"`
	}
}

// CollectTokenPath names one device token of a project.
type CollectTokenPath struct {
	ID  int64 `path:"id"`
	TID int64 `path:"tid"`
}

// errNoToken is the answer about a device token the project does not have.
var errNoToken = coded("validation_no_such_token", "no such token")

var (
	createCollectTokenOp = huma.Operation{OperationID: "create-collect-token", Tags: []string{"ODK Collect"},
		DefaultStatus: http.StatusCreated,
		Summary:       "Create an ODK Collect device token bound to the project (shown once)",
		Errors:        []int{http.StatusNotFound, http.StatusUnprocessableEntity}}
	listCollectTokensOp = huma.Operation{OperationID: "list-collect-tokens", Tags: []string{"ODK Collect"},
		Summary: "List the device tokens",
		Errors:  []int{http.StatusNotFound}}
	revokeCollectTokenOp = huma.Operation{OperationID: "revoke-collect-token", Tags: []string{"ODK Collect"},
		DefaultStatus: http.StatusNoContent,
		Summary:       "Revoke a device token", Errors: []int{http.StatusNotFound}}
	collectQRDoc = huma.Operation{OperationID: "get-collect-token-qr", Tags: []string{"ODK Collect"},
		Summary: "The ODK Collect configuration QR code (PNG) of a device token",
		Parameters: []*huma.Param{{Name: "base", In: "query", Description: "One of this machine's LAN " +
			"addresses (as the Devices page offers them) to encode instead of the configured base URL",
			Schema: &huma.Schema{Type: "string"}}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The QR code", Content: map[string]*huma.MediaType{"image/png": {}}},
			"404": {Description: "No such project or token"},
			"410": {Description: "The token was revoked"},
			"422": {Description: "base is not an address of this server"},
		}}
)

func (a *App) apiCreateCollectToken(ctx context.Context, in *CollectTokenInput) (*struct{ Body CollectTokenBody },
	error) {
	in.Body.Name = strings.TrimSpace(in.Body.Name)
	if err := validation.ValidateStruct(&in.Body, validation.Field(&in.Body.Name, validation.Required,
		validation.RuneLength(1, 100))); err != nil {
		return nil, err
	}
	nb := make([]byte, 16)
	if _, err := rand.Read(nb); err != nil {
		return nil, err
	}
	nonce := hex.EncodeToString(nb)
	plain := a.uploads.collectTokenFor(nonce)
	t, err := a.store.CreateCollectToken(ctx, db.CollectToken{ProjectID: projectFrom(ctx).Project.ID,
		Name: in.Body.Name, TokenHash: auth.HashToken(plain), Nonce: nonce, CreatedBy: principal(ctx).UserID})
	if err != nil {
		return nil, err
	}
	b := collectTokenBody(t)
	b.Token, b.ServerURL = plain, a.serverURL(ctx)+"/odk/"+plain
	return &struct{ Body CollectTokenBody }{Body: b}, nil
}

func collectTokenBody(t db.CollectToken) CollectTokenBody {
	return CollectTokenBody{ID: t.ID, Name: t.Name, CreatedByName: t.CreatedByName, CreatedAt: t.CreatedAt.UTC(),
		RevokedAt: t.RevokedAt}
}

func (a *App) apiListCollectTokens(ctx context.Context, _ *struct {
	ID int64 `path:"id"`
}) (*struct {
	Body struct {
		Items []CollectTokenBody `json:"items"`
		Total int                `json:"total"`
	}
}, error) {
	list, err := a.store.CollectTokens(ctx, projectFrom(ctx).Project.ID)
	if err != nil {
		return nil, err
	}
	out := &struct {
		Body struct {
			Items []CollectTokenBody `json:"items"`
			Total int                `json:"total"`
		}
	}{}
	out.Body.Items, out.Body.Total = make([]CollectTokenBody, 0, len(list)), len(list)
	for _, t := range list {
		out.Body.Items = append(out.Body.Items, collectTokenBody(t))
	}
	return out, nil
}

func (a *App) apiRevokeCollectToken(ctx context.Context, in *CollectTokenPath) (*struct{}, error) {
	return nil, a.store.RevokeCollectToken(ctx, projectFrom(ctx).Project.ID, in.TID)
}

// collectQR renders the configuration QR code of an active device token.
func (a *App) collectQR(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return refusal(http.StatusNotFound, errNoToken)
	}
	pa := projectFrom(ctx)
	t, err := a.store.CollectToken(ctx, pa.Project.ID, tid)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return refusal(http.StatusGone, coded("validation_token_revoked", "this token was revoked"))
	}
	base := a.serverURL(ctx)
	if chosen := c.Query("base"); chosen != "" {
		// A LAN address picked on the devices page: only this machine's own addresses are encoded.
		if base = a.phoneAddress(ctx, chosen).Chosen; base == "" {
			return fieldError("base", coded("validation_base_not_ours", "is not an address of this server"))
		}
	}
	settings, err := openrosa.CollectSettings(base+"/odk/"+a.uploads.collectTokenFor(t.Nonce), pa.Project.Name)
	if err != nil {
		return err
	}
	png, err := openrosa.CollectQRPNG(settings, 512)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}
