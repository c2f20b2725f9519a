package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// staticFiles serves the embedded web/static tree. Every file is read once at start-up (it is embedded in the
// binary anyway) and gets a content hash: pages link it as /static/PATH?v=HASH, which may be cached for a year,
// and the hash doubles as the ETag for plain URLs.
type staticFiles struct {
	files map[string]staticFile
}

type staticFile struct {
	body        []byte
	hash        string
	contentType string
}

// requiredAssets are the browser libraries the pages load; a binary built without `make assets` must not start.
var requiredAssets = []string{"vendor/htmx.min.js", "vendor/swagger-ui/swagger-ui-bundle.js",
	"vendor/redoc.standalone.js", "vendor/maplibre-gl.js", "css/app.css"}

func loadStatic(fsys fs.FS) (*staticFiles, error) {
	s := &staticFiles{files: map[string]staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files[p] = staticFile{body: body, hash: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	for _, p := range requiredAssets {
		if _, ok := s.files[p]; !ok {
			return nil, fmt.Errorf("static files: %s is missing (run `make assets` before building)", p)
		}
	}
	return s, nil
}

// url is the template function `asset`: the fingerprinted URL of a static file.
func (s *staticFiles) url(p string) (string, error) {
	f, ok := s.files[p]
	if !ok {
		return "", fmt.Errorf("asset %q does not exist", p)
	}
	return "/static/" + p + "?v=" + f.hash, nil
}

// serve answers GET /static/*.
func (s *staticFiles) serve(c *fiber.Ctx) error {
	p := strings.TrimPrefix(c.Params("*"), "/")
	f, ok := s.files[p]
	if !ok {
		return fiber.ErrNotFound
	}
	etag := `"` + f.hash + `"`
	c.Set(fiber.HeaderETag, etag)
	if c.Query("v") == f.hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=0, must-revalidate")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.body)
}
