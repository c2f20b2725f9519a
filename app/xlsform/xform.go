package xlsform

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

var nsmap = [][2]string{
	{"xmlns", "http://www.w3.org/2002/xforms"},
	{"xmlns:h", "http://www.w3.org/1999/xhtml"},
	{"xmlns:ev", "http://www.w3.org/2001/xml-events"},
	{"xmlns:xsd", "http://www.w3.org/2001/XMLSchema"},
	{"xmlns:jr", "http://openrosa.org/javarosa"},
	{"xmlns:orx", "http://openrosa.org/xforms"},
	{"xmlns:odk", "http://www.opendatakit.org/xforms"},
}

// itemsetInfo is a choice list as the XForm needs it.
type itemsetInfo struct {
	name          string
	options       []*dict
	requiresItext bool
	usedBySearch  bool
}

// gen is one XML generation pass over the survey.
type gen struct {
	c        *conv
	s        *elem
	byName   map[string]*elem // nil value: several elements have the name
	itemsets map[string]*itemsetInfo
	order    []string
	tr       *translations
	setvals  map[string][]*elem // triggering question name -> the questions it triggers
	trOrder  []string
	errElem  *elem // when set, problems are reported at this element's row
}

func (c *conv) xform(s *elem) []byte {
	g := &gen{c: c, s: s, byName: map[string]*elem{}, itemsets: map[string]*itemsetInfo{}, setvals: map[string][]*elem{}}
	g.walk(s, func(e *elem) {
		if e.kind == kQuestion || e.isSection() {
			if _, dup := g.byName[e.name]; dup {
				g.byName[e.name] = nil
			} else {
				g.byName[e.name] = e
			}
		}
	})
	for _, ln := range c.choices.keys {
		info := &itemsetInfo{name: ln, options: c.choices.list(ln)}
		for _, o := range info.options {
			if o.size() > 0 && (o.sub("media").size() > 0 || o.sub("label") != nil || hasPyxformReference(o.str("label"))) {
				info.requiresItext = true
				break
			}
		}
		g.itemsets[ln] = info
		g.order = append(g.order, ln)
	}
	// Triggers become setvalue actions on the triggering question.
	g.walk(s, func(e *elem) {
		if e.kind != kQuestion || len(e.trigger) == 0 {
			return
		}
		for _, t := range e.trigger {
			if _, ok := g.setvals[t]; !ok {
				g.trOrder = append(g.trOrder, t)
			}
			g.setvals[t] = append(g.setvals[t], e)
		}
	})
	for _, t := range g.trOrder {
		if tgt, ok := g.byName[t]; ok && tgt != nil && tgt.kind == kQuestion && g.hiddenByCalculation(tgt) {
			for _, sv := range g.setvals[t] {
				g.problemAt(sv, "trigger", fmt.Sprintf("${%s} is not shown to the person filling the form (a calculate, or a calculated question without label), so it cannot trigger ${%s}: trigger on a question that is shown", t, sv.name))
			}
		}
	}

	c.searchRedirects(g)
	g.tr = g.translations()

	model := el("model").set("odk:xforms-version", "1.0.0")
	if c.entityVer != "" {
		model.set("entities:entities-version", c.entityVer)
	}
	st := c.settings
	if st.str("submission_url") != "" || st.str("public_key") != "" || st.str("auto_send") != "" || st.str("auto_delete") != "" || yesNoDefault(st.str("client_editable"), false) {
		sub := el("submission")
		if u := st.str("submission_url"); u != "" {
			sub.set("action", u).set("method", "post")
		}
		if k := st.str("public_key"); k != "" {
			sub.set("base64RsaPublicKey", k)
		}
		if v := st.str("auto_send"); v != "" {
			sub.set("orx:auto-send", v)
		}
		if v := st.str("auto_delete"); v != "" {
			sub.set("orx:auto-delete", v)
		}
		if yesNoDefault(st.str("client_editable"), false) {
			sub.set("odk:client-editable", "true")
		}
		model.add(sub)
	}
	if len(g.tr.langs) > 0 {
		model.add(g.itext())
	}
	model.add(el("instance", g.instanceOf(s)))
	model.add(g.instances()...)
	g.walk(s, func(e *elem) {
		model.add(g.bindOf(e))
		if e.kind == kQuestion || e.kind == kAttribute {
			model.add(g.actionsOf(e, false)...)
		}
	})

	html := el("h:html")
	for _, ns := range g.nsmap() {
		html.set(ns[0], ns[1])
	}
	body := el("h:body")
	if style := st.str("style"); style != "" {
		body.set("class", style)
	}
	for _, ch := range s.children {
		body.add(g.control(ch))
	}
	html.add(el("h:head", el("h:title", textNode(c.title)), model), body)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>`)
	html.write(&b)
	if w := g.badLanguages(); len(w) > 0 {
		c.warn("The following language declarations do not contain valid machine-readable codes: %s. Learn more: http://xlsform.org#multiple-language-support", strings.Join(w, ", "))
	}
	return []byte(b.String())
}

func (g *gen) problemAt(e *elem, col, msg string) {
	if g.errElem != nil {
		e = g.errElem
	}
	sheet := e.sheet
	if sheet == "" {
		sheet = "survey"
	}
	g.c.problem(sheet, e.row, col, msg)
}

// walk visits the survey's elements depth first, parents before children (iter_descendants).
func (g *gen) walk(e *elem, f func(*elem)) {
	f(e)
	for _, ch := range e.children {
		g.walk(ch, f)
	}
}

func (g *gen) nsmap() [][2]string {
	ns := append([][2]string(nil), nsmap...)
	extra := g.c.settings.str("namespaces")
	if g.c.entityVer != "" {
		extra += " entities=http://www.opendatakit.org/xforms/entities"
	}
	for _, part := range strings.Fields(extra) {
		kv := strings.Split(part, "=")
		if len(kv) != 2 || kv[0] == "" {
			continue
		}
		k := "xmlns:" + kv[0]
		dup := false
		for _, x := range ns {
			if x[0] == k {
				dup = true
			}
		}
		if !dup {
			ns = append(ns, [2]string{k, strings.NewReplacer(`"`, "", "'", "").Replace(kv[1])})
		}
	}
	return ns
}

