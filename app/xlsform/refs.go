package xlsform

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var (
	reInstance       = regexp.MustCompile(`instance\([^)]+.+`)
	reBracket        = regexp.MustCompile(`\[([^]]+)\]`)
	reIndexedRepeat  = regexp.MustCompile(`indexed-repeat\([^)]+\)`)
	reFunctionArgs   = regexp.MustCompile(`\b[^()]+\((.*)\)$`)
	relativeArgIndex = map[int]bool{0: true, 1: true, 3: true, 5: true}
)

// insertXPaths replaces every ${name} in text by the path to the element named so (pyxform's
// insert_xpaths), relative inside a shared repeat. col names the column for messages.
func (g *gen) insertXPaths(text string, ctx *elem, useCurrent, refParent bool, col string) string {
	if !strings.Contains(text, "${") {
		return text
	}
	return g.replaceRefs(text, func(m []int) string {
		return g.varRepl(text, m, ctx, useCurrent, refParent, col)
	})
}

// replaceRefs calls f for each ${...} reference match (submatch indexes) and splices the results in.
func (g *gen) replaceRefs(text string, f func(m []int) string) string {
	ms := pyxformRefRE.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m[0]])
		b.WriteString(f(m))
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// varRepl is pyxform's _var_repl_function for the reference at m in whole.
func (g *gen) varRepl(whole string, m []int, ctx *elem, useCurrent, refParent bool, col string) string {
	name := whole[m[4]:m[5]]
	lastSaved := m[2] >= 0
	target, ok := g.byName[name]
	if !ok || target == nil {
		if !ok && g.c.allNames[name] && len(g.c.problems) > 0 {
			// The row of that name was refused for another problem, already reported.
		} else if ctx != nil {
			if !ok {
				msg := fmt.Sprintf("${%s} names no question: there is no question, group or repeat named '%s'", name, name)
				if s := g.suggestName(name); s != "" {
					msg += " — did you mean ${" + s + "}?"
				}
				g.problemAt(ctx, col, msg)
			} else {
				g.problemAt(ctx, col, fmt.Sprintf("${%s} is ambiguous: several questions, groups or repeats are named '%s'; rename all but one of them", name, name))
			}
		} else {
			g.c.problem("survey", 0, col, fmt.Sprintf("${%s} names no question", name))
		}
		return " ${" + name + "} "
	}
	if g.returnRelative(whole, m, name, ctx, lastSaved) {
		if !useCurrent {
			useCurrent = inSecondaryInstancePredicate(whole, m)
		}
		if rel := g.relativePath(name, target, ctx, useCurrent, refParent); rel != "" {
			return rel
		}
	}
	prefix := ""
	if lastSaved {
		prefix = "instance('__last-saved')"
	}
	return " " + prefix + target.getXPath() + " "
}

