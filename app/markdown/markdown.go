// Package markdown renders the small part of Markdown that project managers use to write instructions for
// mappers (paragraphs, line breaks, headings, emphasis, strong, inline code, bulleted and numbered lists, links)
// into HTML that is safe to put in a page: every character of the source is escaped, no raw HTML passes through,
// and a link is kept only when it points to http, https or mailto.
//
// It is a pure package: it must not import fiber, huma, fieldbase/db or anything that does input/output.
package markdown

import (
	"html/template"
	"regexp"
	"strconv"
	"strings"
)

// Render turns Markdown source into safe HTML. Headings are shifted down two levels ("#" becomes <h3>), because
// the instructions sit under a page's own <h1> and <h2>. A single line break inside a paragraph or list item is
// kept as <br>, as people who type in a text box expect. Links open in a new tab with rel="noopener".
func Render(src string) template.HTML {
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	var r renderer
	for _, line := range strings.Split(src, "\n") {
		r.line(line)
	}
	r.close()
	// Trusted as HTML because every piece of the source reached the output through inliner.text (escaped).
	return template.HTML(r.out.String())
}

var (
	headingLine = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	bulletLine  = regexp.MustCompile(`^ {0,3}[-*+][ \t]+(.*)$`)
	numberLine  = regexp.MustCompile(`^ {0,3}([0-9]{1,9})[.)][ \t]+(.*)$`)
)

// blockKind is the block being gathered.
type blockKind int

const (
	blockNone blockKind = iota
	blockParagraph
	blockBullets
	blockNumbers
)

// renderer gathers lines into blocks and writes each block when it ends.
type renderer struct {
	out   strings.Builder
	kind  blockKind
	lines []string // the paragraph's lines, or the current list item's
}

// line adds one source line to the open block, or ends it and starts another.
func (r *renderer) line(line string) {
	if strings.TrimSpace(line) == "" {
		r.close()
		return
	}
	if m := headingLine.FindStringSubmatch(line); m != nil {
		r.close()
		level := strconv.Itoa(min(len(m[1])+2, 6))
		r.out.WriteString("<h" + level + ">" + inline(m[2]) + "</h" + level + ">\n")
		return
	}
	if m := bulletLine.FindStringSubmatch(line); m != nil {
		r.item(blockBullets, m[1], "")
		return
	}
	if m := numberLine.FindStringSubmatch(line); m != nil {
		r.item(blockNumbers, m[2], m[1])
		return
	}
	if r.kind == blockNone {
		r.kind = blockParagraph
	}
	// A plain line goes on with the open paragraph or list item.
	r.lines = append(r.lines, strings.TrimSpace(line))
}

// item starts a list item, opening the list (and closing any other block) first when needed; number is the
// first item's number of a numbered list.
func (r *renderer) item(kind blockKind, text, number string) {
	if r.kind != kind {
		r.close()
		r.kind = kind
		switch {
		case kind == blockBullets:
			r.out.WriteString("<ul>\n")
		case strings.TrimLeft(number, "0") == "1":
			r.out.WriteString("<ol>\n")
		default:
			n, _ := strconv.Atoi(number)
			r.out.WriteString(`<ol start="` + strconv.Itoa(n) + `">` + "\n")
		}
	}
	r.flushItem()
	r.lines = []string{strings.TrimSpace(text)}
}

// flushItem writes the list item gathered so far, if any.
func (r *renderer) flushItem() {
	if len(r.lines) == 0 {
		return
	}
	r.out.WriteString("<li>" + inline(strings.Join(r.lines, "\n")) + "</li>\n")
	r.lines = nil
}

// close writes and ends the open block.
func (r *renderer) close() {
	switch r.kind {
	case blockParagraph:
		r.out.WriteString("<p>" + inline(strings.Join(r.lines, "\n")) + "</p>\n")
	case blockBullets:
		r.flushItem()
		r.out.WriteString("</ul>\n")
	case blockNumbers:
		r.flushItem()
		r.out.WriteString("</ol>\n")
	}
	r.kind, r.lines = blockNone, nil
}
