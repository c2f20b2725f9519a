package xlsform

import (
	"strings"
	"testing"
)

func TestTypesBindsAndControls(t *testing.T) {
	f := convertMD(t, `
	| survey |             |      |       |             |
	|        | type        | name | label | calculation |
	|        | text        | t    | Text  |             |
	|        | integer     | i    | Int   |             |
	|        | int         | i2   | Int2  |             |
	|        | decimal     | d    | Dec   |             |
	|        | date        | da   | Date  |             |
	|        | time        | ti   | Time  |             |
	|        | dateTime    | dt   | DT    |             |
	|        | geopoint    | gp   | GP    |             |
	|        | geotrace    | gt   | GT    |             |
	|        | geoshape    | gs   | GS    |             |
	|        | image       | img  | Img   |             |
	|        | audio       | au   | Audio |             |
	|        | video       | vi   | Video |             |
	|        | file        | fi   | File  |             |
	|        | barcode     | bc   | BC    |             |
	|        | acknowledge | ack  | Ack   |             |
	|        | trigger     | trg  | Trg   |             |
	|        | note        | n    | Note  |             |
	|        | string      | s    | Str   |             |
	|        | hidden      | h    |       |             |
	|        | calculate   | c    |       | 1 + 1       |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/t" type="string"/>`,
		`<bind nodeset="/data/i" type="int"/>`,
		`<bind nodeset="/data/i2" type="int"/>`,
		`<bind nodeset="/data/d" type="decimal"/>`,
		`<bind nodeset="/data/da" type="date"/>`,
		`<bind nodeset="/data/ti" type="time"/>`,
		`<bind nodeset="/data/dt" type="dateTime"/>`,
		`<bind nodeset="/data/gp" type="geopoint"/>`,
		`<bind nodeset="/data/gt" type="geotrace"/>`,
		`<bind nodeset="/data/gs" type="geoshape"/>`,
		`<bind nodeset="/data/img" type="binary"/>`,
		`<bind nodeset="/data/fi" type="binary"/>`,
		`<bind nodeset="/data/bc" type="barcode"/>`,
		`<bind nodeset="/data/ack" type="string"/>`,
		`<bind nodeset="/data/n" readonly="true()" type="string"/>`,
		`<bind nodeset="/data/h" type="string"/>`,
		`<bind nodeset="/data/c" type="string" calculate="1 + 1"/>`,
		`<input ref="/data/t"><label>Text</label></input>`,
		`<upload ref="/data/img" mediatype="image/*"><label>Img</label></upload>`,
		`<upload ref="/data/au" mediatype="audio/*"><label>Audio</label></upload>`,
		`<upload ref="/data/vi" mediatype="video/*"><label>Video</label></upload>`,
		`<upload ref="/data/fi" mediatype="application/*"><label>File</label></upload>`,
		`<trigger ref="/data/ack"><label>Ack</label></trigger>`,
		`<trigger ref="/data/trg"><label>Trg</label></trigger>`,
		`<input ref="/data/n"><label>Note</label></input>`,
	)
	lacksXML(t, f, `<bind nodeset="/data/trg" type="string"/>`)
	if strings.Contains(string(f.XML), `ref="/data/h"`) || strings.Contains(string(f.XML), `ref="/data/c"`) {
		t.Errorf("hidden and calculate must have no body control:\n%s", f.XML)
	}
	if f.FormID != "test_name" || f.Title != "test_name" {
		t.Errorf("form id %q title %q, want the file name's stem", f.FormID, f.Title)
	}
}

func TestMetadata(t *testing.T) {
	f := convertMD(t, `
	| survey |                |          |
	|        | type           | name     |
	|        | start          | start    |
	|        | end            | end      |
	|        | today          | today    |
	|        | deviceid       | deviceid |
	|        | username       | username |
	|        | email          | email    |
	|        | phonenumber    | phone    |
	|        | start-geopoint | sg       |
	|        | audit          |          |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/start" jr:preload="timestamp" type="dateTime" jr:preloadParams="start"/>`,
		`<bind nodeset="/data/end" jr:preload="timestamp" type="dateTime" jr:preloadParams="end"/>`,
		`<bind nodeset="/data/today" jr:preload="date" type="date" jr:preloadParams="today"/>`,
		`<bind nodeset="/data/deviceid" jr:preload="property" type="string" jr:preloadParams="deviceid"/>`,
		`<bind nodeset="/data/username" jr:preload="property" type="string" jr:preloadParams="username"/>`,
		`<bind nodeset="/data/email" jr:preload="property" type="string" jr:preloadParams="email"/>`,
		`<bind nodeset="/data/phone" jr:preload="property" type="string" jr:preloadParams="phonenumber"/>`,
		`<bind nodeset="/data/sg" type="geopoint"/>`,
		`<odk:setgeopoint ref="/data/sg" event="odk-instance-first-load"/>`,
		`<bind nodeset="/data/meta/audit" type="binary"/>`,
		`<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>`,
	)
	if !strings.Contains(string(f.XML), "<meta><audit/><instanceID/></meta>") {
		t.Errorf("meta: %s", f.XML)
	}
}

