package xlsform

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
)

// xmlTok is an XML token by local name; text is set for tokText.
type xmlTok struct {
	kind  tokKind
	name  string
	attrs []xml.Attr
	text  string
}

// attr is the value of the attribute with this local name and no prefix.
func (t xmlTok) attr(name string) string {
	for _, a := range t.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// nsAttr is the value of a prefixed attribute with this local name (r:id).
func (t xmlTok) nsAttr(name string) string {
	for _, a := range t.attrs {
		if a.Name.Local == name && a.Name.Space != "" && a.Name.Space != "xmlns" {
			return a.Value
		}
	}
	return ""
}

// parseXML streams r's tokens to handle. encoding/xml resolves only the five predefined entities and
// character references: a DOCTYPE's entities are never expanded, external ones never fetched.
func parseXML(r io.Reader, handle func(xmlTok) error) error {
	d := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	d.CharsetReader = charsetReader
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var t xmlTok
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth++; depth > 256 {
				return fmt.Errorf("elements nested more than 256 deep")
			}
			t = xmlTok{kind: tokStart, name: tok.Name.Local, attrs: tok.Attr}
		case xml.EndElement:
			depth--
			t = xmlTok{kind: tokEnd, name: tok.Name.Local}
		case xml.CharData:
			t = xmlTok{kind: tokText, text: string(tok)}
		default:
			continue
		}
		if err := handle(t); err != nil {
			return err
		}
	}
}

// charsetReader reads the single-byte encodings a spreadsheet part might declare besides UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "iso_8859-1", "windows-1252", "cp1252":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("the encoding %q is not supported", label)
}

// latin1Reader decodes ISO-8859-1 to UTF-8 (Windows-1252's extra characters read as their Latin-1 codes).
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) == 0 {
		c, err := l.r.ReadByte()
		if err != nil {
			return 0, err
		}
		l.buf = utf8.AppendRune(l.buf[:0], rune(c))
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