// hiddenByCalculation: a calculate, or a calculated or triggered question with no label or hint, has no body
// control (pyxform's xml_control returns None for it).
func (g *gen) hiddenByCalculation(e *elem) bool {
	hasCalc := e.bind != nil && e.bind.has("calculate")
	return e.typ == "calculate" || ((hasCalc || len(e.trigger) > 0) && !(nonEmpty(e.label) || nonEmpty(e.hint)))
}

// visible says whether a question has a body control.
func (g *gen) visible(e *elem) bool {
	if e.kind != kQuestion || g.hiddenByCalculation(e) {
		return false
	}
	return e.qt.tag != "" && e.qt.tag != "action"
}

// ---- instance ----

func (g *gen) instanceOf(s *elem) *xnode {
	root := g.sectionInstance(s, false)
	if attrs := g.c.settings.sub("attribute"); attrs != nil {
		for _, k := range attrs.keys {
			root.set(k, attrs.str(k))
		}
	}
	root.set("id", g.c.idString)
	if v := g.c.settings.str("instance_xmlns"); v != "" {
		root.set("xmlns", v)
	}
	if v := g.c.settings.str("version"); v != "" {
		root.set("version", v)
	}
	if v := g.c.settings.str("prefix"); v != "" {
		root.set("odk:prefix", v)
	}
	if v := g.c.settings.str("delimiter"); v != "" {
		root.set("odk:delimiter", v)
	}
	return root
}

func (g *gen) instanceAttrs(n *xnode, e *elem) {
	if e.instance == nil {
		return
	}
	for _, k := range e.instance.keys {
		n.set(k, g.insertXPaths(e.instance.str(k), e, false, false, e.col("instance", k)))
	}
}

func (g *gen) sectionInstance(e *elem, appendTemplate bool) *xnode {
	n := el(e.name)
	g.instanceAttrs(n, e)
	for _, ch := range e.children {
		switch ch.kind {
		case kExternal:
			continue
		case kRepeat:
			if !appendTemplate {
				n.add(g.templateOf(ch))
				n.add(g.sectionInstance(ch, true))
				continue
			}
			n.add(g.sectionInstance(ch, true))
		case kGroup, kSurvey:
			n.add(g.sectionInstance(ch, appendTemplate))
		case kEntity:
			n.add(g.entityInstance(ch))
		default:
			n.add(g.questionInstance(ch))
		}
	}
	return n
}

func (g *gen) templateOf(e *elem) *xnode {
	n := el(e.name).set("jr:template", "")
	for _, ch := range e.children {
		switch ch.kind {
		case kExternal:
			continue
		case kRepeat:
			n.add(g.templateOf(ch))
		case kGroup:
			// pyxform's generate_repeating_template gives a group its plain xml_instance, so a repeat in a group
			// in a repeat's template has its own template and first instance.
			n.add(g.sectionInstance(ch, false))
		case kEntity:
			n.add(g.entityInstance(ch))
		default:
			n.add(g.questionInstance(ch))
		}
	}
	return n
}

