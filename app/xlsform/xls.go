package xlsform

// The .xls reader: the Workbook stream (BIFF8, Excel 97-2003; BIFF5/7 in a "Book" stream too) of an OLE2
// compound file, giving each cell the text pyxform 4.5.0 gets from xlrd 2.0.1: strings from the shared string
// table (SST with its CONTINUE records), LABEL and RSTRING cells, NUMBER, RK and MULRK numbers, booleans and
// errors (BOOLERR), formulas' results (FORMULA, and STRING for a text result), and numbers whose cell format
// xlrd classifies as a date made dates with xlrd's xldate_as_tuple.

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
)

const (
	biffBOF        = 0x0809
	biffEOF        = 0x000A
	biffContinue   = 0x003C
	biffCodepage   = 0x0042
	biffDatemode   = 0x0022
	biffFormat     = 0x041E
	biffFormat4    = 0x001E // BIFF4/5's FORMAT
	biffXF         = 0x00E0
	biffBoundsheet = 0x0085
	biffSST        = 0x00FC
	biffLabelSST   = 0x00FD
	biffLabel      = 0x0204
	biffRString    = 0x00D6
	biffNumber     = 0x0203
	biffRK         = 0x027E
	biffMulRK      = 0x00BD
	biffBoolErr    = 0x0205
	biffFormula    = 0x0006
	biffString     = 0x0207
	biffFilePass   = 0x002F
)

type biffRecord struct {
	typ  uint16
	data []byte
}

// biffReader walks the records of a stream.
type biffReader struct {
	s   []byte
	pos int
}

func (r *biffReader) next() (biffRecord, bool) {
	if r.pos+4 > len(r.s) {
		return biffRecord{}, false
	}
	typ := binary.LittleEndian.Uint16(r.s[r.pos:])
	n := int(binary.LittleEndian.Uint16(r.s[r.pos+2:]))
	if r.pos+4+n > len(r.s) {
		return biffRecord{}, false
	}
	rec := biffRecord{typ: typ, data: r.s[r.pos+4 : r.pos+4+n]}
	r.pos += 4 + n
	return rec, true
}

// peek is the type of the next record, 0 at the end.
func (r *biffReader) peek() uint16 {
	if r.pos+4 > len(r.s) {
		return 0
	}
	return binary.LittleEndian.Uint16(r.s[r.pos:])
}

type xlsBook struct {
	biff8    bool
	codepage int
	date1904 bool
	formats  map[int]bool // format key -> a date format, as xlrd classifies it
	xfDate   []bool       // XF index -> its cells' numbers are dates
	sst      []string
}

type xlsSheetRef struct {
	name string
	pos  int
}

