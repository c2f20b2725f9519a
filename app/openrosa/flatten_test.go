package openrosa

import (
	"reflect"
	"testing"
)

func TestFlattenAndColumns(t *testing.T) {
	t.Parallel()
	form := mustParseForm(t, fixture(t, "xforms", "doubleRepeat.xml"))
	s := mustParseSubmission(t, fixture(t, "submissions", "doubleRepeat__double_unbound-orx.xml"))
	row := Flatten(s.DataFor(form))
	checks := map[string]string{
		"name":                               "Vick",
		"meta/instanceID":                    "double",
		"children/child[1]/name":             "Alice",
		"children/child[3]/toys/toy[4]/name": "Princess Luna",
	}
	for col, want := range checks {
		if row[col] != want {
			t.Fatalf("row[%q] = %q, want %q", col, row[col], want)
		}
	}
	if len(row) != 2+3+8 {
		t.Fatalf("%d columns, want 13: %v", len(row), row)
	}
	t.Run("ColumnsFormOrderThenIndices", func(t *testing.T) {
		t.Parallel()
		extra := map[string]string{"unexpected/b": "1", "unexpected/a": "2", "children/child[10]/name": "J"}
		want := []string{
			"meta/instanceID", "name",
			"children/child[1]/name", "children/child[2]/name", "children/child[3]/name", "children/child[10]/name",
			"children/child[2]/toys/toy[1]/name", "children/child[2]/toys/toy[2]/name",
			"children/child[2]/toys/toy[3]/name", "children/child[2]/toys/toy[4]/name",
			"children/child[3]/toys/toy[1]/name", "children/child[3]/toys/toy[2]/name",
			"children/child[3]/toys/toy[3]/name", "children/child[3]/toys/toy[4]/name",
			"unexpected/a", "unexpected/b",
		}
		if got := Columns(form, row, extra); !reflect.DeepEqual(got, want) {
			t.Fatalf("columns =\n%v\nwant\n%v", got, want)
		}
	})
	t.Run("ColumnsWithoutRowsListNonRepeatFields", func(t *testing.T) {
		t.Parallel()
		want := []string{"meta/instanceID", "name"}
		if got := Columns(form); !reflect.DeepEqual(got, want) {
			t.Fatalf("columns = %v, want %v", got, want)
		}
	})
	t.Run("ColumnsWithoutForm", func(t *testing.T) {
		t.Parallel()
		want := []string{"a[2]", "a[10]", "b"}
		if got := Columns(nil, map[string]string{"b": "", "a[10]": "", "a[2]": ""}); !reflect.DeepEqual(got, want) {
			t.Fatalf("columns = %v, want %v", got, want)
		}
	})
}
