package xlsform

import (
	"regexp"
	"strings"
	"sync"
)

// The expression lexer follows pyxform's parsing/expression.py: rule order is match priority, and every
// character is consumed by some rule (OTHER) so scanning never stops early.

const (
	ncStart = `[A-Z_a-z\x{c0}-\x{d6}\x{d8}-\x{f6}\x{f8}-\x{2ff}\x{370}-\x{37d}\x{37f}-\x{1fff}\x{200c}-\x{200d}\x{2070}-\x{218f}\x{2c00}-\x{2fef}\x{3001}-\x{d7ff}\x{f900}-\x{fdcf}\x{fdf0}-\x{fffd}\x{10000}-\x{effff}]`
	ncChar  = `(?:` + ncStart + `|[-.0-9\x{b7}\x{300}-\x{36f}\x{203f}-\x{2040}])`
	ncName1 = ncStart + ncChar + `*`
	ncName  = ncName1 + `(?::` + ncName1 + `)?`
)

type tokenKind int

const (
	tDateTime tokenKind = iota
	tDate
	tTime
	tNumber
	tOpsMath
	tOpsComp
	tOpsBool
	tOpsUnion
	tOpenParen
	tCloseParen
	tBracket
	tParentRef
	tSelfRef
	tPathSep
	tLiteral
	tComma
	tSpace
	tPyxformRef
	tFuncCall
	tPredStart
	tPredEnd
	tURIScheme
	tName
	tRefStart
	tRefEnd
	tOther
)

var lexRules = []string{
	tDateTime:   `-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\s+)?(?:(?:(?:\+|\-)\d{2}:\d{2})|Z)?`,
	tDate:       `-?\d{4}-\d{2}-\d{2}`,
	tTime:       `\d{2}:\d{2}:\d{2}(?:\.\s+)?(?:(?:(?:\+|\-)\d{2}:\d{2})|Z)?`,
	tNumber:     `-?\d+\.\d*|-?\.\d+|-?\d+`,
	tOpsMath:    `[\*\+\-]| mod | div `,
	tOpsComp:    `\=|\!\=|\<|\>|\<=|>=`,
	tOpsBool:    ` and | or `,
	tOpsUnion:   `\|`,
	tOpenParen:  `\(`,
	tCloseParen: `\)`,
	tBracket:    `\[\]\{\}`,
	tParentRef:  `\.\.`,
	tSelfRef:    `\.`,
	tPathSep:    `\/`,
	tLiteral:    `"[^"]*"|'[^']*'`,
	tComma:      `,`,
	tSpace:      `\s+`,
	tPyxformRef: `\$\{` + ncName + `(?:#` + ncName + `)?\}`,
	tFuncCall:   ncName + `\(`,
	tPredStart:  ncName + `\[`,
	tPredEnd:    `\]`,
	tURIScheme:  ncName + `://`,
	tName:       ncName,
	tRefStart:   `\$\{`,
	tRefEnd:     `\}`,
	tOther:      `(?s:.)`,
}

var lexRE = func() *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?:`)
	for i, r := range lexRules {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(`(`)
		b.WriteString(r)
		b.WriteString(`)`)
	}
	b.WriteString(`)`)
	return regexp.MustCompile(b.String())
}()

// lexGroup maps a submatch index to its rule: the rules above use only non-capturing groups.
type token struct {
	kind       tokenKind
	value      string
	start, end int
}

// lexCache remembers recent expressions: a form repeats the same few names and expressions many times. It is
// bounded so that a long-running server converting many forms does not grow without end.
var lexCache = struct {
	sync.Mutex
	m map[string][]token
}{m: map[string][]token{}}

const lexCacheMax = 20000

// lex splits an expression into tokens (pyxform's parse_expression).
func lex(s string) []token {
	lexCache.Lock()
	v, ok := lexCache.m[s]
	lexCache.Unlock()
	if ok {
		return v
	}
	var out []token
	pos := 0
	for pos < len(s) {
		m := lexRE.FindStringSubmatchIndex(s[pos:])
		if m == nil || m[1] == 0 {
			break
		}
		kind := tOther
		for i := range lexRules {
			if m[2+2*i] >= 0 {
				kind = tokenKind(i)
				break
			}
		}
		out = append(out, token{kind: kind, value: s[pos : pos+m[1]], start: pos, end: pos + m[1]})
		pos += m[1]
	}
	if len(s) < 4096 {
		lexCache.Lock()
		if len(lexCache.m) >= lexCacheMax {
			lexCache.m = map[string][]token{}
		}
		lexCache.m[s] = out
		lexCache.Unlock()
	}
	return out
}

func isSingleToken(s string, kinds ...tokenKind) bool {
	if s == "" {
		return false
	}
	t := lex(strings.TrimSpace(s))
	if len(t) != 1 {
		return false
	}
	for _, k := range kinds {
		if t[0].kind == k {
			return true
		}
	}
	return false
}

// isXMLTag says whether s is a valid XML element name (pyxform's is_xml_tag).
func isXMLTag(s string) bool { return isSingleToken(s, tName) }

// isPyxformReference says whether s is only a ${name} reference.
func isPyxformReference(s string) bool {
	if len(s) <= 3 {
		return false
	}
	return isSingleToken(s, tPyxformRef)
}

var pyxformRefRE = regexp.MustCompile(`\$\{(last-saved#)?(` + ncName + `)\}`)

func hasPyxformReference(s string) bool {
	return strings.Contains(s, "${") && pyxformRefRE.MatchString(s)
}

// defaultIsDynamic is pyxform's default_is_dynamic: a default that is an expression becomes a setvalue.
func defaultIsDynamic(def, typ string) bool {
	if def == "" {
		return false
	}
	for _, t := range lex(def) {
		switch typ {
		case "date", "dateTime", "geopoint", "geotrace", "geoshape":
			if t.kind == tOpsMath && t.value == "-" {
				return false
			}
		}
		switch t.kind {
		case tOpsMath, tOpsUnion, tPyxformRef, tFuncCall, tPredStart, tPredEnd:
			return true
		}
	}
	return false
}

// refSyntaxOK mirrors validate_pyxform_reference_syntax: a "${" must be followed by a name and "}".
func refSyntaxOK(value string) bool {
	if !strings.Contains(value, "${") {
		return true
	}
	inRef := false
	for _, t := range lex(value) {
		if !inRef {
			if t.kind == tRefStart {
				inRef = true
			}
			continue
		}
		switch t.kind {
		case tName:
		case tRefEnd:
			inRef = false
		default:
			return false
		}
	}
	return !inRef
}
