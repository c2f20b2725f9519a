package openrosa

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Flatten turns submission data (Submission.Data or DataFor) into one value
// per column for CSV export. Column names are paths relative to the root;
// each array element gets a 1-based index: "children/child[2]/name".
// Values that are neither strings, maps nor arrays are skipped.
func Flatten(data map[string]any) map[string]string {
	out := map[string]string{}
	flattenInto(out, "", data)
	return out
}

// flattenInto writes v, found at column prefix, into out.
func flattenInto(out map[string]string, prefix string, v any) {
	switch t := v.(type) {
	case string:
		out[prefix] = t
	case map[string]any:
		for k, child := range t {
			flattenInto(out, joinRel(prefix, k), child)
		}
	case []any:
		for i, child := range t {
			flattenInto(out, prefix+"["+strconv.Itoa(i+1)+"]", child)
		}
	}
}

// repeatIndex matches the "[n]" repeat indices of a column name.
var repeatIndex = regexp.MustCompile(`\[(\d+)\]`)

// Columns returns a stable column order for flattened rows: the form's
// fields in form order (a field outside repeats always gets its column, a
// field inside repeats one column per index found in rows, in index order),
// then any other column found in rows, sorted with numeric indices. form may
// be nil.
func Columns(form *Form, rows ...map[string]string) []string {
	byField := map[string][]string{}
	seen := map[string]bool{}
	for _, row := range rows {
		for col := range row {
			if seen[col] {
				continue
			}
			seen[col] = true
			field := repeatIndex.ReplaceAllString(col, "")
			byField[field] = append(byField[field], col)
		}
	}
	var cols []string
	used := map[string]bool{}
	if form != nil {
		for _, f := range form.Fields {
			rel := relPath(f.Path)
			if used[rel] {
				continue
			}
			used[rel] = true
			group := byField[rel]
			if !f.Repeat && !seen[rel] {
				group = append(group, rel)
			}
			cols = append(cols, sortColumns(group)...)
		}
	}
	var rest []string
	for field, group := range byField {
		if !used[field] {
			rest = append(rest, group...)
		}
	}
	return append(cols, sortColumns(rest)...)
}

// sortColumns sorts column names in place, comparing repeat indices as
// numbers, and returns them.
func sortColumns(cols []string) []string {
	keys := make(map[string]string, len(cols))
	for _, c := range cols {
		keys[c] = columnKey(c)
	}
	sort.Slice(cols, func(i, j int) bool { return keys[cols[i]] < keys[cols[j]] })
	return cols
}

// columnKey zero-pads repeat indices so that string order is numeric order.
func columnKey(col string) string {
	return repeatIndex.ReplaceAllStringFunc(col, func(m string) string {
		digits := m[1 : len(m)-1]
		if len(digits) >= 12 {
			return m
		}
		return "[" + strings.Repeat("0", 12-len(digits)) + digits + "]"
	})
}
