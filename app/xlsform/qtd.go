package xlsform

import (
	"fmt"
	"sort"
	"strings"
)

// qtdEntry is one entry of pyxform's question type dictionary: the body control and the bind a type gives.
type qtdEntry struct {
	tag       string // "" for no body control
	control   [][2]string
	bind      [][2]string
	hint      string
	isSelect  bool
	isExtInst bool
}

func q(tag string, bind ...string) qtdEntry {
	e := qtdEntry{tag: tag}
	for i := 0; i+1 < len(bind); i += 2 {
		e.bind = append(e.bind, [2]string{bind[i], bind[i+1]})
	}
	return e
}

func upload(media string) qtdEntry {
	e := q("upload", "type", "binary")
	e.control = [][2]string{{"mediatype", media}}
	return e
}

func preload(kind, param, typ string) qtdEntry {
	return q("", "jr:preload", kind, "type", typ, "jr:preloadParams", param)
}

func withHint(e qtdEntry, constraint, hint string) qtdEntry {
	e.bind = append(e.bind, [2]string{"constraint", constraint})
	e.hint = hint
	return e
}

var qtd = func() map[string]qtdEntry {
	m := map[string]qtdEntry{
		"text": q("input", "type", "string"), "string": q("input", "type", "string"), "q string": q("input", "type", "string"),
		"add text prompt": q("input", "type", "string"),
		"integer":         q("input", "type", "int"), "int": q("input", "type", "int"), "q int": q("input", "type", "int"),
		"add integer prompt": q("input", "type", "int"),
		"decimal":            q("input", "type", "decimal"), "q decimal": q("input", "type", "decimal"), "add decimal prompt": q("input", "type", "decimal"),
		"range": q("range", "type", "int"),
		"note":  q("input", "readonly", "true()", "type", "string"), "q note": q("input", "readonly", "true()", "type", "string"),
		"add note prompt": q("input", "readonly", "true()", "type", "string"),
		"date":            q("input", "type", "date"), "q date": q("input", "type", "date"), "add date prompt": q("input", "type", "date"),
		"time":     q("input", "type", "time"),
		"dateTime": q("input", "type", "dateTime"), "datetime": q("input", "type", "dateTime"), "date time": q("input", "type", "dateTime"),
		"q date time": q("input", "type", "dateTime"), "q dateTime": q("input", "type", "dateTime"),
		"add date time prompt": q("input", "type", "dateTime"), "add dateTime prompt": q("input", "type", "dateTime"),
		"geopoint": q("input", "type", "geopoint"), "q geopoint": q("input", "type", "geopoint"), "location": q("input", "type", "geopoint"),
		"q location": q("input", "type", "geopoint"), "gps": q("input", "type", "geopoint"), "add location prompt": q("input", "type", "geopoint"),
		"geoshape": q("input", "type", "geoshape"), "q geoshape": q("input", "type", "geoshape"),
		"geotrace": q("input", "type", "geotrace"), "q geotrace": q("input", "type", "geotrace"),
		"barcode": q("input", "type", "barcode"), "q barcode": q("input", "type", "barcode"), "add barcode prompt": q("input", "type", "barcode"),
		"photo": upload("image/*"), "image": upload("image/*"), "q picture": upload("image/*"), "q image": upload("image/*"),
		"add image prompt": upload("image/*"),
		"audio":            upload("audio/*"), "q audio": upload("audio/*"), "add audio prompt": upload("audio/*"),
		"video": upload("video/*"), "q video": upload("video/*"), "add video prompt": upload("video/*"),
		"file": upload("application/*"), "add file prompt": upload("application/*"),
		"osm":         upload("osm/*"),
		"acknowledge": q("trigger", "type", "string"), "q acknowledge": q("trigger", "type", "string"),
		"add acknowledge prompt": q("trigger", "type", "string"),
		"trigger":                q("trigger"),
		"calculate":              q("", "type", "string"), "q calculate": q("", "type", "string"), "add calculate prompt": q("", "type", "string"),
		"hidden": q("", "type", "string"),
		"start":  preload("timestamp", "start", "dateTime"), "start time": preload("timestamp", "start", "dateTime"),
		"get start time": preload("timestamp", "start", "dateTime"),
		"end":            preload("timestamp", "end", "dateTime"), "end time": preload("timestamp", "end", "dateTime"),
		"get end time": preload("timestamp", "end", "dateTime"),
		"today":        preload("date", "today", "date"), "get today": preload("date", "today", "date"),
		"deviceid": preload("property", "deviceid", "string"), "imei": preload("property", "deviceid", "string"),
		"device id": preload("property", "deviceid", "string"), "get device id": preload("property", "deviceid", "string"),
		"phonenumber": preload("property", "phonenumber", "string"), "get phone number": preload("property", "phonenumber", "string"),
		"simserial": preload("property", "simserial", "string"), "sim id": preload("property", "simserial", "string"),
		"get sim id":   preload("property", "simserial", "string"),
		"subscriberid": preload("property", "subscriberid", "string"), "subscriber id": preload("property", "subscriberid", "string"),
		"get subscriber id": preload("property", "subscriberid", "string"),
		"username":          preload("property", "username", "string"), "email": preload("property", "email", "string"),
		"uri:subscriberid": preload("property", "uri:subscriberid", "string"), "uri:phonenumber": preload("property", "uri:phonenumber", "string"),
		"uri:simserial": preload("property", "uri:simserial", "string"), "uri:deviceid": preload("property", "uri:deviceid", "string"),
		"uri:username": preload("property", "uri:username", "string"), "uri:email": preload("property", "uri:email", "string"),
		"audit":                             q("", "type", "binary"),
		"start-geopoint":                    q("action", "type", "geopoint"),
		"background-geopoint":               q("", "type", "geopoint"),
		"background-audio":                  q("", "type", "binary"),
		"select one":                        q("select1", "type", "string"),
		"select all that apply":             q("select", "type", "string"),
		"select one external":               q("input", "type", "string"),
		"rank":                              q("odk:rank", "type", "odk:rank"),
		"select one using":                  q("select1", "type", "string"),
		"q select1":                         q("select1", "type", "string"),
		"add select one prompt using":       q("select1", "type", "string"),
		"select multiple using":             q("select", "type", "string"),
		"select multiple from":              q("select", "type", "string"),
		"q select":                          q("select", "type", "string"),
		"add select multiple prompt using":  q("select", "type", "string"),
		"select all that apply from":        q("select", "type", "string"),
		"xml-external":                      {isExtInst: true},
		"csv-external":                      {isExtInst: true},
		"percentage":                        withHint(q("input", "type", "int"), "0 <= . and . <= 100", ""),
		"number of days in last month":      withHint(q("input", "type", "int"), "0 <= . and . <= 31", "Enter a number 0-31."),
		"number of days in last six months": withHint(q("input", "type", "int"), "0 <= . and . <= 183", "Enter a number 0-183."),
		"number of days in last year":       withHint(q("input", "type", "int"), "0 <= . and . <= 365", "Enter a number 0-365."),
		"phone number":                      withHint(q("input", "type", "string"), `regex(., '^\d*$')`, "Enter numbers only."),
	}
	for _, k := range []string{"select one", "select all that apply", "rank", "select one using", "q select1", "add select one prompt using",
		"select multiple using", "select multiple from", "q select", "add select multiple prompt using", "select all that apply from"} {
		e := m[k]
		e.isSelect = true
		m[k] = e
	}
	return m
}()

