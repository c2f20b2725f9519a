package app

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"fieldbase/app/i18n"
)

// testCatalogues is web/i18n plus the pseudo-locale en-XA built from English.
func testCatalogues(t testing.TB) fs.FS {
	t.Helper()
	dir := os.DirFS("../web/i18n")
	files, err := fs.Glob(dir, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, f := range files {
		raw, err := fs.ReadFile(dir, f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = &fstest.MapFile{Data: raw}
	}
	pseudo, err := i18n.Pseudo(m[i18n.Source+".json"].Data)
	if err != nil {
		t.Fatal(err)
	}
	m[i18n.PseudoTag+".json"] = &fstest.MapFile{Data: pseudo}
	return m
}
