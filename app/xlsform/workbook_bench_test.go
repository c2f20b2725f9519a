package xlsform

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReadWorkbook reads the largest fixture form, whova_form.xlsx (593 survey rows, 297 choices).
func BenchmarkReadWorkbook(b *testing.B) {
	for _, name := range []string{"whova_form.xlsx", "buildings.xls"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			b.Skip("no XLSForm fixtures: ../shared/fixtures/xlsforms is absent")
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := readWorkbook(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
