package xlsform

import (
	"errors"
	"strings"
	"testing"
)

func TestUnknownTypeSuggestsTheClosest(t *testing.T) {
	ps := problemsMD(t, `
	| survey |                   |      |       |
	|        | type              | name | label |
	|        | text              | a    | A     |
	|        | textX             | b    | B     |
	|        | select one        | c    | C     |
	|        | selct_one yes_no  | d    | D     |
	|        | interger          | e    | E     |
	|        | zzzzzzzzzz        | f    | F     |
	`)
	wantProblem(t, ps, "survey", 3, "type", "unknown type 'textX'", "did you mean 'text'?")
	wantProblem(t, ps, "survey", 4, "type", "unknown type 'select one'", "did you mean 'select_one'?", "select_one LIST")
	wantProblem(t, ps, "survey", 5, "type", "did you mean 'select_one yes_no'?")
	wantProblem(t, ps, "survey", 6, "type", "did you mean 'integer'?")
	wantProblem(t, ps, "survey", 7, "type", "unknown type 'zzzzzzzzzz'", "xlsform.org")
	if len(ps) != 5 {
		t.Errorf("want 5 problems, got %v", ps)
	}
	// Problem.String reads as a sentence.
	if s := ps[0].String(); s != "survey row 3, column type: unknown type 'textX' — did you mean 'text'?" {
		t.Errorf("String() = %q", s)
	}
}

func TestReferenceToNoQuestion(t *testing.T) {
	ps := problemsMD(t, `
	| survey |         |        |                  |              |             |
	|        | type    | name   | label            | relevant     | calculation |
	|        | integer | room   | Rooms            |              |             |
	|        | text    | a      | ${rooms} rooms   | ${rooms} > 1 |             |
	|        | calculate | c    |                  |              | ${nothere} * 2 |
	`)
	wantProblem(t, ps, "survey", 3, "relevant", "${rooms} names no question", "did you mean ${room}?")
	wantProblem(t, ps, "survey", 3, "label", "${rooms} names no question")
	wantProblem(t, ps, "survey", 4, "calculation", "${nothere} names no question")
}

func TestDuplicateNames(t *testing.T) {
	ps := problemsMD(t, `
	| survey |             |      |       |
	|        | type        | name | label |
	|        | text        | a    | A     |
	|        | text        | a    | A2    |
	|        | begin group | g    | G     |
	|        | text        | a    | In g  |
	|        | end group   |      |       |
	|        | begin repeat | r   | R     |
	|        | end repeat  |      |       |
	|        | begin group | g2   | G2    |
	|        | begin repeat | r   | R2    |
	|        | end repeat  |      |       |
	|        | end group   |      |       |
	`)
	wantProblem(t, ps, "survey", 3, "name", "'a' is used twice", "row 2")
	wantProblem(t, ps, "survey", 10, "name", "repeat name 'r'", "row 7")
	if len(ps) != 2 {
		t.Errorf("a name in another group is fine; want 2 problems, got %v", ps)
	}
	// A reference to a name used in two groups is ambiguous.
	ps = problemsMD(t, `
	| survey |             |      |       |          |
	|        | type        | name | label | relevant |
	|        | text        | a    | A     |          |
	|        | begin group | g    | G     |          |
	|        | text        | a    | In g  |          |
	|        | end group   |      |       |          |
	|        | text        | b    | B     | ${a} = 1 |
	`)
	wantProblem(t, ps, "survey", 6, "relevant", "${a} is ambiguous")
}

func TestUnmatchedBeginEnd(t *testing.T) {
	ps := problemsMD(t, `
	| survey |              |       |       |
	|        | type         | name  | label |
	|        | begin group  | outer | Outer |
	|        | begin repeat | inner | Inner |
	|        | text         | a     | A     |
	|        | end group    |       |       |
	`)
	wantProblem(t, ps, "survey", 5, "type", "does not close the open 'begin repeat inner' of row 3")
	wantProblem(t, ps, "survey", 2, "type", "'begin group outer' is never closed", "end group")
	wantProblem(t, ps, "survey", 3, "type", "'begin repeat inner' is never closed")
	ps = problemsMD(t, `
	| survey |            |      |       |
	|        | type       | name | label |
	|        | text       | a    | A     |
	|        | end repeat |      |       |
	`)
	wantProblem(t, ps, "survey", 3, "type", "'end repeat' has no matching 'begin repeat'")
}