func readXLS(data []byte) (*Workbook, error) {
	c, err := openCFB(data)
	if err != nil {
		return nil, err
	}
	if c.has("EncryptedPackage") || c.has("EncryptionInfo") {
		return nil, tooLarge("", "protected with a password: save it without one and upload it again")
	}
	stream, ok, err := c.stream("Workbook")
	if err == nil && !ok {
		stream, ok, err = c.stream("Book")
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotWorkbook // an OLE2 file, but not an Excel workbook (a .doc, an .msg)
	}

	r := &biffReader{s: stream}
	bof, ok := r.next()
	if !ok || bof.typ != biffBOF || len(bof.data) < 4 {
		return nil, errDamaged("the Workbook stream does not begin with a BOF record")
	}
	version := binary.LittleEndian.Uint16(bof.data)
	book := &xlsBook{biff8: version == 0x0600, codepage: 1252, formats: map[int]bool{}}
	if version != 0x0600 && version != 0x0500 {
		return nil, errDamaged("the workbook is in an Excel format older than Excel 5 (BIFF version %#04x)", version)
	}
	var sheets []xlsSheetRef
	for {
		rec, ok := r.next()
		if !ok {
			return nil, errDamaged("the workbook's global records are cut short")
		}
		if rec.typ == biffEOF {
			break
		}
		d := rec.data
		switch rec.typ {
		case biffFilePass:
			return nil, tooLarge("", "protected with a password: save it without one and upload it again")
		case biffCodepage:
			if len(d) >= 2 {
				book.codepage = int(binary.LittleEndian.Uint16(d))
			}
		case biffDatemode:
			if len(d) >= 2 {
				book.date1904 = binary.LittleEndian.Uint16(d) == 1
			}
		case biffFormat, biffFormat4:
			if len(d) < 2 {
				continue
			}
			key := int(binary.LittleEndian.Uint16(d))
			var s string
			if book.biff8 {
				s, _ = xlsUnicode(d[2:], 2)
			} else {
				s, _ = book.byteString(d[2:], 1)
			}
			book.formats[key] = isXlrdDateFormat(s)
		case biffXF:
			if len(d) < 4 {
				continue
			}
			if len(book.xfDate) >= 65536 {
				continue
			}
			key := int(binary.LittleEndian.Uint16(d[2:]))
			date, ok := book.formats[key]
			if !ok {
				date = xlrdStdDateFormat(key)
			}
			book.xfDate = append(book.xfDate, date)
		case biffBoundsheet:
			if len(d) < 7 {
				continue
			}
			pos := int(binary.LittleEndian.Uint32(d))
			if d[5] != 0 { // a chart, a macro sheet, a VB module: xlrd leaves it out
				continue
			}
			var name string
			if book.biff8 {
				name, _ = xlsUnicode(d[6:], 1)
			} else {
				name, _ = book.byteString(d[6:], 1)
			}
			sheets = append(sheets, xlsSheetRef{name: name, pos: pos})
			if len(sheets) > maxSheets {
				return nil, tooLarge("", fmt.Sprintf("more than the %d sheets a workbook may have", maxSheets))
			}
		case biffSST:
			var conts [][]byte
			for r.peek() == biffContinue {
				c, ok := r.next()
				if !ok {
					break
				}
				conts = append(conts, c.data)
			}
			if book.sst, err = readSST(d, conts); err != nil {
				return nil, err
			}
		}
	}

	out := &Workbook{}
	cells := 0
	for _, s := range sheets {
		b := newSheetBuilder(s.name, &cells)
		if err := book.readSheet(stream, s.pos, b); err != nil {
			return nil, err
		}
		out.Sheets = append(out.Sheets, b.done())
	}
	return out, nil
}

func (book *xlsBook) isDate(xf int) bool {
	return xf >= 0 && xf < len(book.xfDate) && book.xfDate[xf]
}