func TestColumnsRequiredRelevantConstraintDefault(t *testing.T) {
	f := convertMD(t, `
	| survey |         |      |       |          |                  |              |                |                   |         |           |            |             |
	|        | type    | name | label | required | required_message | relevant     | constraint     | constraint_message | default | read_only | appearance | hint        |
	|        | integer | a    | A     | yes      | Need it          |              | . > 0          | Positive           | 3       |           | numbers    | A hint      |
	|        | text    | b    | B     | true     |                  | ${a} > 2     | . != ${a}      |                    |         | yes       |            |             |
	|        | integer | c    | C     |          |                  |              |                |                    | ${a} + 1 |          |            |             |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/a" type="int" required="true()" jr:requiredMsg="Need it" constraint=". &gt; 0" jr:constraintMsg="Positive"/>`,
		`<bind nodeset="/data/b" type="string" required="true()" relevant=" /data/a  &gt; 2" constraint=". !=  /data/a " readonly="true()"/>`,
		`<input ref="/data/a" appearance="numbers"><label>A</label><hint>A hint</hint></input>`,
		`<setvalue ref="/data/c" event="odk-instance-first-load" value=" /data/a  + 1"/>`,
		`<bind nodeset="/data/c" type="int"/>`,
	)
	if !strings.Contains(string(f.XML), "<a>3</a>") || !strings.Contains(string(f.XML), "<c/>") {
		t.Errorf("static default 3 in the instance, none for the dynamic one:\n%s", f.XML)
	}
}

func TestSelectsAndChoices(t *testing.T) {
	f := convertMD(t, `
	| survey  |                           |       |        |               |            |                          |
	|         | type                      | name  | label  | choice_filter | appearance | parameters               |
	|         | select_one yes_no         | q1    | Q1     |               | minimal    |                          |
	|         | select_multiple fruits    | q2    | Q2     |               |            | randomize=true seed=42   |
	|         | select_one fruits or_other | q3   | Q3     |               |            |                          |
	|         | select_one fruits         | q4    | Q4     | color=${q1}   |            |                          |
	|         | rank fruits               | q5    | Q5     |               |            |                          |
	|         | select one yes_no         | q6    | Q6     |               |            |                          |
	| choices |                           |       |        |               |            |                          |
	|         | list_name                 | name  | label  | color         |            |                          |
	|         | yes_no                    | yes   | Yes    |               |            |                          |
	|         | yes_no                    | no    | No     |               |            |                          |
	|         | fruits                    | apple | Apple  | yes           |            |                          |
	|         | fruits                    | kiwi  | Kiwi   | no            |            |                          |
	`)
	hasXML(t, f,
		`<select1 ref="/data/q1" appearance="minimal"><label>Q1</label><itemset nodeset="instance('yes_no')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>`,
		`<itemset nodeset="randomize(instance('fruits')/root/item, 42)"><value ref="name"/><label ref="label"/></itemset>`,
		`<itemset nodeset="instance('fruits')/root/item[color= /data/q1 ]"><value ref="name"/><label ref="label"/></itemset>`,
		`<bind nodeset="/data/q3_other" type="string" relevant="selected(../q3, 'other')"/>`,
		`<input ref="/data/q3_other"><label>Specify other.</label></input>`,
		`<item><name>other</name><label>Other</label></item>`,
		`<item><name>apple</name><label>Apple</label><color>yes</color></item>`,
		`<odk:rank ref="/data/q5"><label>Q5</label><itemset nodeset="instance('fruits')/root/item"><value ref="name"/><label ref="label"/></itemset></odk:rank>`,
		`<bind nodeset="/data/q5" type="odk:rank"/>`,
		`<select1 ref="/data/q6"><label>Q6</label><itemset nodeset="instance('yes_no')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>`,
	)
}

func TestChoiceFilterAndReferencesInRepeats(t *testing.T) {
	// pyxform's tests/test_repeat.py: test_choice_filter_relative_path and test_calculate_relative_path.
	f := convertMD(t, `
	| survey  |                      |       |        |                |                |
	|         | type                 | name  | label  | choice_filter  | calculation    |
	|         | begin repeat         | rep   |        |                |                |
	|         | select_one crop_list | crop  | Select |                |                |
	|         | select_one crop_list | a     | Verify | name = ${crop} |                |
	|         | text                 | a2    | Verify |                | name = ${crop} |
	|         | begin group          | group |        |                |                |
	|         | select_one crop_list | b     | Verify | name = ${crop} |                |
	|         | text                 | b2    | Verify |                | name = ${crop} |
	|         | end group            |       |        |                |                |
	|         | end repeat           |       |        |                |                |
	| choices |                      |       |        |                |                |
	|         | list name            | name  | label  |                |                |
	|         | crop_list            | maize | Maize  |                |                |
	|         | crop_list            | beans | Beans  |                |                |
	`)
	hasXML(t, f,
		`<itemset nodeset="instance('crop_list')/root/item[name =  current()/../crop ]"><value ref="name"/><label ref="label"/></itemset>`,
		`<itemset nodeset="instance('crop_list')/root/item[name =  current()/../../crop ]"><value ref="name"/><label ref="label"/></itemset>`,
		`<bind calculate="name =  ../crop " nodeset="/data/rep/a2" type="string"/>`,
		`<bind calculate="name =  ../../crop " nodeset="/data/rep/group/b2" type="string"/>`,
	)
}