func (g *gen) questionInstance(e *elem) *xnode {
	n := el(e.name)
	if e.def != "" && !defaultIsDynamic(e.def, e.typ) {
		n.add(textNode(e.def))
	}
	g.instanceAttrs(n, e)
	return n
}

func (g *gen) entityInstance(e *elem) *xnode {
	n := el("entity")
	for _, ch := range e.children {
		switch ch.kind {
		case kAttribute:
			n.set(ch.name, ch.value)
		case kEntityLabel:
			n.add(el("label"))
		}
	}
	return n
}

// ---- secondary instances ----

var (
	rePulldata   = regexp.MustCompile(`(pulldata\s*\(\s*)(.*?),`)
	reSearchFile = regexp.MustCompile(`search\(\s*['"]([^'"]+)['"]`)
)

func (g *gen) instances() []*xnode {
	type inst struct {
		name, src, typ string
		node           *xnode
	}
	var all []inst
	lastSaved := false
	pulldata := func(e *elem, s string) {
		if !strings.Contains(s, "pulldata(") && !strings.Contains(s, "pulldata ") {
			return
		}
		for _, m := range rePulldata.FindAllStringSubmatch(s, -1) {
			id := strings.TrimSpace(strings.NewReplacer("'", "", `"`, "").Replace(m[2]))
			src := "jr://file-csv/" + id + ".csv"
			all = append(all, inst{id, src, "pulldata", el("instance").set("id", id).set("src", src)})
			g.c.needMedia(id + ".csv")
		}
	}
	g.walk(g.s, func(e *elem) {
		switch {
		case e.kind == kQuestion || e.isSection() && e.kind != kEntity:
			if e.bind != nil {
				for _, k := range []string{"calculate", "constraint", "readonly", "required", "relevant"} {
					if v := e.bind.str(k); v != "" {
						pulldata(e, v)
					}
				}
			}
			if e.kind != kQuestion {
				return
			}
			pulldata(e, e.choiceFilter)
			pulldata(e, e.def)
			if e.typ == "photo" && strings.HasPrefix(e.def, "jr://images/") && !defaultIsDynamic(e.def, e.typ) {
				g.c.needMedia(strings.TrimPrefix(e.def, "jr://images/"))
			}
			if e.control != nil {
				for _, m := range reSearchFile.FindAllStringSubmatch(e.control.str("appearance"), -1) {
					g.c.needMedia(m[1] + ".csv")
				}
			}
			if e.qt.isSelect && e.itemset != "" {
				ext := path.Ext(e.itemset)
				if externalExts[ext] {
					id := strings.TrimSuffix(e.itemset, ext)
					prefix := "file-" + ext[1:]
					if ext == ".xml" || ext == ".geojson" {
						prefix = "file"
					}
					src := "jr://" + prefix + "/" + e.itemset
					all = append(all, inst{id, src, "file", el("instance").set("id", id).set("src", src)})
				}
			}
			if !lastSaved {
				if hasLastSaved(e.def) || hasLastSaved(e.choiceFilter) {
					lastSaved = true
				} else if e.bind != nil {
					for _, k := range []string{"calculate", "constraint", "readonly", "required", "relevant"} {
						if hasLastSaved(e.bind.str(k)) {
							lastSaved = true
						}
					}
				}
			}
		case e.kind == kExternal:
			ext := strings.SplitN(e.typ, "-", 2)[0]
			prefix := "file"
			if ext == "csv" {
				prefix = "file-csv"
			}
			src := "jr://" + prefix + "/" + e.name + "." + ext
			all = append(all, inst{e.name, src, "external", el("instance").set("id", e.name).set("src", src)})
			g.c.needMedia(e.name + "." + ext)
		}
	})
	if lastSaved {
		all = append(all, inst{"__last-saved", "jr://instance/last-saved", "instance", el("instance").set("id", "__last-saved").set("src", "jr://instance/last-saved")})
	}
	for _, ln := range g.order {
		info := g.itemsets[ln]
		if info.usedBySearch {
			continue
		}
		root := el("root")
		for i, o := range info.options {
			item := el("item")
			if info.requiresItext {
				item.add(el("itextId", textNode(fmt.Sprintf("%s-%d", ln, i))))
			}
			item.add(el("name", textNode(o.str("name"))))
			if l, ok := o.get("label").(string); ok && !info.requiresItext {
				item.add(el("label", textNode(l)))
			}
			for _, k := range o.keys {
				switch k {
				case "name", "label", "media", "sms_option":
					continue
				}
				if v, ok := o.get(k).(string); ok {
					if !isXMLTag(k) {
						continue
					}
					item.add(el(k, textNode(v)))
				}
			}
			if so := o.str("sms_option"); so != "" {
				item.add(el("sms_option", textNode(so)))
			}
			root.add(item)
		}
		all = append(all, inst{ln, "", "choice", el("instance", root).set("id", ln)})
	}
	seenExternal := map[string]int{}
	for _, i := range all {
		if i.typ == "external" {
			seenExternal[i.name]++
		}
	}
	for n, k := range seenExternal {
		if k > 1 {
			g.c.problem("survey", 0, "name", fmt.Sprintf("the external instance name '%s' is used %d times: instance names must be unique in a form", n, k))
		}
	}
	seen := map[string]inst{}
	var out []*xnode
	for _, i := range all {
		if p, ok := seen[i.name]; ok {
			if p.src != i.src {
				g.c.problem("survey", 0, "", fmt.Sprintf("the instance name '%s' is used for two different sources (%s and %s): rename the file or the list", i.name, orDefault(p.src, "the choice list "+p.name), orDefault(i.src, "the choice list "+i.name)))
			}
			continue
		}
		seen[i.name] = i
		out = append(out, i.node)
	}
	return out
}