// readSheet reads the worksheet substream that starts at pos.
func (book *xlsBook) readSheet(stream []byte, pos int, b *sheetBuilder) error {
	if pos < 0 || pos >= len(stream) {
		return errDamaged("sheet %q lies outside the workbook stream", b.sheet.Name)
	}
	r := &biffReader{s: stream, pos: pos}
	bof, ok := r.next()
	if !ok || bof.typ != biffBOF {
		return errDamaged("sheet %q does not begin with a BOF record", b.sheet.Name)
	}
	le := binary.LittleEndian
	for {
		rec, ok := r.next()
		if !ok || rec.typ == biffEOF {
			return nil // a sheet cut short keeps the cells it has, as xlrd does
		}
		d := rec.data
		if len(d) < 6 && rec.typ != biffBOF {
			continue
		}
		var row, col, xf int
		if len(d) >= 6 {
			row, col, xf = int(le.Uint16(d))+1, int(le.Uint16(d[2:]))+1, int(le.Uint16(d[4:]))
		}
		var text string
		switch rec.typ {
		case biffBOF:
			// an embedded substream (a chart on the sheet): skip to its EOF
			for depth := 1; depth > 0; {
				rec, ok := r.next()
				if !ok {
					return nil
				}
				switch rec.typ {
				case biffBOF:
					depth++
				case biffEOF:
					depth--
				}
			}
			continue
		case biffLabelSST:
			if len(d) < 10 {
				continue
			}
			if i := int(le.Uint32(d[6:])); i < len(book.sst) {
				text = cellText(book.sst[i])
			}
		case biffLabel, biffRString:
			var s string
			if book.biff8 {
				s, _ = xlsUnicode(d[6:], 2)
			} else {
				s, _ = book.byteString(d[6:], 2)
			}
			text = cellText(s)
		case biffNumber:
			if len(d) < 14 {
				continue
			}
			text = book.number(math.Float64frombits(le.Uint64(d[6:])), xf)
		case biffRK:
			if len(d) < 10 {
				continue
			}
			text = book.number(rkValue(le.Uint32(d[6:])), xf)
		case biffMulRK:
			// row, first column, then (XF, RK) pairs, then the last column
			for i, off := 0, 4; off+6 <= len(d)-2; i, off = i+1, off+6 {
				x := int(le.Uint16(d[off:]))
				t := book.number(rkValue(le.Uint32(d[off+2:])), x)
				if err := b.set(row, int(le.Uint16(d[2:]))+1+i, t); err != nil {
					return err
				}
			}
			continue
		case biffBoolErr:
			if len(d) < 8 {
				continue
			}
			text = boolErrText(d[6], d[7] != 0)
		case biffFormula:
			if len(d) < 14 {
				continue
			}
			res := d[6:14]
			if res[6] == 0xFF && res[7] == 0xFF {
				switch res[0] {
				case 0: // a string: the STRING record that follows holds it, after a shared formula if any
					switch r.peek() {
					case 0x04BC, 0x0221, 0x0236: // SHRFMLA, ARRAY, TABLEOP
						r.next()
					}
					if r.peek() == biffString {
						s, _ := r.next()
						var str string
						if book.biff8 {
							str, _ = xlsUnicode(s.data, 2)
						} else {
							str, _ = book.byteString(s.data, 2)
						}
						text = cellText(str)
					}
				case 1:
					text = boolErrText(res[2], false)
				case 2:
					text = boolErrText(res[2], true)
				}
			} else {
				text = book.number(math.Float64frombits(le.Uint64(res)), xf)
			}
		default:
			continue
		}
		if err := b.set(row, col, text); err != nil {
			return err
		}
	}
}

// boolErrText is an xlrd boolean ("TRUE", "FALSE") or error cell as pyxform prints it: the error's code
// ("42" for #N/A), since pyxform's xls_value_to_unicode takes str() of xlrd's integer value.
func boolErrText(v byte, isError bool) string {
	if isError {
		return fmt.Sprint(int(v))
	}
	if v != 0 {
		return "TRUE"
	}
	return "FALSE"
}

// number is a NUMBER, RK or formula result as pyxform prints xlrd's value: a date for a date format.
func (book *xlsBook) number(f float64, xf int) string {
	if book.isDate(xf) {
		if s, ok := xldateText(f, book.date1904); ok {
			return s
		}
	}
	return pyNumber(f)
}

// rkValue decodes an RK number as xlrd's unpack_RK does.
func rkValue(rk uint32) float64 {
	var f float64
	if rk&2 != 0 {
		f = float64(int32(rk) >> 2)
	} else {
		f = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		f /= 100
	}
	return f
}

// xldateText is pyxform's text of an xlrd date: str(datetime.time) for a serial below 1, else
// str(datetime.datetime), from xlrd's xldate_as_tuple. Where xlrd raises (a negative serial, one too large,
// one before 1 March 1900 in the 1900 system, where pyxform reports an invalid date) ok is false and the
// cell reads as its number.
func xldateText(v float64, date1904 bool) (string, bool) {
	if v == 0 {
		return "00:00:00", true
	}
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "", false
	}
	days := math.Floor(v)
	seconds := int64(roundHalfEven((v - days) * 86400))
	h, m, s := 0, 0, 0
	if seconds >= 86400 {
		days++
	} else {
		h, m, s = int(seconds/3600), int(seconds/60%60), int(seconds%60)
	}
	limit := 2958466.0
	if date1904 {
		limit -= 1462
	}
	if days >= limit {
		return "", false
	}
	if days == 0 {
		return pyTime(h, m, s, 0), true
	}
	if days < 61 && !date1904 {
		return "", false
	}
	jdn := int64(days) + 2415019
	if date1904 {
		jdn = int64(days) + 2416481
	}
	yreg := ((((jdn*4+274277)/146097)*3/4)+jdn+1363)*4 + 3
	mp := ((yreg%1461)/4)*535 + 333
	d := int((mp%16384)/535) + 1
	mp >>= 14
	var y, mo int
	if mp >= 10 {
		y, mo = int(yreg/1461)-4715, int(mp)-9
	} else {
		y, mo = int(yreg/1461)-4716, int(mp)+3
	}
	if y < 1 || y > 9999 {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, m, s), true
}

