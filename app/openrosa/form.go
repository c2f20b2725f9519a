package openrosa

import (
	"regexp"
	"strings"
)

// FormError reports an XForm or submission that Fieldbase cannot accept.
// Message is safe to show to the client; Err, when set, is the cause.
type FormError struct {
	Message string
	Err     error
}

// Error returns the client-safe message.
func (e *FormError) Error() string { return e.Message }

// Unwrap returns the cause, if any.
func (e *FormError) Unwrap() error { return e.Err }

// Form is what Fieldbase needs to know about an uploaded XForm.
type Form struct {
	ID         string // the primary instance root's id attribute
	Version    string // version or orx:version, as written (may be empty or hold spaces)
	Title      string // h:head/h:title, trimmed; the form ID when the form has no title
	RootName   string // local name of the primary instance root, e.g. "data"
	Fields     []Field
	Repeats    []string   // absolute repeat paths, e.g. "/data/children/child"
	MediaFiles []MediaRef // form attachments the form expects, in ODK Central's sense
}

// Field is one leaf of the primary instance.
type Field struct {
	Path    string // absolute path of local names, e.g. "/data/children/child/name"
	Type    string // bind type without prefix ("string", "int", "geopoint", "binary", "select1", ...), "string" when unbound
	Control string // local name of the body control bound to it ("input", "select1", "upload", ...), if any
	Repeat  bool   // the field lives inside a repeat
}

// Name returns the last segment of the field's path.
func (f Field) Name() string { return f.Path[strings.LastIndexByte(f.Path, '/')+1:] }

// IsGeo reports whether the field holds an ODK geopoint, geotrace or geoshape.
func (f Field) IsGeo() bool {
	return f.Type == "geopoint" || f.Type == "geotrace" || f.Type == "geoshape"
}

// Field returns the first field (in form order) whose last path segment is
// name, such as "task_id" or "feature_id".
func (f *Form) Field(name string) (Field, bool) {
	for _, fd := range f.Fields {
		if fd.Name() == name {
			return fd, true
		}
	}
	return Field{}, false
}

// HasField reports whether the form has a field whose last path segment is name.
func (f *Form) HasField(name string) bool {
	_, ok := f.Field(name)
	return ok
}

// reservedFormID matches form IDs that ODK Central refuses because they look
// like file names of an upload gone wrong.
var reservedFormID = regexp.MustCompile(`\.(xlsx?|xml)$`)

// ParseForm validates an XForm and extracts its identity, fields, repeats and
// expected media. Validation failures are returned as *FormError. A missing
// h:title is accepted, as ODK Central does (its own test forms have none):
// Title then falls back to the form ID.
func ParseForm(data []byte) (*Form, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, &FormError{Message: describeXMLError(err), Err: err}
	}
	if root.Name.Local != "html" {
		return nil, &FormError{Message: "the form root element is <" + root.Name.Local + ">, not <h:html>"}
	}
	head := root.child("head")
	if head == nil {
		return nil, &FormError{Message: "the form has no h:head"}
	}
	model := head.child("model")
	if model == nil {
		return nil, &FormError{Message: "the form has no h:head/model"}
	}
	primary := primaryInstance(model)
	if primary == nil {
		return nil, &FormError{Message: "the form has no primary instance (h:head/model/instance)"}
	}
	if len(primary.Children) == 0 {
		return nil, &FormError{Message: "the primary instance has no root element"}
	}
	inst := primary.Children[0]
	form := &Form{RootName: inst.Name.Local}
	if err := form.readIdentity(inst, head); err != nil {
		return nil, err
	}
	body := root.child("body")
	form.readFields(inst, model, body)
	form.MediaFiles = expectedMedia(model, body)
	return form, nil
}

// primaryInstance returns the first model/instance without an id attribute.
func primaryInstance(model *node) *node {
	for _, c := range model.Children {
		if c.Name.Local != "instance" {
			continue
		}
		if _, hasID := c.attr("id"); !hasID {
			return c
		}
	}
	return nil
}

// readIdentity fills ID, Version and Title.
func (f *Form) readIdentity(inst, head *node) error {
	id, _ := inst.attr("id")
	f.ID = strings.TrimSpace(id)
	if f.ID == "" {
		return &FormError{Message: "the primary instance root <" + inst.Name.Local + "> has no id attribute"}
	}
	if reservedFormID.MatchString(f.ID) {
		return &FormError{Message: "the form id " + f.ID + " must not end in .xls, .xlsx or .xml"}
	}
	f.Version, _ = inst.attr("version")
	if title := head.child("title"); title != nil {
		f.Title = strings.TrimSpace(title.Text)
	}
	if f.Title == "" {
		f.Title = f.ID
	}
	return nil
}