func TestRepeatRelativeReferences(t *testing.T) {
	// pyxform's tests/test_repeat.py: test_repeat_relative_reference.
	f := convertMD(t, `
	| survey |              |          |            |                      |
	|        | type         | name     | relevant   | label                |
	|        | text         | Z        |            | Fruit                |
	|        | begin repeat | section  |            | Section              |
	|        | text         | AA       |            | Anything really      |
	|        | text         | A        |            | A oat                |
	|        | text         | B        | ${A}='oat' | B w ${A}             |
	|        | note         | note1    |            | Noted ${AA} w ${A}   |
	|        | end repeat   |          |            |                      |
	|        | begin repeat | section2 |            | Section 2            |
	|        | text         | C        |            | C                    |
	|        | begin group  | sectiona |            | Section A            |
	|        | text         | D        |            | D oat                |
	|        | text         | E        | ${D}='oat' | E w ${Z}             |
	|        | note         | note2    |            | Noted ${C} w ${E}    |
	|        | end group    |          |            |                      |
	|        | note         | note3    |            | Noted ${C} w ${E}    |
	|        | end repeat   |          |            |                      |
	|        | begin repeat | section3 |            | Section 3            |
	|        | text         | FF       |            | F any text           |
	|        | text         | F        |            | F oat                |
	|        | begin group  | sectionb |            | Section B            |
	|        | text         | G        |            | G oat                |
	|        | text         | H        | ${G}='oat' | H w ${Z}             |
	|        | note         | note4    |            | Noted ${H} w ${Z}    |
	|        | end group    |          |            |                      |
	|        | begin repeat | sectionc |            | Section B            |
	|        | text         | I        |            | I                    |
	|        | text         | J        | ${I}='oat' | J w ${Z}             |
	|        | text         | K        | ${F}='oat' | K w ${Z}             |
	|        | text         | L        | ${G}='oat' | K w ${Z}             |
	|        | note         | note5    |            | Noted ${FF} w ${H}   |
	|        | note         | note6    |            | JKL #${J}#${K}#${L}  |
	|        | end repeat   |          |            |                      |
	|        | note         | note7    |            | Noted ${FF} w ${H}   |
	|        | begin group  | sectiond |            | Section D            |
	|        | text         | M        |            | M oat                |
	|        | text         | N        | ${G}='oat' | N w ${Z}             |
	|        | text         | O        | ${M}='oat' | O w ${Z}             |
	|        | note         | note8    |            | NO #${N} #${O}       |
	|        | end group    |          |            |                      |
	|        | note         | note9    |            | ${FF} ${H} ${N} ${N} |
	|        | end repeat   |          |            |                      |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/section/A" type="string"/>`,
		`<bind nodeset="/data/section/B" relevant=" ../A ='oat'" type="string"/>`,
		`<bind nodeset="/data/section2/sectiona/E" relevant=" ../D ='oat'" type="string"/>`,
		`<bind nodeset="/data/section3/sectionc/K" relevant=" ../../F ='oat'" type="string"/>`,
		`<bind nodeset="/data/section3/sectionc/L" relevant=" ../../sectionb/G ='oat'" type="string"/>`,
		`<bind nodeset="/data/section3/sectiond/N" relevant=" ../../sectionb/G ='oat'" type="string"/>`,
		`<label> B w <output value=" ../A "/> </label>`,
		`<label> E w <output value=" /data/Z "/> </label>`,
		`<label> Noted <output value=" ../FF "/> w <output value=" ../sectionb/H "/> </label>`,
	)
	// Nested repeats: the template holds the inner repeat once, marked as a template too.
	x := string(f.XML)
	if !strings.Contains(x, `<section3 jr:template=""><FF/><F/><sectionb><G/><H/><note4/></sectionb><sectionc jr:template=""><I/>`) {
		t.Errorf("nested repeat template:\n%s", x)
	}
	if !strings.Contains(x, `</section3><section3><FF/><F/><sectionb><G/><H/><note4/></sectionb><sectionc><I/>`) {
		t.Errorf("nested repeat instance:\n%s", x)
	}
}

func TestIndexedRepeatUsesAbsolutePaths(t *testing.T) {
	f := convertMD(t, `
	| survey  |                      |       |        |                                  |
	|         | type                 | name  | label  | calculation                      |
	|         | begin repeat         | rep   |        |                                  |
	|         | begin repeat         | rep2  |        |                                  |
	|         | text                 | a     | Verify |                                  |
	|         | end repeat           |       |        |                                  |
	|         | calculate            | c1    |        | indexed-repeat(${a}, ${rep2}, 1) |
	|         | end repeat           |       |        |                                  |
	`)
	hasXML(t, f, `<bind calculate="indexed-repeat( /data/rep/rep2/a ,  /data/rep/rep2 , 1)" nodeset="/data/rep/c1" type="string"/>`)
}

func TestSelectFromPreviousRepeatAnswers(t *testing.T) {
	f := convertMD(t, `
	| survey  |                    |                |                |                           |
	|         | type               | name           | label          | choice_filter             |
	|         | begin repeat       | rep            | Repeat         |                           |
	|         | text               | name           | Enter name     |                           |
	|         | begin group        | demographics   | Demographics   |                           |
	|         | integer            | age            | Enter age      |                           |
	|         | end group          | demographics   |                |                           |
	|         | end repeat         |                |                |                           |
	|         | select one ${name} | choice0        | Choose name    |                           |
	|         | select one ${name} | choice         | Choose name    | starts-with(${name}, "b") |
	|         | select one ${name} | choice_18_over | Choose name    | ${age} > 18               |
	`)
	hasXML(t, f,
		`<itemset nodeset="/data/rep[./name != '']"><value ref="name"/><label ref="name"/></itemset>`,
		`<itemset nodeset="/data/rep[starts-with( ./name , &quot;b&quot;)]"><value ref="name"/><label ref="name"/></itemset>`,
		`<itemset nodeset="/data/rep[ ./demographics/age  &gt; 18]"><value ref="name"/><label ref="name"/></itemset>`,
	)
	f = convertMD(t, `
	| survey  |                    |                   |                   |                            |
	|         | type               | name              | label             | choice_filter              |
	|         | text               | enumerators_name  | Enumerator        |                            |
	|         | begin repeat       | household_rep     | Household         |                            |
	|         | integer            | household_id      | ID                |                            |
	|         | begin repeat       | household_mem_rep | Member            |                            |
	|         | text               | name              | Name              |                            |
	|         | integer            | age               | Age               |                            |
	|         | end repeat         | household_mem_rep |                   |                            |
	|         | begin repeat       | selected          | Representative    |                            |
	|         | integer            | target_min_age    | Minimum age       |                            |
	|         | select one ${name} | selected_name     | Choose a name     | ${age} > ${target_min_age} |
	|         | end repeat         | selected          |                   |                            |
	|         | end repeat         | household_rep     |                   |                            |
	`)
	hasXML(t, f, `<itemset nodeset="../../household_mem_rep[ ./age  &gt;  current()/../target_min_age ]"><value ref="name"/><label ref="name"/></itemset>`)
}