// xlrdStdDateFormat is xlrd's type of a built-in format key with no FORMAT record: the date ranges of its
// std_format_code_types (14-22, 27-36, 45-47, 50-58, 71-81).
func xlrdStdDateFormat(key int) bool {
	return (key >= 14 && key <= 22) || (key >= 27 && key <= 36) || (key >= 45 && key <= 47) ||
		(key >= 50 && key <= 58) || (key >= 71 && key <= 81)
}

// isXlrdDateFormat is xlrd's is_date_format_string: with quoted text, characters after \ _ * and the
// characters $-+/(): and space removed, and [bracketed] parts dropped, a format is a date when it has more
// of y m d h s than of 0 # ? (counting each alike).
func isXlrdDateFormat(f string) bool {
	var b strings.Builder
	state := 0
	for _, c := range f {
		switch state {
		case 0:
			switch {
			case c == '"':
				state = 1
			case c == '\\' || c == '_' || c == '*':
				state = 2
			case strings.ContainsRune("$-+/(): ", c):
			default:
				b.WriteRune(c)
			}
		case 1:
			if c == '"' {
				state = 0
			}
		case 2:
			state = 0
		}
	}
	s := b.String()
	// drop [bracketed] parts (xlrd: re.sub(r'\[[^]]*\]', ''))
	var t strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' {
			if j := strings.IndexByte(s[i:], ']'); j >= 0 {
				i += j
				continue
			}
		}
		t.WriteByte(s[i])
	}
	s = t.String()
	switch s {
	case "0.00E+00", "##0.0E+0", "General", "GENERAL", "general", "@":
		return false
	}
	dates, nums := 0, 0
	for _, c := range s {
		switch c {
		case 'y', 'm', 'd', 'h', 's', 'Y', 'M', 'D', 'H', 'S':
			dates++
		case '0', '#', '?':
			nums++
		}
	}
	return dates > nums
}

// xlsUnicode reads a BIFF8 unicode string (XLUnicodeString) whose character count takes lenlen bytes; it
// returns the string and the bytes it took.
func xlsUnicode(d []byte, lenlen int) (string, int) {
	if len(d) < lenlen+1 {
		return "", len(d)
	}
	var n int
	if lenlen == 1 {
		n = int(d[0])
	} else {
		n = int(binary.LittleEndian.Uint16(d))
	}
	flags := d[lenlen]
	pos := lenlen + 1
	runs, ext := 0, 0
	if flags&0x08 != 0 && pos+2 <= len(d) {
		runs = int(binary.LittleEndian.Uint16(d[pos:]))
		pos += 2
	}
	if flags&0x04 != 0 && pos+4 <= len(d) {
		ext = int(binary.LittleEndian.Uint32(d[pos:]))
		pos += 4
	}
	s, used := xlsChars(d[pos:], n, flags&1 != 0)
	return s, pos + used + 4*runs + ext
}

// xlsChars reads n characters, 8-bit (Latin-1) or UTF-16LE, as many as d holds.
func xlsChars(d []byte, n int, wide bool) (string, int) {
	if wide {
		if n > len(d)/2 {
			n = len(d) / 2
		}
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(d[2*i:])
		}
		return string(utf16.Decode(u)), 2 * n
	}
	if n > len(d) {
		n = len(d)
	}
	r := make([]rune, n)
	for i := 0; i < n; i++ {
		r[i] = rune(d[i])
	}
	return string(r), n
}

