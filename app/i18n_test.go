package app

import (
	"io/fs"
	"os"
	"sync"
	"testing"
	"testing/fstest"

	"fieldbase/app/i18n"
)

// testCatalogues is web/i18n plus the pseudo-locale en-XA built from English.
func testCatalogues(t testing.TB) fs.FS {
	t.Helper()
	m, err := testCatalogueFiles()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testCatalogueFiles reads web/i18n and adds the pseudo-locale once for the package's tests: every newTestApp
// needs them, and the files do not change while the tests run. Nothing writes to the answered MapFS.
var testCatalogueFiles = sync.OnceValues(func() (fstest.MapFS, error) {
	dir := os.DirFS("../web/i18n")
	files, err := fs.Glob(dir, "*.json")
	if err != nil {
		return nil, err
	}
	m := fstest.MapFS{}
	for _, f := range files {
		raw, err := fs.ReadFile(dir, f)
		if err != nil {
			return nil, err
		}
		m[f] = &fstest.MapFile{Data: raw}
	}
	pseudo, err := i18n.Pseudo(m[i18n.Source+".json"].Data)
	if err != nil {
		return nil, err
	}
	m[i18n.PseudoTag+".json"] = &fstest.MapFile{Data: pseudo}
	return m, nil
})
