package xlsform

import (
	"regexp"
	"strings"
)

// Header aliases and known columns per sheet, as pyxform's aliases.py and slot names give them.

var surveyHeaderAliases = map[string][]string{
	"sms_field":                  {"sms_field"},
	"sms_option":                 {"sms_option"},
	"compact_tag":                {"instance", "odk:tag"},
	"read_only":                  {"bind", "readonly"},
	"readonly":                   {"bind", "readonly"},
	"relevant":                   {"bind", "relevant"},
	"relevance":                  {"bind", "relevant"},
	"caption":                    {"label"},
	"appearance":                 {"control", "appearance"},
	"required":                   {"bind", "required"},
	"constraint":                 {"bind", "constraint"},
	"constraining_message":       {"bind", "jr:constraintMsg"},
	"constraint_message":         {"bind", "jr:constraintMsg"},
	"constraintmsg":              {"bind", "jr:constraintMsg"},
	"calculation":                {"bind", "calculate"},
	"calculate":                  {"bind", "calculate"},
	"command":                    {"type"},
	"tag":                        {"name"},
	"value":                      {"name"},
	"image":                      {"media", "image"},
	"big-image":                  {"media", "big-image"},
	"audio":                      {"media", "audio"},
	"video":                      {"media", "video"},
	"count":                      {"control", "jr:count"},
	"repeat_count":               {"control", "jr:count"},
	"jr:count":                   {"control", "jr:count"},
	"autoplay":                   {"control", "autoplay"},
	"rows":                       {"control", "rows"},
	"noapperrorstring":           {"bind", "jr:noAppErrorString"},
	"no_app_error_string":        {"bind", "jr:noAppErrorString"},
	"requiredmsg":                {"bind", "jr:requiredMsg"},
	"required_message":           {"bind", "jr:requiredMsg"},
	"body":                       {"control"},
	"parameters":                 {"parameters"},
	"save_to":                    {"bind", "entities:saveto"},
	"list_name":                  {"list_name"},
	"choice_filter":              {"choice_filter"},
	"guidance_hint":              {"guidance_hint"},
	"constraint_message_default": {"bind", "jr:constraintMsg"},
}

var surveyColumns = setOf("name", "label", "hint", "guidance_hint", "type", "bind", "control", "media", "instance",
	"parameters", "default", "trigger", "choice_filter", "query", "sms_field", "choices", "itemset", "list_name",
	"actions", "disabled")

var listHeaderAliases = map[string][]string{
	"caption":    {"label"},
	"list_name":  {"list name"},
	"list name":  {"list name"},
	"value":      {"name"},
	"image":      {"media", "image"},
	"big-image":  {"media", "big-image"},
	"audio":      {"media", "audio"},
	"video":      {"media", "video"},
	"sms_option": {"sms_option"},
}

var optionColumns = setOf("name", "label", "media", "sms_option")

var settingsHeaderAliases = map[string][]string{
	"form_title":              {"title"},
	"set_form_title":          {"title"},
	"form_id":                 {"id_string"},
	"set_form_id":             {"id_string"},
	"sms_keyword":             {"sms_keyword"},
	"sms_separator":           {"sms_separator"},
	"sms_allow_media":         {"sms_allow_media"},
	"sms_date_format":         {"sms_date_format"},
	"sms_datetime_format":     {"sms_datetime_format"},
	"prefix":                  {"prefix"},
	"delimiter":               {"delimiter"},
	"public_key":              {"public_key"},
	"submission_url":          {"submission_url"},
	"auto_send":               {"auto_send"},
	"auto_delete":             {"auto_delete"},
	"allow_choice_duplicates": {"allow_choice_duplicates"},
}

var settingsColumns = setOf("name", "title", "id_string", "version", "style", "default_language", "instance_name",
	"namespaces", "attribute", "omit_instanceID", "clean_text_values", "add_none_option", "client_editable",
	"instance_xmlns", "public_key", "submission_url", "auto_send", "auto_delete", "sms_keyword", "sms_separator",
	"sms_allow_media", "sms_date_format", "sms_datetime_format", "sms_response", "prefix", "delimiter",
	"allow_choice_duplicates", "instance_id", "flat", "file_name", "type")

var entitiesHeaderAliases = map[string][]string{"list_name": {"dataset"}}

var entitiesColumns = setOf("dataset", "entity_id", "create_if", "update_if", "label", "repeat", "offline")

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// sheetRow is one data row after its headers are grouped: {"type": ..., "bind": {"relevant": ...}, ...}.
type sheetRow struct {
	num int
	d   *dict
	// cols remembers the original header of every grouped key path, for messages.
	cols map[string]string
}

type groupedSheet struct {
	name    string
	headers [][]string // distinct token tuples, in header order
	rows    []sheetRow
	hasData bool
}

var spacesRE = regexp.MustCompile(`( )+`)

func snake(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "_")) }

// processHeader is pyxform's process_header: the header as grouped tokens.
func processHeader(header string, doubleColon bool, aliases map[string][]string, columns map[string]bool) []string {
	if columns[header] && aliases[header] == nil {
		return []string{header}
	}
	norm := snake(header)
	if columns[norm] && aliases[norm] == nil {
		return []string{norm}
	}
	var tokens []string
	if doubleColon || strings.Contains(header, "::") {
		for _, t := range strings.Split(header, "::") {
			tokens = append(tokens, strings.TrimSpace(t))
		}
	} else {
		for _, t := range strings.Split(header, ":") {
			tokens = append(tokens, strings.TrimSpace(t))
		}
		for i, t := range tokens {
			if t == "jr" && i+1 < len(tokens) {
				nt := append([]string{}, tokens[:i]...)
				nt = append(nt, "jr:"+tokens[i+1])
				nt = append(nt, tokens[i+2:]...)
				tokens = nt
				break
			}
		}
	}
	first := snake(tokens[0])
	if a := aliases[first]; a != nil {
		return append(append([]string{}, a...), tokens[1:]...)
	}
	if columns[first] {
		return append([]string{first}, tokens[1:]...)
	}
	return tokens
}

