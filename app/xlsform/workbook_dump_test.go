package xlsform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDumpFixtures(t *testing.T) {
	out := os.Getenv("XLSFORM_DUMP")
	if out == "" {
		t.Skip("set XLSFORM_DUMP")
	}
	files, _ := filepath.Glob("../../../shared/fixtures/xlsforms/*.xls*")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		wb, err := readWorkbook(data)
		var b strings.Builder
		if err != nil {
			fmt.Fprintf(&b, "ERROR %v\n", err)
		} else {
			for _, s := range wb.Sheets {
				fmt.Fprintf(&b, "== %s (%d rows)\n", s.Name, len(s.Rows))
				for _, r := range s.Rows {
					fmt.Fprintf(&b, "%d\t%q\n", r.Number, r.Cells)
				}
			}
		}
		os.WriteFile(filepath.Join(out, filepath.Base(f)+".txt"), []byte(b.String()), 0o644)
	}
}