func TestRepeatCount(t *testing.T) {
	f := convertMD(t, `
	| survey |              |       |       |              |
	|        | type         | name  | label | repeat_count |
	|        | integer      | n     | N     |              |
	|        | begin repeat | r1    | R1    | ${n}         |
	|        | text         | a     | A     |              |
	|        | end repeat   |       |       |              |
	|        | begin repeat | r2    | R2    | ${n} + 1     |
	|        | text         | b     | B     |              |
	|        | end repeat   |       |       |              |
	`)
	hasXML(t, f,
		`<repeat nodeset="/data/r1" jr:count=" /data/n "><input ref="/data/r1/a"><label>A</label></input></repeat>`,
		`<bind nodeset="/data/r2_count" readonly="true()" type="string" calculate=" /data/n  + 1"/>`,
		`<repeat nodeset="/data/r2" jr:count=" /data/r2_count "><input ref="/data/r2/b"><label>B</label></input></repeat>`,
		`<group ref="/data/r1"><label>R1</label><repeat nodeset="/data/r1" jr:count=" /data/n "><input ref="/data/r1/a"><label>A</label></input></repeat></group>`,
	)
	if !strings.Contains(string(f.XML), "<r2_count/><r2 jr:template=\"\"><b/></r2><r2><b/></r2>") {
		t.Errorf("generated count node before the repeat:\n%s", f.XML)
	}
}

func TestDynamicDefaultInRepeat(t *testing.T) {
	f := convertMD(t, `
	| survey |              |      |       |            |
	|        | type         | name | label | default    |
	|        | begin repeat | r    | R     |            |
	|        | integer      | pos  | Pos   | position(..) |
	|        | date         | d    | D     | 2020-01-02 |
	|        | end repeat   |      |       |            |
	`)
	hasXML(t, f,
		`<setvalue ref="/data/r/pos" event="odk-instance-first-load" value="position(..)"/>`,
		`<repeat nodeset="/data/r"><input ref="/data/r/pos"><label>Pos</label></input><input ref="/data/r/d"><label>D</label></input><setvalue ref="/data/r/pos" event="odk-new-repeat" value="position(..)"/></repeat>`,
	)
	if !strings.Contains(string(f.XML), "<d>2020-01-02</d>") {
		t.Errorf("a date default is static:\n%s", f.XML)
	}
}

func TestTriggerColumn(t *testing.T) {
	// pyxform's tests/test_trigger.py.
	f := convertMD(t, `
	| survey |              |       |                        |                        |         |
	|        | type         | name  | label                  | calculation            | trigger |
	|        | text         | a     | Enter text             |                        |         |
	|        | dateTime     | b     |                        | now()                  | ${a}    |
	|        | integer      | c     | C                      | 1+1                    | ${a}    |
	|        | decimal      | e     |                        |                        | ${a}    |
	|        | begin repeat | rep   |                        |                        |         |
	|        | dateTime     | one   | Enter text             |                        |         |
	|        | dateTime     | three | Enter text (triggered) | string-length(${one})  | ${one}  |
	|        | end repeat   |       |                        |                        |         |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/b" type="dateTime"/>`,
		`<bind nodeset="/data/c" type="int"/>`,
		`<input ref="/data/a"><label>Enter text</label><setvalue event="xforms-value-changed" ref="/data/b" value="now()"/><setvalue event="xforms-value-changed" ref="/data/c" value="1+1"/><setvalue event="xforms-value-changed" ref="/data/e"/></input>`,
		`<input ref="/data/c"><label>C</label></input>`,
		`<setvalue event="xforms-value-changed" ref="/data/rep/three" value="string-length( ../one )"/>`,
	)
	if strings.Contains(string(f.XML), `ref="/data/b">`) {
		t.Errorf("b has no label: no body control:\n%s", f.XML)
	}
	ps := problemsMD(t, `
	| survey |           |        |         |             |
	|        | type      | name   | trigger | calculation |
	|        | calculate | one    |         | 5 + 4       |
	|        | calculate | one-ts | ${one}  | now()       |
	|        | dateTime  | b      | ${a}    | now()       |
	|        | dateTime  | c      | 6       | now()       |
	`)
	wantProblem(t, ps, "survey", 3, "trigger", "${one} is not shown", "${one-ts}")
	wantProblem(t, ps, "survey", 4, "trigger", "${a} names no question")
	wantProblem(t, ps, "survey", 5, "trigger", "${question_name}")
}

