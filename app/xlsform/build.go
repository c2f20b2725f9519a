package xlsform

import (
	"strconv"
	"strings"
)

type elemKind int

const (
	kSurvey elemKind = iota
	kGroup
	kRepeat
	kQuestion
	kExternal
	kEntity
	kAttribute
	kEntityLabel
)

// elem is one survey element: the survey, a group or repeat, a question, or a part of the entity declaration.
type elem struct {
	kind         elemKind
	name         string
	typ          string
	qt           qtdEntry
	label        any // string or *dict (language -> text)
	hint         any
	guidance     any
	media        *dict
	bind         *dict
	control      *dict
	instance     *dict
	params       *dict
	def          string
	dynDefault   bool
	trigger      []string
	choiceFilter string
	itemset      string
	listName     string
	query        string
	actions      []*dict
	children     []*elem
	parent       *elem
	row          int
	sheet        string
	cols         map[string]string
	tags         []*osmTag
	value        string
	xpath        string
	searchList   string
}

type osmTag struct {
	name    string
	label   any
	choices []*dict
}

func (e *elem) isSection() bool {
	return e.kind == kSurvey || e.kind == kGroup || e.kind == kRepeat || e.kind == kEntity
}

// nameForXPath is "@name" for entity attributes.
func (e *elem) nameForXPath() string {
	if e.kind == kAttribute {
		return "@" + e.name
	}
	return e.name
}

func (e *elem) getXPath() string {
	if e.xpath != "" {
		return e.xpath
	}
	var names []string
	for a := e; a != nil; a = a.parent {
		names = append(names, a.nameForXPath())
	}
	var b strings.Builder
	for i := len(names) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(names[i])
	}
	e.xpath = b.String()
	return e.xpath
}

// xpathRelative is get_xpath(relative_to=rel): the path below rel, starting with "/".
func (e *elem) xpathRelative(rel *elem) string {
	var names []string
	names = append(names, e.nameForXPath())
	for a := e.parent; a != nil && a != rel; a = a.parent {
		names = append(names, a.name)
	}
	var b strings.Builder
	for i := len(names) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(names[i])
	}
	return b.String()
}

// lowestCommonAncestor ports SurveyElement.lowest_common_ancestor: steps from e and from other to the
// nearest common ancestor of the wanted types.
func (e *elem) lowestCommonAncestor(other *elem, onlyRepeat bool) (bool, int, int, *elem) {
	ok := func(x *elem) bool {
		if onlyRepeat {
			return x.kind == kRepeat
		}
		return x.kind == kRepeat || x.kind == kGroup
	}
	selfAnc := map[*elem]int{}
	otherAnc := map[*elem]int{}
	sc, oc := e.parent, other.parent
	sd, od := 1, 1
	var lca *elem
	for sc != nil || oc != nil {
		if sc != nil {
			selfAnc[sc] = sd
			if ok(sc) {
				if _, in := otherAnc[sc]; in {
					lca = sc
					break
				}
			}
			sd++
			sc = sc.parent
		}
		if oc != nil {
			otherAnc[oc] = od
			if ok(oc) {
				if _, in := selfAnc[oc]; in {
					lca = oc
					break
				}
			}
			od++
			oc = oc.parent
		}
	}
	if lca == nil {
		return false, 0, 0, nil
	}
	return true, selfAnc[lca], otherAnc[lca], lca
}

func (e *elem) firstRepeatAncestor() *elem {
	for a := e.parent; a != nil; a = a.parent {
		if a.kind == kRepeat {
			return a
		}
	}
	return nil
}

// labelText says whether a label value is non-empty (Python truth).
func nonEmpty(v any) bool { return truthy(v) }

func (e *elem) col(path ...string) string {
	k := strings.Join(path, "::")
	if h, ok := e.cols[k]; ok {
		return h
	}
	p := k + "::"
	for kk, h := range e.cols {
		if strings.HasPrefix(kk, p) {
			return h
		}
	}
	return canonicalColumn(path...)
}

// build turns the survey dict into elements (pyxform's builder).
func (c *conv) build(d *dict) *elem {
	s := &elem{kind: kSurvey, name: d.str("name"), typ: "survey", sheet: "survey"}
	c.buildChildren(s, d)
	return s
}

func childDicts(d *dict) []*dict {
	if e, ok := d.get("__children").(*stackEntry); ok {
		return *e.children
	}
	return d.list("children")
}

func (c *conv) buildChildren(parent *elem, d *dict) {
	for _, cd := range childDicts(d) {
		if e := c.buildElem(cd); e != nil {
			e.parent = parent
			parent.children = append(parent.children, e)
		}
	}
}

