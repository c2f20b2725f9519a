package xlsform

// Small workbooks made in code for the reader's tests and the fuzzer's seeds: an .xlsx writer (zip of
// SpreadsheetML parts) and an .xls writer (BIFF8 records in a version 3 compound file).

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf16"
)

// zipParts writes the parts, in order, into a zip.
func zipParts(t testing.TB, parts ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type genSheet struct {
	name, state string // state "" or "hidden"
	part        string // file name under xl/worksheets/
	data        string // the <sheetData> content
}

const mainNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// genXLSX makes an .xlsx of the sheets, with shared strings and the cell formats (numFmtId per xf; ids from
// 164 are custom formats given in numFmts).
func genXLSX(t testing.TB, date1904 bool, sst []string, numFmts map[int]string, xfs []int, sheets ...genSheet) []byte {
	t.Helper()
	var wb, rels, ct strings.Builder
	pr := ""
	if date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	fmt.Fprintf(&wb, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook %s>%s<sheets>`, mainNS, pr)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	parts := [][2]string{}
	for i, s := range sheets {
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, i+1, state, i+10)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/%s"/>`, i+10, s.part)
		parts = append(parts, [2]string{"xl/worksheets/" + s.part, fmt.Sprintf(
			`<?xml version="1.0" encoding="UTF-8"?><worksheet %s><dimension ref="A1"/><sheetData>%s</sheetData></worksheet>`,
			mainNS, s.data)})
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	rels.WriteString(`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/>`)
	rels.WriteString(`</Relationships>`)

	var ss strings.Builder
	fmt.Fprintf(&ss, `<?xml version="1.0" encoding="UTF-8"?><sst %s count="%d" uniqueCount="%d">`, mainNS, len(sst), len(sst))
	for _, s := range sst {
		if strings.HasPrefix(s, "<") { // raw rich text
			ss.WriteString("<si>" + s + "</si>")
		} else {
			ss.WriteString(`<si><t xml:space="preserve">` + s + `</t></si>`)
		}
	}
	ss.WriteString(`</sst>`)

	var st strings.Builder
	fmt.Fprintf(&st, `<?xml version="1.0" encoding="UTF-8"?><styleSheet %s><numFmts count="%d">`, mainNS, len(numFmts))
	for id, code := range numFmts {
		fmt.Fprintf(&st, `<numFmt numFmtId="%d" formatCode="%s"/>`, id, code)
	}
	st.WriteString(`</numFmts><cellStyleXfs count="1"><xf numFmtId="22"/></cellStyleXfs><cellXfs>`)
	for _, id := range xfs {
		fmt.Fprintf(&st, `<xf numFmtId="%d" fontId="0"/>`, id)
	}
	st.WriteString(`</cellXfs><dxfs><dxf><numFmt numFmtId="14" formatCode="d"/></dxf></dxfs></styleSheet>`)

	ct.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`)
	all := [][2]string{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/sharedStrings.xml", ss.String()},
		{"xl/styles.xml", st.String()},
	}
	return zipParts(t, append(all, parts...)...)
}

// --- .xls ---

func biffRec(typ uint16, data ...[]byte) []byte {
	var d []byte
	for _, p := range data {
		d = append(d, p...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(d)))
	return append(out, d...)
}

func u16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func f64(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

// xlString is a BIFF8 string: the character count (lenlen bytes), flags, then 8-bit characters when they
// all fit, else UTF-16.
func xlString(s string, lenlen int) []byte {
	u := utf16.Encode([]rune(s))
	var out []byte
	if lenlen == 1 {
		out = []byte{byte(len(u))}
	} else {
		out = u16(len(u))
	}
	wide := false
	for _, c := range u {
		if c > 0xFF {
			wide = true
		}
	}
	if !wide {
		out = append(out, 0)
		for _, c := range u {
			out = append(out, byte(c))
		}
		return out
	}
	out = append(out, 1)
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

type genXLSSheet struct {
	name    string
	hidden  bool
	records []byte // the cell records between BOF and EOF
}

// genXLS makes an .xls: formats (key -> format string), the XFs' format keys, the SST (sstRaw, the SST
// record's data after the counts, split into CONTINUE records at the given offsets) and the sheets.
func genXLS(t testing.TB, date1904 bool, formats map[int]string, xfs []int, nSST int, sstRaw []byte, splits []int, sheets ...genXLSSheet) []byte {
	t.Helper()
	globals := func(pos []int) []byte {
		var g []byte
		g = append(g, biffRec(biffBOF, u16(0x0600), u16(0x0005), u16(0), u16(0), u32(0), u32(0))...)
		g = append(g, biffRec(biffCodepage, u16(1200))...)
		if date1904 {
			g = append(g, biffRec(biffDatemode, u16(1))...)
		}
		for key, s := range formats {
			g = append(g, biffRec(biffFormat, u16(key), xlString(s, 2))...)
		}
		for _, key := range xfs {
			g = append(g, biffRec(biffXF, u16(0), u16(key), make([]byte, 16))...)
		}
		for i, s := range sheets {
			vis := byte(0)
			if s.hidden {
				vis = 1
			}
			g = append(g, biffRec(biffBoundsheet, u32(pos[i]), []byte{vis, 0}, xlString(s.name, 1))...)
		}
		// a chart sheet, which xlrd (and so pyxform) leaves out
		g = append(g, biffRec(biffBoundsheet, u32(0), []byte{0, 2}, xlString("Chart1", 1))...)
		if sstRaw != nil {
			head := append(u32(nSST), u32(nSST)...)
			prev := 0
			for i, cut := range append(splits, len(sstRaw)) {
				typ := uint16(biffContinue)
				var data []byte
				if i == 0 {
					typ, data = biffSST, head
				}
				g = append(g, biffRec(typ, data, sstRaw[prev:cut])...)
				prev = cut
			}
		}
		return append(g, biffRec(biffEOF)...)
	}
	pos := make([]int, len(sheets))
	at := len(globals(pos))
	var body []byte
	for i, s := range sheets {
		pos[i] = at + len(body)
		body = append(body, biffRec(biffBOF, u16(0x0600), u16(0x0010), u16(0), u16(0), u32(0), u32(0))...)
		body = append(body, s.records...)
		body = append(body, biffRec(biffEOF)...)
	}
	return genCFB(t, "Workbook", append(globals(pos), body...))
}

const (
	genEnd  = 0xFFFFFFFE
	genFree = 0xFFFFFFFF
	genFAT  = 0xFFFFFFFD
)

// genCFB makes a version 3 compound file holding one stream: in regular sectors when it is 4096 bytes or
// more, else in the mini stream. The layout: sector 0 the FAT, 1 the directory, then the stream (or the mini
// FAT and the mini stream).
func genCFB(t testing.TB, name string, stream []byte) []byte {
	t.Helper()
	const ss = 512
	pad := func(b []byte, n int) []byte {
		for len(b)%n != 0 {
			b = append(b, 0)
		}
		return b
	}
	fat := []uint32{genFAT, genEnd}
	var sectors []byte
	chain := func(n int) uint32 { // allocates n sectors after the current ones
		first := uint32(len(fat))
		for i := 0; i < n; i++ {
			if i == n-1 {
				fat = append(fat, genEnd)
			} else {
				fat = append(fat, uint32(len(fat)+1))
			}
		}
		return first
	}
	var rootStart, start uint32 = genEnd, 0
	rootSize := 0
	miniFATStart, nMiniFAT := uint32(genEnd), 0
	if len(stream) >= 4096 {
		data := pad(append([]byte(nil), stream...), ss)
		start = chain(len(data) / ss)
		sectors = append(sectors, data...)
	} else {
		mini := pad(append([]byte(nil), stream...), 64)
		n := len(mini) / 64
		mf := make([]byte, 0, ss)
		for i := 0; i < n; i++ {
			next := uint32(i + 1)
			if i == n-1 {
				next = genEnd
			}
			mf = binary.LittleEndian.AppendUint32(mf, next)
		}
		for len(mf) < ss {
			mf = binary.LittleEndian.AppendUint32(mf, genFree)
		}
		miniFATStart, nMiniFAT = chain(1), 1
		sectors = append(sectors, mf...)
		container := pad(mini, ss)
		rootStart, rootSize = chain(len(container)/ss), len(mini)
		sectors = append(sectors, container...)
	}
	if len(fat) > ss/4 {
		t.Fatal("genCFB: the stream is too large for one FAT sector")
	}
	for len(fat) < ss/4 {
		fat = append(fat, genFree)
	}
	le := binary.LittleEndian
	h := make([]byte, 512)
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], 1) // FAT sectors
	le.PutUint32(h[0x30:], 1) // first directory sector
	le.PutUint32(h[0x38:], 4096)
	le.PutUint32(h[0x3C:], miniFATStart)
	le.PutUint32(h[0x40:], uint32(nMiniFAT))
	le.PutUint32(h[0x44:], genEnd)
	for i := 0; i < 109; i++ {
		le.PutUint32(h[0x4C+4*i:], genFree)
	}
	le.PutUint32(h[0x4C:], 0)
	var fatSec []byte
	for _, v := range fat {
		fatSec = le.AppendUint32(fatSec, v)
	}
	entry := func(name string, typ byte, child, start uint32, size int) []byte {
		e := make([]byte, 128)
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], genFree)
		le.PutUint32(e[72:], genFree)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
		return e
	}
	dir := append(entry("Root Entry", 5, 1, rootStart, rootSize), entry(name, 2, genFree, start, len(stream))...)
	dir = append(dir, make([]byte, 256)...)
	out := append(h, fatSec...)
	out = append(out, dir...)
	return append(out, sectors...)
}
