package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/v2"
)

// unknownKeys names every key of a config file that Fieldbase does not know, with the likely intended key, so that
// a typo is not silently ignored.
func unknownKeys(f *koanf.Koanf) []string {
	known := Keys()
	var msgs []string
	for _, key := range f.Keys() {
		if !contains(known, key) {
			msgs = append(msgs, "unknown key "+key+didYouMean(suggest(key, known)))
		}
	}
	return msgs
}

// unknownEnv names every FIELDBASE_* variable of environ (NAME=value entries) that looks like a setting but sets
// none: its name starts with a section (FIELDBASE_SERVER_...) or is a near miss of a key's variable. Other
// FIELDBASE_* variables (a test harness's, say) are left alone, and so are empty ones, which Load treats as unset.
func unknownEnv(environ []string) []string {
	known := Keys()
	var msgs []string
	for _, entry := range environ {
		name, value, _ := strings.Cut(entry, "=")
		if !strings.HasPrefix(name, EnvPrefix) || value == "" || name == EnvPrefix+"CONFIG" {
			continue
		}
		key := envKey(name)
		if contains(known, key) {
			continue
		}
		near := suggest(key, known)
		if near == "" && !hasKnownSection(key, known) {
			continue
		}
		if near != "" {
			near = EnvName(near)
		}
		msgs = append(msgs, "unknown environment variable "+name+didYouMean(near))
	}
	sort.Strings(msgs)
	return msgs
}

// envKey is the key a variable would set: FIELDBASE_SERVER_BASE_URL -> server.base_url (section names have no
// underscore).
func envKey(name string) string {
	return strings.Replace(strings.ToLower(strings.TrimPrefix(name, EnvPrefix)), "_", ".", 1)
}

func hasKnownSection(key string, known []string) bool {
	section, _, ok := strings.Cut(key, ".")
	if !ok {
		return false
	}
	for _, k := range known {
		if strings.HasPrefix(k, section+".") {
			return true
		}
	}
	return false
}

func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return " (did you mean " + s + "?)"
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

// suggest returns the known key a mistyped one most likely meant, or "": the one key with the same name in another
// section ([server] synchronous -> db.synchronous), else the nearest key within a few edits (server.adr ->
// server.addr).
func suggest(key string, known []string) string {
	_, leaf, dotted := strings.Cut(key, ".")
	var sameLeaf []string
	for _, k := range known {
		if _, kl, _ := strings.Cut(k, "."); dotted && kl == leaf {
			sameLeaf = append(sameLeaf, k)
		}
	}
	if len(sameLeaf) == 1 {
		return sameLeaf[0]
	}
	best, bestDist := "", max(2, len(key)/4)+1
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// tomlPosition is how the TOML parser starts its messages: "(line, column): ".
var tomlPosition = regexp.MustCompile(`^\((\d+), (\d+)\): `)

// parseMessage rewrites a TOML parser error so that it names the line: "line 4, column 6: was expecting token =".
func parseMessage(err error) string {
	msg := err.Error()
	if m := tomlPosition.FindStringSubmatch(msg); m != nil {
		return "line " + m[1] + ", column " + m[2] + ": " + msg[len(m[0]):]
	}
	return msg
}

// typeMistakes checks that each key's value has the type of its default (a duration, a whole number, ...) before
// the values are decoded, so that "soon" for a timeout or 2.5 workers is refused with the key and the rule rather
// than truncated or reported as a decoder error.
func typeMistakes(k *koanf.Koanf) []string {
	kinds := fieldTypes()
	var msgs []string
	for _, key := range Keys() {
		v := k.Get(key)
		if rule := typeRule(kinds[key], v); rule != "" {
			msgs = append(msgs, fmt.Sprintf("%s (%s): %s, not %s", key, EnvName(key), rule, show(v)))
		}
	}
	return msgs
}

var durationType = reflect.TypeFor[time.Duration]()

// typeRule is the rule v breaks for a field of type t, or "".
func typeRule(t reflect.Type, v any) string {
	switch {
	case t == durationType:
		if s, ok := v.(string); !ok || !isDuration(s) {
			return "must be a duration such as 90s, 15m or 3h"
		}
	case t.Kind() == reflect.Int:
		if !isWhole(v) {
			return "must be a whole number"
		}
	case t.Kind() == reflect.Float64:
		if !isNumber(v) {
			return "must be a number"
		}
	case t.Kind() == reflect.String:
		if _, ok := v.(string); !ok {
			return `must be a string (in quotes: "...")`
		}
	case t.Kind() == reflect.Bool:
		if _, err := strconv.ParseBool(fmt.Sprint(v)); err != nil {
			return "must be true or false"
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if !isTableList(v) {
			return "must be a list of tables ([[section.key]] entries in the file)"
		}
	case t.Kind() == reflect.Slice:
		if !isStringList(v) {
			return `must be a list of strings, e.g. ["https://a.example"]`
		}
	}
	return ""
}

func isDuration(s string) bool {
	_, err := time.ParseDuration(s)
	return err == nil
}

func isWhole(v any) bool {
	switch n := v.(type) {
	case int, int64:
		return true
	case string:
		_, err := strconv.Atoi(n)
		return err == nil
	}
	return false
}

func isNumber(v any) bool {
	switch n := v.(type) {
	case int, int64:
		return true
	case float64:
		return !math.IsNaN(n) && !math.IsInf(n, 0)
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return false
}

func isStringList(v any) bool {
	switch l := v.(type) {
	case []string:
		return true
	case []any:
		for _, e := range l {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// isTableList accepts a list of tables (TOML [[section.key]] entries or JSON objects) as TOML or JSON decode it,
// or the typed default.
func isTableList(v any) bool {
	switch l := v.(type) {
	case []map[string]any:
		return true
	case []any:
		for _, e := range l {
			if _, ok := e.(map[string]any); !ok {
				return false
			}
		}
		return true
	}
	return reflect.ValueOf(v).Kind() == reflect.Slice
}

// show prints a value as the person wrote it: strings quoted, numbers bare.
func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// fieldTypes maps every key to the Go type of its field in Config.
func fieldTypes() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		st := t.Field(i).Type
		for j := range st.NumField() {
			out[t.Field(i).Tag.Get("koanf")+"."+st.Field(j).Tag.Get("koanf")] = st.Field(j).Type
		}
	}
	return out
}
