package openrosa

import (
	"regexp"
	"strings"
)

// MediaRef is a form attachment an XForm expects the server to provide.
type MediaRef struct {
	Name string // file name, e.g. "goodone.csv"
	Type string // "file", "image", "audio" or "video"
}

// jrPathName matches the jr:// references ODK Central treats as form
// attachments; a name with a sub-path is not one.
var jrPathName = regexp.MustCompile(`^jr://(?:images|audio|video|file|file-csv)/([^/]+)$`)

// searchAppearance extracts the file argument of a search('name', ...) appearance.
var searchAppearance = regexp.MustCompile(`^\s*(?:\w*\s+)?search\s*\(\s*["']([^"']*)["']`)

// mediaForm maps an itext value form to an attachment type; big-image is an
// image and any other form is not media.
func mediaForm(form string) string {
	switch form {
	case "image", "big-image":
		return "image"
	case "audio", "video":
		return form
	}
	return ""
}

// expectedMedia lists the form attachments following ODK Central's rules:
// secondary instance src (type "file", whether jr://file or jr://file-csv),
// itext media values, jr://images defaults in instances, itemsets.csv for an
// input with a query, and the CSV named by a search() appearance.
func expectedMedia(model, body *node) []MediaRef {
	var refs []MediaRef
	seen := map[MediaRef]bool{}
	add := func(name, typ string) {
		if ref := (MediaRef{Name: name, Type: typ}); !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	for _, c := range model.Children {
		if c.Name.Local == "instance" {
			if src, ok := c.attr("src"); ok {
				if name := jrName(src); name != "" {
					add(name, "file")
				}
			}
		}
	}
	forEachItextValue(model, func(form, text string) {
		if typ, name := mediaForm(form), jrName(text); typ != "" && name != "" {
			add(name, typ)
		}
	})
	forEachInstanceText(model, func(text string) {
		if strings.HasPrefix(text, "jr://images/") {
			if name := jrName(text); name != "" {
				add(name, "image")
			}
		}
	})
	if body != nil {
		bodyMedia(body, add)
	}
	return refs
}

// bodyMedia adds itemsets.csv for an input with a query attribute and the
// files named by search() appearances of select controls.
func bodyMedia(n *node, add func(name, typ string)) {
	for _, c := range n.Children {
		switch c.Name.Local {
		case "input":
			if _, ok := c.attr("query"); ok {
				add("itemsets.csv", "file")
			}
		case "select", "select1":
			appearance, _ := c.attr("appearance")
			if m := searchAppearance.FindStringSubmatch(appearance); m != nil && m[1] != "" && m[1] == strings.TrimSpace(m[1]) {
				name := m[1]
				if !strings.HasSuffix(name, ".csv") {
					name += ".csv"
				}
				add(name, "file")
			}
		}
		bodyMedia(c, add)
	}
}

// jrName returns the file name of a jr:// attachment reference, or "".
func jrName(ref string) string {
	if m := jrPathName.FindStringSubmatch(strings.TrimSpace(ref)); m != nil {
		return m[1]
	}
	return ""
}

// forEachItextValue calls fn for every itext/translation/text/value with a
// form attribute.
func forEachItextValue(model *node, fn func(form, text string)) {
	for _, itext := range model.Children {
		if itext.Name.Local != "itext" {
			continue
		}
		for _, tr := range itext.Children {
			for _, text := range tr.Children {
				for _, v := range text.Children {
					if form, ok := v.attr("form"); ok && v.Name.Local == "value" {
						fn(form, v.Text)
					}
				}
			}
		}
	}
}

// forEachInstanceText calls fn with the text of every leaf of every instance.
func forEachInstanceText(model *node, fn func(text string)) {
	var walk func(n *node)
	walk = func(n *node) {
		if len(n.Children) == 0 {
			fn(strings.TrimSpace(n.Text))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, c := range model.Children {
		if c.Name.Local == "instance" {
			for _, root := range c.Children {
				walk(root)
			}
		}
	}
}