// smartQuotes are replaced as pyxform's clean_text_values does.
var smartQuotes = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`)

// groupSheet reads a sheet's header row and data rows and groups each row's headers (pyxform's
// dealias_and_group_headers). Cells are cleaned as clean_text_values does; stripWS also collapses white space.
func (c *conv) groupSheet(s *Sheet, sheetKey string, aliases map[string][]string, columns map[string]bool, defaultLang string, stripWS, cleanText bool) *groupedSheet {
	g := &groupedSheet{name: sheetKey}
	if s == nil || len(s.Rows) == 0 {
		return g
	}
	hdrRow := s.Rows[0]
	headers := make([]string, len(hdrRow.Cells))
	seen := map[string]int{}
	for i, h := range hdrRow.Cells {
		h = spacesRE.ReplaceAllString(strings.TrimSpace(h), " ")
		if h == "" {
			continue
		}
		if prev, dup := seen[h]; dup {
			c.problem(sheetKey, hdrRow.Number, h, "the column header '"+h+"' appears twice (columns "+colLetter(prev)+" and "+colLetter(i)+"): rename or remove one of them")
			continue
		}
		seen[h] = i
		headers[i] = h
	}
	doubleColon := false
	for _, h := range headers {
		if strings.Contains(h, "::") {
			doubleColon = true
		}
	}
	tokens := make([][]string, len(headers))
	tokensKey := map[string]string{}
	for i, h := range headers {
		if h == "" {
			continue
		}
		t := processHeader(h, doubleColon, aliases, columns)
		key := strings.Join(t, "\x00")
		if other, ok := tokensKey[key]; ok && sheetKey == "settings" && key == "id_string" {
			// pyxform keeps form_id over id_string, with a warning.
			c.warn("The form_id and id_string column headers are both specified in the settings sheet provided. This may cause errors during conversion. In future, its best to avoid specifying both column headers in the settings sheet.")
			if snake(h) == "id_string" {
				continue
			}
			for j := range tokens {
				if headers[j] == other {
					tokens[j] = nil
				}
			}
			tokensKey[key] = h
			tokens[i] = t
			continue
		} else if ok {
			c.problem(sheetKey, hdrRow.Number, h, "the columns '"+other+"' and '"+h+"' are two names for the same column: rename or remove one of them")
			continue
		}
		tokensKey[key] = h
		tokens[i] = t
		g.headers = append(g.headers, t)
	}
	for _, r := range s.Rows[1:] {
		row := sheetRow{num: r.Number, d: newDict(), cols: map[string]string{}}
		for i, v := range r.Cells {
			if i >= len(tokens) || tokens[i] == nil {
				continue
			}
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if cleanText {
				if stripWS {
					v = spacesRE.ReplaceAllString(v, " ")
				}
				v = smartQuotes.Replace(v)
			}
			t := tokens[i]
			row.cols[strings.Join(t, "::")] = headers[i]
			if !refSyntaxOK(v) && !skipRefCheck(sheetKey, t[0]) {
				c.problem(sheetKey, r.Number, headers[i], "'"+v+"' has a ${...} reference that is not closed or does not hold a plain question name: write it as ${question_name}")
			}
			if len(t) == 1 {
				row.d.set(t[0], v)
				continue
			}
			var nested any = v
			for j := len(t) - 1; j >= 1; j-- {
				d := newDict()
				d.set(t[j], nested)
				nested = d
			}
			top := newDict()
			top.set(t[0], nested)
			row.d = mergeDicts(row.d, top, defaultLang).(*dict)
		}
		if row.d.size() > 0 {
			g.hasData = true
		}
		g.rows = append(g.rows, row)
	}
	return g
}

func skipRefCheck(sheet, col string) bool {
	switch sheet {
	case "survey":
		return col == "type" || col == "name"
	case "choices":
		return col == "list name" || col == "name"
	}
	return false
}

// colLetter is the spreadsheet column letter of a 0-based index.
func colLetter(i int) string {
	s := ""
	for i >= 0 {
		s = string(rune('A'+i%26)) + s
		i = i/26 - 1
	}
	return s
}

// colOf is the original header behind a grouped key path like "bind::relevant".
func (r sheetRow) colOf(path ...string) string {
	if h, ok := r.cols[strings.Join(path, "::")]; ok {
		return h
	}
	// A translated column: any header whose path starts with path.
	p := strings.Join(path, "::") + "::"
	for k, h := range r.cols {
		if strings.HasPrefix(k, p) {
			return h
		}
	}
	return canonicalColumn(path...)
}

// canonicalColumns name a grouped key path by the column a person writes today.
var canonicalColumns = map[string]string{
	"bind::calculate": "calculation", "bind::relevant": "relevant", "bind::required": "required",
	"bind::constraint": "constraint", "bind::readonly": "read_only", "bind::jr:constraintMsg": "constraint_message",
	"bind::jr:requiredMsg": "required_message", "bind::entities:saveto": "save_to", "control::appearance": "appearance",
	"control::jr:count": "repeat_count", "bind::jr:noAppErrorString": "no_app_error_string", "guidance_hint": "guidance_hint",
}

func canonicalColumn(path ...string) string {
	k := strings.Join(path, "::")
	if c, ok := canonicalColumns[k]; ok {
		return c
	}
	if len(path) > 0 && (path[0] == "bind" || path[0] == "control" || path[0] == "instance") {
		return k
	}
	if len(path) > 0 {
		return path[len(path)-1]
	}
	return ""
}
