package markdown

import (
	"html"
	"net/url"
	"strings"
)

// maxURL bounds a link's address, which also bounds how far one attempt to read a link looks ahead.
const maxURL = 2048

// inline renders the text of one block: emphasis, strong, inline code, links and line breaks; everything else is
// escaped text.
func inline(s string) string {
	p := inliner{src: s, failed: map[string]span{}}
	p.render(0, len(s), false)
	return p.out.String()
}

// span is a byte range [from, to) of the source.
type span struct{ from, to int }

// inliner renders one block's text. failed remembers, per delimiter, a range already searched in vain for a
// closing delimiter, so that many unclosed openers cost one search, not one each (the source may be long).
type inliner struct {
	src    string
	out    strings.Builder
	failed map[string]span
}

// specials are the bytes that may start something other than plain text.
const specials = "\\`*_[\nhH"

// render writes src[lo:hi]; inLink turns links off inside a link's text.
func (p *inliner) render(lo, hi int, inLink bool) {
	s := p.src
	for i := lo; i < hi; {
		next := 0
		switch c := s[i]; {
		case c == '\\' && i+1 < hi && isPunct(s[i+1]):
			p.text(s[i+1 : i+2])
			next = i + 2
		case c == '`':
			if next = p.code(i, hi); next == 0 {
				next = i + runLen(s, i, hi, '`')
				p.text(s[i:next])
			}
		case c == '*' || c == '_':
			next = p.emphasis(i, hi, inLink)
		case c == '[' && !inLink:
			next = p.link(i, hi)
		case (c == 'h' || c == 'H') && !inLink:
			next = p.autolink(i, hi)
		case c == '\n':
			p.out.WriteString("<br>\n")
			next = i + 1
		}
		if next == 0 {
			// Plain text up to the next byte that may start something.
			next = i + 1
			if j := strings.IndexAny(s[next:hi], specials); j >= 0 {
				next += j
			} else {
				next = hi
			}
			p.text(s[i:next])
		}
		i = next
	}
}

func (p *inliner) text(s string) { p.out.WriteString(html.EscapeString(s)) }

// emphasis renders **strong**, __strong__, *emphasis* or _emphasis_ opening at i and returns where it ends, or
// 0 when no such span opens there. An underscore inside a word (snake_case) opens nothing.
func (p *inliner) emphasis(i, hi int, inLink bool) int {
	s, c := p.src, p.src[i]
	if c == '_' && i > 0 && isAlnum(s[i-1]) {
		return 0
	}
	for _, n := range []int{2, 1} {
		open := i + n
		if open >= hi || isSpace(s[open]) || (n == 2 && s[i+1] != c) || (n == 1 && s[open] == c) {
			continue
		}
		k := p.closer(strings.Repeat(string(c), n), open+1, hi)
		if k < 0 {
			continue
		}
		tag := "em"
		if n == 2 {
			tag = "strong"
		}
		p.out.WriteString("<" + tag + ">")
		p.render(open, k, inLink)
		p.out.WriteString("</" + tag + ">")
		return k + n
	}
	return 0
}

// code renders an inline code span opening at i (a run of backticks closed by a run of the same length) and
// returns where it ends, or 0 when it is not closed.
func (p *inliner) code(i, hi int) int {
	n := runLen(p.src, i, hi, '`')
	k := p.closer(strings.Repeat("`", n), i+n, hi)
	if k < 0 {
		return 0
	}
	body := strings.ReplaceAll(p.src[i+n:k], "\n", " ")
	if len(body) > 2 && body[0] == ' ' && body[len(body)-1] == ' ' && strings.TrimSpace(body) != "" {
		body = body[1 : len(body)-1]
	}
	p.out.WriteString("<code>")
	p.text(body)
	p.out.WriteString("</code>")
	return k + n
}

