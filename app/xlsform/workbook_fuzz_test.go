package xlsform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzReadWorkbook: whatever the bytes, readWorkbook returns a workbook or an error (ErrNotWorkbook for
// damage, *Error for a workbook beyond the limits), never panics, and a workbook it returns keeps the
// model's promises. The seeds (small made workbooks, and the small fixtures when present) run in go test.
func FuzzReadWorkbook(f *testing.F) {
	f.Add(genXLSX(f, false, []string{"type", "  name "}, map[int]string{164: "yyyy-mm-dd"}, []int{0, 164},
		genSheet{name: "survey", part: "sheet1.xml", data: `<row r="1"><c r="A1" t="s"><v>0</v></c>` +
			`<c r="C1" t="s"><v>1</v></c><c r="D1" s="1"><v>45000</v></c><c t="b"><v>1</v></c></row>` +
			`<row><c t="inlineStr"><is><r><t>a</t></r></is></c><c><v>0.5</v></c></row>`},
		genSheet{name: "choices", state: "hidden", part: "sheet2.xml", data: ``}))
	label := biffRec(biffLabel, u16(0), u16(0), u16(0), xlString("type", 2))
	number := biffRec(biffNumber, u16(1), u16(2), u16(1), f64(45000.25))
	sst := append(xlString("name", 2), xlString("label", 2)...)
	f.Add(genXLS(f, false, map[int]string{164: "d/m/yy"}, []int{0, 164}, 2, sst, []int{4},
		genXLSSheet{name: "survey", records: append(append(label, number...),
			biffRec(biffLabelSST, u16(2), u16(0), u16(0), u32(1))...)}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
	for _, name := range []string{"geo.xlsx", "non_ascii_form_id.xlsx", "not_closed_group_test.xls"} {
		if data, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wb, err := readWorkbook(data)
		if err != nil {
			var e *Error
			if !errors.Is(err, ErrNotWorkbook) && !errors.As(err, &e) {
				t.Fatalf("an error neither ErrNotWorkbook nor *Error: %v", err)
			}
			return
		}
		for _, s := range wb.Sheets {
			if !utf8.ValidString(s.Name) {
				t.Errorf("sheet name %q is not UTF-8", s.Name)
			}
			last := 0
			for _, r := range s.Rows {
				if r.Number <= last || r.Number > maxRows || len(r.Cells) == 0 || len(r.Cells) > maxColumns {
					t.Fatalf("sheet %q: row %d after %d with %d cells", s.Name, r.Number, last, len(r.Cells))
				}
				last = r.Number
				if r.Cells[len(r.Cells)-1] == "" {
					t.Errorf("sheet %q row %d ends in an empty cell", s.Name, r.Number)
				}
				for _, c := range r.Cells {
					if !utf8.ValidString(c) || c != pyStrip(c) {
						t.Errorf("sheet %q row %d: cell %q", s.Name, r.Number, c)
					}
				}
			}
		}
	})
}
