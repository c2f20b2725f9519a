package openrosa

import (
	"strings"
)

// Submission is a parsed submission instance document.
type Submission struct {
	RootName     string // local name of the root element, e.g. "data"
	FormID       string // the root's id attribute
	Version      string // the root's version attribute, possibly empty
	InstanceID   string // meta/instanceID, trimmed
	DeprecatedID string // meta/deprecatedID of an edit, trimmed, possibly empty
	// Data holds the root's children as JSON-ready values: a leaf is a
	// string, a group a map[string]any and an element whose name repeats
	// among its siblings a []any. Namespace prefixes and attributes are
	// dropped; meta is kept. A repeat with a single instance is only an
	// array in DataFor(form), which knows the form's repeats.
	Data map[string]any

	root *node
}

// ParseSubmission parses and checks a submission instance. It needs a root
// id attribute and an instanceID, read from meta/instanceID (with or without
// the orx namespace, declared or not) or else from the root's instanceID
// attribute. Failures are returned as *FormError.
func ParseSubmission(data []byte) (*Submission, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, &FormError{Message: describeXMLError(err), Err: err}
	}
	s := &Submission{RootName: root.Name.Local, root: root}
	id, _ := root.attr("id")
	if s.FormID = strings.TrimSpace(id); s.FormID == "" {
		return nil, &FormError{Message: "the submission root <" + s.RootName + "> has no id attribute"}
	}
	s.Version, _ = root.attr("version")
	if meta := root.child("meta"); meta != nil {
		if n := meta.child("instanceID"); n != nil {
			s.InstanceID = strings.TrimSpace(n.Text)
		}
		if n := meta.child("deprecatedID"); n != nil {
			s.DeprecatedID = strings.TrimSpace(n.Text)
		}
	}
	if s.InstanceID == "" {
		v, _ := root.attr("instanceID")
		s.InstanceID = strings.TrimSpace(v)
	}
	if s.InstanceID == "" {
		return nil, &FormError{Message: "the submission has no meta/instanceID"}
	}
	s.Data = buildData(root, "", nil)
	return s, nil
}

// DataFor returns the submission data shaped by the form: every element at
// one of the form's repeat paths becomes an array, even with a single (or
// with no other) instance, so that exports get stable columns. Elements
// whose name repeats among siblings are arrays as in Data.
func (s *Submission) DataFor(form *Form) map[string]any {
	repeats := map[string]bool{}
	if form != nil {
		for _, r := range form.Repeats {
			repeats[relPath(r)] = true
		}
	}
	return buildData(s.root, "", repeats)
}

// buildData converts the children of n (at relative path rel) to a map.
func buildData(n *node, rel string, repeats map[string]bool) map[string]any {
	counts := map[string]int{}
	for _, c := range n.Children {
		counts[c.Name.Local]++
	}
	out := make(map[string]any, len(counts))
	for _, c := range n.Children {
		key := c.Name.Local
		p := joinRel(rel, key)
		var v any = c.Text
		if len(c.Children) > 0 {
			v = buildData(c, p, repeats)
		}
		if counts[key] > 1 || repeats[p] {
			list, _ := out[key].([]any)
			out[key] = append(list, v)
			continue
		}
		out[key] = v
	}
	return out
}

// joinRel appends a step to a relative path.
func joinRel(rel, step string) string {
	if rel == "" {
		return step
	}
	return rel + "/" + step
}

// Find returns the text of the first element, in document order, whose local
// name is name (for example "task_id" or "feature_id"), trimmed.
func (s *Submission) Find(name string) (string, bool) {
	return s.first(func(n *node, _ string) bool { return n.Name.Local == name })
}

// Value returns the trimmed text of the first element at path, which is
// either absolute ("/data/meta/instanceID") or relative to the root
// ("meta/instanceID"); namespace prefixes in the path are ignored.
func (s *Submission) Value(path string) (string, bool) {
	want := relPath(normalizePath(path, s.RootName))
	return s.first(func(_ *node, rel string) bool { return rel == want })
}

// first returns the trimmed text of the first element, in document order, that match accepts.
func (s *Submission) first(match func(n *node, rel string) bool) (string, bool) {
	var found *node
	s.walk(func(n *node, rel string) bool {
		if match(n, rel) {
			found = n
			return false
		}
		return true
	})
	if found == nil {
		return "", false
	}
	return strings.TrimSpace(found.Text), true
}

// walk visits every element below the root in document order with its
// relative path until fn returns false.
func (s *Submission) walk(fn func(n *node, rel string) bool) {
	var visit func(n *node, rel string) bool
	visit = func(n *node, rel string) bool {
		for _, c := range n.Children {
			p := joinRel(rel, c.Name.Local)
			if !fn(c, p) || !visit(c, p) {
				return false
			}
		}
		return true
	}
	visit(s.root, "")
}
