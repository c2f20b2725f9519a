package xlsform

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// cells renders a sheet as "row: cells" lines for comparisons.
func cellsOf(s *Sheet) map[int][]string {
	out := map[int][]string{}
	for _, r := range s.Rows {
		out[r.Number] = r.Cells
	}
	return out
}

func sheetNames(wb *Workbook) []string {
	var names []string
	for _, s := range wb.Sheets {
		names = append(names, s.Name)
	}
	return names
}

func mustRead(t *testing.T, data []byte) *Workbook {
	t.Helper()
	wb, err := readWorkbook(data)
	if err != nil {
		t.Fatalf("readWorkbook: %v", err)
	}
	return wb
}

func wantRow(t *testing.T, s *Sheet, row int, want ...string) {
	t.Helper()
	got := cellsOf(s)[row]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s row %d:\n got %q\nwant %q", s.Name, row, got, want)
	}
}

func TestPyNumber(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{12, "12"}, {-3, "-3"}, {math.Copysign(0, -1), "0"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {1e-4, "0.0001"},
		{1234567.5, "1234567.5"}, {0.30000000000000004, "0.30000000000000004"}, {1.5e16, "15000000000000000"},
		{1e22 / 3, "3333333333333333508096"}, {-2.5e-7, "-2.5e-07"}, {1234567890123456.7, "1234567890123456.8"},
		{123456789.123, "123456789.123"}, {math.Inf(1), "inf"},
	} {
		if got := pyNumber(c.f); got != c.want {
			t.Errorf("pyNumber(%v) = %q, want %q", c.f, got, c.want)
		}
	}
	if got, _ := pyInt("+0012"); got != "12" {
		t.Errorf("pyInt(+0012) = %q", got)
	}
}

func TestDateFormats(t *testing.T) {
	for f, want := range map[string]bool{
		"mm-dd-yy": true, "yyyy\\-mm\\-dd": true, "[h]:mm:ss": true, "General": false, "0.00": false,
		`0.0" days"`: false, "[Red]0.00": false, "#,##0;[Red]\\-#,##0": false, "[$-409]d-mmm-yy;@": true,
		"\\d0": false, "@": false,
	} {
		if got := isDateFormat(f); got != want {
			t.Errorf("openpyxl is_date_format(%q) = %v, want %v", f, got, want)
		}
	}
	for f, want := range map[string]bool{
		"yyyy-mm-dd": true, "hh:mm:ss": true, "General": false, `0.0" days"`: false, "0.00E+00": false,
		"[Red]0.00": false, "@": false, "d/m/yy;@": true, "# ?/?": false,
	} {
		if got := isXlrdDateFormat(f); got != want {
			t.Errorf("xlrd is_date_format_string(%q) = %v, want %v", f, got, want)
		}
	}
}

