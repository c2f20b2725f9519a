// Package i18n holds the message catalogues pages and e-mails read their words from: one go-i18n v2 JSON file per
// language (web/i18n/<tag>.json, a format Weblate reads and writes), English being the source every other file
// translates. Languages are matched with golang.org/x/text/language.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Source is the language every catalogue translates, and the one a missing message falls back to.
const Source = "en"

// Language is one language the catalogues offer: its tag, its own name for itself and its writing direction.
type Language struct {
	Tag  string
	Name string
	RTL  bool
}

// Catalog is every language's messages.
type Catalog struct {
	bundle  *i18n.Bundle
	langs   []Language
	byTag   map[string]Language
	tags    []language.Tag
	matcher language.Matcher
	locs    map[string]*i18n.Localizer
	ids     []string
	fields  map[string][]string // each English message's placeholder names, for Unfilled
}

// placeholder finds the names of a message's {{.Name}} placeholders.
var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// rtlScripts are the scripts written right to left.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Thaa": true, "Syrc": true, "Nkoo": true}

// Load reads every *.json file of fsys as a catalogue named by its language tag (fr.json, pt-BR.json). en.json
// must be there. Each catalogue names itself in its "language.name" message.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, byTag: map[string]Language{}, locs: map[string]*i18n.Localizer{},
		fields: map[string][]string{}}
	// English first, so that it is the matcher's fallback.
	sort.Slice(files, func(i, j int) bool {
		if (files[i] == Source+".json") != (files[j] == Source+".json") {
			return files[i] == Source+".json"
		}
		return files[i] < files[j]
	})
	if len(files) == 0 || files[0] != Source+".json" {
		return nil, fmt.Errorf("i18n: %s.json is missing", Source)
	}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(f), ".json")
		tag, err := language.Parse(name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: not a language tag: %w", f, err)
		}
		mf, err := b.ParseMessageFileBytes(raw, tag.String()+".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		if f == Source+".json" {
			for _, m := range mf.Messages {
				c.ids = append(c.ids, m.ID)
				for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
					for _, f := range placeholder.FindAllStringSubmatch(src, -1) {
						c.fields[m.ID] = append(c.fields[m.ID], f[1])
					}
				}
			}
			sort.Strings(c.ids)
		}
		script, _ := tag.Script()
		l := Language{Tag: tag.String(), RTL: rtlScripts[script.String()]}
		c.langs = append(c.langs, l)
		c.tags = append(c.tags, tag)
		c.byTag[l.Tag] = l
		c.locs[l.Tag] = i18n.NewLocalizer(b, l.Tag, Source)
	}
	for i, l := range c.langs {
		l.Name = c.T(l.Tag, "language.name", nil)
		c.langs[i], c.byTag[l.Tag] = l, l
	}
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// Languages lists the catalogues, English first then by tag.
func (c *Catalog) Languages() []Language { return append([]Language(nil), c.langs...) }

// Has reports whether tag names a catalogue exactly.
func (c *Catalog) Has(tag string) bool { _, ok := c.byTag[tag]; return ok }

// Lang returns the catalogue language tag names, or English.
func (c *Catalog) Lang(tag string) Language {
	if l, ok := c.byTag[tag]; ok {
		return l
	}
	return c.byTag[Source]
}

// Match picks the catalogue that serves best a list of preferences (an Accept-Language header, or tags), and
// reports whether the match is better than a guess.
func (c *Catalog) Match(accept string) (string, bool) {
	prefs, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(prefs) == 0 {
		return Source, false
	}
	_, i, conf := c.matcher.Match(prefs...)
	if conf == language.No {
		return Source, false
	}
	return c.langs[i].Tag, true
}

// Normalize maps a tag a person or a form gave ("pt-br", "FR") to a catalogue's tag, or "" when none fits.
func (c *Catalog) Normalize(tag string) string {
	if c.Has(tag) {
		return tag
	}
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	if c.Has(t.String()) {
		return t.String()
	}
	return ""
}

// T is message id in language lang, filled with data (its {{.Name}} placeholders); English when lang has no
// translation of it, and the id itself when no catalogue has it (so that a missing message shows, not a blank).
func (c *Catalog) T(lang, id string, data map[string]any) string {
	return c.localize(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// Unfilled is message id of lang with its placeholders left as written ({{.Name}}), for a script that fills
// them itself (web/static/js/i18n.js).
func (c *Catalog) Unfilled(lang, id string) string {
	data := map[string]any{}
	for _, f := range c.fields[id] {
		data[f] = "{{." + f + "}}"
	}
	return c.T(lang, id, data)
}

// N is the plural form of message id for count, filled with data and with {{.Count}}.
func (c *Catalog) N(lang, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return c.localize(lang, &i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: d})
}

func (c *Catalog) localize(lang string, cfg *i18n.LocalizeConfig) string {
	loc := c.locs[lang]
	if loc == nil {
		loc = c.locs[Source]
	}
	s, err := loc.Localize(cfg)
	if err != nil && s == "" {
		return cfg.MessageID
	}
	return s
}

// Pairs turns template arguments "Name", value, "Other", value into data for T.
func Pairs(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("i18n: %d arguments, want name and value pairs", len(kv))
	}
	if len(kv) == 0 {
		return nil, nil
	}
	data := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("i18n: argument %d is not a name", i)
		}
		data[k] = kv[i+1]
	}
	return data, nil
}

// PseudoTag is the pseudo-locale tests build from English: every message wrapped in ⟦ and ⟧, so that a page
// shown in it reveals any text that did not come from the catalogues.
const PseudoTag = "en-XA"

// Pseudo builds the pseudo-locale's catalogue from the English one.
func Pseudo(en []byte) ([]byte, error) {
	var src map[string]any
	if err := json.Unmarshal(en, &src); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(src))
	for id, v := range src {
		switch m := v.(type) {
		case string:
			out[id] = "⟦" + m + "⟧"
		case map[string]any:
			forms := map[string]any{}
			for k, f := range m {
				if s, ok := f.(string); ok && k != "description" && k != "hash" {
					forms[k] = "⟦" + s + "⟧"
				} else {
					forms[k] = f
				}
			}
			out[id] = forms
		}
	}
	out["language.name"] = "⟦Pseudo⟧"
	return json.Marshal(out)
}

// Known reports whether the source catalogue has message id.
func (c *Catalog) Known(id string) bool {
	_, ok := slices.BinarySearch(c.ids, id)
	return ok
}

// IDs lists the source catalogue's message ids, sorted.
func (c *Catalog) IDs() []string { return append([]string(nil), c.ids...) }