func TestTranslationsAndMedia(t *testing.T) {
	f := convertMD(t, `
	| survey   |                   |      |                  |                    |                 |                           |         |
	|          | type              | name | label::English (en) | label::French (fr) | hint::English (en) | constraint_message::English (en) | image   |
	|          | select_one yn     | q    | Yes or no?       | Oui ou non ?       | Pick one        | Bad ${q}                  | q.png   |
	|          | text              | t    | Text             | Texte              |                 |                           |         |
	| choices  |                   |      |                  |                    |                 |                           |         |
	|          | list_name         | name | label::English (en) | label::French (fr) | image           |                           |         |
	|          | yn                | y    | Yes              | Oui                | yes.png         |                           |         |
	|          | yn                | n    | No               | Non                |                 |                           |         |
	| settings |                   |      |                  |                    |                 |                           |         |
	|          | default_language  |      |                  |                    |                 |                           |         |
	|          | English (en)      |      |                  |                    |                 |                           |         |
	`)
	hasXML(t, f,
		`<translation lang="English (en)" default="true()"/>`,
		`<translation lang="French (fr)"/>`,
		`<text id="yn-0"><value>Yes</value><value form="image">jr://images/yes.png</value></text>`,
		`<text id="yn-0"><value>Oui</value></text>`,
		`<text id="/data/q:label"><value>Yes or no?</value><value form="image">jr://images/q.png</value></text>`,
		`<text id="/data/q:hint"><value>Pick one</value></text>`,
		`<text id="/data/q:jr:constraintMsg"><value> Bad <output value=" /data/q "/> </value></text>`,
		`<text id="/data/q:jr:constraintMsg"><value>-</value></text>`,
		`<text id="/data/q:label"><value>Oui ou non ?</value></text>`,
		`<text id="/data/q:hint"><value>-</value></text>`,
		`<select1 ref="/data/q"><label ref="jr:itext('/data/q:label')"/><hint ref="jr:itext('/data/q:hint')"/><itemset nodeset="instance('yn')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select1>`,
		`<bind nodeset="/data/q" type="string" jr:constraintMsg="jr:itext('/data/q:jr:constraintMsg')"/>`,
		`<item><itextId>yn-0</itextId><name>y</name></item>`,
	)
	for _, m := range []string{"q.png", "yes.png"} {
		if !contains(f.NeedsMedia, m) {
			t.Errorf("NeedsMedia %v lacks %s", f.NeedsMedia, m)
		}
	}
}

func TestGuidanceHint(t *testing.T) {
	f := convertMD(t, `
	| survey |      |      |       |       |               |
	|        | type | name | label | hint  | guidance_hint |
	|        | text | q    | Q     | H     | More help     |
	`)
	hasXML(t, f,
		`<input ref="/data/q"><label>Q</label><hint ref="jr:itext('/data/q:hint')"/></input>`,
		`<text id="/data/q:hint"><value>H</value><value form="guidance">More help</value></text>`,
	)
}

func TestGroupsTableListAndFieldList(t *testing.T) {
	f := convertMD(t, `
	| survey  |                 |      |        |            |          |
	|         | type            | name | label  | appearance | relevant |
	|         | begin group     | g    | Group  | field-list | 1 = 1    |
	|         | text            | a    | A      |            |          |
	|         | end group       |      |        |            |          |
	|         | begin group     | tl   | Table  | table-list |          |
	|         | select_one yn   | x    | X      |            |          |
	|         | select_one yn   | y    | Y      |            |          |
	|         | end group       |      |        |            |          |
	| choices |                 |      |        |            |          |
	|         | list_name       | name | label  |            |          |
	|         | yn              | y    | Yes    |            |          |
	`)
	hasXML(t, f,
		`<group appearance="field-list" ref="/data/g"><label>Group</label><input ref="/data/g/a"><label>A</label></input></group>`,
		`<bind nodeset="/data/g" relevant="1 = 1"/>`,
		`<input ref="/data/tl/generated_table_list_label_5"><label>Table</label></input>`,
		`<select1 appearance="label" ref="/data/tl/reserved_name_for_field_list_labels_6"><label> </label><itemset nodeset="instance('yn')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>`,
		`<select1 appearance="list-nolabel" ref="/data/tl/x"><label>X</label><itemset nodeset="instance('yn')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>`,
	)
}

func TestRangeParameters(t *testing.T) {
	f := convertMD(t, `
	| survey |       |      |       |                          |
	|        | type  | name | label | parameters               |
	|        | range | r1   | R1    |                          |
	|        | range | r2   | R2    | start=0.5 end=5 step=0.5 |
	|        | image | img  | I     | max-pixels=1024          |
	`)
	hasXML(t, f,
		`<range ref="/data/r1" start="1" end="10" step="1"><label>R1</label></range>`,
		`<bind nodeset="/data/r1" type="int"/>`,
		`<range ref="/data/r2" start="0.5" end="5" step="0.5"><label>R2</label></range>`,
		`<bind nodeset="/data/r2" type="decimal"/>`,
		`<bind nodeset="/data/img" type="binary" orx:max-pixels="1024"/>`,
	)
}

func TestSelectFromFileAndExternal(t *testing.T) {
	f := convertMD(t, `
	| survey           |                                  |      |       |               |
	|                  | type                             | name | label | choice_filter |
	|                  | select_one_from_file cities.csv  | c    | City  |               |
	|                  | select_multiple_from_file t.xml  | x    | X     |               |
	|                  | select_one_from_file map.geojson | g    | G     |               |
	|                  | select_one prov                  | p    | P     |               |
	|                  | select_one_external dist         | d    | D     | prov=${p}     |
	| choices          |                                  |      |       |               |
	|                  | list_name                        | name | label |               |
	|                  | prov                             | p1   | P1    |               |
	| external_choices |                                  |      |       |               |
	|                  | list_name                        | name | label | prov          |
	|                  | dist                             | d1   | D1    | p1            |
	`)
	hasXML(t, f,
		`<instance id="cities" src="jr://file-csv/cities.csv"/>`,
		`<instance id="t" src="jr://file/t.xml"/>`,
		`<instance id="map" src="jr://file/map.geojson"/>`,
		`<select1 ref="/data/c"><label>City</label><itemset nodeset="instance('cities')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>`,
		`<itemset nodeset="instance('map')/root/item"><value ref="id"/><label ref="title"/></itemset>`,
		`<input ref="/data/d" query="instance('dist')/root/item[prov= /data/p ]"><label>D</label></input>`,
	)
	for _, m := range []string{"cities.csv", "t.xml", "map.geojson"} {
		if !contains(f.NeedsMedia, m) {
			t.Errorf("NeedsMedia %v lacks %s", f.NeedsMedia, m)
		}
	}
	want := "\"list_name\",\"name\",\"label\",\"prov\"\r\n\"dist\",\"d1\",\"D1\",\"p1\"\r\n"
	if got := string(f.Files["itemsets.csv"]); got != want {
		t.Errorf("itemsets.csv = %q, want %q", got, want)
	}
}

