package xlsform

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The conversion follows pyxform 4.5.0 step by step, so that the XForm is the one pyxform writes:
//
//   - sheets.go groups each sheet's headers as pyxform's dealias_and_group_headers does ("label::French (fr)"
//     becomes {"label": {"French (fr)": ...}}), into dict rows (dict.go);
//   - toJSON and surveyLoop (survey_loop.go) are workbook_to_json: settings, choices, external choices, entities
//     and the survey rows with their groups, repeats, selects, parameters and generated nodes;
//   - build.go is pyxform's builder: the rows become elements, each question with its type's bind and control
//     (qtd.go, the question type dictionary);
//   - xform.go and refs.go are survey.py and survey_element.py: instances, binds, actions, body controls,
//     itext, and ${name} references resolved to absolute or repeat-relative paths (lexer.go is pyxform's
//     expression lexer).
//
// Where pyxform raises at the first error, every problem is recorded with its sheet, row and column, and the
// conversion goes on as far as it safely can, so that one answer lists them all.

// conv holds one conversion: the problems found so far, the warnings and what the sheets say.
type conv struct {
	wb          *Workbook
	problems    []Problem
	seenProblem map[string]bool
	warnings    []string

	defaultLang  string
	settings     *dict
	formName     string // the instance root, "data"
	idString     string
	title        string
	choices      *dict // list name -> []*dict (options), in the choices sheet's order
	choiceRows   map[string]int
	extChoices   *dict // list name -> []*dict
	osmTags      *dict
	entity       *dict
	entityVer    string
	surveyRows   map[string]int // question name -> row (first)
	triggerRefs  []triggerRef
	questionSeen map[string]bool
	files        map[string][]byte
	translated   bool
	suggestions  int
	rowCols      map[int]map[string]string
	allNames     map[string]bool // every name on the survey sheet, even of rows refused
	media        []string
	mediaSeen    map[string]bool
}

type triggerRef struct {
	row  int
	refs []string
}

func (c *conv) problem(sheet string, row int, col, msg string) {
	key := fmt.Sprintf("%s\x00%d\x00%s\x00%s", sheet, row, col, msg)
	if c.seenProblem[key] {
		return
	}
	c.seenProblem[key] = true
	c.problems = append(c.problems, Problem{Sheet: sheet, Row: row, Column: col, Message: msg})
}

func (c *conv) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

func (c *conv) needMedia(name string) {
	if name == "" || c.mediaSeen[name] {
		return
	}
	c.mediaSeen[name] = true
	c.media = append(c.media, name)
}

var yesNo = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true, "true()": true,
	"no": false, "No": false, "NO": false, "false": false, "False": false, "FALSE": false, "false()": false,
}

// yesNoDefault is aliases.yes_no.get(v, def).
func yesNoDefault(v string, def bool) bool {
	if b, ok := yesNo[v]; ok {
		return b
	}
	return def
}

var controlAliases = map[string]string{"group": "group", "lgroup": "repeat", "repeat": "repeat", "loop": "loop", "looped group": "repeat"}

var selectAliases = map[string]string{
	"add select one prompt using":      "select one",
	"add select multiple prompt using": "select all that apply",
	"select all that apply from":       "select all that apply",
	"select one from":                  "select one",
	"select1":                          "select one",
	"select_one":                       "select one",
	"select one":                       "select one",
	"select_multiple":                  "select all that apply",
	"select all that apply":            "select all that apply",
	"select_one_external":              "select one external",
	"select_one_from_file":             "select one",
	"select_multiple_from_file":        "select all that apply",
	"select one from file":             "select one",
	"select multiple from file":        "select all that apply",
	"rank":                             "rank",
}

// selectCommandOrder is the order pyxform's regex tries the select commands in.
var selectCommandOrder = []string{
	"add select one prompt using", "add select multiple prompt using", "select all that apply from",
	"select one from", "select1", "select_one", "select one", "select_multiple", "select all that apply",
	"select_one_external", "select_one_from_file", "select_multiple_from_file", "select one from file",
	"select multiple from file", "rank",
}

var (
	reBeginControl = regexp.MustCompile(`^(begin)(\s|_)(group|lgroup|repeat|loop|looped group)( (over )?(\S+))?$`)
	reEndControl   = regexp.MustCompile(`^(end)(\s|_)(group|lgroup|repeat|loop|looped group)$`)
	reSelect       = func() *regexp.Regexp {
		parts := make([]string, len(selectCommandOrder))
		for i, s := range selectCommandOrder {
			parts[i] = regexp.QuoteMeta(s)
		}
		return regexp.MustCompile(`^(` + strings.Join(parts, "|") + `) (\S+)( (or specify other|or_other|or other))?$`)
	}()
	reOSM = regexp.MustCompile(`(osm) (\S+)`)
)

