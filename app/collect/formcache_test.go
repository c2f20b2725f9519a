package collect

import (
	"testing"

	"fieldbase/app/openrosa"
)

// TestFormCacheBounded: the parsed forms kept never exceed the bound, the least recently used leaves first.
func TestFormCacheBounded(t *testing.T) {
	t.Parallel()
	c := newFormCache(3)
	forms := make([]*openrosa.Form, 6)
	for i := range forms {
		forms[i] = &openrosa.Form{}
		c.put(int64(i), forms[i])
		if i == 2 {
			if f, ok := c.get(0); !ok || f != forms[0] { // row 0 becomes the most recently used
				t.Fatal("row 0 not cached")
			}
		}
		if n := c.len(); n > 3 {
			t.Fatalf("%d forms kept, bound 3", n)
		}
	}
	for row, want := range map[int64]bool{0: false, 1: false, 2: false, 3: true, 4: true, 5: true} {
		if _, ok := c.get(row); ok != want {
			t.Errorf("row %d cached %v, want %v", row, ok, want)
		}
	}
	c2 := newFormCache(3)
	for i := range 3 {
		c2.put(int64(i), forms[i])
	}
	c2.get(0)
	c2.put(9, forms[5])
	if _, ok := c2.get(0); !ok {
		t.Error("the recently read row 0 was evicted")
	}
	if _, ok := c2.get(1); ok {
		t.Error("the least recently used row 1 was kept")
	}
}