func TestMissingChoiceList(t *testing.T) {
	ps := problemsMD(t, `
	| survey  |                   |      |       |
	|         | type              | name | label |
	|         | select_one yes_on | a    | A     |
	|         | select_one colors | b    | B     |
	| choices |                   |      |       |
	|         | list_name         | name | label |
	|         | yes_no            | yes  | Yes   |
	|         | yes_no            | yes  | Again |
	`)
	wantProblem(t, ps, "survey", 2, "type", "choice list 'yes_on' does not exist", "did you mean 'yes_no'?")
	wantProblem(t, ps, "survey", 3, "type", "choice list 'colors' does not exist")
	wantProblem(t, ps, "choices", 3, "name", "'yes' appears twice in list 'yes_no'", "allow_choice_duplicates")
	ps = problemsMD(t, `
	| survey  |                   |      |       |
	|         | type              | name | label |
	|         | select_one yes_no | a    | A     |
	`)
	wantProblem(t, ps, "survey", 2, "type", "needs a choices sheet")
}

func TestMissingSheetAndColumns(t *testing.T) {
	_, err := convertWorkbook(md(`
	| surveys |      |      |
	|         | type | name |
	|         | text | a    |
	`), "x.xlsx")
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "no sheet named 'survey'") || !strings.Contains(e.Error(), "rename the sheet 'surveys'") {
		t.Fatalf("got %v", err)
	}
	ps := problemsMD(t, `
	| survey |       |       |
	|        | type  | label |
	|        | text  | A     |
	`)
	wantProblem(t, ps, "survey", 1, "", "no 'name' column")
	ps = problemsMD(t, `
	| survey |      |       |
	|        | name | label |
	|        | a    | A     |
	`)
	wantProblem(t, ps, "survey", 1, "", "no 'type' column")
}

func TestInvalidNamesAndRows(t *testing.T) {
	ps := problemsMD(t, `
	| survey |           |         |       |
	|        | type      | name    | label |
	|        | text      | my name | A     |
	|        | text      | 1st     | B     |
	|        | text      |         | C     |
	|        |           | d       | D     |
	|        | calculate | e       |       |
	|        | text      | meta    | M     |
	|        | text      | f       |       |
	`)
	wantProblem(t, ps, "survey", 2, "name", "'my name' is not a valid name")
	wantProblem(t, ps, "survey", 3, "name", "'1st' is not a valid name")
	wantProblem(t, ps, "survey", 4, "name", "has no name")
	wantProblem(t, ps, "survey", 5, "type", "has no type")
	wantProblem(t, ps, "survey", 6, "calculation", "has no calculation")
	wantProblem(t, ps, "survey", 7, "name", "'meta' is reserved")
	wantProblem(t, ps, "survey", 8, "label", "has no label or hint")
}

func TestParameterProblems(t *testing.T) {
	ps := problemsMD(t, `
	| survey |       |      |       |                 |
	|        | type  | name | label | parameters      |
	|        | range | r    | R     | start=a         |
	|        | text  | t    | T     | rows=2 color=red |
	|        | image | i    | I     | max-pixels      |
	`)
	wantProblem(t, ps, "survey", 2, "parameters", "start must be a number")
	wantProblem(t, ps, "survey", 3, "parameters", "'color'", "rows")
	wantProblem(t, ps, "survey", 4, "parameters", "name=value")
}

func TestEntityProblems(t *testing.T) {
	ps := problemsMD(t, `
	| survey   |           |      |       |         |
	|          | type      | name | label | save_to |
	|          | text      | a    | A     | name    |
	| entities |           |      |       |         |
	|          | list_name | update_if |  |         |
	|          | __trees   | true()    |  |         |
	`)
	wantProblem(t, ps, "entities", 2, "list_name", "cannot start with '__'")
	wantProblem(t, ps, "entities", 2, "update_if", "entity_id")
	wantProblem(t, ps, "survey", 2, "save_to", "'name' is reserved")
	ps = problemsMD(t, `
	| survey   |           |      |       |         |
	|          | type      | name | label | save_to |
	|          | text      | a    | A     | prop    |
	`)
	wantProblem(t, ps, "survey", 2, "save_to", "needs an entities sheet")
}

func TestNotAWorkbook(t *testing.T) {
	if _, err := Convert([]byte("name,label\n"), "x.csv"); !errors.Is(err, ErrNotWorkbook) {
		t.Errorf("got %v, want ErrNotWorkbook", err)
	}
}

func TestRepeatCountNameClash(t *testing.T) {
	ps := problemsMD(t, `
	| survey |              |          |       |              |
	|        | type         | name     | label | repeat_count |
	|        | integer      | r1_count | Q1    |              |
	|        | begin_repeat | r1       | R1    | 2            |
	|        | text         | q2       | Q2    |              |
	|        | end_repeat   |          |       |              |
	`)
	wantProblem(t, ps, "survey", 3, "repeat_count", "named 'r1_count'", "row 2")
	// A single reference is used directly: no clash.
	convertMD(t, `
	| survey |              |          |       |              |
	|        | type         | name     | label | repeat_count |
	|        | integer      | q1_count | Q1    |              |
	|        | begin repeat | r1       | R1    | ${q1_count}  |
	|        | text         | q2       | Q2    |              |
	|        | end repeat   |          |       |              |
	`)
}