var typeAliasMap = map[string]string{
	"imei": "deviceid", "image": "photo", "add image prompt": "photo", "add photo prompt": "photo",
	"add audio prompt": "audio", "add video prompt": "video", "add file prompt": "file",
}

var labelOptionalTypes = setOf("calculate", "deviceid", "end", "phonenumber", "simserial", "start", "start-geopoint", "today", "username")

var externalExts = map[string]bool{".xml": true, ".csv": true, ".geojson": true}

type stackEntry struct {
	controlType string
	controlName string
	children    *[]*dict
	childNames  map[string]bool
	childLower  map[string]bool
	row         int
	rawType     string
}

// convertWorkbook turns the workbook into the XForm.
func convertWorkbook(wb *Workbook, filename string) (*Form, error) {
	c := &conv{wb: wb, seenProblem: map[string]bool{}, files: map[string][]byte{}, mediaSeen: map[string]bool{},
		rowCols: map[int]map[string]string{}, allNames: map[string]bool{}, choiceRows: map[string]int{}, surveyRows: map[string]int{}, questionSeen: map[string]bool{}}
	survey := c.toJSON(filename)
	if survey == nil {
		return nil, c.err()
	}
	// Go on after problems in the rows, so that one answer lists every problem: references to rows that
	// were themselves refused are not reported again (see allNames).
	s := c.build(survey)
	x := c.xform(s)
	if len(c.problems) > 0 {
		return nil, c.err()
	}
	f := &Form{XML: x, FormID: c.idString, Title: c.title, Version: c.settings.str("version"), Warnings: c.warnings,
		Files: c.files, NeedsMedia: c.media}
	if len(f.Files) == 0 {
		f.Files = nil
	}
	return f, nil
}

// maxProblems bounds the list a person gets back: past it, one more problem says how many were left out.
const maxProblems = 1000

func (c *conv) err() error {
	ps := append([]Problem(nil), c.problems...)
	order := map[string]int{"workbook": 0, "settings": 1, "survey": 2, "choices": 3, "external_choices": 4, "entities": 5, "osm": 6}
	sort.SliceStable(ps, func(i, j int) bool {
		oi, oj := order[ps[i].Sheet], order[ps[j].Sheet]
		if oi != oj {
			return oi < oj
		}
		return ps[i].Row < ps[j].Row
	})
	if len(ps) > maxProblems {
		more := len(ps) - maxProblems
		ps = append(ps[:maxProblems:maxProblems], Problem{Sheet: "workbook", Message: fmt.Sprintf("and %d more problems: correct the ones above and upload the workbook again", more)})
	}
	return &Error{Problems: ps}
}

