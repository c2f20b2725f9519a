package xlsform

import "strings"

// xnode is a small XML tree, written the way pyxform's minidom writes it (no pretty printing).
type xnode struct {
	tag   string // "" for a text node
	attrs [][2]string
	kids  []*xnode
	text  string
	raw   bool // text is already XML (escaped, may hold <output/> elements)
}

func el(tag string, kids ...*xnode) *xnode {
	n := &xnode{tag: tag}
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

func textNode(s string) *xnode { return &xnode{text: s} }

// rawNode is text holding <output/> elements. pyxform writes mixed content of more than one node with a space
// before a leading text node and a space after the last node.
func rawNode(s string) *xnode {
	nodes, leadingText := 0, false
	rest := s
	for i := 0; rest != ""; i++ {
		j := strings.Index(rest, "<output")
		if j < 0 {
			nodes++
			if i == 0 {
				leadingText = true
			}
			break
		}
		if j > 0 {
			nodes++
			if i == 0 {
				leadingText = true
			}
		}
		k := strings.Index(rest[j:], "/>")
		if k < 0 {
			break
		}
		nodes++
		rest = rest[j+k+2:]
	}
	if nodes > 1 {
		if leadingText {
			s = " " + s
		}
		s += " "
	}
	return &xnode{text: s, raw: true}
}

// set sets an attribute, replacing an earlier one of the same name (minidom's setAttribute).
func (n *xnode) set(k, v string) *xnode {
	for i := range n.attrs {
		if n.attrs[i][0] == k {
			n.attrs[i][1] = v
			return n
		}
	}
	n.attrs = append(n.attrs, [2]string{k, v})
	return n
}

func (n *xnode) add(kids ...*xnode) *xnode {
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func (n *xnode) write(b *strings.Builder) {
	if n.tag == "" {
		if n.raw {
			b.WriteString(n.text)
		} else {
			textEscaper.WriteString(b, n.text)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(n.tag)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a[0])
		b.WriteString(`="`)
		attrEscaper.WriteString(b, a[1])
		b.WriteByte('"')
	}
	if len(n.kids) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.tag)
	b.WriteByte('>')
}

// escapeText is pyxform's escape_text_for_xml.
func escapeText(s string) string { return xmlTextEscaper.Replace(s) }

var xmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