func (g *gen) suggestName(name string) string {
	// Suggestions cost a scan of every name: a workbook full of broken references gets the first ones only.
	if g.c.suggestions++; g.c.suggestions > maxSuggestions {
		return ""
	}
	names := make([]string, 0, len(g.byName))
	for n, e := range g.byName {
		if e != nil && e.kind != kSurvey {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return closest(name, names)
}

func inSecondaryInstancePredicate(whole string, m []int) bool {
	if !reInstance.MatchString(whole) {
		return false
	}
	for _, b := range reBracket.FindAllStringIndex(whole, -1) {
		if m[0] >= b[0] && m[1] <= b[1] {
			return true
		}
	}
	return false
}

func (g *gen) returnRelative(whole string, m []int, name string, ctx *elem, lastSaved bool) bool {
	if lastSaved || ctx == nil {
		return false
	}
	if !strings.Contains(whole, "indexed-repeat(") {
		return true
	}
	irs := reIndexedRepeat.FindAllStringIndex(whole, -1)
	for i := 0; i < len(irs); i++ {
		ir := irs[i]
		if m[1] > ir[1] {
			if i+1 < len(irs) {
				i++
				continue
			}
			return true
		}
		if m[1] < ir[0] || m[0] > ir[1] {
			return true
		}
		args := reFunctionArgs.FindStringSubmatch(whole[ir[0]:ir[1]])
		if args == nil {
			return false
		}
		idx := -1
		for j, a := range strings.Split(args[1], ",") {
			if strings.Contains(strings.TrimSpace(a), "${"+name+"}") {
				idx = j
			}
		}
		return idx >= 0 && !relativeArgIndex[idx]
	}
	return false
}

func (g *gen) relativePath(name string, target, ctx *elem, useCurrent, refParent bool) string {
	ok, lcarSteps, _, lcar := ctx.lowestCommonAncestor(target, true)
	if !ok {
		return ""
	}
	steps, refPath := pathRelativeToLCAR(target, ctx, lcarSteps, lcar, refParent)
	if steps == 0 {
		return ""
	}
	if !strings.HasSuffix(refPath, name) {
		refPath = "/" + name
	}
	prefix := " "
	if useCurrent {
		prefix = " current()/"
	}
	return prefix + strings.Repeat("../", steps-1) + ".." + refPath + " "
}

func pathRelativeToLCAR(target, source *elem, lcarSteps int, lcar *elem, refParent bool) (int, string) {
	if refParent {
		sourceCar := source.firstRepeatAncestor()
		targetCar := target.firstRepeatAncestor()
		lcarNotInRepeat := lcar.firstRepeatAncestor() == nil
		if lcar == targetCar && (lcarNotInRepeat || sourceCar != lcar) {
			return lcarSteps + 1, target.xpathRelative(lcar.parent)
		}
	}
	_, steps, _, lca := source.lowestCommonAncestor(target, false)
	return steps, target.xpathRelative(lca)
}

// insertOutputValues is pyxform's insert_output_values: ${name} in a label becomes <output value="..."/>.
// It returns XML text and true when it changed anything, else the text unchanged and false.
func (g *gen) insertOutputValues(text string, ctx *elem, col string) (string, bool) {
	if text == "-" {
		return text, false
	}
	orig := escapeText(text)
	value := g.replaceWithOutput(orig, ctx, col)
	if strings.Contains(value, "${") {
		value = g.replaceRefs(value, func(m []int) string {
			return `<output value="` + g.varRepl(value, m, ctx, false, false, col) + `" />`
		})
	}
	if value != orig {
		return value, true
	}
	return text, false
}

// replaceWithOutput turns instance('...')/path expressions in label text into <output/> elements
// (pyxform's parsing/instance_expression.py).
func (g *gen) replaceWithOutput(xmlText string, ctx *elem, col string) string {
	if !strings.Contains(xmlText, "instance(") {
		return xmlText
	}
	bounds := findInstanceBoundaries(xmlText)
	if len(bounds) == 0 {
		return xmlText
	}
	offset := 0
	for _, b := range bounds {
		s, e := b[0]+offset, b[1]+offset
		old := xmlText[s:e]
		nv := old
		if strings.Contains(old, "${") {
			nv = g.replaceRefs(old, func(m []int) string { return g.varRepl(old, m, ctx, false, false, col) })
		}
		var sb strings.Builder
		el("output").set("value", nv).write(&sb)
		n := sb.String()
		xmlText = xmlText[:s] + n + xmlText[e:]
		offset += len(n) - len(old)
	}
	return xmlText
}

func findInstanceBoundaries(text string) [][2]int {
	isInstanceStart := func(t *token) bool { return t != nil && t.kind == tFuncCall && t.value == "instance(" }
	instanceEnter, pathEnter, predEnter := false, false, false
	var last *token
	var bounds []int
	toks := lex(text)
	for i := range toks {
		t := &toks[i]
		emit := false
		if isInstanceStart(t) && !instanceEnter {
			instanceEnter = true
			emit = true
			bounds = append(bounds, t.start)
		} else if instanceEnter {
			switch {
			case isInstanceStart(last) && t.kind == tLiteral:
				emit = true
			case last != nil && last.kind == tLiteral && t.kind == tCloseParen:
				emit = true
			case t.kind == tPathSep && last != nil && last.kind == tCloseParen:
				emit = true
				pathEnter = true
			case t.kind == tPathSep && last != nil && last.kind == tPredEnd:
				emit = true
				pathEnter = true
			case pathEnter:
				if t.kind == tSpace {
					pathEnter = false
				} else if t.kind != tPredStart {
					emit = true
				} else {
					emit = true
					pathEnter = false
					predEnter = true
				}
			case predEnter:
				emit = true
				if t.kind == tPredEnd {
					predEnter = false
				}
			}
		}
		if emit {
			last = t
		} else if instanceEnter {
			instanceEnter = false
			bounds = append(bounds, last.end)
		}
	}
	if last != nil {
		bounds = append(bounds, last.end)
	}
	var out [][2]int
	for i := 0; i+1 < len(bounds); i += 2 {
		out = append(out, [2]int{bounds[i], bounds[i+1]})
	}
	return out
}
