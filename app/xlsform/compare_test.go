package xlsform

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The fixture comparison: every XLSForm in ../shared/fixtures/xlsforms converts (or is refused where
// pyxform 4.5.0 refused it), and the XForm is equivalent to pyxform's. Equivalent means, after parsing both
// and normalising attribute order and white space inside attribute values:
//   - the same main instance tree (element order, attributes, default values),
//   - the same secondary instances by id,
//   - the same binds as a set keyed by nodeset, and the same model actions,
//   - the same body as a tree (controls in order, attributes, labels, hints, itemsets, nested actions),
//   - the same itext, by language and text id,
//   - the same title, model attributes and submission element.

func xlsformFixturesDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "xlsforms")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	return dir
}

// referenceDisagreements are fixtures where we deliberately differ from the stored pyxform output, and why.
var referenceDisagreements = map[string]string{
	"ifrc-distribution-site-assessment-v1.xlsx": "an .xls (OLE2) workbook under an .xlsx name: pyxform picks its reader by extension and fails; " +
		"we read workbooks by content, so the form converts",
}

func TestFixturesEquivalentToPyxform(t *testing.T) {
	dir := xlsformFixturesDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.xls*"))
	if len(files) == 0 {
		t.Skip("no XLSForms in ../shared/fixtures/xlsforms")
	}
	equivalent := 0
	for _, f := range files {
		base := filepath.Base(f)
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		t.Run(stem, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			form, err := Convert(data, base)
			refErr, _ := os.ReadFile(filepath.Join(dir, stem+".pyxform-4.5.0.error.txt"))
			if why, ok := referenceDisagreements[base]; ok {
				if err != nil && !errors.Is(err, ErrNotWorkbook) {
					t.Logf("%s: %v", why, err)
				}
				if err != nil {
					t.Fatalf("we expected to convert this form (%s) but got: %v", why, err)
				}
				t.Logf("converted; pyxform: %s (%s)", strings.TrimSpace(string(refErr)), why)
				return
			}
			if len(refErr) > 0 {
				var perr *Error
				if !errors.As(err, &perr) {
					t.Fatalf("pyxform refuses this form (%s) but we returned %v", strings.TrimSpace(string(refErr)), err)
				}
				if !sameCause(string(refErr), perr.Problems) {
					t.Fatalf("refused, but not for pyxform's reason.\n  pyxform: %s\n  ours:    %v", strings.TrimSpace(string(refErr)), err)
				}
				t.Logf("refused as pyxform does.\n  pyxform: %s\n  ours:    %v", strings.TrimSpace(string(refErr)), err)
				equivalent++
				return
			}
			if err != nil {
				t.Fatalf("pyxform converts this form but we refused it: %v", err)
			}
			ref, err := os.ReadFile(filepath.Join(dir, stem+".pyxform-4.5.0.xml"))
			if err != nil {
				t.Fatal(err)
			}
			diffs, err := compareXForms(ref, form.XML)
			if err != nil {
				t.Fatal(err)
			}
			if csv, err := os.ReadFile(filepath.Join(dir, stem+".itemsets.csv")); err == nil {
				if got := form.Files["itemsets.csv"]; !bytes.Equal(got, csv) {
					diffs = append(diffs, fmt.Sprintf("itemsets.csv differs:\n--- pyxform\n%s\n--- ours\n%s", csv, got))
				}
			}
			if len(diffs) > 0 {
				if os.Getenv("XLSFORM_WRITE_OURS") != "" {
					os.WriteFile(filepath.Join(os.Getenv("XLSFORM_WRITE_OURS"), stem+".xml"), form.XML, 0o644)
				}
				t.Fatalf("%d difference(s) from pyxform 4.5.0:\n%s", len(diffs), strings.Join(limit(diffs, 60), "\n"))
			}
			equivalent++
		})
	}
	t.Logf("%d of %d fixture forms equivalent to pyxform 4.5.0 (or refused as pyxform refuses them)", equivalent, len(files))
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
}

