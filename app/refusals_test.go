package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	validation "github.com/go-ozzo/ozzo-validation/v4"

	"fieldbase/app/i18n"
)

// The refusal codes against the catalogues: every code the app can produce (Fieldbase's own, written with coded or
// validation.NewError, and those of the ozzo rules it uses) has its "field.<code>" message in every catalogue,
// with only placeholders the code's params fill.

// ozzoRuleCodes are the codes (and their params) each ozzo rule the app uses can produce. A rule missing here
// fails TestRefusalCodesAreKnown: add it with its codes.
var ozzoRuleCodes = map[string]map[string][]string{
	"Required":      {"validation_required": nil},
	"ErrRequired":   {"validation_required": nil},
	"NilOrNotEmpty": {"validation_nil_or_not_empty_required": nil},
	"In":            {"validation_in_invalid": nil},
	"Match":         {"validation_match_invalid": nil},
	"EmailFormat":   {"validation_is_email": nil},
	"Min": {"validation_min_greater_equal_than_required": {"threshold"},
		"validation_min_greater_than_required": {"threshold"}},
	"Max": {"validation_max_less_equal_than_required": {"threshold"},
		"validation_max_less_than_required": {"threshold"}},
	"RuneLength": {"validation_length_too_long": {"max"}, "validation_length_too_short": {"min"},
		"validation_length_invalid": {"min"}, "validation_length_out_of_range": {"min", "max"}},
}

// ozzoNotRules are the ozzo names that build or carry errors but produce no code of their own.
var ozzoNotRules = []string{"By", "Each", "Error", "Errors", "Field", "FieldRules", "NewError", "NewInternalError",
	"Rule", "Validate", "ValidateStruct", "When"}

var (
	ozzoName  = regexp.MustCompile(`\b(?:validation|is)\.([A-Z]\w*)`)
	codedCall = regexp.MustCompile(`\b(?:coded|NewError|sourceError)\(\s*"([a-z0-9_]+)"`)
)

// refusalCode is one code the app can produce: where it was found and the params its English text names.
type refusalCode struct {
	where  string
	params []string
}

// usedRefusalCodes scans the app's Go code (not its tests, nor the configuration and XLSForm packages, whose
// messages are for the command line and the workbook report) for the refusal codes it can produce.
func usedRefusalCodes(t *testing.T) map[string]refusalCode {
	t.Helper()
	out := map[string]refusalCode{}
	add := func(code, where string, params []string) {
		c := out[code]
		if c.where == "" {
			c.where = where
		}
		for _, p := range params {
			if !slices.Contains(c.params, p) {
				c.params = append(c.params, p)
			}
		}
		out[code] = c
	}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == "config" || p == "xlsform" || p == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		src := string(raw)
		for _, m := range ozzoName.FindAllStringSubmatch(src, -1) {
			if slices.Contains(ozzoNotRules, m[1]) {
				continue
			}
			codes, ok := ozzoRuleCodes[m[1]]
			if !ok {
				t.Errorf("%s uses the ozzo rule %s, whose codes ozzoRuleCodes does not list", p, m[1])
			}
			for code, params := range codes {
				add(code, p+" ("+m[1]+")", params)
			}
		}
		for _, ix := range codedCall.FindAllStringSubmatchIndex(src, -1) {
			code := src[ix[2]:ix[3]]
			var params []string
			for _, ph := range placeholder.FindAllStringSubmatch(callText(src, ix[0]), -1) {
				params = append(params, ph[1])
			}
			add(code, p, params)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// callText is the text of the call starting at i, up to its closing parenthesis.
func callText(src string, i int) string {
	depth, inStr, quote := 0, false, byte(0)
	for j := i; j < len(src); j++ {
		ch := src[j]
		switch {
		case inStr && ch == '\\' && quote == '"':
			j++
		case inStr && ch == quote:
			inStr = false
		case inStr:
		case ch == '"' || ch == '`':
			inStr, quote = true, ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth == 0 {
				return src[i : j+1]
			}
		}
	}
	return src[i:]
}

func TestRefusalCodesAreKnown(t *testing.T) {
	codes := usedRefusalCodes(t)
	for _, want := range []string{"validation_required", "validation_length_out_of_range", "validation_username_chars",
		"validation_colour", "validation_no_such_user"} {
		if _, ok := codes[want]; !ok {
			t.Fatalf("the scan misses %s: it is broken (found %d codes)", want, len(codes))
		}
	}
	for code, c := range codes {
		if !strings.HasPrefix(code, "validation_") {
			t.Errorf("%s (in %s): refusal codes start with validation_, so that field.<code> never names a label",
				code, c.where)
		}
	}
}

// TestRefusalCodesHaveMessages: every code the app can produce is worded in every catalogue, with placeholders
// its params fill ({{.Min}} for the param min).
func TestRefusalCodesHaveMessages(t *testing.T) {
	codes := usedRefusalCodes(t)
	for _, f := range catalogueFiles(t) {
		cat := catalogue(t, f)
		var missing []string
		for code, c := range codes {
			msg, ok := cat[refusalID(code)]
			if !ok {
				missing = append(missing, refusalID(code)+" (code used in "+c.where+")")
				continue
			}
			for _, ph := range placeholders(msg) {
				if !slices.ContainsFunc(c.params, func(p string) bool { return capitalize(p) == ph }) {
					t.Errorf("%s: %s has {{.%s}}, but the code's params are %v", f, refusalID(code), ph, c.params)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d refusal messages:\n%s", f, len(missing), strings.Join(missing, "\n"))
		}
	}
}

// TestRefusalWording: a page says a coded message in its language with the params filled, and falls back to the
// English text for a code the catalogue lacks or a message without a code.
func TestRefusalWording(t *testing.T) {
	cat, err := i18n.Load(os.DirFS("../web/i18n"))
	if err != nil {
		t.Fatal(err)
	}
	fr := loc{cat: cat, lang: "fr"}
	length := validation.RuneLength(1, 60).Validate(strings.Repeat("x", 61))
	var le validation.Error
	if !errors.As(length, &le) || le.Code() != "validation_length_out_of_range" {
		t.Fatalf("ozzo's length error: %v", length)
	}
	tests := []struct {
		name string
		e    validation.Error
		want string
	}{
		{"OzzoWithParams", le, "la longueur doit être comprise entre 1 et 60 caractères"},
		{"Own", errNoSuchUser, "aucun utilisateur ne porte ce nom"},
		{"OwnWithParams", coded("validation_cell_size", "x", "min", 10, "max", 100000), "entre 10 et 100000 mètres"},
		{"UnknownCode", coded("validation_not_in_any_catalogue", "must be {{.n}} apples", "n", 3), "must be 3 apples"},
		{"Uncoded", uncoded("plain words"), "plain words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fr.word(tt.e); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to hold %q", got, tt.want)
			}
		})
	}
	// The API's English is the ozzo message, untouched by the catalogue.
	if got := le.Error(); got != "the length must be between 1 and 60" {
		t.Errorf("English: %q", got)
	}
}
