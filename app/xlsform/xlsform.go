// Package xlsform converts an XLSForm workbook (.xlsx, .xls) to an ODK XForm, following the XLSForm
// specification (xlsform.org) with pyxform's output as the reference.
package xlsform

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is one thing a person must change in the workbook before it converts.
type Problem struct {
	Sheet   string `json:"sheet"`            // "survey", "choices", "settings", "entities", ...
	Row     int    `json:"row,omitempty"`    // spreadsheet row, 1-based as the spreadsheet shows it; 0 for the sheet
	Column  string `json:"column,omitempty"` // the header of the column, e.g. "type"
	Message string `json:"message"`          // what is wrong and what to change
}

// String reads as a person would say it: "survey row 14, column type: unknown type 'select one' ...".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Sheet)
	if p.Row > 0 {
		fmt.Fprintf(&b, " row %d", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", column %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem found in a workbook; Convert returns it for a workbook a person must fix.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "the XLSForm cannot be converted: " + strings.Join(parts, "; ")
}

// Form is a converted workbook.
type Form struct {
	XML      []byte // the XForm
	FormID   string // settings form_id, else the file name's stem
	Title    string // settings form_title, else the form id
	Version  string // settings version ("" when the workbook sets none)
	Warnings []string
	// Files are media files the conversion itself makes, by file name: itemsets.csv from an
	// external_choices sheet. They belong to the form as if uploaded beside it.
	Files map[string][]byte
	// NeedsMedia names the media files the form refers to that the workbook cannot hold (images in the
	// media columns, CSV/XML/GeoJSON files of select_one_from_file, pulldata CSVs): the coordinator
	// uploads them as form media.
	NeedsMedia []string
}

// ErrNotWorkbook is returned for bytes that are neither an .xlsx (zip) nor an .xls (OLE2) workbook.
var ErrNotWorkbook = errors.New("the file is not an .xlsx or .xls workbook")

// Convert converts the workbook's bytes; filename (without directories) gives the form id and title
// when the settings sheet does not. It returns *Error for a workbook a person must fix, ErrNotWorkbook
// for other bytes; it never panics on hostile input.
func Convert(workbook []byte, filename string) (form *Form, err error) {
	wb, err := readWorkbook(workbook)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A converter bug must not take the server down: report it as a problem with the workbook.
		if r := recover(); r != nil {
			form, err = nil, &Error{Problems: []Problem{{Sheet: "workbook", Message: fmt.Sprintf("the converter failed on this workbook (%v); please report it with the file", r)}}}
		}
	}()
	return convertWorkbook(wb, filename)
}
