package xlsform

import (
	"encoding/xml"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The converter must never panic, and what it accepts must be well-formed XML. FuzzConvertWorkbook
// builds workbooks from fuzzed bytes: each byte picks a cell from a vocabulary of XLSForm words, so the
// fuzzer reaches deep into groups, repeats, selects, references and settings quickly.

var fuzzVocab = []string{
	"", "type", "name", "label", "hint", "relevant", "calculation", "constraint", "required", "default",
	"choice_filter", "appearance", "parameters", "trigger", "repeat_count", "label::fr", "label::English (en)",
	"media::image", "image", "save_to", "list_name", "list name", "form_id", "version", "instance_name",
	"text", "integer", "decimal", "select_one l", "select_multiple l", "select_one l or_other", "rank l",
	"select_one ${a}", "select_one_from_file f.csv", "select_one_external l", "begin group", "end group",
	"begin repeat", "end repeat", "begin_repeat", "end_group", "note", "calculate", "range", "geopoint",
	"image", "audit", "start-geopoint", "osm", "osm t", "background-audio", "a", "b", "c", "l", "meta",
	"${a}", "${b} + 1", "${last-saved#a}", "${", "}", "position(..)", "yes", "no", "true()", "field-list",
	"table-list", "start=1 end=5 step=0.5", "randomize=true seed=${a}", "max-pixels=5", "x=y",
	"instance('l')/root/item[name=${a}]", "indexed-repeat(${a}, ${r}, 1)", "pulldata('f', 'a', 'b', ${a})",
	"r", "g", "1st", "bad name", "search('x')", "concat(${a}, 'x')", "label::fr::x", "bind::odk:x",
	"body::x", "instance::y", "entity_id", "create_if", "update_if", "dataset",
}

var fuzzSheets = []string{"survey", "choices", "settings", "external_choices", "entities", "osm", "Survey", "other"}

func workbookFromBytes(data []byte) *Workbook {
	wb := &Workbook{}
	i := 0
	next := func() int {
		if i >= len(data) {
			return 0
		}
		b := int(data[i])
		i++
		return b
	}
	nSheets := 1 + next()%4
	for s := 0; s < nSheets && i < len(data); s++ {
		sh := &Sheet{Name: fuzzSheets[next()%len(fuzzSheets)]}
		if s == 0 {
			sh.Name = "survey"
		}
		nRows := next() % 24
		cols := 1 + next()%8
		for r := 0; r < nRows && i < len(data); r++ {
			cells := make([]string, cols)
			for c := range cells {
				cells[c] = fuzzVocab[next()%len(fuzzVocab)]
			}
			sh.Rows = append(sh.Rows, Row{Number: r + 1, Cells: cells})
		}
		wb.Sheets = append(wb.Sheets, sh)
	}
	return wb
}

func checkConversion(t *testing.T, wb *Workbook) {
	t.Helper()
	f, err := convertWorkbook(wb, "fuzz.xlsx")
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || len(e.Problems) == 0 {
			t.Fatalf("error %T %v, want *Error with problems", err, err)
		}
		for _, p := range e.Problems {
			if p.Message == "" || p.Sheet == "" {
				t.Fatalf("problem without sheet or message: %+v", p)
			}
		}
		return
	}
	d := xml.NewDecoder(strings.NewReader(string(f.XML)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("accepted workbook gives malformed XML: %v\n%s", err, f.XML)
		}
	}
}

func FuzzConvertWorkbook(f *testing.F) {
	f.Add([]byte{1, 0, 6, 3, 1, 2, 3, 25, 50, 51})
	f.Add([]byte("survey rows with groups and repeats and selects"))
	f.Add([]byte{3, 0, 10, 4, 1, 2, 3, 9, 35, 50, 3, 0, 36, 51, 0, 0, 37, 52, 57, 0, 38, 0, 0, 0, 1, 1, 5, 3, 21, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkConversion(t, workbookFromBytes(data))
	})
}