func TestPulldataAndLastSaved(t *testing.T) {
	f := convertMD(t, `
	| survey |           |      |       |                                      |                      |
	|        | type      | name | label | calculation                          | default              |
	|        | text      | k    | K     |                                      | ${last-saved#k}      |
	|        | calculate | p    |       | pulldata('fruits', 'name', 'key', ${k}) |                   |
	`)
	hasXML(t, f,
		`<instance id="fruits" src="jr://file-csv/fruits.csv"/>`,
		`<instance id="__last-saved" src="jr://instance/last-saved"/>`,
		`<setvalue ref="/data/k" event="odk-instance-first-load" value=" instance('__last-saved')/data/k "/>`,
		`<bind nodeset="/data/p" type="string" calculate="pulldata('fruits', 'name', 'key',  /data/k )"/>`,
	)
	if !contains(f.NeedsMedia, "fruits.csv") {
		t.Errorf("NeedsMedia %v lacks fruits.csv", f.NeedsMedia)
	}
}

func TestPrefixedColumns(t *testing.T) {
	f := convertMD(t, `
	| survey |      |      |       |                    |                 |                  |
	|        | type | name | label | bind::odk:length   | body::rows      | instance::odk:x  |
	|        | text | q    | Q     | 5                  | 3               | ${q}             |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/q" type="string" odk:length="5"/>`,
		`<input ref="/data/q" rows="3"><label>Q</label></input>`,
	)
	if !strings.Contains(string(f.XML), `<q odk:x=" /data/q "/>`) {
		t.Errorf("instance attribute:\n%s", f.XML)
	}
}

func TestSettings(t *testing.T) {
	f := convertMD(t, `
	| survey   |            |            |            |              |          |                     |                    |                     |                   |
	|          | type       | name       | label      |              |          |                     |                    |                     |                   |
	|          | text       | q          | Q          |              |          |                     |                    |                     |                   |
	| settings |            |            |            |              |          |                     |                    |                     |                   |
	|          | form_id    | form_title | version    | instance_name | style    | submission_url      | public_key         | namespaces          | allow_choice_duplicates |
	|          | my_form    | My form    | 2024010101 | concat('x-', ${q}) | pages | https://example.org/s | MIIBkey          | esri="http://esri.com/xforms" | yes |
	`)
	if f.FormID != "my_form" || f.Title != "My form" || f.Version != "2024010101" {
		t.Errorf("id %q title %q version %q", f.FormID, f.Title, f.Version)
	}
	x := string(f.XML)
	for _, want := range []string{`<data id="my_form" version="2024010101">`, `<h:title>My form</h:title>`, `<h:body class="pages">`, `xmlns:esri="http://esri.com/xforms"`} {
		if !strings.Contains(x, want) {
			t.Errorf("missing %s in\n%s", want, x)
		}
	}
	hasXML(t, f,
		`<submission action="https://example.org/s" method="post" base64RsaPublicKey="MIIBkey"/>`,
		`<bind nodeset="/data/meta/instanceName" type="string" calculate="concat('x-',  /data/q )"/>`,
	)
}

func TestEntities(t *testing.T) {
	f := convertMD(t, `
	| survey   |           |      |       |         |
	|          | type      | name | label | save_to |
	|          | text      | tree | Tree  | species |
	| entities |           |      |       |         |
	|          | list_name | label |      |         |
	|          | trees     | ${tree} |    |         |
	`)
	x := string(f.XML)
	for _, want := range []string{`xmlns:entities="http://www.opendatakit.org/xforms/entities"`, `entities:entities-version="2024.1.0"`,
		`<meta><entity dataset="trees" create="1" id=""><label/></entity><instanceID/></meta>`} {
		if !strings.Contains(x, want) {
			t.Errorf("missing %s in\n%s", want, x)
		}
	}
	hasXML(t, f,
		`<bind nodeset="/data/tree" type="string" entities:saveto="species"/>`,
		`<bind nodeset="/data/meta/entity/@id" type="string" readonly="true()"/>`,
		`<setvalue ref="/data/meta/entity/@id" event="odk-instance-first-load" value="uuid()"/>`,
		`<bind nodeset="/data/meta/entity/label" calculate=" /data/tree " readonly="true()" type="string"/>`,
	)
}

