package openrosa

import "strings"

// javarosaNS is the namespace of jr:template and other JavaRosa attributes.
const javarosaNS = "http://openrosa.org/javarosa"

// readFields walks the primary instance and fills Fields and Repeats. Types
// come from the binds, repeats from the body's repeat nodesets and from
// jr:template markers in the instance.
func (f *Form) readFields(inst, model, body *node) {
	types := map[string]string{}
	for _, c := range model.Children {
		if c.Name.Local != "bind" {
			continue
		}
		nodeset, _ := c.attr("nodeset")
		typ, _ := c.attr("type")
		if nodeset == "" || typ == "" {
			continue
		}
		types[normalizePath(nodeset, f.RootName)] = stripPrefix(typ)
	}
	controls := map[string]string{}
	repeats := map[string]bool{}
	if body != nil {
		collectControls(body, f.RootName, controls, repeats)
	}
	w := fieldWalker{form: f, types: types, controls: controls, repeats: repeats, seen: map[string]bool{}}
	w.walk(inst, "/"+f.RootName)
}

// fieldWalker carries the lookups used while walking the instance tree.
type fieldWalker struct {
	form     *Form
	types    map[string]string
	controls map[string]string
	repeats  map[string]bool
	seen     map[string]bool
}

// walk visits the children of n, whose absolute path is path.
func (w *fieldWalker) walk(n *node, path string) {
	for _, c := range n.Children {
		p := path + "/" + c.Name.Local
		if _, ok := c.attrNS(javarosaNS, "template"); ok {
			w.repeats[p] = true
		}
		if w.seen[p] {
			continue // a second jr:template copy or default repeat instance
		}
		w.seen[p] = true
		if w.repeats[p] {
			w.form.Repeats = append(w.form.Repeats, p)
		}
		if len(c.Children) > 0 {
			w.walk(c, p)
			continue
		}
		typ := w.types[p]
		if typ == "" {
			typ = "string"
		}
		w.form.Fields = append(w.form.Fields, Field{
			Path: p, Type: typ, Control: w.controls[p], Repeat: w.insideRepeat(p),
		})
	}
}

// insideRepeat reports whether path lies below one of the repeats.
func (w *fieldWalker) insideRepeat(path string) bool {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' && w.repeats[path[:i]] {
			return true
		}
	}
	return false
}

// collectControls records body controls by their ref and repeats by their
// nodeset, recursing through groups.
func collectControls(n *node, rootName string, controls map[string]string, repeats map[string]bool) {
	for _, c := range n.Children {
		if c.Name.Local == "repeat" {
			if nodeset, ok := c.attr("nodeset"); ok && nodeset != "" {
				repeats[normalizePath(nodeset, rootName)] = true
			}
		} else if ref, ok := c.attr("ref"); ok && ref != "" && c.Name.Local != "group" && c.Name.Local != "label" && c.Name.Local != "hint" {
			controls[normalizePath(ref, rootName)] = c.Name.Local
		}
		collectControls(c, rootName, controls, repeats)
	}
}

// attrNS returns the value of the attribute with the given namespace and
// local name.
func (n *node) attrNS(space, local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// normalizePath makes an XPath nodeset absolute and strips namespace
// prefixes from its steps: "orx:meta/orx:instanceID" -> "/data/meta/instanceID".
func normalizePath(p, rootName string) string {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + rootName + "/" + p
	}
	steps := strings.Split(p, "/")
	for i, s := range steps {
		steps[i] = stripPrefix(strings.TrimSpace(s))
	}
	return strings.Join(steps, "/")
}

// stripPrefix drops a namespace prefix: "orx:meta" -> "meta".
func stripPrefix(s string) string { return s[strings.LastIndexByte(s, ':')+1:] }

// relPath drops the leading "/root/" of an absolute path: "/data/a/b" -> "a/b".
func relPath(abs string) string {
	abs = strings.TrimPrefix(abs, "/")
	if i := strings.IndexByte(abs, '/'); i >= 0 {
		return abs[i+1:]
	}
	return ""
}
