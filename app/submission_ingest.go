package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"fieldbase/app/collect"
	"fieldbase/app/openrosa"
	"fieldbase/app/storage"
	"fieldbase/db"
)

// uploads is what the form and submission handlers need beside the database: the file store and the size
// limits.
type uploads struct {
	files      *storage.Store
	maxRequest int64
	maxFile    int64
	collectKey []byte
}

func newUploads(dataDir string, maxRequestMB, maxFileMB int) (*uploads, error) {
	files, err := storage.Open(dataDir)
	if err != nil {
		return nil, err
	}
	key, err := loadCollectKey(dataDir)
	if err != nil {
		return nil, err
	}
	return &uploads{files: files, maxRequest: int64(maxRequestMB) << 20, maxFile: int64(maxFileMB) << 20,
		collectKey: key}, nil
}

// SweepFiles removes the temporary files of uploads cut short and the stored files no row names (written
// before a crash that came before their row committed). Call it at start-up, before serving.
func SweepFiles(ctx context.Context, dataDir string, store *db.Store) (storage.SweepResult, error) {
	files, err := storage.Open(dataDir)
	if err != nil {
		return storage.SweepResult{}, err
	}
	return files.Sweep(func(key string) (bool, error) { return store.FileReferenced(ctx, key) })
}

var (
	errTooLarge   = errorf(http.StatusRequestEntityTooLarge, "the request or one of its files is larger than allowed")
	errNotMultipt = errorf(http.StatusUnsupportedMediaType, "send multipart/form-data")
)

// limitedBody fails with errTooLarge once more than n bytes were read.
type limitedBody struct {
	r io.Reader
	n int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// multipartBody returns a streaming multipart reader over the request body, bounded by limit. The body is read
// from the connection as the parts are consumed (StreamRequestBody), never whole into memory.
func multipartBody(c *fiber.Ctx, limit int64) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errNotMultipt
	}
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > limit {
		return nil, errTooLarge
	}
	// c.Body() would read the whole stream into memory: use it only when the body was not streamed.
	body := c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	return multipart.NewReader(&limitedBody{r: body, n: limit}, params["boundary"]), nil
}

// fileName is the attachment name a part carries: its file name as sent, else its field name. Part.FileName is
// not used: it keeps only the last path element, which would silently accept "../../x" as "x".
func fileName(p *multipart.Part) string {
	if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
		if n := params["filename"]; n != "" {
			return n
		}
	}
	return p.FormName()
}

// saveFilePart checks the part's file name and streams it to a temporary file. A name sent twice keeps the
// first file.
func (u *uploads) saveFilePart(r *collect.Received, p *multipart.Part) error {
	name, err := openrosa.SanitizeFilename(fileName(p))
	if err != nil {
		return errorf(http.StatusBadRequest, "attachment: "+err.Error())
	}
	for _, f := range r.Files {
		if f.Name == name {
			_, err := io.Copy(io.Discard, p)
			return err
		}
	}
	tmp, err := u.files.Write(p, u.maxFile, false)
	if errors.Is(err, storage.ErrTooLarge) {
		return errTooLarge
	}
	if err != nil {
		return err
	}
	r.Files = append(r.Files, collect.File{Name: name, Tmp: tmp})
	return nil
}

// readXMLPart reads a submission XML part, bounded by the largest document the parser accepts.
func readXMLPart(p io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, openrosa.MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > openrosa.MaxDocumentBytes {
		return nil, errTooLarge
	}
	return b, nil
}

// readParts reads every part: xmlField is the submission XML, deviceField (if any) a text value, any other part
// an attachment. On error the temporary files are already removed.
func (u *uploads) readParts(mr *multipart.Reader, xmlField, deviceField string, attachField string) (
	*collect.Received, error) {
	r := &collect.Received{}
	err := func() error {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return bodyError(err)
			}
			switch name := p.FormName(); {
			case name == xmlField && r.XML == nil:
				r.XML, err = readXMLPart(p)
			case deviceField != "" && name == deviceField:
				var b []byte
				b, err = io.ReadAll(io.LimitReader(p, 200))
				r.DeviceID = string(b)
			case attachField == "" || name == attachField:
				err = u.saveFilePart(r, p)
			default:
				_, err = io.Copy(io.Discard, p)
			}
			if err != nil {
				return bodyError(err)
			}
		}
	}()
	if err != nil {
		r.Discard()
		return nil, err
	}
	return r, nil
}

// bodyError keeps the client errors (413, bad names) and reports a broken multipart stream as 400.
func bodyError(err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Status: http.StatusBadRequest, Message: "the multipart body could not be read", Err: err}
}
