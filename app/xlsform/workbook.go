package xlsform

// Workbook is a workbook's sheets as text, the way pyxform reads them: every cell a string.
type Workbook struct {
	Sheets []*Sheet // in the workbook's order
}

// Sheet is one worksheet. Rows holds only rows with at least one non-empty cell, in order.
type Sheet struct {
	Name string
	Rows []Row
}

// Row is one spreadsheet row: its number as the spreadsheet shows it (1-based) and its cells from column A,
// each trimmed of surrounding white space as pyxform does; a missing cell is "".
type Row struct {
	Number int
	Cells  []string
}

// Sheet finds a sheet by name, case-insensitively (pyxform matches "Survey" as "survey"); nil when absent.
func (w *Workbook) Sheet(name string) *Sheet {
	for _, s := range w.Sheets {
		if equalFold(s.Name, name) {
			return s
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// readWorkbook reads an .xlsx (zip) or .xls (OLE2 compound file) workbook, chosen by its leading bytes, not its
// name. It returns ErrNotWorkbook for other bytes and never panics on hostile input; sizes are bounded.
// A damaged workbook gives an error that wraps ErrNotWorkbook and says what is wrong; a workbook beyond the
// reader's limits (100 MiB unpacked, 500 sheets, 200,000 rows, 2,000 columns, 5 million cells) gives *Error.
// Cell text is what pyxform 4.5.0 reads: see xls_text.go.
func readWorkbook(data []byte) (*Workbook, error) {
	switch {
	case len(data) >= 4 && string(data[:4]) == "PK\x03\x04":
		return readXLSX(data)
	case len(data) >= 8 && string(data[:8]) == "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1":
		return readXLS(data)
	}
	return nil, ErrNotWorkbook
}
