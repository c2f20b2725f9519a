package app

import (
	"cmp"
	"context"
	"encoding/json"
	validation "github.com/go-ozzo/ozzo-validation/v4"
	"html"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/app/config"
	"fieldbase/app/i18n"
	"fieldbase/db"
)

// Languages: every word a page shows comes from the catalogues (web/i18n/<tag>.json). A request's language is
// the signed-in person's saved choice, else the lang cookie the footer's switcher sets, else the best match of
// the browser's Accept-Language, else the instance's default language (settings), else English.

const (
	langKey    ctxKey = "lang"
	langCookie        = "lang"
)

// loc is the words of one language, for handlers and label functions.
type loc struct {
	cat  *i18n.Catalog
	lang string
}

// T is message id, with data given as name and value pairs.
func (l loc) T(id string, kv ...any) string {
	data, _ := i18n.Pairs(kv...)
	return l.cat.T(l.lang, id, data)
}

// N is message id in its plural form for n.
func (l loc) N(id string, n int, kv ...any) string {
	data, _ := i18n.Pairs(kv...)
	return l.cat.N(l.lang, id, n, data)
}

// T is message id in language lang filled with data: for words shown outside pages (e-mails).
func (a *App) T(lang, id string, data map[string]any) string { return a.cat.T(lang, id, data) }

// Catalog is the message catalogues.
func (a *App) Catalog() *i18n.Catalog { return a.cat }

// tr is the words of the request's language.
func (a *App) tr(c *fiber.Ctx) loc { return loc{cat: a.cat, lang: a.lang(c)} }

// lang is the request's language (worked out once per request).
func (a *App) lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(langKey).(string); ok {
		return l
	}
	l := a.chooseLang(c)
	c.Locals(langKey, l)
	return l
}

func (a *App) chooseLang(c *fiber.Ctx) string {
	ctx := c.UserContext()
	if p := principal(ctx); p != nil && a.cat.Has(p.Language) {
		return p.Language
	}
	if ck := a.cat.Normalize(c.Cookies(langCookie)); ck != "" {
		return ck
	}
	if l, ok := a.cat.Match(c.Get(fiber.HeaderAcceptLanguage)); ok {
		return l
	}
	if s, err := a.requestSettings(c); err == nil && a.cat.Has(s.DefaultLanguage) {
		return s.DefaultLanguage
	}
	return i18n.Source
}

const settingsKey ctxKey = "settings"

// requestSettings reads the instance settings once per request (the layout and the language choice both need them).
func (a *App) requestSettings(c *fiber.Ctx) (db.Settings, error) {
	if s, ok := c.Locals(settingsKey).(db.Settings); ok {
		return s, nil
	}
	s, err := a.store.Settings(c.UserContext())
	if err == nil {
		c.Locals(settingsKey, s)
	}
	return s, err
}

// errLanguage refuses a language the catalogues do not have.
func (a *App) errLanguage() validation.Error {
	return coded("validation_language", "must be one of the languages the server has: {{.tags}}", "tags", a.langTags())
}

// langTags lists the catalogues' tags, for a message.
func (a *App) langTags() string {
	var tags []string
	for _, l := range a.cat.Languages() {
		tags = append(tags, l.Tag)
	}
	return strings.Join(tags, ", ")
}

// pageTemplates are the templates of every language, each parsed on first use with the functions of its
// language bound: {{t "id"}}, {{t "id" "Name" .Value}}, {{tn "id" .Count}}, {{th "id" ...}} (a message holding
// markup, its values escaped) and the label functions.
type pageTemplates struct {
	mu    sync.Mutex
	build func(lang string) (*templates, error)
	sets  map[string]*templates
}

func (p *pageTemplates) get(lang string) (*templates, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.sets[lang]; t != nil {
		return t, nil
	}
	t, err := p.build(lang)
	if err != nil {
		return nil, err
	}
	p.sets[lang] = t
	return t, nil
}

// langFuncs are the template functions of language lang.
func (a *App) langFuncs(lang string) template.FuncMap {
	l := loc{cat: a.cat, lang: lang}
	return template.FuncMap{
		"t": func(id string, kv ...any) (string, error) {
			data, err := i18n.Pairs(kv...)
			return a.cat.T(lang, id, data), err
		},
		"tn": func(id string, n any, kv ...any) (string, error) {
			data, err := i18n.Pairs(kv...)
			return a.cat.N(lang, id, toInt(n), data), err
		},
		"th": func(id string, kv ...any) (template.HTML, error) {
			data, err := i18n.Pairs(kv...)
			for k, v := range data {
				if s, ok := v.(string); ok {
					data[k] = html.EscapeString(s)
				} else if s, ok := v.(interface{ String() string }); ok {
					data[k] = html.EscapeString(s.String())
				}
			}
			return template.HTML(a.cat.T(lang, id, data)), err // #nosec G203 -- the catalogue's own markup
		},
		"lang": func() string { return lang },
		"dir": func() string {
			if a.cat.Lang(lang).RTL {
				return "rtl"
			}
			return "ltr"
		},
		"languages":          a.cat.Languages,
		"roleLabel":          func(s string) string { return roleLabel(l, s) },
		"statusLabel":        func(s string) string { return statusLabel(l, s) },
		"stateLabel":         func(s string) string { return stateLabel(l, s) },
		"featureStatusLabel": func(s string) string { return featureStatusLabel(l, s) },
		"reviewLabel":        func(s string) string { return reviewLabel(l, s) },
		"formName":           func(title, id, v string) string { return formName(l, title, id, v) },
		"visibilityLabel":    func(s string) string { return l.T("project.visibility." + cmp.Or(s, "public")) },
		"date":               func(t time.Time) string { return t.Format("2006-01-02 15:04") },
		"int":                toInt,
		"thn": func(id string, n any) template.HTML {
			return template.HTML(a.cat.N(lang, id, toInt(n), nil)) // #nosec G203 -- the catalogue's own markup
		},
		"jsWords": func() (template.JS, error) { return a.jsWords(lang) },
		"basemapNames": func(bs []config.OnlineBasemap) string {
			names := make([]string, 0, len(bs))
			for _, b := range bs {
				names = append(names, b.Name)
			}
			return strings.Join(names, ", ")
		},
	}
}