// ---- the canonicaliser ----

type xnodeC struct {
	name  string
	attrs map[string]string
	kids  []*xnodeC // elements and text (name "#text")
	text  string
}

var nsPrefixes = map[string]string{
	"http://www.w3.org/2002/xforms":              "",
	"http://www.w3.org/1999/xhtml":               "h",
	"http://www.w3.org/2001/xml-events":          "ev",
	"http://www.w3.org/2001/XMLSchema":           "xsd",
	"http://openrosa.org/javarosa":               "jr",
	"http://openrosa.org/xforms":                 "orx",
	"http://www.opendatakit.org/xforms":          "odk",
	"http://www.opendatakit.org/xforms/entities": "entities",
	"http://www.w3.org/XML/1998/namespace":       "xml",
	"xmlns":                                      "xmlns",
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	p, ok := nsPrefixes[n.Space]
	if !ok {
		p = "{" + n.Space + "}"
		if !strings.Contains(n.Space, "/") {
			p = n.Space // an undeclared prefix, as in a test's snippet
		}
	}
	if p == "" {
		return n.Local
	}
	return p + ":" + n.Local
}

var attrWS = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")

func parseCanon(data []byte) (*xnodeC, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	root := &xnodeC{name: "#root"}
	stack := []*xnodeC{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch x := tok.(type) {
		case xml.StartElement:
			n := &xnodeC{name: qname(x.Name), attrs: map[string]string{}}
			for _, a := range x.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					n.attrs["xmlns:"+a.Name.Local] = a.Value
					continue
				}
				n.attrs[qname(a.Name)] = attrWS.Replace(a.Value)
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			s := string(x)
			if len(top.kids) > 0 && top.kids[len(top.kids)-1].name == "#text" {
				top.kids[len(top.kids)-1].text += s
			} else {
				top.kids = append(top.kids, &xnodeC{name: "#text", text: s})
			}
		}
	}
	if len(root.kids) == 0 {
		return nil, errors.New("empty document")
	}
	for _, k := range root.kids {
		if k.name != "#text" {
			return k, nil
		}
	}
	return nil, errors.New("no root element")
}

func (n *xnodeC) child(name string) *xnodeC {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *xnodeC) elems() []*xnodeC {
	var out []*xnodeC
	for _, k := range n.kids {
		if k.name != "#text" {
			out = append(out, k)
		}
	}
	return out
}

// render writes a node canonically: attributes sorted, text as is.
func (n *xnodeC) render() string {
	var b strings.Builder
	n.renderTo(&b)
	return b.String()
}

func (n *xnodeC) renderTo(b *strings.Builder) {
	if n.name == "#text" {
		fmt.Fprintf(b, "%q", n.text)
		return
	}
	b.WriteString("<" + n.name)
	keys := make([]string, 0, len(n.attrs))
	for k := range n.attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%q", k, n.attrs[k])
	}
	if len(n.kids) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	for _, k := range n.kids {
		k.renderTo(b)
	}
	b.WriteString("</" + n.name + ">")
}

