package app

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"fieldbase/app/i18n"
)

// The message catalogues against the code: every id the templates, the Go code and the scripts use is in every
// catalogue, no catalogue keeps an id nothing uses, and every catalogue has English's ids with the same
// placeholders.

var (
	// {{t "id" ...}}, (t "id"), {{tn "id" n}}, {{th "id"}}, {{thn "id" n}}
	tmplCall = regexp.MustCompile(`[{(]\s*-?\s*(?:t|tn|th|thn)\s+"([^"]+)"`)
	// a.T(lang, "id", ...), l.T("id"), l.N("id", ...), cat.T(tag, "id", ...)
	goCall = regexp.MustCompile(`\.(?:T|N)\((?:[A-Za-z_][\w.]*(?:\([^()]*\))?,\s*)?"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	// fbT("id", ...)
	jsCall      = regexp.MustCompile(`fbT\("([^"]+)"`)
	placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
)

// usedMessageIDs are the ids the code uses, with where each was found.
func usedMessageIDs(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{}
	scan := func(root, ext string, re *regexp.Regexp, skip func(string) bool) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ext) || (skip != nil && skip(p)) {
				return err
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
				if _, ok := used[m[1]]; !ok {
					used[m[1]] = p
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	scan("../web/templates", ".html", tmplCall, nil)
	scan("../web/static/js", ".js", jsCall, nil)
	scan(".", ".go", goCall, func(p string) bool { return strings.HasSuffix(p, "_test.go") })
	for _, id := range dynamicMessageIDs() {
		used[id] = "dynamicMessageIDs"
	}
	used["language.name"] = "i18n.Load"
	for code, c := range usedRefusalCodes(t) {
		used[refusalID(code)] = c.where
	}
	return used
}

// catalogue reads one catalogue file as id → message (a string, or plural forms).
func catalogue(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../web/i18n", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

func catalogueFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../web/i18n/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalogues: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files
}

// placeholders are the {{.Name}} of a message, sorted, over all its plural forms.
func placeholders(v any) []string {
	var texts []string
	switch m := v.(type) {
	case string:
		texts = []string{m}
	case map[string]any:
		for _, f := range m {
			if s, ok := f.(string); ok {
				texts = append(texts, s)
			}
		}
	}
	set := map[string]bool{}
	for _, s := range texts {
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			set[p[1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func TestCataloguesHaveEveryUsedID(t *testing.T) {
	used := usedMessageIDs(t)
	if len(used) < 100 {
		t.Fatalf("only %d ids found in the code: the search is broken", len(used))
	}
	for _, f := range catalogueFiles(t) {
		cat := catalogue(t, f)
		var missing []string
		for id, where := range used {
			if _, ok := cat[id]; !ok {
				missing = append(missing, id+" (used in "+where+")")
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d ids:\n%s", f, len(missing), strings.Join(missing, "\n"))
		}
	}
}

func TestCataloguesHaveNoUnusedID(t *testing.T) {
	used := usedMessageIDs(t)
	for _, f := range catalogueFiles(t) {
		var unused []string
		for id := range catalogue(t, f) {
			if _, ok := used[id]; !ok {
				unused = append(unused, id)
			}
		}
		sort.Strings(unused)
		if len(unused) > 0 {
			t.Errorf("%s has ids nothing uses (remove them):\n%s", f, strings.Join(unused, "\n"))
		}
	}
}

func TestCataloguesMatchEnglish(t *testing.T) {
	en := catalogue(t, i18n.Source+".json")
	for _, f := range catalogueFiles(t) {
		if f == i18n.Source+".json" {
			continue
		}
		cat := catalogue(t, f)
		for id, msg := range en {
			tr, ok := cat[id]
			if !ok {
				t.Errorf("%s: %s is missing", f, id)
				continue
			}
			if got, want := placeholders(tr), placeholders(msg); !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %v, English has %v", f, id, got, want)
			}
			if _, plural := msg.(map[string]any); plural {
				forms, ok := tr.(map[string]any)
				if !ok || forms["other"] == nil {
					t.Errorf("%s: %s must have plural forms, at least \"other\"", f, id)
				}
			}
			if s, ok := tr.(string); ok && strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s is empty", f, id)
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %s is not in English", f, id)
			}
		}
	}
	// Every catalogue loads, and names its language in its own words.
	c, err := i18n.Load(os.DirFS("../web/i18n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Languages() {
		if l.Tag != i18n.Source && l.Name == c.T(i18n.Source, "language.name", nil) {
			t.Errorf("%s calls itself %q, as English does", l.Tag, l.Name)
		}
	}
}

// notYetTranslated are the pages whose words still come from the template itself; each should leave this list.
var notYetTranslated = map[string]bool{}

var (
	tmplAction  = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	mainClass   = regexp.MustCompile(`\{\{define "main_class"\}\}[^{]*\{\{end\}\}`)
	scriptStyle = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	visibleAttr = regexp.MustCompile(`(?i)\b(aria-label|title|placeholder|alt|hx-confirm)="([^"]*)"`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	entity      = regexp.MustCompile(`&[a-z]+;|&#\d+;`)
	letters     = regexp.MustCompile(`\p{L}{2,}`)
)

// literalText lists the words a template shows that do not come from the catalogues: text between tags and the
// visible attributes (aria-label, title, placeholder, alt), once the template actions are taken out.
func literalText(src string) []string {
	s := scriptStyle.ReplaceAllString(mainClass.ReplaceAllString(src, " "), " ")
	s = tmplAction.ReplaceAllString(s, " ")
	var out []string
	for _, m := range visibleAttr.FindAllStringSubmatch(s, -1) {
		if v := m[2]; letters.MatchString(v) {
			out = append(out, m[1]+`="`+strings.TrimSpace(v)+`"`)
		}
	}
	s = htmlTag.ReplaceAllString(s, "\n")
	s = entity.ReplaceAllString(s, " ")
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); letters.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// TestTemplatesHaveNoLiteralText is the lint that keeps English out of the templates: a new page's words go in
// web/i18n/en.json and come out through {{t "id"}}.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	if got := literalText(`<p title="Hi {{.X}}">Hello {{t "a"}}</p><script>var x = "no"</script>`); !slices.Equal(got,
		[]string{`title="Hi"`, "Hello"}) {
		t.Fatalf("the lint itself is broken: %q", got)
	}
	root := os.DirFS("../web/templates")
	files, err := fs.Glob(root, "*/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if notYetTranslated[f] {
			continue
		}
		raw, err := fs.ReadFile(root, f)
		if err != nil {
			t.Fatal(err)
		}
		if bad := literalText(string(raw)); len(bad) > 0 {
			t.Errorf("%s shows words that are not from the catalogues (use {{t \"id\"}}):\n  %s", f,
				strings.Join(bad, "\n  "))
		}
	}
}