// execute runs a named template of a page in the request's language.
func (a *App) execute(c *fiber.Ctx, page, name string, data any) ([]byte, error) {
	t, err := a.tmpls.get(a.lang(c))
	if err != nil {
		return nil, err
	}
	return t.execute(page, name, data)
}

// chooseLanguageForm is the footer's switcher (POST /language): it keeps the choice in a cookie for everyone and,
// for a signed-in person, as their saved preference; then it goes back to the page it came from.
func (a *App) chooseLanguageForm(c *fiber.Ctx) error {
	p := principal(c.UserContext())
	next := safeNext(c.FormValue("next"))
	if strings.HasPrefix(next, "/language") {
		next = "/" // the switcher on an error page of this form itself
	}
	lang := a.cat.Normalize(c.FormValue("lang"))
	if lang == "" && p != nil && c.FormValue("lang") == "" {
		// "Automatic" on the account page: forget the choice; the browser's languages decide again.
		if err := a.store.SetUserLanguage(c.UserContext(), p.UserID, ""); err != nil {
			return err
		}
		a.creds.forgetUser(p.UserID) // the cached sessions carry the old choice
		c.ClearCookie(langCookie)
		return c.Redirect(next, http.StatusSeeOther)
	}
	if lang == "" {
		return fieldError("lang", a.errLanguage())
	}
	if p != nil {
		if err := a.store.SetUserLanguage(c.UserContext(), p.UserID, lang); err != nil {
			return err
		}
		a.creds.forgetUser(p.UserID)
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, SameSite: "Lax", Secure: c.Protocol() == "https"})
	return c.Redirect(next, http.StatusSeeOther)
}

// LanguageBody is a person's language choice.
type LanguageBody struct {
	Language string `json:"language" maxLength:"20" doc:"Language tag of the pages (one of the server's catalogues, e.g. en, fr, ar); empty: the browser's, else the instance default"`
}

// LanguagesBody lists the languages the server has, and the one chosen.
type LanguagesBody struct {
	Language  string         `json:"language" doc:"The saved choice; empty when none"`
	Available []LanguageItem `json:"available"`
}

// LanguageItem is one catalogue.
type LanguageItem struct {
	Tag  string `json:"tag"`
	Name string `json:"name" doc:"The language's name for itself"`
	RTL  bool   `json:"rtl" doc:"Written right to left"`
}

type languageInput struct{ Body LanguageBody }
type languagesOutput struct{ Body LanguagesBody }

var (
	getMyLanguageOp = huma.Operation{OperationID: "get-my-language", Tags: []string{"Users"},
		Summary: "My language choice and the languages the server has",
		Errors:  []int{http.StatusUnauthorized}}
	putMyLanguageOp = huma.Operation{OperationID: "put-my-language", Tags: []string{"Users"},
		Summary: "Choose the language of my pages",
		Errors:  []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity}}
)

func (a *App) languagesBody(saved string) *languagesOutput {
	out := &languagesOutput{Body: LanguagesBody{Language: saved, Available: []LanguageItem{}}}
	for _, l := range a.cat.Languages() {
		out.Body.Available = append(out.Body.Available, LanguageItem{Tag: l.Tag, Name: l.Name, RTL: l.RTL})
	}
	sort.SliceStable(out.Body.Available, func(i, j int) bool { return i == 0 && j != 0 })
	return out
}

func (a *App) apiGetMyLanguage(ctx context.Context, _ *struct{}) (*languagesOutput, error) {
	saved, err := a.store.UserLanguage(ctx, principal(ctx).UserID)
	if err != nil {
		return nil, err
	}
	return a.languagesBody(saved), nil
}

func (a *App) apiPutMyLanguage(ctx context.Context, in *languageInput) (*languagesOutput, error) {
	lang := in.Body.Language
	if lang != "" {
		if lang = a.cat.Normalize(lang); lang == "" {
			return nil, fieldError("language", a.errLanguage())
		}
	}
	if err := a.store.SetUserLanguage(ctx, principal(ctx).UserID, lang); err != nil {
		return nil, err
	}
	a.creds.forgetUser(principal(ctx).UserID)
	return a.languagesBody(lang), nil
}

// toInt is a count of any integer type, for plural forms.
func toInt(n any) int {
	switch v := n.(type) {
	case int:
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case uint:
		return int(v)
	case uint64:
		return int(v)
	}
	return 0
}

// jsWords is the js.* (and <page>.js.*) messages of lang as JSON, for the scripts (web/static/js/i18n.js reads them).
func (a *App) jsWords(lang string) (template.JS, error) {
	words := map[string]string{}
	for _, id := range a.cat.IDs() {
		if strings.HasPrefix(id, "js.") || strings.Contains(id, ".js.") { // fill.js.*, outbox.js.*: a page's own script words
			words[id] = a.cat.Unfilled(lang, id)
		}
	}
	raw, err := json.Marshal(words)
	return template.JS(raw), err // #nosec G203 -- JSON, its < and > escaped by json.Marshal
}