// TestConvertRandomWorkbooks runs a fixed number of random workbooks in the ordinary test run.
func TestConvertRandomWorkbooks(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for k := 0; k < n; k++ {
		data := make([]byte, 20+rng.Intn(300))
		rng.Read(data)
		checkConversion(t, workbookFromBytes(data))
	}
}

// TestConvertMutatedFixtures converts the fixture workbooks with cells dropped, swapped and blanked.
func TestConvertMutatedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "xlsforms")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xls*"))
	if len(files) == 0 {
		t.Skip("fixtures folder ../shared/fixtures not found")
	}
	rng := rand.New(rand.NewSource(4))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		wb, err := readWorkbook(data)
		if err != nil {
			continue
		}
		rounds := 10
		if testing.Short() {
			rounds = 2
		}
		for round := 0; round < rounds; round++ {
			m := &Workbook{}
			for _, s := range wb.Sheets {
				ns := &Sheet{Name: s.Name}
				for _, r := range s.Rows {
					if rng.Intn(30) == 0 {
						continue // drop a row
					}
					cells := append([]string(nil), r.Cells...)
					for c := range cells {
						switch rng.Intn(60) {
						case 0:
							cells[c] = ""
						case 1:
							cells[c] = fuzzVocab[rng.Intn(len(fuzzVocab))]
						case 2:
							if c > 0 {
								cells[c], cells[c-1] = cells[c-1], cells[c]
							}
						}
					}
					ns.Rows = append(ns.Rows, Row{Number: r.Number, Cells: cells})
				}
				m.Sheets = append(m.Sheets, ns)
			}
			checkConversion(t, m)
		}
	}
}

func BenchmarkConvertWhova(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "xlsforms", "whova_form.xlsx"))
	if err != nil {
		b.Skip("fixtures folder ../shared/fixtures not found")
	}
	wb, err := readWorkbook(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := convertWorkbook(wb, "whova_form.xlsx"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeBrokenWorkbook: a big workbook full of broken references and lists is refused with the first
// maxProblems problems and a count of the rest (its speed, with the suggestions bounded, is
// BenchmarkLargeBrokenWorkbook's).
func TestLargeBrokenWorkbook(t *testing.T) {
	_, err := convertWorkbook(largeBrokenWorkbook(4000), "big.xlsx")
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != maxProblems+1 || !strings.Contains(e.Problems[maxProblems].Message, "and 3000 more problems") {
		t.Fatalf("want %d problems and a count of the rest, got %v", maxProblems, err)
	}
}

func BenchmarkLargeBrokenWorkbook(b *testing.B) {
	wb := largeBrokenWorkbook(20000)
	for i := 0; i < b.N; i++ {
		if _, err := convertWorkbook(wb, "big.xlsx"); err == nil {
			b.Fatal("a broken workbook converted")
		}
	}
}

// largeBrokenWorkbook has n survey rows, every one with a reference to no question and every other one naming a
// choice list that does not exist, and 2000 lists of choices.
func largeBrokenWorkbook(n int) *Workbook {
	sh := &Sheet{Name: "survey", Rows: []Row{{Number: 1, Cells: []string{"type", "name", "label", "relevant"}}}}
	for i := 0; i < n; i++ {
		typ := "text"
		if i%2 == 0 {
			typ = "select_one missing_" + strconv.Itoa(i)
		}
		sh.Rows = append(sh.Rows, Row{Number: i + 2, Cells: []string{typ, "q" + strconv.Itoa(i), "Q", "${nothere" + strconv.Itoa(i) + "} = 1"}})
	}
	chs := &Sheet{Name: "choices", Rows: []Row{{Number: 1, Cells: []string{"list_name", "name", "label"}}}}
	for i := 0; i < 2000; i++ {
		chs.Rows = append(chs.Rows, Row{Number: i + 2, Cells: []string{"list_" + strconv.Itoa(i), "a", "A"}})
	}
	return &Workbook{Sheets: []*Sheet{sh, chs}}
}