func attrsString(m map[string]string, skip ...string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !contains(skip, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// compareTrees compares two trees in order and says where they differ.
func compareTrees(path string, a, b *xnodeC, out *[]string) {
	if a == nil || b == nil {
		if a != b {
			*out = append(*out, fmt.Sprintf("%s: pyxform %s, ours %s", path, renderOrNil(a), renderOrNil(b)))
		}
		return
	}
	if a.name != b.name {
		*out = append(*out, fmt.Sprintf("%s: pyxform <%s>, ours <%s>", path, a.name, b.name))
		return
	}
	if a.name == "#text" {
		if a.text != b.text {
			*out = append(*out, fmt.Sprintf("%s text: pyxform %q, ours %q", path, a.text, b.text))
		}
		return
	}
	if as, bs := attrsString(a.attrs), attrsString(b.attrs); as != bs {
		*out = append(*out, fmt.Sprintf("%s attributes:\n    pyxform %s\n    ours    %s", path, as, bs))
	}
	ak, bk := a.kids, b.kids
	n := max(len(ak), len(bk))
	for i := 0; i < n; i++ {
		var x, y *xnodeC
		if i < len(ak) {
			x = ak[i]
		}
		if i < len(bk) {
			y = bk[i]
		}
		label := "?"
		if x != nil {
			label = x.name
		} else if y != nil {
			label = y.name
		}
		if x != nil && x.attrs["ref"] != "" {
			label += "[" + x.attrs["ref"] + "]"
		} else if x != nil && x.attrs["nodeset"] != "" {
			label += "[" + x.attrs["nodeset"] + "]"
		}
		compareTrees(fmt.Sprintf("%s/%s", path, label), x, y, out)
		if len(*out) > 200 {
			return
		}
	}
}

func renderOrNil(n *xnodeC) string {
	if n == nil {
		return "(nothing)"
	}
	s := n.render()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

type modelParts struct {
	model     *xnodeC
	main      *xnodeC
	secondary map[string]*xnodeC
	binds     map[string]map[string]string
	actions   []string
	itext     map[string]map[string][]string // lang -> id -> values
	itextDef  map[string]string
	other     []string
}

func splitModel(html *xnodeC) (*modelParts, error) {
	head := html.child("h:head")
	model := head.child("model")
	if model == nil {
		return nil, errors.New("no model")
	}
	p := &modelParts{model: model, secondary: map[string]*xnodeC{}, binds: map[string]map[string]string{},
		itext: map[string]map[string][]string{}, itextDef: map[string]string{}}
	for _, k := range model.elems() {
		switch k.name {
		case "instance":
			if id, ok := k.attrs["id"]; ok {
				p.secondary[id] = k
			} else {
				p.main = k
			}
		case "bind":
			p.binds[k.attrs["nodeset"]] = k.attrs
		case "itext":
			for _, tr := range k.elems() {
				lang := tr.attrs["lang"]
				p.itextDef[lang] = tr.attrs["default"]
				m := map[string][]string{}
				for _, tx := range tr.elems() {
					var vals []string
					for _, v := range tx.elems() {
						vals = append(vals, v.render())
					}
					sort.Strings(vals)
					m[tx.attrs["id"]] = vals
				}
				p.itext[lang] = m
			}
		case "submission":
			p.other = append(p.other, k.render())
		default:
			p.actions = append(p.actions, k.render())
		}
	}
	sort.Strings(p.actions)
	return p, nil
}

// compareXForms returns the differences between pyxform's XForm (want) and ours (got).
func compareXForms(want, got []byte) ([]string, error) {
	a, err := parseCanon(want)
	if err != nil {
		return nil, fmt.Errorf("pyxform's XForm: %w", err)
	}
	b, err := parseCanon(got)
	if err != nil {
		return nil, fmt.Errorf("our XForm does not parse: %w", err)
	}
	var diffs []string
	if as, bs := attrsString(a.attrs), attrsString(b.attrs); as != bs {
		diffs = append(diffs, fmt.Sprintf("h:html namespaces:\n    pyxform %s\n    ours    %s", as, bs))
	}
	if at, bt := a.child("h:head").child("h:title").render(), b.child("h:head").child("h:title").render(); at != bt {
		diffs = append(diffs, fmt.Sprintf("title: pyxform %s, ours %s", at, bt))
	}
	ma, err := splitModel(a)
	if err != nil {
		return nil, err
	}
	mb, err := splitModel(b)
	if err != nil {
		return nil, fmt.Errorf("ours: %w", err)
	}
	if as, bs := attrsString(ma.model.attrs), attrsString(mb.model.attrs); as != bs {
		diffs = append(diffs, fmt.Sprintf("model attributes: pyxform %s, ours %s", as, bs))
	}
	if strings.Join(ma.other, "\n") != strings.Join(mb.other, "\n") {
		diffs = append(diffs, fmt.Sprintf("submission: pyxform %v, ours %v", ma.other, mb.other))
	}
	compareTrees("instance", ma.main, mb.main, &diffs)
	for _, id := range unionKeys(ma.secondary, mb.secondary) {
		compareTrees("instance('"+id+"')", ma.secondary[id], mb.secondary[id], &diffs)
	}
	for _, ns := range unionKeys(ma.binds, mb.binds) {
		x, y := ma.binds[ns], mb.binds[ns]
		switch {
		case x == nil:
			diffs = append(diffs, fmt.Sprintf("bind %s: only ours has it: %s", ns, attrsString(y, "nodeset")))
		case y == nil:
			diffs = append(diffs, fmt.Sprintf("bind %s: only pyxform has it: %s", ns, attrsString(x, "nodeset")))
		default:
			if xs, ys := attrsString(x), attrsString(y); xs != ys {
				diffs = append(diffs, fmt.Sprintf("bind %s:\n    pyxform %s\n    ours    %s", ns, attrsString(x, "nodeset"), attrsString(y, "nodeset")))
			}
		}
	}
	if strings.Join(ma.actions, "\n") != strings.Join(mb.actions, "\n") {
		diffs = append(diffs, fmt.Sprintf("model actions:\n    pyxform %v\n    ours    %v", ma.actions, mb.actions))
	}
	for _, lang := range unionKeys(ma.itext, mb.itext) {
		x, y := ma.itext[lang], mb.itext[lang]
		if x == nil || y == nil {
			diffs = append(diffs, fmt.Sprintf("itext language %q: only in %s", lang, map[bool]string{true: "ours", false: "pyxform"}[x == nil]))
			continue
		}
		if ma.itextDef[lang] != mb.itextDef[lang] {
			diffs = append(diffs, fmt.Sprintf("itext language %q default: pyxform %q, ours %q", lang, ma.itextDef[lang], mb.itextDef[lang]))
		}
		for _, id := range unionKeys(x, y) {
			xv, xok := x[id]
			yv, yok := y[id]
			switch {
			case !xok:
				diffs = append(diffs, fmt.Sprintf("itext %s %s: only ours: %v", lang, id, yv))
			case !yok:
				diffs = append(diffs, fmt.Sprintf("itext %s %s: only pyxform: %v", lang, id, xv))
			case strings.Join(xv, "\n") != strings.Join(yv, "\n"):
				diffs = append(diffs, fmt.Sprintf("itext %s %s:\n    pyxform %v\n    ours    %v", lang, id, xv, yv))
			}
		}
	}
	bodyA, bodyB := a.child("h:body"), b.child("h:body")
	compareTrees("body", bodyA, bodyB, &diffs)
	return diffs, nil
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for k := range a {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var (
	pyxformRowRE    = regexp.MustCompile(`\[row : (\d+)\]`)
	pyxformQuotedRE = regexp.MustCompile(`'([^']+)'`)
)

// sameCause says whether our problems name the row pyxform's error names (when it names one) and what it
// names in quotes or last: the list, group or type that is wrong.
func sameCause(pyErr string, ps []Problem) bool {
	pyErr = strings.TrimSpace(pyErr)
	row := 0
	if m := pyxformRowRE.FindStringSubmatch(pyErr); m != nil {
		row, _ = strconv.Atoi(m[1])
	}
	var tokens []string
	for _, m := range pyxformQuotedRE.FindAllStringSubmatch(pyErr, -1) {
		tokens = append(tokens, m[1])
	}
	fields := strings.Fields(strings.TrimSuffix(pyErr, "."))
	tokens = append(tokens, fields[len(fields)-1])
	for _, p := range ps {
		if row != 0 && p.Row != row {
			continue
		}
		for _, tok := range tokens {
			if strings.Contains(p.Message, tok) {
				return true
			}
		}
	}
	return false
}
