package xlsform

// Cell text as pyxform 4.5.0 makes it (pyxform/xls2json_backends.py: xlsx_value_to_str over openpyxl's values,
// xls_value_to_unicode over xlrd's), shared by the .xlsx and .xls readers, and the limits both keep.

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a workbook may make the reader hold. An XLSForm has a few thousand rows and a few dozen
// columns; these are far above that and far below what would exhaust the server.
const (
	maxUnpacked   = 100 << 20 // bytes decompressed from an .xlsx, or streams read from an .xls, in all
	maxSheets     = 500
	maxRows       = 200_000 // the highest row number that may hold a value
	maxColumns    = 2000    // the highest column number that may hold a value
	maxCells      = 5_000_000
	maxSharedStrs = 2_000_000
)

// errDamaged wraps what is wrong with bytes that are not a readable workbook; it wraps ErrNotWorkbook.
func errDamaged(format string, args ...any) error {
	return fmt.Errorf("%w (%s)", ErrNotWorkbook, fmt.Sprintf(format, args...))
}

var errBudget = errors.New("the workbook unpacks to more than 100 MiB")

// unpackLimit is maxUnpacked; tests lower it.
var unpackLimit int64 = maxUnpacked

// tooLarge is the error for a real workbook a person must change (beyond a limit, protected with a password):
// a problem of the sheet, or of the "workbook" as a whole when sheet is "".
func tooLarge(sheet, message string) error {
	if sheet == "" {
		sheet = "workbook"
	}
	return &Error{Problems: []Problem{{Sheet: sheet, Message: message}}}
}

// rowProblem is a problem of one row of a sheet.
func rowProblem(sheet string, row int, message string) error {
	return &Error{Problems: []Problem{{Sheet: sheet, Row: row, Message: message}}}
}

// pyStrip trims what Python's str.strip() trims: Unicode white space plus the separators U+001C..U+001F.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
}

// cellText is the text of a string cell as pyxform keeps it: stripped, and with no-break spaces made spaces.
func cellText(s string) string {
	s = pyStrip(s)
	if strings.IndexRune(s, '\u00a0') >= 0 {
		s = strings.ReplaceAll(s, "\u00a0", " ")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// pyNumber is a number cell's text: an integral value as an int ("12", never "12.0"), another as Python's
// repr of the float ("0.1", "1e-05", "1234567.5").
func pyNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		return "0"
	case f == math.Trunc(f):
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return pyFloatRepr(f)
}

// pyFloatRepr is Python's repr of a float: the shortest digits that read back the same, in fixed notation
// unless the decimal exponent is below -4 or above 15.
func pyFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := false
	if e[0] == '-' {
		neg, e = true, e[1:]
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case decpt <= -4 || decpt > 16:
		b.WriteString(mant)
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
	case decpt <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -decpt))
		b.WriteString(digits)
	case decpt >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", decpt-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	}
	return b.String()
}

// pyInt is Python's str(int(s)) for the digits of an integer ("+007" -> "7"), or false.
func pyInt(s string) (string, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0", true
	}
	if neg {
		s = "-" + s
	}
	return s, true
}

// roundHalfEven rounds as Python's round() does.
func roundHalfEven(f float64) float64 { return math.RoundToEven(f) }

// pyDateTime is str(datetime.datetime): "2024-09-12 00:00:00", with ".ffffff" when there are microseconds.
func pyDateTime(t time.Time) string {
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

// pyTime is str(datetime.time): "12:30:00", with ".ffffff" when there are microseconds.
func pyTime(h, m, s, us int) string {
	if us != 0 {
		return fmt.Sprintf("%02d:%02d:%02d.%06d", h, m, s, us)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
}

// pyTimedelta is str(datetime.timedelta) of a number of microseconds: "1 day, 2:00:00", "-1 day, 23:00:00".
func pyTimedelta(us int64) string {
	days := us / 86_400_000_000
	rest := us % 86_400_000_000
	if rest < 0 {
		rest += 86_400_000_000
		days--
	}
	secs, micro := rest/1_000_000, rest%1_000_000
	var b strings.Builder
	if days != 0 {
		plural := "s"
		if days == 1 || days == -1 {
			plural = ""
		}
		fmt.Fprintf(&b, "%d day%s, ", days, plural)
	}
	fmt.Fprintf(&b, "%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if micro != 0 {
		fmt.Fprintf(&b, ".%06d", micro)
	}
	return b.String()
}

// colLetters is a column's letters for messages: 1 -> "A", 28 -> "AB".
func colLetters(col int) string {
	var b []byte
	for col > 0 {
		col--
		b = append([]byte{byte('A' + col%26)}, b...)
		col /= 26
	}
	return string(b)
}

// sheetBuilder collects one sheet's cells, addressed by row and column (both 1-based), keeping limits.
type sheetBuilder struct {
	sheet  *Sheet
	index  map[int]int // row number -> index in sheet.Rows
	sorted bool
	cells  *int // cells held by the whole workbook, gaps included
}

func newSheetBuilder(name string, cells *int) *sheetBuilder {
	return &sheetBuilder{sheet: &Sheet{Name: name}, index: map[int]int{}, sorted: true, cells: cells}
}

// set stores a cell's text; an empty text is not stored. It fails beyond the limits.
func (b *sheetBuilder) set(row, col int, text string) error {
	if text == "" {
		return nil
	}
	if row < 1 || col < 1 {
		return errDamaged("sheet %q has a cell outside the grid", b.sheet.Name)
	}
	if row > maxRows {
		return rowProblem(b.sheet.Name, row, fmt.Sprintf("a value past the %d rows a form may use: "+
			"delete the rows below the form", maxRows))
	}
	if col > maxColumns {
		return rowProblem(b.sheet.Name, row, fmt.Sprintf("a value in column %s, past the %d columns a form may "+
			"use: delete the columns right of the form", colLetters(col), maxColumns))
	}
	i, ok := b.index[row]
	if !ok {
		rows := b.sheet.Rows
		if n := len(rows); n > 0 && rows[n-1].Number > row {
			b.sorted = false
		}
		i = len(rows)
		b.index[row] = i
		b.sheet.Rows = append(rows, Row{Number: row})
	}
	r := &b.sheet.Rows[i]
	if grow := col - len(r.Cells); grow > 0 {
		*b.cells += grow
		if *b.cells > maxCells {
			return tooLarge("", fmt.Sprintf("more than %d cells: an XLSForm needs far fewer", maxCells))
		}
		r.Cells = append(r.Cells, make([]string, grow)...)
	}
	r.Cells[col-1] = text
	return nil
}

// done returns the sheet with its rows in order.
func (b *sheetBuilder) done() *Sheet {
	if !b.sorted {
		rows := b.sheet.Rows
		sort.Slice(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
	}
	return b.sheet
}
