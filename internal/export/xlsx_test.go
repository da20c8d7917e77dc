package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func ptr(f float64) *float64 { return &f }

func TestCellsShowWhatTheFileShows(t *testing.T) {
	tests := []struct {
		cell Cell
		text string
	}{
		{CountCell(0), "0"},
		{CountCell(1650), "1650"},
		{RateCell(ptr(0.97826)), "97.8%"},
		{RateCell(ptr(1)), "100.0%"},
		{RateCell(ptr(0)), "0.0%"},
		{RateCell(ptr(0.3333333)), "33.3%"},
		{RateCell(ptr(0.99175)), "99.2%"},
		{RateCell(nil), Missing},
		{HoursCell(ptr(12.345)), "12.3"},
		{HoursCell(ptr(0.04)), "0.0"},
		{HoursCell(ptr(719.96)), "720.0"},
		{HoursCell(nil), Missing},
		{TextCell("海勃湾区"), "海勃湾区"},
	}
	sheet := Sheet{Title: "格式", Columns: []string{"值"}}
	for _, tc := range tests {
		if tc.cell.Text != tc.text {
			t.Errorf("cell %+v shows %q, want %q", tc.cell, tc.cell.Text, tc.text)
		}
		sheet.Rows = append(sheet.Rows, []Cell{tc.cell})
	}
	f := roundTrip(t, []Sheet{sheet})
	for i, tc := range tests {
		got, err := f.GetCellValue("格式", fmt.Sprintf("A%d", i+2))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.text {
			t.Errorf("row %d: Excel shows %q, the page %q", i+2, got, tc.text)
		}
	}
	raw, err := f.GetCellValue("格式", "A4", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if raw != "0.978" {
		t.Errorf("a rate is stored as %q, want the number 0.978", raw)
	}
}

func TestSheetNamesExcelAccepts(t *testing.T) {
	long := strings.Repeat("长", 40)
	sheets := []Sheet{
		{Title: "街道/镇", Columns: []string{"a"}},
		{Title: "街道/镇", Columns: []string{"a"}},
		{Title: `a:b\c/d?e*f[g]h`, Columns: []string{"a"}},
		{Title: long, Columns: []string{"a"}},
		{Title: long, Columns: []string{"a"}},
		{Title: "  ", Columns: []string{"a"}},
	}
	f := roundTrip(t, sheets)
	want := []string{"街道、镇", "街道、镇 (2)", "a、b、c、d、e、f、g、h", strings.Repeat("长", 31), strings.Repeat("长", 27) + " (2)", "Sheet"}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sheets %q, want %q", got, want)
	}
}

func TestRowsMustFitTheColumns(t *testing.T) {
	err := WriteXLSX(&bytes.Buffer{}, []Sheet{{Title: "x", Columns: []string{"a", "b"}, Rows: [][]Cell{{TextCell("only one")}}}})
	if err == nil || !strings.Contains(err.Error(), "1 cells for 2 columns") {
		t.Errorf("a short row: %v", err)
	}
	if err := WriteXLSX(&bytes.Buffer{}, nil); err == nil {
		t.Error("a workbook without sheets was written")
	}
}

// roundTrip writes sheets and opens the file again.
func roundTrip(t *testing.T, sheets []Sheet) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, sheets); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
