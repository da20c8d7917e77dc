// Package export is what the report screens show and hand out: the measures of a viewer's scope read
// from the rollups into lines of a table, tables written as Excel workbooks, and long order lists
// exported in the background with their progress kept in the database. It computes no measure itself
// (internal/measure does) and reads no order for a number (the rollups hold them); it speaks no SQL
// and no HTTP. A page and the file made from it come from the same Sheet, so that the file holds
// exactly what the screen shows.
package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// CellKind says how a cell is written: as text, or as a number with the format that makes Excel show
// it exactly as the page does.
type CellKind int

const (
	Text  CellKind = iota
	Count          // a whole number
	Rate           // a fraction shown as a percentage with one decimal
	Hours          // a duration in hours with one decimal
)

// Cell is one value of a table: Text is what the page shows; a number cell also carries Value, the
// number the file holds, already rounded to what Text shows.
type Cell struct {
	Kind  CellKind
	Text  string
	Value float64
}

// Missing is what a cell without a value shows: a rate with no denominator, a time never reached.
const Missing = "—"

// TextCell is a cell of text.
func TextCell(s string) Cell { return Cell{Kind: Text, Text: s} }

// CountCell is a whole number.
func CountCell(n int64) Cell {
	return Cell{Kind: Count, Text: strconv.FormatInt(n, 10), Value: float64(n)}
}

// RateCell is a rate as a percentage with one decimal ("97.8%"), or Missing when it has no value.
func RateCell(r *float64) Cell {
	if r == nil {
		return TextCell(Missing)
	}
	v := math.Round(*r*1000) / 1000
	return Cell{Kind: Rate, Text: strconv.FormatFloat(v*100, 'f', 1, 64) + "%", Value: v}
}

// HoursCell is a number of hours with one decimal, or Missing when it has no value.
func HoursCell(h *float64) Cell {
	if h == nil {
		return TextCell(Missing)
	}
	v := math.Round(*h*10) / 10
	return Cell{Kind: Hours, Text: strconv.FormatFloat(v, 'f', 1, 64), Value: v}
}

// Sheet is one table: its title, its column headings and its rows, each as long as Columns.
type Sheet struct {
	ID      string // names the table on the page
	Title   string
	Columns []string
	Rows    [][]Cell
}

// numFormats are the Excel number formats that show a value as Text does.
var numFormats = map[CellKind]string{Count: "0", Rate: "0.0%", Hours: "0.0"}

// Workbook writes sheets one row at a time through excelize's stream writer, so that a sheet of a
// hundred thousand rows never sits in memory whole. Sheets are written one after the other.
type Workbook struct {
	f      *excelize.File
	styles map[CellKind]int
	header int
	names  map[string]bool
	sheets int
}

// NewWorkbook starts an empty workbook.
func NewWorkbook() (*Workbook, error) {
	b := &Workbook{f: excelize.NewFile(), styles: map[CellKind]int{}, names: map[string]bool{}}
	for kind, code := range numFormats {
		id, err := b.f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			b.f.Close()
			return nil, fmt.Errorf("excel style: %w", err)
		}
		b.styles[kind] = id
	}
	id, err := b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E6EFF6"}}})
	if err != nil {
		b.f.Close()
		return nil, fmt.Errorf("excel style: %w", err)
	}
	b.header = id
	return b, nil
}

// Close releases the workbook's temporary files.
func (b *Workbook) Close() error { return b.f.Close() }

// SheetWriter appends the rows of one sheet.
type SheetWriter struct {
	b    *Workbook
	sw   *excelize.StreamWriter
	cols int
	row  int
}

// Sheet starts the next worksheet, named after title as far as Excel allows, with its heading row
// frozen at the top. The previous sheet must be closed first.
func (b *Workbook) Sheet(title string, columns []string) (*SheetWriter, error) {
	name := b.sheetName(title)
	if b.sheets == 0 {
		if err := b.f.SetSheetName(b.f.GetSheetName(0), name); err != nil {
			return nil, fmt.Errorf("excel sheet %q: %w", name, err)
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("excel sheet %q: %w", name, err)
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("excel sheet %q: %w", name, err)
	}
	for i, c := range columns {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(c, i)); err != nil {
			return nil, fmt.Errorf("excel sheet %q: %w", name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("excel sheet %q: %w", name, err)
	}
	w := &SheetWriter{b: b, sw: sw, cols: len(columns), row: 1}
	head := make([]any, len(columns))
	for i, c := range columns {
		head[i] = excelize.Cell{StyleID: b.header, Value: c}
	}
	if err := w.put(head); err != nil {
		return nil, err
	}
	return w, nil
}

// columnWidth fits a column to its heading (CJK characters are two wide), the first (a name) wider.
func columnWidth(heading string, i int) float64 {
	w := 2.0
	for _, r := range heading {
		w++
		if r > 0x2E80 {
			w++
		}
	}
	if i == 0 {
		w = max(w, 26)
	}
	return min(max(w, 10), 48)
}

// Row appends one row; it must have one cell per column.
func (w *SheetWriter) Row(cells []Cell) error {
	if len(cells) != w.cols {
		return fmt.Errorf("excel row %d: %d cells for %d columns", w.row, len(cells), w.cols)
	}
	vals := make([]any, len(cells))
	for i, c := range cells {
		if c.Kind == Text {
			vals[i] = c.Text
			continue
		}
		vals[i] = excelize.Cell{StyleID: w.b.styles[c.Kind], Value: c.Value}
	}
	return w.put(vals)
}

func (w *SheetWriter) put(vals []any) error {
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	if err := w.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("excel row %d: %w", w.row, err)
	}
	w.row++
	return nil
}

// Close ends the sheet.
func (w *SheetWriter) Close() error {
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("excel sheet: %w", err)
	}
	return nil
}

// WriteTo writes the workbook as an .xlsx file.
func (b *Workbook) WriteTo(out io.Writer) (int64, error) {
	if b.sheets == 0 {
		return 0, fmt.Errorf("excel: a workbook needs at least one sheet")
	}
	return b.f.WriteTo(out)
}

// sheetName turns a title into a worksheet name Excel accepts — at most 31 characters, none of
// : \ / ? * [ ] — and that no earlier sheet of the workbook has.
func (b *Workbook) sheetName(title string) string {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '、'
		}
		return r
	}, strings.TrimSpace(title))
	clean = strings.Trim(clean, "'")
	if clean == "" {
		clean = "Sheet"
	}
	name := clip(clean, 31)
	for n := 2; b.names[strings.ToLower(name)]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		name = clip(clean, 31-len(suffix)) + suffix
	}
	b.names[strings.ToLower(name)] = true
	return name
}

// clip keeps the first n characters of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// WriteXLSX writes the tables as one workbook, one worksheet each, in order.
func WriteXLSX(out io.Writer, sheets []Sheet) error {
	b, err := NewWorkbook()
	if err != nil {
		return err
	}
	defer b.Close()
	for _, s := range sheets {
		w, err := b.Sheet(s.Title, s.Columns)
		if err != nil {
			return err
		}
		for _, r := range s.Rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	_, err = b.WriteTo(out)
	return err
}
