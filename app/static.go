package app

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/crc32"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// staticFiles serves the embedded web/static tree. Every file is read once at start-up (it is embedded in the
// binary anyway) and gets a content hash: pages link it as /static/PATH?v=HASH, which may be cached for a year,
// and the hash doubles as the ETag for plain URLs. The hash is CRC-32C (hardware-accelerated): it only has to
// change when the file does, and hashing 4 MB of libraries with SHA-256 cost 10 ms of every start.
type staticFiles struct {
	files map[string]*staticFile
}

type staticFile struct {
	body        []byte
	hash        string
	contentType string
	// gz is the body gzipped, made on the first request that accepts it (never at start-up) and kept.
	gzOnce sync.Once
	gz     []byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// requiredAssets are the browser libraries the pages load; a binary built without `make assets` must not start.
var requiredAssets = []string{"vendor/htmx.min.js", "vendor/swagger-ui/swagger-ui-bundle.js",
	"vendor/redoc.standalone.js", "vendor/maplibre-gl.js", "css/app.css"}

func loadStatic(fsys fs.FS) (*staticFiles, error) {
	s := &staticFiles{files: map[string]*staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files[p] = &staticFile{body: body, contentType: ct,
			hash: strconv.FormatUint(uint64(crc32.Checksum(body, castagnoli)), 36)}
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
	c.Vary(fiber.HeaderAcceptEncoding)
	if compressible(f.contentType) && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		if gz := f.gzipped(); gz != nil {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(gz)
		}
	}
	return c.Send(f.body)
}

// gzipped returns the file compressed once at the best level (it is compressed once per process and sent many
// times), or nil if compressing failed.
func (f *staticFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err == nil {
			_, err = zw.Write(f.body)
		}
		if err == nil && zw.Close() == nil && buf.Len() < len(f.body) {
			f.gz = buf.Bytes()
		}
	})
	return f.gz
}

// compressible reports whether a content type is text-like (images and fonts are compressed already).
func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "svg")
}