func TestWarnings(t *testing.T) {
	f := convertMD(t, `
	| survey |       |      |       |
	|        | type  | name | label |
	|        | image | img  | Photo |
	`)
	if len(f.Warnings) == 0 || !strings.Contains(f.Warnings[0], "max-pixels") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestEntityInRepeat(t *testing.T) {
	// pyxform's tests/entities/test_create_repeat.py: test_basic_usage__ok.
	f := convertMD(t, `
	| survey |              |       |       |         |
	|        | type         | name  | label | save_to |
	|        | begin_repeat | r1    | R1    |         |
	|        | text         | q1    | Q1    | q1e     |
	|        | end_repeat   |       |       |         |
	| entities |            |       |       |         |
	|          | list_name  | label | repeat |        |
	|          | e1         | ${q1} | ${r1}  |        |
	`)
	x := string(f.XML)
	for _, want := range []string{`entities:entities-version="2025.1.0"`,
		`<r1 jr:template=""><q1/><meta><entity dataset="e1" create="1" id=""><label/></entity></meta></r1><r1><q1/><meta><entity dataset="e1" create="1" id=""><label/></entity></meta></r1>`} {
		if !strings.Contains(x, want) {
			t.Errorf("missing %s in\n%s", want, x)
		}
	}
	hasXML(t, f,
		`<bind nodeset="/data/r1/q1" type="string" entities:saveto="q1e"/>`,
		`<bind nodeset="/data/r1/meta/entity/label" calculate=" ../../../q1 " readonly="true()" type="string"/>`,
		`<setvalue ref="/data/r1/meta/entity/@id" event="odk-instance-first-load" value="uuid()"/>`,
		`<repeat nodeset="/data/r1"><input ref="/data/r1/q1"><label>Q1</label></input><setvalue ref="/data/r1/meta/entity/@id" event="odk-new-repeat" value="uuid()"/></repeat>`,
	)
	ps := problemsMD(t, `
	| survey |              |       |       |
	|        | type         | name  | label |
	|        | begin_group  | g1    | G1    |
	|        | text         | q1    | Q1    |
	|        | end_group    |       |       |
	| entities |            |       |       |
	|          | list_name  | label | repeat |
	|          | e1         | ${q1} | ${g1}  |
	`)
	wantProblem(t, ps, "entities", 2, "repeat", "names a group, not a repeat")
}

func TestSearchAppearanceAndImageDefault(t *testing.T) {
	f := convertMD(t, `
	| survey  |                 |      |       |                          |            |
	|         | type            | name | label | appearance               | default    |
	|         | select_one fr   | q    | Q     | search('fruits')         |            |
	|         | image           | im   | Im    |                          | cat.jpg    |
	| choices |                 |      |       |                          |            |
	|         | list_name       | name | label |                          |            |
	|         | fr              | x    | X     |                          |            |
	`)
	hasXML(t, f, `<select1 ref="/data/q" appearance="search('fruits')"><label>Q</label><item><label>X</label><value>x</value></item></select1>`)
	lacksXML(t, f, `<instance id="fr"/>`)
	if strings.Contains(string(f.XML), `<instance id="fr">`) {
		t.Errorf("a list used by search() has no secondary instance:\n%s", f.XML)
	}
	if !strings.Contains(string(f.XML), "<im>jr://images/cat.jpg</im>") {
		t.Errorf("image default:\n%s", f.XML)
	}
	for _, m := range []string{"fruits.csv", "cat.jpg"} {
		if !contains(f.NeedsMedia, m) {
			t.Errorf("NeedsMedia %v lacks %s", f.NeedsMedia, m)
		}
	}
}

func TestIndexedRepeatAndPreviousAnswers(t *testing.T) {
	// pyxform's tests/test_repeat.py: the indexed-repeat relative path exceptions.
	f := convertMD(t, `
	| survey  |              |           |                |                                              |                                              |
	|         | type         | name      | label          | calculation                                  | default                                      |
	|         | begin_repeat | person    | Person         |                                              |                                              |
	|         | integer      | pos       |                | position(..)                                 |                                              |
	|         | text         | name      | Enter name     |                                              |                                              |
	|         | text         | prev_name | Previous name  | indexed-repeat(${name}, ${person}, ${pos}-1) |                                              |
	|         | text         | q2        | Previous       |                                              | indexed-repeat(${name}, ${person}, position(..)-1) |
	|         | end repeat   |           |                |                                              |                                              |
	`)
	hasXML(t, f,
		`<bind calculate="indexed-repeat( /data/person/name ,  /data/person ,  ../pos -1)" nodeset="/data/person/prev_name" type="string"/>`,
		`<setvalue ref="/data/person/q2" event="odk-instance-first-load" value="indexed-repeat( /data/person/name ,  /data/person , position(..)-1)"/>`,
		`<setvalue ref="/data/person/q2" event="odk-new-repeat" value="indexed-repeat( /data/person/name ,  /data/person , position(..)-1)"/>`,
	)
	f = convertMD(t, `
	| survey  |              |                |        |                                                                             |
	|         | type         | name           | label  | calculation                                                                 |
	|         | begin_repeat | family         | Family |                                                                             |
	|         | integer      | members_number | N      |                                                                             |
	|         | begin_repeat | person         | Person |                                                                             |
	|         | text         | name           | Name   |                                                                             |
	|         | integer      | age            | Age    |                                                                             |
	|         | text         | prev_name      | Expr   | concat(${name}, indexed-repeat(${age}, ${family}, 1, ${person}, 2), ${age}) |
	|         | end repeat   |                |        |                                                                             |
	|         | end repeat   |                |        |                                                                             |
	`)
	hasXML(t, f, `<bind calculate="concat( ../name , indexed-repeat( /data/family/person/age ,  /data/family , 1,  /data/family/person , 2),  ../age )" nodeset="/data/family/person/prev_name" type="string"/>`)
	f = convertMD(t, `
	| survey |                           |               |                        |                                                      |              |                       |
	|        | type                      | name          | label                  | choice_filter                                        | calculation  | relevant              |
	|        | begin_repeat              | pet           | Pet                    |                                                      |              |                       |
	|        | calculate                 | pos           |                        |                                                      | position(..) |                       |
	|        | select_one ${animal_type} | animal_select | Select the animal type | position() != current()/../pos and animal_type != '' |              |                       |
	|        | text                      | animal_type   | Animal type            |                                                      |              | ${animal_select} = '' |
	|        | end_repeat                | pet           |                        |                                                      |              |                       |
	`)
	hasXML(t, f, `<itemset nodeset="../../pet[position() != current()/../pos and animal_type != '']"><value ref="animal_type"/><label ref="animal_type"/></itemset>`)
}

func TestRangeTicksAndIncremental(t *testing.T) {
	f := convertMD(t, `
	| survey  |          |      |       |                                                                        |
	|         | type     | name | label | parameters                                                             |
	|         | range    | r    | R     | start=0 end=10 step=1 tick_interval=2 placeholder=6 tick_labelset=Ends |
	|         | geotrace | gt   | GT    | incremental=true                                                       |
	| choices |          |      |       |                                                                        |
	|         | list_name | name | label |                                                                       |
	|         | Ends     | 0    | Low   |                                                                        |
	|         | Ends     | 10   | High  |                                                                        |
	`)
	hasXML(t, f,
		`<range ref="/data/r" start="0" end="10" step="1" odk:tick-interval="2" odk:placeholder="6"><label>R</label><itemset nodeset="instance('Ends')/root/item"><value ref="name"/><label ref="label"/></itemset></range>`,
		`<input ref="/data/gt" incremental="true"><label>GT</label></input>`,
	)
	ps := problemsMD(t, `
	| survey  |          |      |       |                                            |
	|         | type     | name | label | parameters                                 |
	|         | range    | r    | R     | start=0 end=10 step=2 tick_interval=3      |
	|         | range    | s    | S     | start=0 end=10 step=1 tick_labelset=nolist |
	`)
	wantProblem(t, ps, "survey", 2, "parameters", "tick_interval must be a non-zero multiple of step")
	wantProblem(t, ps, "survey", 3, "parameters", "tick_labelset list 'nolist'")
}

func TestNestedRepeatTemplates(t *testing.T) {
	// pyxform's templates: a repeat directly in a repeat appears once in the outer template (as a template);
	// a repeat in a group in a repeat gets its template and its first instance there too.
	f := convertMD(t, `
	| survey |              |      |       |
	|        | type         | name | label |
	|        | begin repeat | a    | A     |
	|        | begin repeat | b    | B     |
	|        | text         | x    | X     |
	|        | end repeat   |      |       |
	|        | begin group  | g    | G     |
	|        | begin repeat | c    | C     |
	|        | text         | y    | Y     |
	|        | end repeat   |      |       |
	|        | end group    |      |       |
	|        | end repeat   |      |       |
	`)
	want := `<a jr:template=""><b jr:template=""><x/></b><g><c jr:template=""><y/></c><c><y/></c></g></a><a><b><x/></b><g><c><y/></c></g></a>`
	if !strings.Contains(string(f.XML), want) {
		t.Errorf("want %s in\n%s", want, f.XML)
	}
}

func TestBackgroundGeopointAndAudio(t *testing.T) {
	f := convertMD(t, `
	| survey |                     |      |       |         |                    |
	|        | type                | name | label | trigger | parameters         |
	|        | integer             | n    | N     |         |                    |
	|        | background-geopoint | loc  |       | ${n}    |                    |
	|        | background-audio    | rec  |       |         | quality=voice-only |
	`)
	hasXML(t, f,
		`<input ref="/data/n"><label>N</label><odk:setgeopoint ref="/data/loc" event="xforms-value-changed"/></input>`,
		`<bind nodeset="/data/loc" type="geopoint"/>`,
		`<odk:recordaudio ref="/data/rec" event="odk-instance-load" odk:quality="voice-only"/>`,
		`<bind nodeset="/data/rec" type="binary"/>`,
	)
}

func TestSettingsFormIDAndIDString(t *testing.T) {
	f := convertMD(t, `
	| survey   |           |         |       |
	|          | type      | name    | label |
	|          | text      | q       | Q     |
	| settings |           |         |       |
	|          | id_string | form_id |       |
	|          | old       | new     |       |
	`)
	if f.FormID != "new" || len(f.Warnings) == 0 || !strings.Contains(f.Warnings[0], "form_id and id_string") {
		t.Errorf("form id %q warnings %q", f.FormID, f.Warnings)
	}
}

func TestLoopOverChoices(t *testing.T) {
	// pyxform's tests/test_loop.py: test_loop.
	f := convertMD(t, `
	| survey  |                    |        |                   |
	|         | type               | name   | label             |
	|         | begin loop over c1 | l1     |                   |
	|         | integer            | q1     | Age               |
	|         | select_one c2      | q2     | Size of %(label)s |
	|         | end loop           |        |                   |
	| choices |                    |        |                   |
	|         | list_name          | name   | label             |
	|         | c1                 | thing1 | Thing 1           |
	|         | c1                 | thing2 | Thing 2           |
	|         | c2                 | type1  | Big               |
	|         | c2                 | type2  | Small             |
	`)
	hasXML(t, f,
		`<bind nodeset="/data/l1/thing1/q1" type="int"/>`,
		`<bind nodeset="/data/l1/thing2/q2" type="string"/>`,
		`<group ref="/data/l1/thing1"><label>Thing 1</label><input ref="/data/l1/thing1/q1"><label>Age</label></input><select1 ref="/data/l1/thing1/q2"><label>Size of Thing 1</label><itemset nodeset="instance('c2')/root/item"><value ref="name"/><label ref="label"/></itemset></select1></group>`,
	)
	if !strings.Contains(string(f.XML), "<l1><thing1><q1/><q2/></thing1><thing2><q1/><q2/></thing2></l1>") {
		t.Errorf("loop instance:\n%s", f.XML)
	}
}
