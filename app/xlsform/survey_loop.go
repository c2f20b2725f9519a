package xlsform

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
)

func dictWith(kv ...any) *dict {
	d := newDict()
	for i := 0; i+1 < len(kv); i += 2 {
		d.set(kv[i].(string), kv[i+1])
	}
	return d
}

func action(name, event string) *dict { return dictWith("name", name, "event", event) }

// surveyLoop walks the survey rows as pyxform's workbook_to_json does, building the nested survey dict.
func (c *conv) surveyLoop(g *groupedSheet, rootChildren *[]*dict) {
	stack := []*stackEntry{{children: rootChildren, childNames: map[string]bool{}, childLower: map[string]bool{}}}
	var tableList any // nil, true (started) or the list name
	var metaChildren []*dict
	repeatNames := map[string]int{}
	orOtherSeen := false
	entityPlaced := false
	entityRepeat := c.entity.str("__repeat")

	for _, r := range g.rows {
		top := stack[len(stack)-1]
		row := r.d
		if row.has("disabled") {
			c.warn("[row : %d] The 'disabled' column header is not part of the current spec. We recommend using relevant instead.", r.num)
			dis := row.str("disabled")
			row.del("disabled")
			if yesNoDefault(dis, false) {
				continue
			}
		}
		if row.size() == 0 {
			continue
		}
		qtype := row.str("type")
		if qtype == "" {
			if !row.has("name") && !row.has("label") {
				c.warn("[row : %d] Row without name, text, or label is being skipped:\n%s", r.num, rowRepr(r))
				continue
			}
			c.problem("survey", r.num, "type", "this row has no type: give it a question type such as text, integer or select_one LIST, or begin group / end group")
			continue
		}
		if row.has("trigger") {
			c.processTrigger(r)
		}
		if def := row.str("default"); def != "" && defaultIsDynamic(def, qtype) {
			row.set("_dynamic_default", "true")
			acts := []*dict{action("setvalue", "odk-instance-first-load")}
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].controlType == "repeat" {
					acts = append(acts, action("setvalue", "odk-new-repeat"))
					break
				}
			}
			row.set("actions", acts)
		}
		params, pok := parseParameters(row.str("parameters"))
		if !pok {
			c.problem("survey", r.num, r.colOf("parameters"), "parameters must be written as name=value pairs separated by spaces, e.g. 'start=1 end=10 step=1'")
			params = newDict()
		}

		if qtype == "audit" {
			if n := row.str("name"); n != "" && n != "audit" {
				c.problem("survey", r.num, "name", "an audit must be named 'audit': leave the name empty")
			}
			row.set("name", "audit")
			c.auditParams(r, params)
			metaChildren = append(metaChildren, row)
			continue
		}
		if qtype == "calculate" {
			if row.sub("bind").str("calculate") == "" && !row.has("_dynamic_default") {
				c.problem("survey", r.num, r.colOf("bind", "calculate"), "the calculate '"+row.str("name")+"' has no calculation: write its expression in the calculation column")
			}
		}
		if qtype == "subscriberid" || qtype == "simserial" {
			c.warn("[row : %d] %s is no longer supported on most devices. Only old versions of Collect on Android versions older than 11 still support it.", r.num, qtype)
		}
		if st, ok := settingsHeaderAliases[qtype]; ok {
			c.settings.set(st[0], row.str("name"))
			continue
		}

		if m := reEndControl.FindStringSubmatch(qtype); m != nil {
			ct := controlAliases[m[3]]
			if len(stack) == 1 || top.controlType != ct {
				msg := fmt.Sprintf("'%s' has no matching 'begin %s' above it", qtype, ct)
				if len(stack) > 1 {
					msg = fmt.Sprintf("'%s' does not close the open 'begin %s %s' of row %d: close that %s first (end %s) or remove this row", qtype, top.controlType, top.controlName, top.row, top.controlType, top.controlType)
				} else {
					msg += ": remove this row or add the begin row"
				}
				c.problem("survey", r.num, "type", msg)
				continue
			}
			if c.entity != nil && top.controlType == "repeat" && top.controlName == c.entity.str("__repeat") && !entityPlaced {
				meta := dictWith("name", "meta", "type", "group", "control", dictWith("bodyless", "true"), "children", []*dict{c.entity})
				*top.children = append(*top.children, meta)
				c.entityVer = "2025.1.0"
				entityPlaced = true
			}
			stack = stack[:len(stack)-1]
			tableList = nil
			continue
		}

		if !row.has("name") {
			if qtype == "note" {
				row.set("name", "generated_note_name_"+strconv.Itoa(r.num))
			} else {
				c.problem("survey", r.num, "name", "this "+qtype+" row has no name: give it a name (letters, digits, underscores; no spaces)")
				if reBeginControl.MatchString(qtype) {
					row.set("name", "__unnamed_"+strconv.Itoa(r.num))
				} else {
					continue
				}
			}
		}
		name := row.str("name")
		if !isXMLTag(name) {
			c.problem("survey", r.num, "name", fmt.Sprintf("'%s' is not a valid name: %s", name, xmlNameRule))
		}
		if name == "meta" {
			c.problem("survey", r.num, "name", "the name 'meta' is reserved for the form's metadata: choose another name")
		} else if top.childNames[name] {
			c.problem("survey", r.num, "name", fmt.Sprintf("the name '%s' is used twice in the same group (also in row %d): names must be unique within their group or repeat", name, c.surveyRows[top.controlName+"/"+name]))
		} else {
			top.childNames[name] = true
			c.surveyRows[top.controlName+"/"+name] = r.num
			lower := strings.ToLower(name)
			if top.childLower[lower] {
				c.warn("[row : %d] On the 'survey' sheet, the 'name' value '%s' is problematic. The name is a case-insensitive match to another name. Questions, groups, and repeats should be unique within the nearest parent group or repeat, or the survey if not inside a group or repeat. Some data processing tools are not case-sensitive, so the current names may make analysis difficult.", r.num, name)
			}
			top.childLower[lower] = true
		}
		c.checkSaveTo(r, stack)

		if m := reBeginControl.FindStringSubmatch(qtype); m != nil {
			ct := controlAliases[m[3]]
			if ct == "repeat" && entityRepeat != "" && name == entityRepeat {
				for _, e := range stack[1:] {
					if e.controlType == "repeat" {
						c.problem("entities", 2, "repeat", fmt.Sprintf("the entity repeat ${%s} is inside the repeat '%s' (row %d): entities can be saved from a repeat that is not inside another repeat", name, e.controlName, e.row))
					}
				}
			} else if entityRepeat != "" && name == entityRepeat {
				c.problem("entities", 2, "repeat", fmt.Sprintf("${%s} on the entities sheet names a %s, not a repeat", name, ct))
			}
			if ct == "repeat" {
				if name == c.formName {
					c.problem("survey", r.num, "name", fmt.Sprintf("the repeat name '%s' is the same as the form's root element: choose another name", name))
				} else if prev, dup := repeatNames[name]; dup {
					c.problem("survey", r.num, "name", fmt.Sprintf("the repeat name '%s' is already used by the repeat in row %d: repeat names must be unique in the whole form", name, prev))
				}
				repeatNames[name] = r.num
			}
			if ct == "repeat" && !row.has("label") && row.get("media") == nil && !labelOptionalTypes[qtype] &&
				row.sub("bind").str("calculate") == "" && !row.has("_dynamic_default") &&
				!(ct == "group" && row.sub("control").str("appearance") == "field-list") {
				c.warn("[row : %d] %s has no label: {'name': '%s', 'type': '%s'}", r.num, strings.ToUpper(ct[:1])+ct[1:], name, qtype)
			}
			nd := row.clone()
			nd.set("type", ct)
			var children []*dict
			if ct == "loop" {
				ln := m[6]
				if ln == "" {
					c.problem("survey", r.num, "type", "a loop needs a list: 'begin loop over LIST'")
				} else if !c.choices.has(ln) {
					c.problem("survey", r.num, "type", "the list '"+ln+"' of this loop is not on the choices sheet")
				} else {
					nd.set("columns", c.choices.list(ln))
				}
			}
			if ctl := nd.sub("control"); ctl != nil {
				if cnt := ctl.str("jr:count"); cnt != "" && !isPyxformReference(cnt) {
					gen := name + "_count"
					if top.childNames[gen] {
						c.problem("survey", r.num, r.colOf("control", "jr:count"), fmt.Sprintf("the repeat_count expression needs a calculation named '%s', but a question of that name is already in the same group (row %d): rename that question, or put its name alone in repeat_count as ${%s}", gen, c.surveyRows[top.controlName+"/"+gen], gen))
					}
					top.childNames[gen] = true
					c.surveyRows[top.controlName+"/"+gen] = r.num
					calc := dictWith("name", gen, "bind", dictWith("readonly", "true()", "calculate", cnt), "type", "calculate", "__row", strconv.Itoa(r.num))
					*top.children = append(*top.children, calc)
					ctl.set("jr:count", "${"+gen+"}")
				}
				if ap := ctl.str("appearance"); ap != "" {
					words := strings.Fields(ap)
					isTable := false
					for _, w := range words {
						if w == "table-list" {
							isTable = true
						}
					}
					if isTable {
						tableList = true
						s := "field-list"
						for _, w := range words {
							if w != "table-list" {
								s += " " + w
							}
						}
						ctl.set("appearance", s)
						if nd.has("label") || nd.has("hint") {
							note := dictWith("type", "note", "name", "generated_table_list_label_"+strconv.Itoa(r.num), "__row", strconv.Itoa(r.num))
							if nd.has("label") {
								note.set("label", nd.get("label"))
								nd.del("label")
							}
							if nd.has("hint") {
								note.set("hint", nd.get("hint"))
								nd.del("hint")
							}
							children = append(children, note)
						}
					}
				}
			}
			if nd.has("intent") {
				nd.ensure("control").set("intent", nd.get("intent"))
			}
			nd.set("__row", strconv.Itoa(r.num))
			entry := &stackEntry{controlType: ct, controlName: name, childNames: map[string]bool{}, childLower: map[string]bool{}, row: r.num, rawType: qtype}
			entry.children = &children
			// The children slice is attached when the group closes or at the end; keep a pointer.
			nd.set("__children", entry)
			*top.children = append(*top.children, nd)
			stack = append(stack, entry)
			continue
		}

		c.questionSeen[name] = true
		row.set("__row", strconv.Itoa(r.num))

		if m := reSelect.FindStringSubmatch(qtype); m != nil {
			cmd := m[1]
			selType := selectAliases[cmd]
			listName := m[2]
			ext := path.Ext(listName)
			if selType == "select one external" && !row.has("choice_filter") {
				c.warn("[row : %d] select one external is only meant for filtered selects.", r.num)
			}
			bad := false
			if selType == "select one external" {
				if c.extChoices == nil {
					c.problem("survey", r.num, "type", "select_one_external needs an external_choices sheet with the columns list_name, name and label: add that sheet")
					bad = true
				} else if !c.extChoices.has(listName) {
					c.problem("survey", r.num, "type", "the list '"+listName+"' is not on the external_choices sheet"+c.suggestList(listName, c.extChoices))
					bad = true
				}
			}
			fromFile := strings.Contains(cmd, "from_file") || strings.Contains(cmd, "from file")
			if fromFile && !externalExts[ext] {
				c.problem("survey", r.num, "type", fmt.Sprintf("the file '%s' of %s must end in .csv, .xml or .geojson", listName, cmd))
				bad = true
			} else if !fromFile && externalExts[ext] {
				c.problem("survey", r.num, "type", fmt.Sprintf("'%s' names a file: for choices from a file use %s %s", qtype, fromFileCommand(selType), listName))
				bad = true
			}
			if !bad && !c.choices.has(listName) && selType != "select one external" && !externalExts[ext] && !hasPyxformReference(listName) {
				if c.choices.size() == 0 {
					c.problem("survey", r.num, "type", "'"+qtype+"' needs a choices sheet with the columns list_name, name and label, holding the list '"+listName+"': add that sheet")
				} else {
					c.problem("survey", r.num, "type", "the choice list '"+listName+"' does not exist on the choices sheet"+c.suggestList(listName, c.choices))
				}
				bad = true
			}
			if bad {
				continue
			}
			if selType == "select all that apply" && !externalExts[ext] {
				for _, ch := range c.choices.list(listName) {
					if strings.Contains(ch.str("name"), " ") {
						c.problem("choices", 0, "name", fmt.Sprintf("the choice name '%s' in list '%s' has a space, which select_multiple cannot store: use underscores instead", ch.str("name"), listName))
					}
				}
			}
			var specifyOther *dict
			if m[4] != "" {
				orOtherSeen = true
				if row.has("choice_filter") {
					c.problem("survey", r.num, "type", "or_other cannot be used with a choice_filter: remove one of them")
				}
				list := c.choices.list(listName)
				if len(list) == 0 {
					c.problem("survey", r.num, "type", "or_other needs choices in the list '"+listName+"'")
				} else {
					has := false
					translated := false
					for _, ch := range list {
						if ch.str("name") == "other" {
							has = true
						}
						if ch.sub("label") != nil {
							translated = true
						}
					}
					if !has {
						other := dictWith("name", "other", "label", "Other")
						if translated {
							langs := newDict()
							for _, ch := range list {
								if l := ch.sub("label"); l != nil {
									for _, k := range l.keys {
										langs.set(k, "Other")
									}
								}
							}
							other.set("label", langs)
						}
						c.choices.set(listName, append(list, other))
					}
				}
				specifyOther = dictWith("type", "text", "name", name+"_other", "label", "Specify other.",
					"bind", dictWith("relevant", "selected(../"+name+", 'other')"), "__row", strconv.Itoa(r.num))
			}
			nd := row.clone()
			nd.set("type", selType)
			allowed := []string{"randomize", "seed"}
			if fromFile {
				allowed = append(allowed, "value", "label")
			}
			c.checkParams(r, params, allowed...)
			if params.has("randomize") {
				if v := params.str("randomize"); v != "true" && v != "false" {
					c.problem("survey", r.num, r.colOf("parameters"), "randomize must be true or false, not '"+v+"'")
				}
				if params.has("seed") && !isPyxformReference(params.str("seed")) && !isNumber(params.str("seed")) {
					c.problem("survey", r.num, r.colOf("parameters"), "the seed must be a number or a ${question} reference")
				}
			} else if params.has("seed") {
				c.problem("survey", r.num, r.colOf("parameters"), "a seed needs randomize=true as well")
			}
			for _, k := range []string{"value", "label"} {
				if params.has(k) && !isXMLTag(params.str(k)) {
					c.problem("survey", r.num, r.colOf("parameters"), fmt.Sprintf("the %s parameter '%s' must be a column name of the file", k, params.str(k)))
				}
			}
			nd.set("parameters", params)
			nd.set("itemset", listName)
			if cf := row.str("choice_filter"); cf != "" {
				if selType == "select one external" {
					nd.set("query", listName)
				} else if c.choices.has(listName) {
					nd.set("list_name", listName)
				}
			} else if !(params.str("randomize") == "true" || externalExts[ext] || hasPyxformReference(listName)) {
				nd.set("list_name", listName)
			}
			if externalExts[ext] {
				c.needMedia(listName)
			}
			if tableList != nil {
				if tableList == true {
					tableList = listName
					if row.has("choice_filter") {
						c.problem("survey", r.num, "choice_filter", "a choice_filter cannot be used inside a table-list group")
					}
					hdr := dictWith("type", selType, "name", "reserved_name_for_field_list_labels_"+strconv.Itoa(r.num),
						"control", dictWith("appearance", "label"), "itemset", listName, "list_name", listName, "__row", strconv.Itoa(r.num))
					*top.children = append(*top.children, hdr)
				}
				if tableList != listName {
					c.problem("survey", r.num, "type", fmt.Sprintf("all selects in a table-list group must use the same list: '%s' here, '%s' before", listName, tableList))
				}
				nd.ensure("control").set("appearance", "list-nolabel")
			}
			*top.children = append(*top.children, nd)
			if specifyOther != nil {
				*top.children = append(*top.children, specifyOther)
			}
			continue
		}

		if m := reOSM.FindStringSubmatch(qtype); m != nil {
			nd := row.clone()
			nd.set("type", "osm")
			if c.osmTags != nil {
				var tags []*dict
				for _, t := range c.osmTags.list(m[2]) {
					t = t.clone()
					if sub := c.osmTags.list(t.str("name")); sub != nil {
						t.set("choices", sub)
					}
					tags = append(tags, t)
				}
				nd.set("tags", tags)
			}
			*top.children = append(*top.children, nd)
			continue
		}

		nd := row.clone()
		switch qtype {
		case "range":
			c.checkParams(r, params, "start", "end", "step", "tick_interval", "placeholder", "tick_labelset")
			defaults := map[string]string{"start": "1", "end": "10", "step": "1"}
			for _, k := range []string{"start", "end", "step"} {
				if !params.has(k) {
					params.set(k, defaults[k])
				}
			}
			hasFloat := false
			nums := map[string]float64{}
			for _, k := range []string{"start", "end", "step", "tick_interval", "placeholder"} {
				if !params.has(k) {
					continue
				}
				v := params.str(k)
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					c.problem("survey", r.num, r.colOf("parameters"), "the range parameter "+k+" must be a number, not '"+v+"'")
					continue
				}
				nums[k] = f
				if f != 0 && strings.Contains(v, ".") && (k == "start" || k == "end" || k == "step") {
					hasFloat = true
				}
			}
			if hasFloat {
				nd.ensure("bind").set("type", "decimal")
			}
			if params.has("tick_interval") || params.has("placeholder") || params.has("tick_labelset") {
				for _, w := range strings.Fields(row.sub("control").str("appearance")) {
					if w != "vertical" && w != "no-ticks" {
						c.problem("survey", r.num, r.colOf("parameters"), "tick_interval, placeholder and tick_labelset work only with the appearances vertical, no-ticks or none, not '"+w+"'")
						break
					}
				}
				c.checkRangeExtras(r, params, nums)
			}
			nd.set("parameters", params)
		case "text":
			c.checkParams(r, params, "rows")
			if params.has("rows") {
				if !isInt(params.str("rows")) {
					c.problem("survey", r.num, r.colOf("parameters"), "the rows parameter must be a whole number")
				}
				nd.ensure("control").set("rows", params.str("rows"))
			}
		case "photo":
			if d := row.str("default"); d != "" && !strings.Contains(d, "jr://images/") {
				nd.set("default", "jr://images/"+d)
			}
			c.checkParams(r, params, "max-pixels", "app")
			if params.has("max-pixels") {
				if !isInt(params.str("max-pixels")) {
					c.problem("survey", r.num, r.colOf("parameters"), "the max-pixels parameter must be a whole number")
				}
				nd.ensure("bind").set("orx:max-pixels", params.str("max-pixels"))
			} else {
				c.warn("[row : %d] Use the max-pixels parameter to speed up submission sending and save storage space. Learn more: https://xlsform.org/#image", r.num)
			}
			if params.has("app") {
				ap := row.sub("control").str("appearance")
				if ap == "" || ap == "annotate" {
					nd.ensure("control").set("intent", params.str("app"))
				}
			}
		case "audio":
			c.checkParams(r, params, "quality")
			if params.has("quality") {
				switch q := params.str("quality"); q {
				case "voice-only", "low", "normal", "external":
					nd.ensure("bind").set("odk:quality", q)
				default:
					c.problem("survey", r.num, r.colOf("parameters"), "the audio quality must be voice-only, low, normal or external")
				}
			}
		case "background-audio":
			c.checkParams(r, params, "quality")
			act := action("odk:recordaudio", "odk-instance-load")
			if params.has("quality") {
				switch q := params.str("quality"); q {
				case "voice-only", "low", "normal":
					act.set("odk:quality", q)
				default:
					c.problem("survey", r.num, r.colOf("parameters"), "the background audio quality must be voice-only, low or normal")
				}
			}
			nd.set("actions", append(nd.list("actions"), act))
		case "geopoint", "geoshape", "geotrace":
			if qtype == "geopoint" {
				c.checkParams(r, params, "allow-mock-accuracy", "capture-accuracy", "warning-accuracy")
			} else {
				c.checkParams(r, params, "allow-mock-accuracy", "incremental")
			}
			if params.has("incremental") {
				if qtype == "geopoint" {
					c.problem("survey", r.num, r.colOf("parameters"), "the incremental parameter is for geotrace and geoshape only")
				} else if b, ok := yesNo[params.str("incremental")]; !ok {
					c.problem("survey", r.num, r.colOf("parameters"), "incremental must be true or false, not '"+params.str("incremental")+"'")
				} else if b {
					nd.ensure("control").set("incremental", "true")
				}
			}
			if params.has("allow-mock-accuracy") {
				v := params.str("allow-mock-accuracy")
				if v != "true" && v != "false" {
					c.problem("survey", r.num, r.colOf("parameters"), "allow-mock-accuracy must be true or false")
				}
				nd.ensure("bind").set("odk:allow-mock-accuracy", v)
			}
			if params.has("capture-accuracy") {
				if !isNumber(params.str("capture-accuracy")) {
					c.problem("survey", r.num, r.colOf("parameters"), "capture-accuracy must be a number")
				}
				nd.ensure("control").set("accuracyThreshold", params.str("capture-accuracy"))
			}
			if params.has("warning-accuracy") {
				if !isNumber(params.str("warning-accuracy")) {
					c.problem("survey", r.num, r.colOf("parameters"), "warning-accuracy must be a number")
				}
				nd.ensure("control").set("unacceptableAccuracyThreshold", params.str("warning-accuracy"))
			}
		case "start-geopoint":
			nd.set("actions", append(nd.list("actions"), action("odk:setgeopoint", "odk-instance-first-load")))
		case "background-geopoint":
			// processTrigger has already turned a valid trigger into its names.
			if t := row.str("trigger"); t == "" || strings.Contains(t, "${") || len(strings.Fields(t)) != 1 {
				c.problem("survey", r.num, "trigger", "a background-geopoint needs a trigger: one ${question} reference")
			}
			if row.sub("bind").has("calculate") {
				c.problem("survey", r.num, r.colOf("bind", "calculate"), "a background-geopoint cannot have a calculation")
			}
		default:
			if qt, ok := qtdLookup(qtype); !ok || qt.isSelect || qtype == "select one external" {
				c.problem("survey", r.num, "type", c.unknownTypeMessage(qtype))
				continue
			}
		}
		*top.children = append(*top.children, nd)
	}

	if orOtherSeen && c.translated {
		c.warn("This form uses or_other and translations, which is not recommended. An untranslated input question label and choice label is generated for 'other'. Learn more: https://xlsform.org/en/#specify-other).")
	}
	for _, t := range c.triggerRefs {
		for _, ref := range t.refs {
			if !c.questionSeen[ref] {
				c.problem("survey", t.row, "trigger", fmt.Sprintf("the trigger ${%s} names no question in this form: use the name of a question that exists", ref))
			}
		}
	}
	for i := len(stack) - 1; i >= 1; i-- {
		e := stack[i]
		c.problem("survey", e.row, "type", fmt.Sprintf("'%s %s' is never closed: add an 'end %s' row after its last question", e.rawType, e.controlName, e.controlType))
	}

	if yesNoDefault(c.settings.str("omit_instanceID"), false) {
		if c.settings.str("public_key") != "" {
			c.problem("settings", 2, "omit_instanceID", "an encrypted form (public_key) needs its instanceID: remove omit_instanceID")
		}
	} else {
		metaChildren = append(metaChildren, dictWith("name", "instanceID", "bind", dictWith("readonly", "true()", "jr:preload", orDefault(c.settings.str("instance_id"), "uid")), "type", "calculate"))
	}
	if c.settings.has("instance_name") {
		metaChildren = append(metaChildren, dictWith("name", "instanceName", "bind", dictWith("calculate", c.settings.str("instance_name")), "type", "calculate", "__column", "instance_name"))
	}
	if c.entity != nil && entityRepeat == "" {
		c.entityVer = "2024.1.0"
		metaChildren = append([]*dict{c.entity}, metaChildren...)
	} else if c.entity != nil && !entityPlaced && !c.allNames[entityRepeat] {
		c.problem("entities", 2, "repeat", fmt.Sprintf("the repeat ${%s} named on the entities sheet is not on the survey sheet", entityRepeat))
	}
	if len(metaChildren) > 0 {
		meta := dictWith("name", "meta", "type", "group", "control", dictWith("bodyless", "true"), "children", metaChildren)
		*rootChildren = append(*rootChildren, meta)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func fromFileCommand(selType string) string {
	if selType == "select all that apply" {
		return "select_multiple_from_file"
	}
	return "select_one_from_file"
}

// processTrigger checks the trigger column: one or more ${name} references.
func (c *conv) processTrigger(r sheetRow) {
	t := r.d.str("trigger")
	var refs []string
	rest := pyxformRefRE.ReplaceAllStringFunc(t, func(m string) string {
		sm := pyxformRefRE.FindStringSubmatch(m)
		refs = append(refs, sm[2])
		return ""
	})
	rest = strings.Trim(rest, " ,")
	if len(refs) == 0 || strings.Trim(rest, " ,") != "" {
		c.problem("survey", r.num, "trigger", "the trigger '"+t+"' must be a reference to another question, written ${question_name}")
		return
	}
	c.triggerRefs = append(c.triggerRefs, triggerRef{row: r.num, refs: refs})
	r.d.set("trigger", strings.Join(refs, " "))
}

func (c *conv) auditParams(r sheetRow, p *dict) {
	c.checkParams(r, p, "location-priority", "location-min-interval", "location-max-age", "track-changes", "identify-user", "track-changes-reasons")
	bind := r.d.ensure("bind")
	for _, k := range []string{"track-changes", "identify-user"} {
		if p.has(k) {
			v := p.str(k)
			if v != "true" && v != "false" {
				c.problem("survey", r.num, r.colOf("parameters"), k+" must be true or false, not '"+v+"'")
			}
			bind.set("odk:"+k, v)
		}
	}
	if p.has("track-changes-reasons") {
		if p.str("track-changes-reasons") != "on-form-edit" {
			c.problem("survey", r.num, r.colOf("parameters"), "track-changes-reasons must be on-form-edit")
		}
		bind.set("odk:track-changes-reasons", "on-form-edit")
	}
	loc := []string{"location-priority", "location-min-interval", "location-max-age"}
	n := 0
	for _, k := range loc {
		if p.has(k) {
			n++
		}
	}
	if n == 0 {
		if bind.size() == 0 {
			r.d.del("bind")
		}
		return
	}
	if n < 3 {
		c.problem("survey", r.num, r.colOf("parameters"), "an audit with location needs all three parameters location-priority, location-min-interval and location-max-age")
		return
	}
	switch p.str("location-priority") {
	case "no-power", "low-power", "balanced", "high-accuracy":
	default:
		c.problem("survey", r.num, r.colOf("parameters"), "location-priority must be no-power, low-power, balanced or high-accuracy")
	}
	mi, err1 := strconv.Atoi(p.str("location-min-interval"))
	ma, err2 := strconv.Atoi(p.str("location-max-age"))
	if err1 != nil || err2 != nil || mi < 0 || ma < 0 {
		c.problem("survey", r.num, r.colOf("parameters"), "location-min-interval and location-max-age must be whole numbers of zero or more")
	} else if ma < mi {
		c.problem("survey", r.num, r.colOf("parameters"), "location-max-age must be at least location-min-interval")
	}
	bind.set("odk:location-max-age", p.str("location-max-age"))
	bind.set("odk:location-min-interval", p.str("location-min-interval"))
	bind.set("odk:location-priority", p.str("location-priority"))
}

func (c *conv) checkSaveTo(r sheetRow, stack []*stackEntry) {
	saveTo := r.d.sub("bind").str("entities:saveto")
	if saveTo == "" {
		return
	}
	col := r.colOf("bind", "entities:saveto")
	if c.entity == nil {
		c.problem("survey", r.num, col, "save_to needs an entities sheet declaring the entity list: add an entities sheet")
		return
	}
	t := r.d.str("type")
	if strings.Contains(t, "group") || strings.Contains(t, "repeat") {
		c.problem("survey", r.num, col, "groups and repeats cannot be saved to an entity property")
		return
	}
	if rep := c.entity.str("__repeat"); rep != "" {
		inRepeat, located := false, false
		for i := len(stack) - 1; i >= 1; i-- {
			if stack[i].controlType != "repeat" {
				continue
			}
			if inRepeat {
				c.problem("survey", r.num, col, "a save_to question cannot be in a repeat inside the entity repeat ${"+rep+"}")
				return
			}
			if stack[i].controlName == rep {
				located = true
			}
			inRepeat = true
		}
		if !located {
			c.problem("survey", r.num, col, "with the entity saved from the repeat ${"+rep+"}, save_to questions must be inside that repeat")
			return
		}
	}
	if l := strings.ToLower(saveTo); l == "name" || l == "label" {
		c.problem("survey", r.num, col, "the entity property name '"+saveTo+"' is reserved: choose another")
	} else if strings.HasPrefix(saveTo, "__") {
		c.problem("survey", r.num, col, "entity property names cannot start with '__'")
	} else if !isXMLTag(saveTo) {
		c.problem("survey", r.num, col, "the entity property name '"+saveTo+"' is not valid: "+xmlNameRule)
	}
}

// entityDeclaration is pyxform 4.5.0's get_entity_declaration: the entity element under meta.
func (c *conv) entityDeclaration(rows []sheetRow) *dict {
	if len(rows) > 1 {
		c.problem("entities", rows[1].num, "", "only one entity can be declared per form: keep one row on the entities sheet")
	}
	r := rows[0]
	row := r.d
	var extra []string
	for _, k := range row.keys {
		if !entitiesColumns[k] {
			extra = append(extra, "'"+r.colOf(k)+"'")
		}
	}
	if len(extra) > 0 {
		c.problem("entities", 1, "", "the entities sheet has unexpected column(s) "+strings.Join(extra, ", ")+": the columns are list_name, label, entity_id, create_if and update_if")
	}
	dataset := row.str("dataset")
	switch {
	case dataset == "":
		c.problem("entities", r.num, "list_name", "the entity list has no name: fill in list_name")
	case strings.HasPrefix(dataset, "__"):
		c.problem("entities", r.num, "list_name", "the entity list name '"+dataset+"' cannot start with '__'")
	case strings.Contains(dataset, "."):
		c.problem("entities", r.num, "list_name", "the entity list name '"+dataset+"' cannot contain a period")
	case !isXMLTag(dataset):
		c.problem("entities", r.num, "list_name", "the entity list name '"+dataset+"' is not valid: "+xmlNameRule)
	}
	entityID := row.str("entity_id")
	createIf := row.str("create_if")
	updateIf := row.str("update_if")
	label := row.str("label")
	if updateIf != "" && entityID == "" {
		c.problem("entities", r.num, "update_if", "updating entities (update_if) needs an entity_id column saying which entity to update")
	}
	if entityID != "" && createIf != "" && updateIf == "" {
		c.problem("entities", r.num, "create_if", "with entity_id and create_if, update_if is needed too")
	}
	if entityID == "" && label == "" {
		c.problem("entities", r.num, "label", "creating entities needs a label column: an expression giving each entity's label")
	}
	children := []*dict{dictWith("name", "dataset", "type", "attribute", "value", dataset)}
	calc := func(expr string) *dict { return dictWith("calculate", expr, "readonly", "true()", "type", "string") }
	if createIf != "" || (updateIf == "" && entityID == "") {
		a := dictWith("name", "create", "type", "attribute", "value", "1")
		if createIf != "" {
			a.set("bind", calc(createIf))
		}
		children = append(children, a)
	}
	if updateIf != "" || entityID != "" {
		a := dictWith("name", "update", "type", "attribute", "value", "1")
		if updateIf != "" {
			a.set("bind", calc(updateIf))
		}
		children = append(children, a)
	}
	idAttr := dictWith("name", "id", "type", "attribute", "bind", dictWith("readonly", "true()", "type", "string"))
	var idActions []*dict
	if entityID == "" {
		a := action("setvalue", "odk-instance-first-load")
		a.set("value", "uuid()")
		idActions = append(idActions, a)
	}
	repeat := ""
	if row.has("repeat") {
		v := strings.TrimSpace(row.str("repeat"))
		if m := pyxformRefRE.FindStringSubmatch(v); m != nil && m[0] == v && m[1] == "" {
			repeat = m[2]
			a := action("setvalue", "odk-new-repeat")
			a.set("value", "uuid()")
			idActions = append(idActions, a)
		} else {
			c.problem("entities", r.num, "repeat", "the repeat must be one reference to a repeat on the survey sheet, like ${repeat_name}, not '"+v+"'")
		}
	}
	if len(idActions) > 0 {
		idAttr.set("actions", idActions)
	}
	if entityID != "" {
		idAttr.sub("bind").set("calculate", entityID)
		expr := "instance('" + dataset + "')/root/item[name=" + entityID + "]"
		for _, n := range [][2]string{{"baseVersion", "__version"}, {"trunkVersion", "__trunkVersion"}, {"branchId", "__branchId"}} {
			children = append(children, dictWith("name", n[0], "type", "attribute", "bind", calc(expr+"/"+n[1])))
		}
	}
	children = append(children, idAttr)
	if label != "" {
		children = append(children, dictWith("type", "label", "name", "label", "bind", calc(label)))
	}
	return dictWith("name", "entity", "type", "entity", "children", children, "__sheet", "entities", "__row", strconv.Itoa(r.num), "__repeat", repeat)
}

// translationWarnings is pyxform's SheetTranslations.missing_check.
func (c *conv) translationWarnings(survey, choices [][]string) {
	surveyCols := map[string]string{"label": "label", "hint": "hint", "guidance_hint": "guidance_hint", "image": "image",
		"big-image": "big-image", "audio": "audio", "video": "video", "jr:constraintMsg": "constraint_message",
		"jr:requiredMsg": "required_message"}
	choiceCols := map[string]string{"label": "label", "image": "image", "big-image": "big-image", "audio": "audio", "video": "video"}
	find := func(headers [][]string, cols map[string]string) (map[string][]string, []string) {
		seen := map[string][]string{}
		var langs []string
		colSeen := map[string]bool{}
		var colOrder []string
		for _, h := range headers {
			if len(h) > 1 && (h[0] == "media" || h[0] == "bind") {
				h = h[1:]
			}
			name, ok := cols[h[0]]
			if !ok {
				continue
			}
			lang := ""
			switch len(h) {
			case 1:
				lang = "default"
			case 2:
				lang = h[1]
			default:
				continue
			}
			if _, ok := seen[lang]; !ok {
				langs = append(langs, lang)
			}
			seen[lang] = append(seen[lang], name)
			if !colSeen[name] {
				colSeen[name] = true
				colOrder = append(colOrder, name)
			}
		}
		if len(seen) == 0 || (len(seen) == 1 && seen["default"] != nil) {
			return nil, nil
		}
		c.translated = true
		missing := map[string][]string{}
		for _, l := range langs {
			have := map[string]bool{}
			for _, n := range seen[l] {
				have[n] = true
			}
			for _, n := range colOrder {
				if !have[n] {
					missing[l] = append(missing[l], n)
				}
			}
		}
		var ls []string
		for l := range missing {
			ls = append(ls, l)
		}
		sortStrings(ls)
		return missing, ls
	}
	var msgs []string
	for _, sh := range []struct {
		name    string
		headers [][]string
		cols    map[string]string
	}{{"survey", survey, surveyCols}, {"choices", choices, choiceCols}} {
		missing, langs := find(sh.headers, sh.cols)
		for _, l := range langs {
			cols := missing[l]
			sortStrings(cols)
			if len(cols) == 1 {
				msgs = append(msgs, fmt.Sprintf("Language '%s' is missing the %s %s column.", l, sh.name, cols[0]))
			} else {
				msgs = append(msgs, fmt.Sprintf("Language '%s' is missing the %s columns %s.", l, sh.name, strings.Join(cols, ", ")))
			}
		}
	}
	if len(msgs) > 0 {
		c.warnings = append(c.warnings, strings.Join(msgs, "\n"))
	}
}

// checkRangeExtras validates tick_interval, placeholder and tick_labelset of a range (pyxform 4.4).
func (c *conv) checkRangeExtras(r sheetRow, p *dict, nums map[string]float64) {
	col := r.colOf("parameters")
	start, end, step := nums["start"], nums["end"], nums["step"]
	multiple := func(x, of float64) bool {
		if of == 0 {
			return false
		}
		q := x / of
		return math.Abs(q-math.Round(q)) < 1e-9
	}
	lo, hi := math.Min(start, end), math.Max(start, end)
	if ti, ok := nums["tick_interval"]; ok {
		if ti == 0 || !multiple(math.Abs(ti), math.Abs(step)) || math.Abs(ti) > hi-lo {
			c.problem("survey", r.num, col, "tick_interval must be a non-zero multiple of step, no larger than the range from start to end")
		}
	}
	if ph, ok := nums["placeholder"]; ok {
		if ph < lo || ph > hi || !multiple(ph-start, step) {
			c.problem("survey", r.num, col, "placeholder must be a value of the range: between start and end, on a step from start")
		}
	}
	if ls := p.str("tick_labelset"); ls != "" {
		list := c.choices.list(ls)
		if list == nil {
			c.problem("survey", r.num, col, "the tick_labelset list '"+ls+"' is not on the choices sheet"+c.suggestList(ls, c.choices))
			return
		}
		every := step
		if ti, ok := nums["tick_interval"]; ok && ti != 0 {
			every = ti
		}
		for _, ch := range list {
			v, err := strconv.ParseFloat(ch.str("name"), 64)
			if err != nil || v < lo || v > hi || !multiple(v-start, every) {
				c.problem("survey", r.num, col, fmt.Sprintf("the tick_labelset choice '%s' of list '%s' must be a number of the range on a tick (start plus a multiple of tick_interval or step)", ch.str("name"), ls))
			}
		}
	}
}