func hasLastSaved(s string) bool {
	if !strings.Contains(s, "${last-saved#") {
		return false
	}
	for _, m := range pyxformRefRE.FindAllStringSubmatch(s, -1) {
		if m[1] != "" {
			return true
		}
	}
	return false
}

// ---- binds and actions ----

var bindingConversions = map[string]string{
	"yes": "true()", "Yes": "true()", "YES": "true()", "true": "true()", "True": "true()", "TRUE": "true()",
	"no": "false()", "No": "false()", "NO": "false()", "false": "false()", "False": "false()", "FALSE": "false()",
}

var convertibleBind = setOf("readonly", "required", "relevant", "constraint", "calculate")

func (g *gen) bindOf(e *elem) *xnode {
	if e.bind == nil || e.kind == kSurvey {
		return nil
	}
	n := el("bind").set("nodeset", e.getXPath())
	for _, k := range e.bind.keys {
		if len(e.trigger) > 0 && k == "calculate" {
			continue
		}
		v := e.bind.get(k)
		var s string
		switch x := v.(type) {
		case string:
			s = x
			if conv, ok := bindingConversions[s]; ok && convertibleBind[k] {
				s = conv
			} else if (k == "jr:constraintMsg" || k == "jr:requiredMsg") && hasPyxformReference(s) {
				s = "jr:itext('" + e.getXPath() + ":" + k + "')"
			}
		case *dict:
			if k == "jr:constraintMsg" || k == "jr:requiredMsg" || k == "jr:noAppErrorString" {
				s = "jr:itext('" + e.getXPath() + ":" + k + "')"
			} else {
				s = x.str(g.c.defaultLang)
				if s == "" && x.size() > 0 {
					if v, ok := x.get(x.keys[0]).(string); ok {
						s = v
					}
				}
			}
		default:
			continue
		}
		n.set(k, g.insertXPaths(s, e, false, false, e.col("bind", k)))
	}
	return n
}

// actionsOf are the setvalue/odk:setgeopoint/odk:recordaudio actions of a question; inRepeat picks the
// odk-new-repeat ones (in the repeat's body), else the others (in the model).
func (g *gen) actionsOf(e *elem, inRepeat bool) []*xnode {
	var out []*xnode
	for _, a := range e.actions {
		ev := a.str("event")
		if (!inRepeat && ev == "odk-new-repeat") || (inRepeat && ev != "odk-new-repeat") {
			continue
		}
		var value string
		if e.dynDefault || (e.def != "" && defaultIsDynamic(e.def, e.typ)) {
			value = g.insertXPaths(e.def, e, false, false, "default")
		} else if e.def != "" {
			value = e.def
		} else {
			value = a.str("value")
		}
		n := el(a.str("name")).set("ref", e.getXPath()).set("event", ev)
		switch a.str("name") {
		case "setvalue":
			if value != "" {
				n.set("value", value)
			}
		case "odk:recordaudio":
			if q := a.str("odk:quality"); q != "" {
				n.set("odk:quality", q)
			}
		}
		out = append(out, n)
	}
	return out
}

// ---- body ----

func (g *gen) control(e *elem) *xnode {
	switch e.kind {
	case kGroup:
		return g.groupControl(e)
	case kRepeat:
		return g.repeatControl(e)
	case kQuestion:
		return g.questionControl(e)
	}
	return nil
}

