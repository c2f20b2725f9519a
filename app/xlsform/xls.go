package xlsform

// readXLS reads an .xls workbook (BIFF8 in an OLE2 compound file).
func readXLS(data []byte) (*Workbook, error) {
	return nil, errDamaged("the .xls format is not read yet")
}
