package xlsform

// The .xlsx reader: a zip of SpreadsheetML parts, read with archive/zip and encoding/xml (which expands no
// external entity and no DTD), giving each cell the text pyxform 4.5.0 gets from openpyxl 3.x in read-only,
// data-only mode: shared and inline strings (rich text runs joined, phonetic runs left out), numbers,
// booleans, the cached values of formulas, error values, and numbers in a date or time format as dates.

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// xlsxPackage is the opened zip with the budget of bytes it may still decompress.
type xlsxPackage struct {
	files  map[string]*zip.File // by name, and by lower-case name
	budget int64
}

func readXLSX(data []byte) (*Workbook, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errDamaged("the zip archive cannot be read: %v", err)
	}
	p := &xlsxPackage{files: map[string]*zip.File{}, budget: unpackLimit}
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		if _, ok := p.files[name]; !ok {
			p.files[name] = f
		}
		if low := strings.ToLower(name); p.files[low] == nil {
			p.files[low] = f
		}
	}

	// The workbook part: the office document of the package's relationships, else the usual name.
	wbName := "xl/workbook.xml"
	if rels, err := p.rels("_rels/.rels", ""); err != nil {
		return nil, err
	} else {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbName = r.target
				break
			}
		}
	}
	if p.file(wbName) == nil {
		return nil, ErrNotWorkbook // a zip, but not a spreadsheet (a .docx, an .ods, an archive)
	}
	wb, err := p.workbook(wbName)
	if err != nil {
		return nil, err
	}
	rels, err := p.rels(path.Join(path.Dir(wbName), "_rels", path.Base(wbName)+".rels"), path.Dir(wbName))
	if err != nil {
		return nil, err
	}
	byID := map[string]xlsxRel{}
	sstName, stylesName := "", ""
	for _, r := range rels {
		byID[r.id] = r
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstName = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesName = r.target
		}
	}
	if sstName == "" && p.file(path.Join(path.Dir(wbName), "sharedStrings.xml")) != nil {
		sstName = path.Join(path.Dir(wbName), "sharedStrings.xml")
	}
	if stylesName == "" && p.file(path.Join(path.Dir(wbName), "styles.xml")) != nil {
		stylesName = path.Join(path.Dir(wbName), "styles.xml")
	}
	var sst []string
	if sstName != "" && p.file(sstName) != nil {
		if sst, err = p.sharedStrings(sstName); err != nil {
			return nil, err
		}
	}
	var styles xlsxStyles
	if stylesName != "" && p.file(stylesName) != nil {
		if styles, err = p.styles(stylesName); err != nil {
			return nil, err
		}
	}

	if len(wb.sheets) > maxSheets {
		return nil, tooLarge("", fmt.Sprintf("%d sheets, more than the %d a workbook may have", len(wb.sheets), maxSheets))
	}
	out := &Workbook{}
	cells := 0
	for _, s := range wb.sheets {
		// Like openpyxl: a sheet without a relationship id or without its part is left out, one whose
		// relationship is missing is an error, and a chart sheet is a sheet without cells.
		if s.rid == "" {
			continue
		}
		r, ok := byID[s.rid]
		if !ok {
			return nil, errDamaged("sheet %q has no relationship %q", s.name, s.rid)
		}
		if p.file(r.target) == nil {
			continue
		}
		b := newSheetBuilder(s.name, &cells)
		if !strings.HasSuffix(r.typ, "/chartsheet") {
			sr := &xlsxSheetReader{sst: sst, styles: &styles, date1904: wb.date1904, b: b}
			if err := p.parse(r.target, sr.handle); err != nil {
				return nil, err
			}
		}
		out.Sheets = append(out.Sheets, b.done())
	}
	return out, nil
}

// file finds a part by name, exactly or ignoring case (part names are case-insensitive).
func (p *xlsxPackage) file(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f := p.files[name]; f != nil {
		return f
	}
	return p.files[strings.ToLower(name)]
}

// budgetReader fails once the package has decompressed more than maxUnpacked bytes in all.
type budgetReader struct {
	r io.Reader
	p *xlsxPackage
}

func (b *budgetReader) Read(buf []byte) (int, error) {
	n, err := b.r.Read(buf)
	b.p.budget -= int64(n)
	if b.p.budget < 0 {
		return n, errBudget
	}
	return n, err
}