func (g *gen) controlAttrs(n *xnode, e *elem) {
	if e.control == nil {
		return
	}
	for _, k := range e.control.keys {
		if k == "tag" {
			continue
		}
		v, ok := e.control.get(k).(string)
		if !ok {
			continue
		}
		n.set(k, g.insertXPaths(v, e, false, false, e.col("control", k)))
	}
}

func (g *gen) groupControl(e *elem) *xnode {
	if e.control != nil && e.control.has("bodyless") {
		return nil
	}
	n := el("group")
	if e.control != nil {
		for _, k := range e.control.keys {
			v, ok := e.control.get(k).(string)
			if !ok {
				continue
			}
			if k == "appearance" {
				n.set(k, v)
				continue
			}
			n.set(k, g.insertXPaths(v, e, false, false, e.col("control", k)))
		}
	}
	n.set("ref", e.getXPath())
	if nonEmpty(e.label) {
		n.add(g.labelNode(e))
	}
	for _, ch := range e.children {
		n.add(g.control(ch))
	}
	return n
}

func (g *gen) repeatControl(e *elem) *xnode {
	rep := el("repeat").set("nodeset", e.getXPath())
	g.controlAttrs(rep, e)
	for _, ch := range e.children {
		rep.add(g.control(ch))
	}
	var dyn func(s *elem)
	dyn = func(s *elem) {
		for _, ch := range s.children {
			if ch.kind == kRepeat {
				continue
			}
			if ch.kind == kQuestion {
				rep.add(g.actionsOf(ch, true)...)
			}
			if ch.kind == kEntity {
				for _, a := range ch.children {
					rep.add(g.actionsOf(a, true)...)
				}
			}
			dyn(ch)
		}
	}
	dyn(e)
	return el("group", g.labelNode(e), rep).set("ref", e.getXPath())
}

func (g *gen) questionControl(e *elem) *xnode {
	if !g.visible(e) {
		return nil
	}
	var n *xnode
	switch e.qt.tag {
	case "select", "select1", "odk:rank":
		n = g.selectControl(e)
	default:
		n = g.baseControl(e)
		switch e.qt.tag {
		case "input":
			if e.query != "" {
				q := "instance('" + e.query + "')/root/item"
				if e.choiceFilter != "" {
					q += "[" + g.insertXPaths(e.choiceFilter, e, true, false, "choice_filter") + "]"
				}
				n.set("query", q)
			}
		case "range":
			if e.params != nil {
				for _, k := range e.params.keys {
					switch k {
					case "tick_interval":
						n.set("odk:tick-interval", e.params.str(k))
					case "placeholder":
						n.set("odk:placeholder", e.params.str(k))
					case "tick_labelset":
						ls := e.params.str(k)
						labelRef := "label"
						if info := g.itemsets[ls]; info != nil && info.requiresItext {
							labelRef = "jr:itext(itextId)"
						}
						n.add(el("itemset", el("value").set("ref", "name"), el("label").set("ref", labelRef)).set("nodeset", "instance('"+ls+"')/root/item"))
					default:
						n.set(k, e.params.str(k))
					}
				}
			}
		case "upload":
			for _, t := range e.tags {
				tn := el("tag").set("key", t.name)
				tn.add(g.labelOfValue(t.label, nil))
				n.add(tn)
			}
		}
	}
	if n == nil {
		return nil
	}
	for _, tgt := range g.setvals[e.name] {
		if tgt.typ == "background-geopoint" {
			n.add(el("odk:setgeopoint").set("ref", tgt.getXPath()).set("event", "xforms-value-changed"))
			continue
		}
		a := el("setvalue").set("ref", tgt.getXPath()).set("event", "xforms-value-changed")
		if tgt.bind != nil {
			if calc := tgt.bind.str("calculate"); calc != "" {
				g.errElem = tgt
				a.set("value", g.insertXPaths(calc, e, false, false, tgt.col("bind", "calculate")))
				g.errElem = nil
			}
		}
		n.add(a)
	}
	return n
}

func (g *gen) baseControl(e *elem) *xnode {
	n := el(e.control.str("tag"))
	n.add(g.labelAndHint(e)...)
	n.set("ref", e.getXPath())
	g.controlAttrs(n, e)
	return n
}