func (c *conv) buildElem(d *dict) *elem {
	row, _ := strconv.Atoi(d.str("__row"))
	e := &elem{name: d.str("name"), typ: d.str("type"), row: row, sheet: "survey",
		label: d.get("label"), hint: d.get("hint"), guidance: d.get("guidance_hint"),
		media: d.sub("media"), instance: d.sub("instance"), cols: c.colsFor(row)}
	if sh := d.str("__sheet"); sh != "" {
		e.sheet = sh
	}
	switch e.typ {
	case "group", "repeat", "loop":
		e.kind = kGroup
		if e.typ == "repeat" {
			e.kind = kRepeat
		}
		if b := d.sub("bind"); b != nil {
			e.bind = b.clone()
		}
		if ct := d.sub("control"); ct != nil {
			e.control = ct.clone()
		}
		if e.typ == "loop" {
			return c.buildLoop(e, d)
		}
		c.buildChildren(e, d)
		return e
	case "entity":
		e.kind = kEntity
		for _, cd := range d.list("children") {
			ch := &elem{name: cd.str("name"), typ: cd.str("type"), value: cd.str("value"), row: row, sheet: "entities",
				kind: kAttribute, actions: cd.list("actions")}
			if ch.typ == "label" {
				ch.kind = kEntityLabel
			}
			if b := cd.sub("bind"); b != nil {
				ch.bind = b.clone()
			}
			ch.parent = e
			e.children = append(e.children, ch)
		}
		return e
	}
	qt, ok := qtdLookup(e.typ)
	if !ok {
		c.problem("survey", row, "type", c.unknownTypeMessage(e.typ))
		return nil
	}
	e.qt = qt
	if qt.isExtInst {
		e.kind = kExternal
		return e
	}
	e.kind = kQuestion
	// The type's bind and control, updated by the row's (pyxform's Question.__init__).
	if len(qt.bind) > 0 || d.sub("bind") != nil {
		e.bind = newDict()
		for _, kv := range qt.bind {
			e.bind.set(kv[0], kv[1])
		}
		if b := d.sub("bind"); b != nil {
			for _, k := range b.keys {
				e.bind.set(k, cloneValue(b.get(k)))
			}
		}
	}
	if qt.tag != "" || d.sub("control") != nil {
		e.control = newDict()
		if qt.tag != "" {
			e.control.set("tag", qt.tag)
		}
		for _, kv := range qt.control {
			e.control.set(kv[0], kv[1])
		}
		if ct := d.sub("control"); ct != nil {
			for _, k := range ct.keys {
				e.control.set(k, cloneValue(ct.get(k)))
			}
		}
	}
	if qt.hint != "" && !d.has("hint") {
		e.hint = qt.hint
	}
	if e.control != nil && e.control.str("appearance") == "label" && !nonEmpty(e.label) {
		e.label = " "
	}
	e.params = d.sub("parameters")
	e.def = d.str("default")
	e.dynDefault = d.has("_dynamic_default")
	if t := d.str("trigger"); t != "" {
		e.trigger = strings.Fields(t)
	}
	e.choiceFilter = d.str("choice_filter")
	e.itemset = d.str("itemset")
	e.listName = d.str("list_name")
	e.query = d.str("query")
	e.actions = d.list("actions")
	if e.typ == "osm" {
		for _, t := range d.list("tags") {
			e.tags = append(e.tags, &osmTag{name: t.str("name"), label: t.get("label"), choices: t.list("choices")})
		}
	}
	if col := d.str("__column"); col != "" {
		e.sheet = "settings"
		e.row = 2
		e.cols = map[string]string{"bind::calculate": col}
	}
	return e
}

// buildLoop expands "begin loop over LIST": one group per choice, the children's %(name)s and %(label)s
// filled in from the choice.
func (c *conv) buildLoop(g *elem, d *dict) *elem {
	g.kind = kGroup
	g.typ = "group"
	for _, col := range d.list("columns") {
		if col.str("name") == "none" {
			continue
		}
		sub := &elem{kind: kGroup, typ: "group", name: col.str("name"), label: col.get("label"), row: g.row, sheet: "survey", cols: g.cols, parent: g}
		for _, cd := range childDicts(d) {
			q := substLoop(cd.clone(), col)
			if e := c.buildElem(q); e != nil {
				e.parent = sub
				sub.children = append(sub.children, e)
			}
		}
		g.children = append(g.children, sub)
	}
	return g
}

func substLoop(d *dict, col *dict) *dict {
	name := col.str("name")
	label := col.str("label")
	sub := func(s, lang string) string {
		l := label
		if ld := col.sub("label"); ld != nil {
			l = ld.str(lang)
		}
		return strings.NewReplacer("%(name)s", name, "%(label)s", l).Replace(s)
	}
	for _, k := range d.keys {
		switch v := d.get(k).(type) {
		case string:
			d.set(k, sub(v, ""))
		case *dict:
			for _, k2 := range v.keys {
				if s, ok := v.get(k2).(string); ok {
					v.set(k2, sub(s, k2))
				}
			}
		}
	}
	return d
}

// colsFor maps grouped column paths to headers for a survey row, for messages.
func (c *conv) colsFor(row int) map[string]string {
	return c.rowCols[row]
}
