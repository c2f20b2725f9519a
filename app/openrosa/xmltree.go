package openrosa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits applied to every XML document the package parses. The caller is
// expected to bound request bodies too; these are the last line of defence.
const (
	// MaxDocumentBytes is the largest XForm or submission accepted (16 MiB).
	MaxDocumentBytes = 16 << 20
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 128
	// MaxElements is the largest number of elements accepted in one document.
	MaxElements = 500_000
)

// ErrUnsafeXML reports a document carrying a DOCTYPE, ENTITY or other markup
// declaration. Such documents are refused outright so that no entity is ever
// expanded or fetched.
var ErrUnsafeXML = errors.New("xml declarations (doctype or entity) are not accepted")

// ErrXMLLimit reports a document exceeding MaxDocumentBytes, MaxDepth or
// MaxElements.
var ErrXMLLimit = errors.New("xml document exceeds a size limit")

// node is one element of a parsed document. Text holds the element's
// character data; it is only meaningful for leaves.
type node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*node
	Text     string
}

// attr returns the value of the first attribute with the given local name,
// whatever its namespace, preferring an attribute without namespace.
func (n *node) attr(local string) (string, bool) {
	value, found := "", false
	for _, a := range n.Attrs {
		if a.Name.Local != local {
			continue
		}
		if a.Name.Space == "" {
			return a.Value, true
		}
		if !found {
			value, found = a.Value, true
		}
	}
	return value, found
}

// child returns the first child element with the given local name.
func (n *node) child(local string) *node {
	for _, c := range n.Children {
		if c.Name.Local == local {
			return c
		}
	}
	return nil
}

// parseTree decodes data into an element tree with the guarded decoder.
func parseTree(data []byte) (*node, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrXMLLimit, MaxDocumentBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = nil // only the five predefined XML entities are known
	var (
		root     *node
		stack    []*node
		text     strings.Builder
		elements int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, ErrUnsafeXML
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if elements++; elements > MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrXMLLimit, MaxElements)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("%w: nested deeper than %d elements", ErrXMLLimit, MaxDepth)
			}
			n := &node{Name: t.Name, Attrs: t.Copy().Attr}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.Children) == 0 {
				n.Text = text.String()
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			text.Write(t)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// describeXMLError turns a parse error into text safe to show a client.
func describeXMLError(err error) string {
	switch {
	case errors.Is(err, ErrUnsafeXML):
		return "the document contains a DOCTYPE or ENTITY declaration, which is not accepted"
	case errors.Is(err, ErrXMLLimit):
		return "the document is too large or too deeply nested"
	default:
		return "the document is not well-formed XML: " + strings.TrimPrefix(err.Error(), "xml: ")
	}
}