func (g *gen) selectControl(e *elem) *xnode {
	n := g.baseControl(e)
	info := g.itemsets[e.itemset]
	if e.itemset == "" {
		info = g.itemsets[e.searchList]
		if info == nil {
			return n
		}
	}
	if e.itemset != "" {
		ext := path.Ext(e.itemset)
		itemset := e.itemset
		valueRef, labelRef := "name", "label"
		if ext == ".geojson" {
			valueRef, labelRef = "id", "title"
		}
		if e.params != nil {
			if v := e.params.str("value"); v != "" {
				valueRef = v
			}
			if v := e.params.str("label"); v != "" {
				labelRef = v
			}
		}
		isPrev := hasPyxformReference(e.itemset)
		if externalExts[ext] {
			itemset = strings.TrimSuffix(e.itemset, ext)
		} else if info != nil && info.requiresItext {
			labelRef = "jr:itext(itextId)"
		}
		cf := e.choiceFilter
		if cf != "" {
			cf = g.insertXPaths(cf, e, true, isPrev, "choice_filter")
		}
		var nodeset string
		if isPrev {
			p := strings.Split(strings.TrimSpace(g.insertXPaths(e.itemset, e, false, true, "type")), "/")
			nodeset = strings.Join(p[:len(p)-1], "/")
			valueRef = p[len(p)-1]
			labelRef = p[len(p)-1]
			if cf != "" {
				cf = strings.ReplaceAll(strings.ReplaceAll(cf, "current()/"+nodeset, "."), nodeset, ".")
			} else {
				cf = "./" + p[len(p)-1] + " != ''"
			}
		} else {
			nodeset = "instance('" + itemset + "')/root/item"
		}
		if cf != "" {
			nodeset += "[" + cf + "]"
		}
		if e.params != nil && e.params.str("randomize") == "true" {
			nodeset = "randomize(" + nodeset
			if seed := e.params.str("seed"); seed != "" {
				if strings.HasPrefix(seed, "${") {
					seed = strings.TrimSpace(g.insertXPaths(seed, e, false, false, "parameters"))
				}
				nodeset += ", " + seed
			}
			nodeset += ")"
		}
		n.add(el("itemset", el("value").set("ref", valueRef), el("label").set("ref", labelRef)).set("nodeset", nodeset))
		return n
	}
	// A select using search(): the choices inline.
	for i, o := range info.options {
		var label *xnode
		if info.requiresItext {
			label = el("label").set("ref", fmt.Sprintf("jr:itext('%s-%d')", info.name, i))
		} else if nonEmpty(e.label) {
			label = g.textWithOutputs("label", o.str("label"), nil)
		} else {
			label = el("label")
		}
		n.add(el("item", label, el("value", textNode(o.str("name")))))
	}
	return n
}

// ---- labels, hints and itext ----

func (g *gen) needsItext(e *elem) bool {
	_, isDict := e.label.(*dict)
	return isDict || e.media.size() > 0
}

func (g *gen) labelNode(e *elem) *xnode {
	if g.needsItext(e) {
		return el("label").set("ref", "jr:itext('"+e.getXPath()+":label')")
	}
	if s, ok := e.label.(string); ok && s != "" {
		return g.textWithOutputs("label", s, e)
	}
	return el("label")
}

func (g *gen) labelOfValue(v any, ctx *elem) *xnode {
	if s, ok := v.(string); ok && s != "" {
		return g.textWithOutputs("label", s, ctx)
	}
	if d, ok := v.(*dict); ok {
		if s := d.str(g.c.defaultLang); s != "" {
			return g.textWithOutputs("label", s, ctx)
		}
	}
	return el("label")
}

func (g *gen) textWithOutputs(tag, text string, ctx *elem) *xnode {
	v, changed := g.insertOutputValues(text, ctx, tag)
	if changed {
		return el(tag, rawNode(v))
	}
	return el(tag, textNode(text))
}

func (g *gen) hintNode(e *elem) *xnode {
	if _, ok := e.hint.(*dict); ok || nonEmpty(e.guidance) {
		return el("hint").set("ref", "jr:itext('"+e.getXPath()+":hint')")
	}
	if s, ok := e.hint.(string); ok && s != "" {
		return g.textWithOutputs("hint", s, e)
	}
	return el("hint")
}

func (g *gen) labelAndHint(e *elem) []*xnode {
	var out []*xnode
	hasLabel := nonEmpty(e.label) || e.media.size() > 0
	if hasLabel {
		out = append(out, g.labelNode(e))
	}
	if nonEmpty(e.hint) || nonEmpty(e.guidance) {
		if !hasLabel {
			out = append(out, g.labelNode(e))
		}
		out = append(out, g.hintNode(e))
	}
	if md := e.media; md != nil && (md.has("big-image") || md.sub("default").has("big-image")) && !md.has("image") && !md.sub("default").has("image") {
		g.problemAt(e, e.col("media", "big-image"), fmt.Sprintf("the question '%s' has a big-image but no image: add the image shown in the form, which opens the big-image", e.name))
	}
	if len(out) == 0 {
		g.problemAt(e, "label", fmt.Sprintf("the question '%s' has no label or hint: give it a label", e.name))
	} else if !nonEmpty(e.label) && e.media.size() == 0 && !nonEmpty(e.hint) && nonEmpty(e.guidance) {
		g.problemAt(e, "guidance_hint", fmt.Sprintf("the question '%s' has only a guidance_hint, which may be hidden: give it a label or hint", e.name))
	}
	return out
}