// byteString reads a BIFF5 string: a length of lenlen bytes and 8-bit characters in the workbook's code page.
func (book *xlsBook) byteString(d []byte, lenlen int) (string, int) {
	if len(d) < lenlen {
		return "", len(d)
	}
	n := int(d[0])
	if lenlen == 2 {
		n = int(binary.LittleEndian.Uint16(d))
	}
	d = d[lenlen:]
	if n > len(d) {
		n = len(d)
	}
	return decodeCodepage(d[:n], book.codepage), lenlen + n
}

// cp1252 is Windows-1252's 0x80..0x9F; other bytes are Latin-1.
var cp1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

// decodeCodepage decodes BIFF5 text: UTF-16 code page 1200 aside, Windows-1252 (the usual one), and other
// code pages read as Latin-1 (xlrd would decode them with Python's codecs).
func decodeCodepage(b []byte, cp int) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
		if (cp == 1252 || cp == 0x8001 || cp == 32769) && c >= 0x80 && c < 0xA0 {
			r[i] = cp1252[c-0x80]
		}
	}
	return string(r)
}

// readSST reads the shared string table from the SST record and its CONTINUE records. A string's characters
// may run on into the next CONTINUE, which then starts with a new flags byte (8-bit or UTF-16 characters);
// its formatting runs and phonetic data may run on too, without one.
func readSST(first []byte, conts [][]byte) ([]string, error) {
	if len(first) < 8 {
		return nil, nil
	}
	le := binary.LittleEndian
	unique := int(le.Uint32(first[4:]))
	blocks := append([][]byte{first[8:]}, conts...)
	bi, pos := 0, 0
	// next advances to the next block when the current one is used up
	next := func() bool {
		for bi < len(blocks) && pos >= len(blocks[bi]) {
			bi++
			pos = 0
		}
		return bi < len(blocks)
	}
	var total int
	for _, b := range blocks {
		total += len(b)
	}
	if unique < 0 || unique > maxSharedStrs {
		unique = maxSharedStrs
	}
	if unique > total {
		unique = total // every string takes at least three bytes
	}
	sst := make([]string, 0, unique)
	for len(sst) < unique {
		if !next() {
			break
		}
		cur := blocks[bi]
		if pos+3 > len(cur) {
			break
		}
		n := int(le.Uint16(cur[pos:]))
		flags := cur[pos+2]
		pos += 3
		runs, ext := 0, 0
		if flags&0x08 != 0 {
			if pos+2 > len(cur) {
				break
			}
			runs = int(le.Uint16(cur[pos:]))
			pos += 2
		}
		if flags&0x04 != 0 {
			if pos+4 > len(cur) {
				break
			}
			ext = int(le.Uint32(cur[pos:]))
			pos += 4
		}
		wide := flags&1 != 0
		var sb strings.Builder
		for got := 0; ; {
			width := 1
			if wide {
				width = 2
			}
			k := (len(cur) - pos) / width
			if k > n-got {
				k = n - got
			}
			if k < 0 {
				k = 0
			}
			str, used := xlsChars(cur[pos:], k, wide)
			sb.WriteString(str)
			pos += used
			got += k
			if got >= n {
				break
			}
			// the characters run on into the next CONTINUE, which starts with their new width
			if bi++; bi >= len(blocks) || len(blocks[bi]) == 0 {
				break
			}
			cur, pos = blocks[bi], 1
			wide = cur[0]&1 != 0
		}
		sst = append(sst, sb.String())
		// skip the formatting runs (4 bytes each) and the phonetic data, across blocks
		for skip := 4*runs + ext; skip > 0; {
			if !next() {
				break
			}
			k := len(blocks[bi]) - pos
			if k > skip {
				k = skip
			}
			pos += k
			skip -= k
		}
	}
	return sst, nil
}