// parse streams a part's XML tokens to handle, which sees local names only (SpreadsheetML's transitional and
// strict namespaces alike). A DOCTYPE is a token like any other: nothing is expanded.
func (p *xlsxPackage) parse(name string, handle func(xmlTok) error) error {
	f := p.file(name)
	if f == nil {
		return errDamaged("%s is missing", name)
	}
	if f.UncompressedSize64 > uint64(unpackLimit) {
		return tooLarge("", "its sheets unpack to more than 100 MiB: an XLSForm is far smaller")
	}
	rc, err := f.Open()
	if err != nil {
		return errDamaged("%s cannot be read: %v", name, err)
	}
	defer rc.Close()
	err = parseXML(&budgetReader{r: rc, p: p}, handle)
	if errors.Is(err, errBudget) {
		return tooLarge("", "its sheets unpack to more than 100 MiB: an XLSForm is far smaller")
	}
	var e *Error
	if err != nil && !errors.As(err, &e) && !errors.Is(err, ErrNotWorkbook) {
		return errDamaged("%s cannot be read: %v", name, err)
	}
	return err
}

type xlsxRel struct{ id, typ, target string }

// rels reads a relationships part; targets are resolved against dir. A missing part has no relationships.
func (p *xlsxPackage) rels(name, dir string) ([]xlsxRel, error) {
	if p.file(name) == nil {
		return nil, nil
	}
	var rels []xlsxRel
	err := p.parse(name, func(t xmlTok) error {
		if t.kind == tokStart && t.name == "Relationship" {
			if t.attr("TargetMode") == "External" {
				return nil
			}
			target := strings.ReplaceAll(t.attr("Target"), `\`, "/")
			if strings.HasPrefix(target, "/") {
				target = path.Clean(target)[1:]
			} else {
				target = path.Join(dir, target)
			}
			rels = append(rels, xlsxRel{id: t.attr("Id"), typ: t.attr("Type"), target: target})
		}
		return nil
	})
	return rels, err
}

type xlsxWorkbook struct {
	sheets   []xlsxSheetRef
	date1904 bool
}

type xlsxSheetRef struct{ name, rid string }

func (p *xlsxPackage) workbook(name string) (xlsxWorkbook, error) {
	var wb xlsxWorkbook
	err := p.parse(name, func(t xmlTok) error {
		if t.kind != tokStart {
			return nil
		}
		switch t.name {
		case "workbookPr":
			v := t.attr("date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			wb.sheets = append(wb.sheets, xlsxSheetRef{name: t.attr("name"), rid: t.nsAttr("id")})
			if len(wb.sheets) > maxSheets {
				return tooLarge("", fmt.Sprintf("more than the %d sheets a workbook may have", maxSheets))
			}
		}
		return nil
	})
	return wb, err
}

// richText gathers the text of an <si> or <is>: its <t> and its runs' <t>, leaving out phonetic runs <rPh>.
type richText struct {
	b        strings.Builder
	inT      bool
	phonetic int
}

func (r *richText) handle(t xmlTok) {
	switch t.kind {
	case tokStart:
		switch t.name {
		case "t":
			r.inT = true
		case "rPh":
			r.phonetic++
		}
	case tokEnd:
		switch t.name {
		case "t":
			r.inT = false
		case "rPh":
			r.phonetic--
		}
	case tokText:
		if r.inT && r.phonetic == 0 {
			r.b.WriteString(t.text)
		}
	}
}

func (p *xlsxPackage) sharedStrings(name string) ([]string, error) {
	var sst []string
	var cur *richText
	err := p.parse(name, func(t xmlTok) error {
		if t.name == "si" {
			if t.kind == tokStart {
				cur = &richText{}
			} else if t.kind == tokEnd && cur != nil {
				if len(sst) >= maxSharedStrs {
					return tooLarge("", fmt.Sprintf("more than %d different texts: an XLSForm needs far fewer", maxSharedStrs))
				}
				// openpyxl's read_string_table drops "x005F_" (the escape of an "_x" that is not an escape)
				// and, like it, no other _xHHHH_ escape is decoded
				sst = append(sst, strings.ReplaceAll(cur.b.String(), "x005F_", ""))
				cur = nil
			}
			return nil
		}
		if cur != nil {
			cur.handle(t)
		}
		return nil
	})
	return sst, err
}

// xlsxStyles tells, for each cell format (the cell's s attribute), whether openpyxl reads its numbers as
// dates or as durations.
type xlsxStyles struct {
	date, duration []bool
}

func (s *xlsxStyles) kind(style int) (date, duration bool) {
	if style < 0 || style >= len(s.date) {
		return false, false
	}
	return s.date[style], s.duration[style]
}

// builtinDateFormats are openpyxl's built-in number formats (BUILTIN_FORMATS) that read as dates.
var builtinDateFormats = map[int]string{
	14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
	20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
}

func (p *xlsxPackage) styles(name string) (xlsxStyles, error) {
	custom := map[int]string{}
	var xfs []int
	section := ""
	err := p.parse(name, func(t xmlTok) error {
		switch t.kind {
		case tokStart:
			switch t.name {
			case "numFmt":
				if id, err := strconv.Atoi(t.attr("numFmtId")); err == nil {
					custom[id] = t.attr("formatCode")
				}
			case "cellXfs", "cellStyleXfs", "dxfs":
				section = t.name
			case "xf":
				if section == "cellXfs" {
					id, _ := strconv.Atoi(t.attr("numFmtId"))
					xfs = append(xfs, id)
					if len(xfs) > 1_000_000 {
						return tooLarge("", "more than a million cell formats: an XLSForm needs far fewer")
					}
				}
			}
		case tokEnd:
			if t.name == section {
				section = ""
			}
		}
		return nil
	})
	st := xlsxStyles{date: make([]bool, len(xfs)), duration: make([]bool, len(xfs))}
	for i, id := range xfs {
		f, ok := custom[id]
		if !ok {
			f, ok = builtinDateFormats[id]
		}
		if ok {
			st.date[i] = isDateFormat(f)
			st.duration[i] = isDurationFormat(f)
		}
	}
	return st, err
}

// isDateFormat is openpyxl's is_date_format: the first section of the format, without quoted text and
// bracketed parts other than [h] [hh] [m] [mm] [s] [ss], has one of d m h y s not escaped by a backslash.
func isDateFormat(f string) bool {
	f, _, _ = strings.Cut(f, ";")
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '"':
			if j := strings.IndexByte(f[i+1:], '"'); j >= 0 {
				i += j + 1
				continue
			}
			b.WriteByte(c)
		case '[':
			j := strings.IndexByte(f[i+1:], ']')
			if j < 0 {
				b.WriteByte(c)
				continue
			}
			inner := strings.ToLower(f[i+1 : i+1+j])
			switch inner {
			case "h", "hh", "m", "mm", "s", "ss":
				b.WriteString(f[i : i+j+2])
			}
			i += j + 1
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'd', 'm', 'h', 'y', 's', 'D', 'M', 'H', 'Y', 'S':
			if i == 0 || s[i-1] != '\\' {
				return true
			}
		}
	}
	return false
}

// isDurationFormat is openpyxl's is_timedelta_format: the first section starts [h]:mm:ss, [mm]:ss and the like.
func isDurationFormat(f string) bool {
	f, _, _ = strings.Cut(f, ";")
	f = strings.ToLower(f)
	for _, p := range []string{"[hh]", "[h]", "[mm]", "[m]"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// xlsxSheetReader turns a worksheet's tokens into cells.
type xlsxSheetReader struct {
	sst      []string
	styles   *xlsxStyles
	date1904 bool
	b        *sheetBuilder

	row, col int  // the current row, and the last cell's column in it
	maxRow   int  // the highest row read so far
	skipRow  bool // the current row repeats or goes back: openpyxl's read-only reader drops it
	inCell   bool
	typ      string
	style    int
	inV      bool
	v        strings.Builder
	hasV     bool
	inline   *richText
}

func (r *xlsxSheetReader) handle(t xmlTok) error {
	switch t.kind {
	case tokStart:
		switch t.name {
		case "row":
			// openpyxl: a row's number is its r, else one more than the last; the cells' own row numbers
			// are not looked at, and a row numbered no higher than one before it is dropped
			if n, err := strconv.Atoi(t.attr("r")); err == nil {
				r.row = n
			} else {
				r.row++
			}
			r.col = 0
			r.skipRow = r.row <= r.maxRow
			if !r.skipRow {
				r.maxRow = r.row
			}
			return nil
		case "c":
			r.inCell, r.hasV, r.inline = true, false, nil
			r.v.Reset()
			r.typ = t.attr("t")
			r.style, _ = strconv.Atoi(t.attr("s"))
			if _, col, ok := parseCellRef(t.attr("r")); ok {
				r.col = col
			} else {
				r.col++
			}
			return nil
		}
		if !r.inCell {
			return nil
		}
		switch {
		case t.name == "v":
			r.inV, r.hasV = true, true
		case t.name == "is":
			r.inline = &richText{}
		case r.inline != nil:
			r.inline.handle(t)
		}
	case tokEnd:
		if !r.inCell {
			return nil
		}
		switch {
		case t.name == "v":
			r.inV = false
		case t.name == "c":
			r.inCell = false
			if r.skipRow || r.row < 1 {
				return nil
			}
			return r.b.set(r.row, r.col, r.value())
		case r.inline != nil:
			r.inline.handle(t)
		}
	case tokText:
		switch {
		case r.inV:
			if r.v.Len() > 1<<20 {
				return errDamaged("a cell value is longer than 1 MiB")
			}
			r.v.WriteString(t.text)
		case r.inline != nil:
			r.inline.handle(t)
		}
	}
	return nil
}

// value is the cell's text as pyxform has it ("" for none), following openpyxl's WorkSheetParser.parse_cell.
func (r *xlsxSheetReader) value() string {
	v := r.v.String()
	switch r.typ {
	case "inlineStr":
		if r.inline == nil {
			return ""
		}
		return cellText(r.inline.b.String())
	case "s":
		if !r.hasV {
			return ""
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(r.sst) {
			return "" // openpyxl fails here; an absent text is the kinder reading
		}
		return cellText(r.sst[i])
	case "b":
		if !r.hasV {
			return ""
		}
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n != 0 {
			return "TRUE"
		}
		return "FALSE"
	case "str", "e":
		if !r.hasV {
			return ""
		}
		return cellText(v)
	case "d":
		if !r.hasV {
			return ""
		}
		return isoDateText(strings.TrimSpace(v))
	}
	// a number ("n" or no type)
	if !r.hasV {
		return ""
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	date, duration := r.styles.kind(r.style)
	var f float64
	intText, isInt := "", false
	if strings.ContainsAny(v, ".eE") {
		var err error
		if f, err = strconv.ParseFloat(v, 64); err != nil {
			return cellText(v)
		}
	} else {
		if intText, isInt = pyInt(v); !isInt {
			return cellText(v)
		}
		f, _ = strconv.ParseFloat(intText, 64)
	}
	if date {
		return excelDateText(f, r.date1904, duration)
	}
	if isInt {
		return intText
	}
	return pyNumber(f)
}

// excelDateText is openpyxl's from_excel of a serial date, as str() prints it: a datetime, a time of day for
// a serial in [0, 1), a timedelta for a duration format; "#VALUE!" for a serial outside the years 1..9999.
func excelDateText(v float64, date1904, duration bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 4e6 {
		return "#VALUE!"
	}
	if duration {
		us := int64(roundHalfEven(v * 86_400e6))
		if r := us % 1_000_000; r != 0 {
			// openpyxl rounds a duration with microseconds to milliseconds
			secs := int64(math.Floor(float64(us) / 1e6))
			micro := us - secs*1_000_000
			us = secs*1_000_000 + int64(roundHalfEven(float64(micro)/1000))*1000
		}
		return pyTimedelta(us)
	}
	day := math.Floor(v)
	ms := int64(roundHalfEven((v - day) * 86_400_000))
	if v >= 0 && v < 1 && ms < 86_400_000 {
		s := ms / 1000
		return pyTime(int(s/3600), int(s/60%60), int(s%60), int(ms%1000)*1000)
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if v > 0 && v < 60 {
		day++ // Excel's 29 February 1900
	}
	t := epoch.AddDate(0, 0, int(day)).Add(time.Duration(ms) * time.Millisecond)
	if t.Year() < 1 || t.Year() > 9999 {
		return "#VALUE!"
	}
	return pyDateTime(t)
}

// isoDateText is a t="d" cell (an ISO 8601 date, time or both) as str() prints openpyxl's value of it.
func isoDateText(v string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return pyDateTime(t)
		}
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.Format("2006-01-02")
	}
	if t, err := time.Parse("15:04:05.999999999", v); err == nil {
		return pyTime(t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000)
	}
	return cellText(v)
}

// parseCellRef reads an A1 reference ("B3", "$B$3") as openpyxl's coordinate_to_tuple does.
func parseCellRef(ref string) (row, col int, ok bool) {
	i := 0
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	start := i
	for i < len(ref) && i-start < 3 && unicode.IsLetter(rune(ref[i])) && ref[i] < 0x80 {
		c := ref[i] | 0x20
		col = col*26 + int(c-'a') + 1
		i++
	}
	if i == start || col > 16384 {
		return 0, 0, false
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	n, err := strconv.Atoi(ref[i:])
	if err != nil || n < 1 || ref[i] == '+' || ref[i] == '-' {
		return 0, 0, false
	}
	return n, col, true
}