// ---- translations ----

type trVal struct {
	text   string
	ctx    *elem
	hasCtx bool
	col    string
}

type trContent struct {
	keys []string
	m    map[string]trVal
}

func (c *trContent) set(k string, v trVal) {
	if _, ok := c.m[k]; !ok {
		c.keys = append(c.keys, k)
	}
	c.m[k] = v
}

type trLang struct {
	paths []string
	m     map[string]*trContent
}

type translations struct {
	langs []string
	m     map[string]*trLang
}

func (t *translations) content(lang, p string) *trContent {
	l, ok := t.m[lang]
	if !ok {
		l = &trLang{m: map[string]*trContent{}}
		t.m[lang] = l
		t.langs = append(t.langs, lang)
	}
	c, ok := l.m[p]
	if !ok {
		c = &trContent{m: map[string]trVal{}}
		l.m[p] = c
		l.paths = append(l.paths, p)
	}
	return c
}

func (g *gen) translations() *translations {
	t := &translations{m: map[string]*trLang{}}
	dl := g.c.defaultLang
	// Choices needing itext.
	for _, ln := range g.order {
		info := g.itemsets[ln]
		if !info.requiresItext {
			continue
		}
		for i, o := range info.options {
			id := fmt.Sprintf("%s-%d", ln, i)
			switch l := o.get("label").(type) {
			case *dict:
				for _, lang := range l.keys {
					if s, ok := l.get(lang).(string); ok {
						c := t.content(lang, id)
						c.set("long", trVal{text: s})
						c.set("type", trVal{text: "choice"})
					}
				}
			case string:
				if l != "" {
					c := t.content(dl, id)
					c.set("long", trVal{text: l})
					c.set("type", trVal{text: "choice"})
				}
			}
			if m := o.sub("media"); m != nil {
				for _, mt := range m.keys {
					switch v := m.get(mt).(type) {
					case *dict:
						for _, lang := range v.keys {
							if s, ok := v.get(lang).(string); ok {
								c := t.content(lang, id)
								c.set(mt, trVal{text: s})
								c.set("type", trVal{text: "choice"})
								g.c.needMedia(s)
							}
						}
					case string:
						c := t.content(dl, id)
						c.set(mt, trVal{text: v})
						c.set("type", trVal{text: "choice"})
						g.c.needMedia(v)
					}
				}
			}
		}
	}
	// Questions and sections.
	g.walk(g.s, func(e *elem) {
		if e.kind != kQuestion && !e.isSection() {
			return
		}
		add := func(p, form, lang, text, col string) {
			c := t.content(lang, p)
			c.set(form, trVal{text: text, ctx: e, hasCtx: true, col: col})
			c.set("type", trVal{text: "question"})
		}
		if e.bind != nil {
			for _, k := range []string{"jr:constraintMsg", "jr:requiredMsg", "jr:noAppErrorString"} {
				col := e.col("bind", k)
				switch v := e.bind.get(k).(type) {
				case *dict:
					for _, lang := range v.keys {
						if s, ok := v.get(lang).(string); ok {
							add(e.getXPath()+":"+k, "long", lang, s, col)
						}
					}
				case string:
					if k != "jr:noAppErrorString" && v != "" && hasPyxformReference(v) {
						add(e.getXPath()+":"+k, "long", dl, v, col)
					}
				}
			}
		}
		for _, de := range []string{"label", "hint", "guidance_hint"} {
			var v any
			switch de {
			case "label":
				v = e.label
				if s, ok := v.(string); ok && s != "" && g.needsItext(e) {
					d := newDict()
					d.set(dl, s)
					v = d
				}
			case "hint":
				v = e.hint
				if s, ok := v.(string); ok && s != "" && nonEmpty(e.guidance) {
					d := newDict()
					d.set(dl, s)
					v = d
				}
			case "guidance_hint":
				v = e.guidance
				if s, ok := v.(string); ok && s != "" {
					d := newDict()
					d.set(dl, s)
					v = d
				}
			}
			d, ok := v.(*dict)
			if !ok {
				continue
			}
			p, form := e.getXPath()+":"+de, "long"
			if de == "guidance_hint" {
				p, form = e.getXPath()+":hint", "guidance"
			}
			for _, lang := range d.keys {
				if s, ok := d.get(lang).(string); ok {
					add(p, form, lang, s, e.col(de))
				}
			}
		}
	})
	// Media of questions and sections.
	g.walk(g.s, func(e *elem) {
		if (e.kind != kQuestion && !e.isSection()) || e.media.size() == 0 {
			return
		}
		md := e.media
		if d := md.sub("default"); d != nil {
			md = d
		}
		key := e.getXPath() + ":label"
		for _, mt := range md.keys {
			switch mt {
			case "image", "big-image", "audio", "video":
			default:
				g.problemAt(e, "media::"+mt, "the media type '"+mt+"' is not supported: use image, big-image, audio or video")
				continue
			}
			switch v := md.get(mt).(type) {
			case *dict:
				for _, lang := range v.keys {
					if s, ok := v.get(lang).(string); ok {
						t.content(lang, key).set(mt, trVal{text: s})
						g.c.needMedia(s)
					}
				}
			case string:
				t.content(dl, key).set(mt, trVal{text: v})
				g.c.needMedia(v)
			}
		}
	})
	// Every language gets every text, "-" where missing.
	paths := map[string][]string{}
	var pathOrder []string
	for _, lang := range t.langs {
		l := t.m[lang]
		for _, p := range l.paths {
			if _, ok := paths[p]; !ok {
				pathOrder = append(pathOrder, p)
			}
			for _, k := range l.m[p].keys {
				if !contains(paths[p], k) {
					paths[p] = append(paths[p], k)
				}
			}
		}
	}
	for _, lang := range t.langs {
		for _, p := range pathOrder {
			c := t.content(lang, p)
			for _, k := range paths[p] {
				if _, ok := c.m[k]; !ok {
					c.set(k, trVal{text: "-"})
				}
			}
		}
	}
	return t
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (g *gen) itext() *xnode {
	it := el("itext")
	for _, lang := range g.tr.langs {
		tn := el("translation").set("lang", lang)
		if lang == g.c.defaultLang {
			tn.set("default", "true()")
		}
		l := g.tr.m[lang]
		for _, p := range l.paths {
			c := l.m[p]
			labelType := ""
			if i := strings.Index(p, ":"); i >= 0 {
				labelType = p[i+1:]
			}
			text := el("text").set("id", p)
			for _, form := range c.keys {
				if form == "type" {
					continue
				}
				v := c.m[form]
				var ctx *elem
				if v.hasCtx {
					ctx = v.ctx
				}
				val, changed := g.insertOutputValues(v.text, ctx, orDefault(v.col, "label"))
				mk := func(s string) *xnode {
					if changed {
						return rawNode(s)
					}
					return textNode(s)
				}
				if labelType == "hint" {
					vn := el("value", mk(val))
					if form == "guidance" {
						vn.set("form", "guidance")
					}
					text.add(vn)
					continue
				}
				switch form {
				case "long":
					text.add(el("value", mk(val)))
				case "image", "big-image":
					if val != "-" {
						text.add(el("value", mk("jr://images/"+val)).set("form", form))
					}
				default:
					if val != "-" {
						text.add(el("value", mk("jr://"+form+"/"+val)).set("form", form))
					}
				}
			}
			tn.add(text)
		}
		it.add(tn)
	}
	return it
}

// badLanguages are the languages without a valid "(code)" (pyxform's warning).
func (g *gen) badLanguages() []string {
	var bad []string
	re := regexp.MustCompile(`\((.*)\)$`)
	for _, lang := range g.tr.langs {
		if lang == "default" {
			continue
		}
		m := re.FindStringSubmatch(lang)
		if m == nil || !validLangCode(m[1]) {
			bad = append(bad, lang)
		}
	}
	return bad
}

var langCodeRE = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

func validLangCode(s string) bool { return langCodeRE.MatchString(s) }

// searchRedirects marks choice lists used by selects whose appearance calls search(): their choices go
// inline in the body and get no secondary instance.
func (c *conv) searchRedirects(g *gen) {
	re := regexp.MustCompile(`search\(.*?\)`)
	g.walk(g.s, func(e *elem) {
		if e.kind != kQuestion || !e.qt.isSelect || e.control == nil {
			return
		}
		ap := e.control.str("appearance")
		if len(ap) <= 7 || !re.MatchString(ap) {
			return
		}
		if externalExts[path.Ext(e.itemset)] {
			g.problemAt(e, "appearance", "a select from a file cannot use search(): remove search() or change the select type")
			return
		}
		info := g.itemsets[e.itemset]
		if info == nil {
			return
		}
		e.itemset = ""
		e.searchList = info.name
		info.usedBySearch = true
	})
}