func TestReadXLSX(t *testing.T) {
	sst := []string{
		"  type  ", "name",
		`<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh>`,
		"a\u00a0b", "Français ✓", "   ", "_x005F_x000D_ and _x000D_",
	}
	numFmts := map[int]string{164: `yyyy\-mm\-dd hh:mm`, 165: `0.00&quot; days&quot;`, 166: "[h]:mm:ss", 167: "[Red]0.00"}
	xfs := []int{0, 14, 164, 165, 20, 166, 167, 49}
	survey := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>label::Français</t></is></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>` +
		`<c r="C3"><v>12</v></c><c r="D3"><v>12.0</v></c><c r="E3"><v>0.1</v></c><c r="F3"><v>1E-5</v></c>` +
		`<c r="G3"><v>1234567.5</v></c><c r="H3"><v>-0</v></c><c r="I3"><v>1E2</v></c><c r="J3"><v>0.30000000000000004</v></c>` +
		`<c r="K3"><v>123456789012345678901</v></c><c r="L3" s="0"><v>1.5e16</v></c></row>` +
		`<row r="4"><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c><c t="str"><f>CONCAT("a","b")</f><v>ab</v></c>` +
		`<c><f>1+1</f><v>2</v></c><c><f>NOW()</f></c><c s="1"><v>45000</v></c><c s="2"><v>45000.5</v></c><c s="3"><v>2.5</v></c>` +
		`<c s="4"><v>0.75</v></c><c s="5"><v>1.5</v></c><c s="6"><v>3</v></c><c s="7"><v>5</v></c><c s="1"><v>1</v></c>` +
		`<c s="2"><v>45000.0000001</v></c><c t="d"><v>2024-05-06T07:08:09Z</v></c><c s="1"><v>1e9</v></c></row>` +
		`<row r="5"><c r="A5" t="s"><v>5</v></c><c r="B5" s="1"/><c r="C5" t="inlineStr"><is><t> </t></is></c></row>` +
		`<row r="6"><c r="A6" t="inlineStr"><is><t>  a b  </t></is></c><c r="C8" t="s"><v>3</v></c></row>` +
		`<row r="2"><c r="A2"><v>1</v></c></row><row r="6"><c r="A6"><v>1</v></c></row>` +
		`<row><c r="B7" t="s"><v>4</v></c><c t="s"><v>6</v></c><c t="inlineStr"><is><t>x005F_</t></is></c></row>`
	data := genXLSX(t, false, sst, numFmts, xfs,
		genSheet{name: "survey", part: "sheet2.xml", data: survey},
		genSheet{name: "choices", state: "hidden", part: "sheet1.xml", data: `<row r="1"><c r="A1" t="inlineStr"><is><t>list_name</t></is></c></row>`},
		genSheet{name: "Settings", state: "veryHidden", part: "sheet3.xml", data: ``},
	)
	wb := mustRead(t, data)
	if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"survey", "choices", "Settings"}) {
		t.Fatalf("sheets %q", got)
	}
	s := wb.Sheets[0]
	wantRow(t, s, 1, "type", "name", "", "label::Français")
	wantRow(t, s, 3, "Bold and plain", "inline", "12", "12", "0.1", "1e-05", "1234567.5", "0", "100",
		"0.30000000000000004", "123456789012345678901", "15000000000000000")
	wantRow(t, s, 4, "TRUE", "FALSE", "#N/A", "ab", "2", "", "2023-03-15 00:00:00", "2023-03-15 12:00:00", "2.5",
		"18:00:00", "1 day, 12:00:00", "3", "5", "1900-01-01 00:00:00", "2023-03-15 00:00:00.009000",
		"2024-05-06 07:08:09", "#VALUE!")
	wantRow(t, s, 6, "a b", "", "a b")
	wantRow(t, s, 7, "", "Français ✓", "_x000D_ and _x000D_", "x005F_")
	if len(s.Rows) != 5 {
		t.Errorf("survey has %d rows, want 5 (row 5 holds nothing, the second rows 2 and 6 are dropped)", len(s.Rows))
	}
	wantRow(t, wb.Sheets[1], 1, "list_name")
	if wb.Sheet("settings") != wb.Sheets[2] || len(wb.Sheets[2].Rows) != 0 {
		t.Errorf("the very hidden, empty settings sheet is not read as such")
	}

	// The 1904 date system.
	wb = mustRead(t, genXLSX(t, true, nil, nil, []int{0, 14}, genSheet{name: "s", part: "s.xml",
		data: `<row r="1"><c s="1"><v>0</v></c><c s="1"><v>1</v></c><c s="1"><v>59</v></c></row>`}))
	wantRow(t, wb.Sheets[0], 1, "00:00:00", "1904-01-02 00:00:00", "1904-02-29 00:00:00")
}

func TestReadXLS(t *testing.T) {
	// The SST: a string whose characters run from 8-bit into a UTF-16 CONTINUE, a rich text string whose
	// formatting runs are split by a CONTINUE, padding, and a string with phonetic data.
	var a, b, c []byte
	a = append(a, xlString("type", 2)...)
	a = append(a, xlString("name", 2)...)
	a = append(a, xlString("label::Français", 2)...)
	a = append(a, u16(10)...)
	a = append(a, 0)
	a = append(a, "abcde"...)
	b = append(b, 1) // the continuation's characters are UTF-16
	for _, r := range "fghij" {
		b = append(b, byte(r), 0)
	}
	b = append(b, u16(4)...)
	b = append(b, 0x08)
	b = append(b, u16(2)...)
	b = append(b, "rich"...)
	b = append(b, 0, 0, 1, 0, 2, 0) // runs: 8 bytes, cut after 6
	c = append(c, 1, 0)
	c = append(c, xlString("  padded  ", 2)...)
	c = append(c, u16(5)...)
	c = append(c, 0x04)
	c = append(c, u32(6)...)
	c = append(c, "kanji"...)
	c = append(c, 1, 2, 3, 4, 5, 6)
	sst := append(append(append([]byte(nil), a...), b...), c...)
	splits := []int{len(a), len(a) + len(b)}

	cell := func(typ uint16, row, col, xf int, rest ...[]byte) []byte {
		return biffRec(typ, append([][]byte{u16(row), u16(col), u16(xf)}, rest...)...)
	}
	rkInt := func(v int) []byte { return u32(v<<2 | 2) }
	rkFloat := func(f float64) []byte {
		bits := math.Float64bits(f)
		if bits&(1<<34-1) != 0 {
			t.Fatalf("%v is not an RK float", f)
		}
		return u32(int(bits >> 32))
	}
	formula := func(row, col, xf int, result []byte) []byte {
		return cell(biffFormula, row, col, xf, result, u16(0), u32(0), u16(0))
	}
	special := func(kind, v byte) []byte { return []byte{kind, 0, v, 0, 0, 0, 0xFF, 0xFF} }
	var recs []byte
	recs = append(recs, cell(biffLabelSST, 0, 0, 0, u32(0))...)
	recs = append(recs, cell(biffLabelSST, 0, 1, 0, u32(1))...)
	recs = append(recs, cell(biffLabelSST, 0, 3, 0, u32(2))...)
	recs = append(recs, cell(biffLabel, 1, 0, 0, xlString("  Nepali भवन  ", 2))...)
	recs = append(recs, cell(biffNumber, 1, 1, 0, f64(12))...)
	recs = append(recs, cell(biffNumber, 1, 2, 0, f64(0.1))...)
	recs = append(recs, cell(biffRK, 1, 3, 0, rkInt(7))...)
	recs = append(recs, cell(biffRK, 1, 4, 0, u32(1234<<2|3))...)
	recs = append(recs, cell(biffRK, 1, 5, 0, rkFloat(1.5))...)
	recs = append(recs, biffRec(biffMulRK, u16(2), u16(0), u16(1), rkInt(45000), u16(2), rkFloat(45000.5),
		u16(3), rkFloat(2.5), u16(4), rkFloat(0.75), u16(3))...)
	recs = append(recs, cell(biffBoolErr, 3, 0, 0, []byte{1, 0})...)
	recs = append(recs, cell(biffBoolErr, 3, 1, 0, []byte{0x2A, 1})...)
	recs = append(recs, formula(3, 2, 0, f64(3))...)
	recs = append(recs, formula(3, 3, 0, special(0, 0))...)
	recs = append(recs, biffRec(biffString, xlString("formula text", 2))...)
	recs = append(recs, formula(3, 4, 0, special(1, 1))...)
	recs = append(recs, formula(3, 5, 0, special(2, 7))...)
	recs = append(recs, formula(3, 6, 0, special(3, 0))...)
	recs = append(recs, formula(3, 7, 0, special(0, 0))...)
	recs = append(recs, biffRec(0x04BC, make([]byte, 10))...) // SHRFMLA
	recs = append(recs, biffRec(biffString, xlString("shared", 2))...)
	for i := 0; i < 5; i++ {
		recs = append(recs, cell(biffLabelSST, 4, i, 0, u32(3+i))...) // the last is out of range
	}
	recs = append(recs, cell(biffNumber, 5, 0, 5, f64(30))...)
	recs = append(recs, cell(biffNumber, 5, 1, 1, f64(0.25))...)
	recs = append(recs, cell(biffNumber, 5, 2, 1, f64(-1))...)
	recs = append(recs, cell(0x0201, 6, 0, 0)...) // BLANK
	recs = append(recs, cell(biffLabel, 7, 2, 0, xlString("\u00a0x\u00a0y\u00a0", 2))...)

	formats := map[int]string{164: "yyyy-mm-dd", 165: `0.0" days"`, 166: "hh:mm:ss"}
	xfs := []int{0, 14, 164, 165, 166, 15}
	for _, big := range []bool{false, true} {
		r := recs
		if big { // past 4096 bytes the stream leaves the mini stream for regular sectors
			for i := 0; i < 300; i++ {
				r = append(r, cell(0x0201, 100, i%200, 0)...)
			}
		}
		data := genXLS(t, false, formats, xfs, 7, sst, splits,
			genXLSSheet{name: "survey", records: r},
			genXLSSheet{name: "choices", hidden: true, records: cell(biffLabel, 0, 0, 0, xlString("list_name", 2))})
		wb := mustRead(t, data)
		if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"survey", "choices"}) {
			t.Fatalf("sheets %q", got)
		}
		s := wb.Sheets[0]
		wantRow(t, s, 1, "type", "name", "", "label::Français")
		wantRow(t, s, 2, "Nepali भवन", "12", "0.1", "7", "12.34", "1.5")
		wantRow(t, s, 3, "2023-03-15 00:00:00", "2023-03-15 12:00:00", "2.5", "18:00:00")
		wantRow(t, s, 4, "TRUE", "42", "3", "formula text", "TRUE", "7", "", "shared")
		wantRow(t, s, 5, "abcdefghij", "rich", "padded", "kanji")
		wantRow(t, s, 6, "30", "06:00:00", "-1")
		wantRow(t, s, 8, "", "", "x y")
		if len(s.Rows) != 7 {
			t.Errorf("survey has %d rows, want 7", len(s.Rows))
		}
		wantRow(t, wb.Sheets[1], 1, "list_name")
	}

	// A BIFF5 workbook (Excel 5/95): a Book stream, 8-bit strings in the code page.
	sheet5 := append(biffRec(biffBOF, u16(0x0500), u16(0x0010), u16(0), u16(0)),
		biffRec(biffLabel, u16(0), u16(1), u16(0), u16(6), []byte("\x80 caf\xe9"))...)
	sheet5 = append(sheet5, biffRec(biffEOF)...)
	glob5 := func(pos int) []byte {
		g := biffRec(biffBOF, u16(0x0500), u16(0x0005), u16(0), u16(0))
		g = append(g, biffRec(biffCodepage, u16(1252))...)
		g = append(g, biffRec(biffBoundsheet, u32(pos), []byte{0, 0, 6}, []byte("survey"))...)
		return append(g, biffRec(biffEOF)...)
	}
	g5 := glob5(0)
	wb5 := mustRead(t, genCFB(t, "Book", append(glob5(len(g5)), sheet5...)))
	if len(wb5.Sheets) != 1 || wb5.Sheets[0].Name != "survey" {
		t.Fatalf("BIFF5 sheets %q", sheetNames(wb5))
	}
	wantRow(t, wb5.Sheets[0], 1, "", "€ café")

	// The 1904 date system.
	wb := mustRead(t, genXLS(t, true, nil, []int{0, 14}, 0, nil, nil, genXLSSheet{name: "s",
		records: append(cell(biffNumber, 0, 0, 1, f64(1)), cell(biffNumber, 0, 1, 1, f64(30))...)}))
	wantRow(t, wb.Sheets[0], 1, "1904-01-02 00:00:00", "1904-01-31 00:00:00")
}

// fixtures is the folder of real XLSForms shared by the project's sessions.
const fixtures = "../../../shared/fixtures/xlsforms"

func readFixture(t *testing.T, name string) *Workbook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := readWorkbook(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return wb
}

func TestReadFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.xls*"))
	if len(files) == 0 {
		t.Skip("no XLSForm fixtures: ../shared/fixtures/xlsforms is absent")
	}
	if len(files) != 22 {
		t.Errorf("%d fixture workbooks, want 22", len(files))
	}
	for _, f := range files {
		wb := readFixture(t, filepath.Base(f))
		survey := wb.Sheet("survey")
		if survey == nil || len(survey.Rows) < 2 || survey.Rows[0].Number != 1 || survey.Rows[0].Cells[0] != "type" {
			t.Errorf("%s: no survey sheet with a header row starting with type", filepath.Base(f))
		}
	}

	cell := func(wb *Workbook, sheet string, row, col int) string {
		s := wb.Sheet(sheet)
		if s == nil {
			return "<no sheet>"
		}
		c := cellsOf(s)[row]
		if col > len(c) {
			return ""
		}
		return c[col-1]
	}
	type check struct {
		sheet    string
		row, col int
		want     string
	}
	for name, c := range map[string]struct {
		sheets []string
		checks []check
	}{
		"all-question-types-v2024091201-3.xlsx": {
			[]string{"survey", "choices", "media", "settings", "widgets to deprecate"},
			[]check{{"survey", 1, 3, "label"}, {"settings", 2, 3, "2024091201-3"}, {"settings", 1, 3, "version"}},
		},
		"ifrc-distribution-site-assessment-v1.xlsx": { // an .xls under an .xlsx name
			[]string{"survey", "choices", "settings"},
			[]check{{"survey", 1, 4, "label::Français"}, {"settings", 2, 2, "distributionsite_assessment_v1_0"},
				{"settings", 2, 7, "FALSE"}},
		},
		"buildings.xls": {
			[]string{"survey", "choices", "settings"},
			[]check{{"survey", 2, 5, "भवनका प्रकारहरू"}, {"settings", 2, 2, "2024-12-25 11:35:47"}},
		},
		"widgets.xls": {
			[]string{"survey", "choices", "settings"},
			[]check{{"survey", 4, 7, "18.31"}, {"survey", 5, 7, "2010-06-15"}, {"settings", 2, 1, "FALSE"}},
		},
		"library-locking-example.xls": {
			[]string{"survey", "choices", "settings", "kobo--locking-profiles"},
			[]check{{"survey", 1, 4, "kobo--locking-profile"}, {"settings", 2, 2, "false"}},
		},
		"not_closed_group_test.xls": {[]string{"survey"}, []check{{"survey", 3, 2, "open_group_1"}}},
		"merged_xlsform.xlsx": {
			[]string{"survey", "choices", "entities", "settings"},
			[]check{{"settings", 2, 2, "2026-03-23 16:31:59"}},
		},
		"simple_building_survey_wildfires.xlsx": {nil, []check{{"settings", 2, 2, "2024-11-20 16:36:57.030000"}}},
		"non_ascii_form_id.xlsx": {
			[]string{"survey", "settings"},
			[]check{{"settings", 2, 2, "'=+/*-451%/%"}, {"settings", 2, 3, "1"}},
		},
		"philsa-disaster-incidence-v20240917.xlsx": {
			[]string{"survey", "choices", "settings", "entities", "👋 Start here", "⚙️ Types", "👀 Appearances",
				"🔀 Relevance", "🔒 Constraints", "🌐 Translations", "🔍 List lookups", "✅ Additional columns"},
			[]check{{"settings", 2, 3, "20240917"}, {"👋 Start here", 30, 2, "2024-01-29 00:00:00"}},
		},
		"socio-economic-survey-v20240515.xlsx": {nil, []check{{"settings", 2, 3, "20240515143545"}}},
		"whova_form.xlsx":                      {nil, []check{{"settings", 2, 2, "2019101701"}, {"settings", 2, 5, "English"}}},
	} {
		wb := readFixture(t, name)
		if c.sheets != nil && !reflect.DeepEqual(sheetNames(wb), c.sheets) {
			t.Errorf("%s: sheets %q, want %q", name, sheetNames(wb), c.sheets)
		}
		for _, ch := range c.checks {
			if got := cell(wb, ch.sheet, ch.row, ch.col); got != ch.want {
				t.Errorf("%s: %s row %d column %d = %q, want %q", name, ch.sheet, ch.row, ch.col, got, ch.want)
			}
		}
	}
	if n := len(readFixture(t, "whova_form.xlsx").Sheet("survey").Rows); n < 590 {
		t.Errorf("whova_form survey has %d rows", n)
	}
}

// TestHostileWorkbooks: damaged and oversized input gives an error, never a panic or unbounded memory.
func TestHostileWorkbooks(t *testing.T) {
	isNot := func(name string, err error) {
		t.Helper()
		t.Logf("%s: %v", name, err)
		if !errors.Is(err, ErrNotWorkbook) {
			t.Errorf("%s: %v, want ErrNotWorkbook", name, err)
		}
	}
	isTooLarge := func(name string, err error) {
		t.Helper()
		t.Logf("%s: %v", name, err)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v, want *Error", name, err)
		}
	}
	_, err := readWorkbook(nil)
	isNot("nothing", err)
	_, err = readWorkbook([]byte("type,name\ntext,q1\n"))
	isNot("a CSV", err)
	_, err = readWorkbook(zipParts(t, [2]string{"word/document.xml", "<w/>"}))
	isNot("a zip without a workbook", err)

	// A zip bomb: a sheet of 200 MiB of spaces, a few hundred KiB compressed.
	bomb := genXLSX(t, false, nil, nil, nil, genSheet{name: "survey", part: "s.xml",
		data: strings.Repeat(" ", 1<<20)})
	_, err = readWorkbook(bomb)
	if err != nil {
		t.Fatalf("a sheet of 1 MiB of spaces: %v", err)
	}
	// A zip bomb: sheets that unpack to more than the limit (lowered here to 1 MiB), a few KiB compressed;
	// and a sheet whose header says it unpacks to 200 MiB.
	defer func(l int64) { unpackLimit = l }(unpackLimit)
	unpackLimit = 1 << 20
	row := `<row><c t="inlineStr"><is><t>           </t></is></c></row>`
	big := genXLSX(t, false, nil, nil, nil,
		genSheet{name: "survey", part: "s.xml", data: strings.Repeat(row, (600<<10)/len(row))},
		genSheet{name: "choices", part: "c.xml", data: strings.Repeat(row, (600<<10)/len(row))})
	if len(big) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(big))
	}
	_, err = readWorkbook(big)
	isTooLarge("a zip bomb", err)
	unpackLimit = maxUnpacked
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "xl/workbook.xml", Method: zip.Store, UncompressedSize64: 200 << 20,
		CompressedSize64: 4})
	w.Write([]byte("<a/>"))
	zw.Close()
	_, err = readWorkbook(zbuf.Bytes())
	isTooLarge("a part of 200 MiB", err)

	// Beyond the rows and columns a form may use.
	_, err = readWorkbook(genXLSX(t, false, nil, nil, nil, genSheet{name: "survey", part: "s.xml",
		data: `<row r="300000"><c r="A300000"><v>1</v></c></row>`}))
	isTooLarge("row 300000", err)
	_, err = readWorkbook(genXLSX(t, false, nil, nil, nil, genSheet{name: "survey", part: "s.xml",
		data: `<row r="1"><c r="XFD1"><v>1</v></c><c r="ZZZZ1"><v>1</v></c></row>`}))
	isTooLarge("column XFD", err)
	wb, err := readWorkbook(genXLSX(t, false, nil, nil, nil, genSheet{name: "survey", part: "s.xml",
		data: `<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="3"/></row><row r="900000"><c r="A900000"/></row>`}))
	if err != nil || len(wb.Sheets[0].Rows) != 1 || len(wb.Sheets[0].Rows[0].Cells) != 1 {
		t.Errorf("empty cells far out: %v", err)
	}

	// Entities are never expanded: a billion laughs is an error.
	laughs := `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`
	_, err = readWorkbook(zipParts(t,
		[2]string{"xl/workbook.xml", `<?xml version="1.0"?>` + laughs + `<workbook><sheets><sheet name="s" r:id="rId1"/></sheets></workbook>`},
		[2]string{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml" Type="x/worksheet"/></Relationships>`},
		[2]string{"xl/s.xml", `<?xml version="1.0"?>` + laughs + `<worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>`}))
	if err == nil {
		t.Errorf("an entity was expanded")
	}

	// Every cut of a workbook is an error or a workbook, never a panic.
	for _, data := range [][]byte{bomb, genXLS(t, false, nil, nil, 0, nil, nil,
		genXLSSheet{name: "s", records: biffRec(biffLabel, u16(0), u16(0), u16(0), xlString("x", 2))})} {
		for n := 0; n < len(data); n += 1 + n/50 {
			readWorkbook(data[:n])
		}
	}

	// A compound file whose FAT chain loops, and one whose directory points outside the file.
	xls := genXLS(t, false, nil, nil, 0, nil, nil, genXLSSheet{name: "s",
		records: bytes.Repeat(biffRec(0x0201, u16(0), u16(0), u16(0)), 500)})
	loop := append([]byte(nil), xls...)
	copy(loop[512+4*3:], u32(2)) // sector 3 leads back to sector 2
	_, err = readWorkbook(loop)
	isNot("a FAT loop", err)
	out := append([]byte(nil), xls...)
	copy(out[512+512+128+116:], u32(1<<30))
	_, err = readWorkbook(out)
	isNot("a stream outside the file", err)
	dirLoop := append([]byte(nil), xls...)
	copy(dirLoop[512+4:], u32(1)) // the directory's sector leads to itself
	_, err = readWorkbook(dirLoop)
	isNot("a directory loop", err)
	_, err = readWorkbook(append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 600)...))
	isNot("an empty compound file", err)
}