// fileStem is the file name without directories and extension, as pyxform's fallback form id.
func fileStem(filename string) string {
	filename = strings.ReplaceAll(filename, `\`, "/")
	base := path.Base(filename)
	if base == "." || base == "/" {
		return ""
	}
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	return base
}

// toJSON is pyxform's workbook_to_json: the survey as a nested dict, or nil after a fatal problem.
func (c *conv) toJSON(filename string) *dict {
	wb := c.wb
	surveySheet := wb.Sheet("survey")
	if surveySheet == nil {
		msg := "the workbook has no sheet named 'survey': the questions go on a sheet named survey"
		if s := c.sheetMisspelling("survey"); s != "" {
			msg += "; rename the sheet '" + s + "' to 'survey'"
		}
		c.problem("workbook", 0, "", msg)
		return nil
	}

	if len(surveySheet.Rows) == 0 {
		c.problem("survey", 0, "", "the survey sheet is empty: its first row names the columns (type, name, label) and each row after it is a question")
		return nil
	}

	// Settings.
	c.settings = newDict()
	if s := wb.Sheet("settings"); s != nil {
		g := c.groupSheet(s, "settings", settingsHeaderAliases, settingsColumns, "default", false, true)
		for _, r := range g.rows {
			if r.d.size() > 0 {
				c.settings = r.d
				break
			}
		}
	} else if s := c.sheetMisspelling("settings"); s != "" {
		c.warn("When looking for a sheet named 'settings', the following sheets with similar names were found: '%s'.", s)
	}
	cleanText := yesNoDefault(c.settings.str("clean_text_values"), true)
	c.defaultLang = "default"
	if dl := c.settings.str("default_language"); dl != "" {
		c.defaultLang = dl
	}
	c.formName = "data"
	if n := c.settings.str("name"); n != "" {
		if isXMLTag(n) {
			c.formName = n
		} else {
			c.problem("settings", 2, "name", "the form name '"+n+"' is not a valid XML name: "+xmlNameRule)
		}
	}
	c.idString = c.settings.str("id_string")
	if c.idString == "" {
		c.idString = fileStem(filename)
		if c.idString == "" {
			c.idString = "data"
		}
	}
	c.title = c.settings.str("title")
	if c.title == "" {
		c.title = c.idString
	}

	// External choices.
	if s := wb.Sheet("external_choices"); s != nil && len(s.Rows) > 1 {
		g := c.groupSheet(s, "external_choices", listHeaderAliases, optionColumns, c.defaultLang, false, true)
		c.extChoices = newDict()
		for _, r := range g.rows {
			ln := r.d.str("list name")
			if !r.d.has("list name") {
				continue
			}
			r.d.del("list name")
			c.extChoices.set(ln, append(c.extChoices.list(ln), r.d))
		}
		c.files["itemsets.csv"] = itemsetsCSV(s)
	}

	// Choices.
	c.choices = newDict()
	var choicesHeaders [][]string
	if s := wb.Sheet("choices"); s != nil && len(s.Rows) > 0 {
		g := c.groupSheet(s, "choices", listHeaderAliases, optionColumns, c.defaultLang, false, cleanText)
		choicesHeaders = g.headers
		if g.hasData {
			hasName := false
			for _, h := range g.headers {
				if h[0] == "name" {
					hasName = true
				}
			}
			if !hasName {
				c.problem("choices", 1, "", "the choices sheet has no 'name' column: add a column named name with each choice's value")
			}
		}
		allowDup := yesNoDefault(c.settings.str("allow_choice_duplicates"), false)
		var invalid []string
		for _, h := range g.headers {
			if h[0] != "list name" && (strings.Contains(h[0], " ") || h[0] == "") {
				c.warn("[row : 1] On the 'choices' sheet, the '%s' value is invalid. Column headers must not be empty and must not contain spaces. Learn more: https://xlsform.org/en/#setting-up-your-worksheets", h[0])
				invalid = append(invalid, h[0])
			}
		}
		seen := map[string]map[string]int{}
		for _, r := range g.rows {
			if !r.d.has("list name") {
				continue
			}
			ln := r.d.str("list name")
			r.d.del("list name")
			if !r.d.has("name") {
				if hasAnyName(g) {
					c.problem("choices", r.num, "name", "the choice in list '"+ln+"' has no name: every choice needs a value in the name column")
				}
				continue
			} else if !r.d.has("label") {
				c.warn("[row : %d] On the 'choices' sheet, the 'label' value is invalid. Choices should have a label. Learn more: https://xlsform.org/en/#setting-up-your-worksheets", r.num)
			}
			name := r.d.str("name")
			if !allowDup {
				if seen[ln] == nil {
					seen[ln] = map[string]int{}
				}
				if prev, dup := seen[ln][name]; dup {
					c.problem("choices", r.num, "name", fmt.Sprintf("the choice name '%s' appears twice in list '%s' (rows %d and %d): choice names must be unique in a list, or set allow_choice_duplicates to yes on the settings sheet", name, ln, prev, r.num))
				} else {
					seen[ln][name] = r.num
				}
			}
			for _, h := range invalid {
				r.d.del(h)
			}
			if _, ok := c.choiceRows[ln]; !ok {
				c.choiceRows[ln] = r.num
			}
			c.choices.set(ln, append(c.choices.list(ln), r.d))
		}
	}

	// Entities.
	if s := wb.Sheet("entities"); s != nil && len(s.Rows) > 1 {
		g := c.groupSheet(s, "entities", entitiesHeaderAliases, entitiesColumns, "default", false, true)
		var rows []sheetRow
		for _, r := range g.rows {
			if r.d.size() > 0 {
				rows = append(rows, r)
			}
		}
		if len(rows) > 0 {
			c.entity = c.entityDeclaration(rows)
		}
	}

	// Survey.
	g := c.groupSheet(surveySheet, "survey", surveyHeaderAliases, surveyColumns, c.defaultLang, true, cleanText)
	hasType, hasName := false, false
	for _, h := range g.headers {
		switch h[0] {
		case "type":
			hasType = true
		case "name":
			hasName = true
		}
	}
	if !hasType {
		c.problem("survey", 1, "", "the survey sheet has no 'type' column: add a column named type holding each row's question type")
		return nil
	}
	if !hasName && len(g.rows) > 0 {
		c.problem("survey", 1, "", "the survey sheet has no 'name' column: add a column named name holding each question's name")
		return nil
	}
	for _, r := range g.rows {
		c.rowCols[r.num] = r.cols
		if n := r.d.str("name"); n != "" {
			c.allNames[n] = true
		}
		if t, ok := typeAliasMap[r.d.str("type")]; ok {
			r.d.set("type", t)
		}
	}
	c.translationWarnings(g.headers, choicesHeaders)

	// OSM.
	if s := wb.Sheet("osm"); s != nil && len(s.Rows) > 1 {
		og := c.groupSheet(s, "osm", listHeaderAliases, optionColumns, "default", false, false)
		c.osmTags = newDict()
		for _, r := range og.rows {
			if !r.d.has("list name") {
				continue
			}
			ln := r.d.str("list name")
			r.d.del("list name")
			c.osmTags.set(ln, append(c.osmTags.list(ln), r.d))
		}
	}

	root := newDict()
	root.set("type", "survey")
	root.set("name", c.formName)
	var rootChildren []*dict
	c.surveyLoop(g, &rootChildren)
	root.set("children", rootChildren)
	return root
}

func hasAnyName(g *groupedSheet) bool {
	for _, h := range g.headers {
		if h[0] == "name" {
			return true
		}
	}
	return false
}

// sheetMisspelling finds a sheet whose name is close to want (pyxform's find_sheet_misspellings).
func (c *conv) sheetMisspelling(want string) string {
	for _, s := range c.wb.Sheets {
		n := strings.ToLower(s.Name)
		if n == want || strings.HasPrefix(n, "_") {
			continue
		}
		if levenshtein(n, want) <= 2 {
			return s.Name
		}
	}
	return ""
}

// itemsetsCSV writes the external_choices sheet as pyxform's itemsets.csv: every value quoted, each row its
// non-empty cells, an empty line for an empty row.
func itemsetsCSV(s *Sheet) []byte {
	var b strings.Builder
	q := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(v, `"`, `""`))
			b.WriteByte('"')
		}
		b.WriteString("\r\n")
	}
	hdr := s.Rows[0]
	var headers []string
	keep := map[int]bool{}
	for i, h := range hdr.Cells {
		h = strings.TrimSpace(h)
		if h != "" {
			headers = append(headers, h)
			keep[i] = true
		}
	}
	q(headers)
	prev := hdr.Number
	for _, r := range s.Rows[1:] {
		for n := prev + 1; n < r.Number && n-prev < 10000; n++ {
			b.WriteString("\r\n")
		}
		prev = r.Number
		var vals []string
		for i, v := range r.Cells {
			if keep[i] && strings.TrimSpace(v) != "" {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		if len(vals) == 0 {
			b.WriteString("\r\n")
			continue
		}
		q(vals)
	}
	return []byte(b.String())
}

// parseParameters is pyxform's parameters_generic.parse.
func parseParameters(raw string) (*dict, bool) {
	p := newDict()
	if raw == "" {
		return p, true
	}
	parts := strings.Split(raw, ";")
	if len(parts) == 1 {
		parts = strings.Split(raw, ",")
	}
	if len(parts) == 1 {
		parts = strings.Fields(raw)
	}
	for _, part := range parts {
		if !strings.Contains(part, "=") {
			return p, false
		}
		kv := strings.Split(part, "=")
		k := strings.ToLower(strings.TrimSpace(kv[0]))
		v := strings.TrimSpace(kv[1])
		if k != "label" && k != "value" && k != "tick_labelset" {
			v = strings.ToLower(v)
		}
		p.set(k, v)
	}
	return p, true
}

func (c *conv) checkParams(r sheetRow, p *dict, allowed ...string) bool {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var extra []string
	for _, k := range p.keys {
		if !ok[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return true
	}
	sort.Strings(extra)
	sorted := append([]string(nil), allowed...)
	sort.Strings(sorted)
	msg := fmt.Sprintf("the parameter(s) '%s' are not accepted for this question type", strings.Join(extra, ", "))
	if len(sorted) > 0 {
		msg += "; the accepted parameters are: " + strings.Join(sorted, ", ")
	} else {
		msg += "; it takes no parameters"
	}
	c.problem("survey", r.num, r.colOf("parameters"), msg)
	return false
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil && !strings.ContainsAny(strings.ToLower(s), "xn")
}

func isInt(s string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil
}

const xmlNameRule = "names must begin with a letter, colon or underscore, and may hold only letters, digits, dashes, dots and underscores (no spaces)"

func rowRepr(r sheetRow) string {
	var parts []string
	for _, k := range r.d.keys {
		if s, ok := r.d.vals[k].(string); ok {
			parts = append(parts, fmt.Sprintf("'%s': '%s'", k, s))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func sortStrings(s []string) { sort.Strings(s) }
