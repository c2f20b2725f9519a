package xlsform

import (
	"errors"
	"strings"
	"testing"
)

// md builds a workbook from a table written the way pyxform's tests write them:
//
//	| survey |        |      |       |
//	|        | type   | name | label |
//	|        | text   | q1   | Q1    |
//
// A non-empty first cell starts a sheet; the sheet's first row is its header. Rows are numbered from 1.
func md(text string) *Workbook {
	wb := &Workbook{}
	var cur *Sheet
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(line, "|")
		cells = cells[1 : len(cells)-1]
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] != "" {
			cur = &Sheet{Name: cells[0]}
			wb.Sheets = append(wb.Sheets, cur)
		}
		row := cells[1:]
		for len(row) > 0 && row[len(row)-1] == "" {
			row = row[:len(row)-1]
		}
		if cur == nil || len(row) == 0 {
			continue
		}
		cur.Rows = append(cur.Rows, Row{Number: len(cur.Rows) + 1, Cells: row})
	}
	return wb
}

// convertMD converts a table workbook and fails the test on an error.
func convertMD(t *testing.T, table string) *Form {
	t.Helper()
	f, err := convertWorkbook(md(table), "test_name.xlsx")
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	return f
}

// problemsMD converts a table workbook that must be refused and returns its problems.
func problemsMD(t *testing.T, table string) []Problem {
	t.Helper()
	f, err := convertWorkbook(md(table), "test_name.xlsx")
	if err == nil {
		t.Fatalf("converted, want an error:\n%s", f.XML)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v, want *Error", err, err)
	}
	return e.Problems
}

// wantProblem checks that one problem is on the sheet, row and column and says every part of want.
func wantProblem(t *testing.T, ps []Problem, sheet string, row int, col string, want ...string) {
	t.Helper()
	for _, p := range ps {
		if p.Sheet != sheet || p.Row != row || (col != "" && p.Column != col) {
			continue
		}
		ok := true
		for _, w := range want {
			if !strings.Contains(p.Message, w) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	t.Fatalf("no problem %s row %d column %q saying %q; got:\n  %s", sheet, row, col, want, strings.Join(got, "\n  "))
}

// hasXML checks that the form holds each snippet: an element with the same name and attributes (in any
// order) and, when the snippet has content, the same content.
func hasXML(t *testing.T, f *Form, snippets ...string) {
	t.Helper()
	root, err := parseCanon(f.XML)
	if err != nil {
		t.Fatalf("our XForm does not parse: %v\n%s", err, f.XML)
	}
	for _, s := range snippets {
		want, err := parseCanon([]byte(s))
		if err != nil {
			t.Fatalf("snippet %q: %v", s, err)
		}
		if !findNode(root, want) {
			t.Errorf("missing %s\nin %s", s, f.XML)
		}
	}
}

// lacksXML checks that no element matches any snippet.
func lacksXML(t *testing.T, f *Form, snippets ...string) {
	t.Helper()
	root, _ := parseCanon(f.XML)
	for _, s := range snippets {
		want, err := parseCanon([]byte(s))
		if err != nil {
			t.Fatalf("snippet %q: %v", s, err)
		}
		if findNode(root, want) {
			t.Errorf("unexpected %s\nin %s", s, f.XML)
		}
	}
}

func findNode(n, want *xnodeC) bool {
	if n.name == want.name && attrsString(n.attrs) == attrsString(want.attrs) {
		if len(want.kids) == 0 || n.render() == want.render() {
			return true
		}
	}
	for _, k := range n.kids {
		if k.name != "#text" && findNode(k, want) {
			return true
		}
	}
	return false
}