func qtdLookup(t string) (qtdEntry, bool) {
	e, ok := qtd[t]
	return e, ok
}

// knownTypes are the types a person writes today, the candidates for "did you mean".
var knownTypes = []string{
	"text", "integer", "decimal", "range", "select_one", "select_multiple", "select_one_from_file",
	"select_multiple_from_file", "select_one_external", "rank", "note", "date", "time", "dateTime", "geopoint",
	"geotrace", "geoshape", "image", "audio", "video", "file", "barcode", "acknowledge", "calculate", "hidden",
	"start", "end", "today", "deviceid", "username", "email", "phonenumber", "audit", "start-geopoint", "trigger",
	"osm", "background-audio", "background-geopoint", "begin group", "end group", "begin repeat", "end repeat",
	"xml-external", "csv-external",
}

var selectNeedsList = map[string]string{
	"select_one": "select_one", "select one": "select_one", "select1": "select_one",
	"select_multiple": "select_multiple", "select multiple": "select_multiple", "select all that apply": "select_multiple",
	"select_one_from_file": "select_one_from_file", "select_multiple_from_file": "select_multiple_from_file",
	"select one from file": "select_one_from_file", "select multiple from file": "select_multiple_from_file",
	"select_one_external": "select_one_external", "rank": "rank",
}

// unknownTypeMessage says what is wrong with a type and suggests the closest known one.
func (c *conv) unknownTypeMessage(t string) string {
	if canon, ok := selectNeedsList[t]; ok {
		what := "LIST"
		if strings.Contains(canon, "from_file") {
			what = "FILE.csv"
		}
		return fmt.Sprintf("unknown type '%s' — did you mean '%s'? It needs the name of its choice list after it: '%s %s'", t, canon, canon, what)
	}
	fields := strings.Fields(t)
	if len(fields) >= 2 {
		// "selct_one yes_no": a misspelled command with its list.
		cmd := strings.Join(fields[:len(fields)-1], " ")
		if best := closest(cmd, []string{"select_one", "select_multiple", "select_one_from_file", "select_multiple_from_file", "select_one_external", "rank", "begin group", "begin repeat", "osm"}); best != "" {
			return fmt.Sprintf("unknown type '%s' — did you mean '%s %s'?", t, best, fields[len(fields)-1])
		}
	}
	if best := closest(t, knownTypes); best != "" {
		return fmt.Sprintf("unknown type '%s' — did you mean '%s'?", t, best)
	}
	return fmt.Sprintf("unknown type '%s': see the question types at https://xlsform.org/en/#question-types", t)
}

// closest is the candidate nearest to s, if near enough to be a likely misspelling.
func closest(s string, candidates []string) string {
	norm := func(x string) string { return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(x)) }
	ns := norm(s)
	best, bestD := "", 1<<30
	for _, cand := range candidates {
		d := levenshtein(ns, norm(cand))
		if d < bestD {
			best, bestD = cand, d
		}
	}
	limit := len(ns) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 4 {
		limit = 4
	}
	if bestD == 0 || bestD <= limit {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 200 || len(rb) > 200 {
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// maxSuggestions bounds the "did you mean" searches over a workbook's names and lists.
const maxSuggestions = 50

// suggestList says which list the person may have meant.
func (c *conv) suggestList(name string, lists *dict) string {
	if c.suggestions++; c.suggestions > maxSuggestions {
		return ""
	}
	keys := append([]string(nil), lists.keys...)
	sort.Strings(keys)
	if best := closest(name, keys); best != "" {
		return ": did you mean '" + best + "'?"
	}
	if len(keys) > 0 && len(keys) <= 8 {
		return ": the lists there are " + strings.Join(keys, ", ")
	}
	return ": add the list to the choices sheet or correct the name"
}
