package bench

import (
	"os"
	"path/filepath"
	"testing"

	"fieldbase/app/xlsform"
)

// BenchmarkXLSFormConvert converts the largest fixture XLSForm (whova_form.xlsx: 593 survey rows, groups
// nested 5 deep, English and French) from its bytes to the XForm: reading the workbook and converting it.
func BenchmarkXLSFormConvert(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "xlsforms", "whova_form.xlsx"))
	if err != nil {
		b.Skip("fixtures folder ../shared/fixtures not found")
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xlsform.Convert(data, "whova_form.xlsx"); err != nil {
			b.Fatal(err)
		}
	}
}