// link renders [text](address) opening at i and returns where it ends, or 0 when no link opens there. A link
// whose address is not http, https or mailto keeps its text and loses the link.
func (p *inliner) link(i, hi int) int {
	s := p.src
	k := p.closer("]", i+1, hi)
	if k < 0 || k+1 >= hi || s[k+1] != '(' {
		return 0
	}
	end := addressEnd(s, k+2, hi)
	if end < 0 {
		return 0
	}
	href, ok := safeURL(s[k+2 : end])
	if ok {
		p.anchor(href)
	}
	p.render(i+1, k, true)
	if ok {
		p.out.WriteString("</a>")
	}
	return end + 1
}

// autolink renders a bare http(s) address starting at i as a link and returns where it ends, or 0.
func (p *inliner) autolink(i, hi int) int {
	s := p.src
	if i > 0 && isAlnum(s[i-1]) {
		return 0
	}
	if !hasPrefixFold(s[i:hi], "http://") && !hasPrefixFold(s[i:hi], "https://") {
		return 0
	}
	end := i
	for end < hi && end-i <= maxURL && !isSpace(s[end]) && !strings.ContainsRune("<>\"`", rune(s[end])) {
		end++
	}
	// Punctuation at the end belongs to the sentence, and so does a closing parenthesis that opens nowhere.
	for end > i && strings.ContainsRune(".,:;!?'*_", rune(s[end-1])) {
		end--
	}
	if end > i && s[end-1] == ')' && strings.Count(s[i:end], "(") < strings.Count(s[i:end], ")") {
		end--
	}
	href, ok := safeURL(s[i:end])
	if !ok {
		return 0
	}
	p.anchor(href)
	p.text(href)
	p.out.WriteString("</a>")
	return end
}

func (p *inliner) anchor(href string) {
	p.out.WriteString(`<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener">`)
}

// closer finds the first closing delimiter d in [from, hi), or -1.
func (p *inliner) closer(d string, from, hi int) int {
	if f, ok := p.failed[d]; ok && from >= f.from && hi <= f.to {
		return -1
	}
	s := p.src
	for k := from; k < hi; k++ {
		j := strings.Index(s[k:hi], d)
		if j < 0 {
			break
		}
		if k += j; p.closes(d, k) {
			return k
		}
	}
	p.failed[d] = span{from, hi}
	return -1
}

// closes reports whether the delimiter d at k can close a span. It looks only at the source around k, never at
// the range being searched, so that a failed search stays failed for any range inside it.
func (p *inliner) closes(d string, k int) bool {
	s, c, after := p.src, d[0], k+len(d)
	before := byte(' ')
	if k > 0 {
		before = s[k-1]
	}
	next := byte(' ')
	if after < len(s) {
		next = s[after]
	}
	switch c {
	case '`':
		return before != '`' && next != '`'
	case ']':
		return before != '\\'
	case '*', '_':
		if isSpace(before) || before == '\\' || (len(d) == 1 && (before == c || next == c)) {
			return false
		}
		return c != '_' || !isAlnum(next)
	}
	return false
}

// addressEnd returns the index of the parenthesis that closes a link address starting at from, or -1. An
// address has no spaces; parentheses inside it must balance.
func addressEnd(s string, from, hi int) int {
	depth := 0
	for j := from; j < hi && j-from <= maxURL; j++ {
		switch c := s[j]; {
		case isSpace(c):
			return -1
		case c == '(':
			depth++
		case c == ')' && depth == 0:
			return j
		case c == ')':
			depth--
		}
	}
	return -1
}

// safeURL returns the address when it is an http or https URL with a host, or a mailto URL, and nothing else:
// no javascript:, data: or relative address, no spaces or control characters.
func safeURL(raw string) (string, bool) {
	u := strings.TrimSpace(raw)
	if u == "" || len(u) > maxURL || strings.IndexFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "", false
	}
	switch {
	case hasPrefixFold(u, "http://"), hasPrefixFold(u, "https://"):
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host == "" {
			return "", false
		}
	case hasPrefixFold(u, "mailto:"):
		if len(u) == len("mailto:") {
			return "", false
		}
	default:
		return "", false
	}
	return u, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func runLen(s string, i, hi int, c byte) int {
	n := 0
	for i+n < hi && s[i+n] == c {
		n++
	}
	return n
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isPunct reports whether c is ASCII punctuation, which a backslash turns into itself.
func isPunct(c byte) bool { return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0 }
