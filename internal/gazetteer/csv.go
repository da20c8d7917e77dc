package gazetteer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/org"
)

// csvColumns are the columns of an address list file, each with the Chinese headings spreadsheets use.
var csvColumns = []struct {
	name     string
	headings []string
	required bool
}{
	{"kind", []string{"类型", "种类"}, true},
	{"name", []string{"名称"}, true},
	{"aliases", []string{"别名"}, true},
	{"address", []string{"地址", "标准地址"}, true},
	{"lng", []string{"经度"}, true},
	{"lat", []string{"纬度"}, true},
	{"grid", []string{"网格", "网格编码"}, false},
}

// aliasSeparators split the aliases cell: 康乐花园|电厂宿舍.
const aliasSeparators = "|;；、"

// maxProblems is how many problems a refusal lists; the rest are counted.
const maxProblems = 50

// ImportCheck is what the rows of a file are checked against.
type ImportCheck struct {
	// Locate returns the grid that holds a point: the foundation's index (see internal/locate).
	Locate func(lng, lat float64) (grid string, ok bool)
	// Grids are the codes of the city's grids.
	Grids map[string]bool
	// Stored are the keys (see Key) of the addresses already listed, when the file adds to the list;
	// nil when it replaces the list.
	Stored map[string]bool
}

// Problem is one reason a file was refused: its line, the column at fault and what is wrong.
type Problem struct {
	Line   int
	Column string
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("line %d, %s: %s", p.Line, p.Column, p.Reason) }

// ImportError refuses a whole file and lists its problems (up to maxProblems), so that whoever fixes
// the file can fix it in one go.
type ImportError struct {
	Problems []Problem
	More     int // problems found beyond those listed
}

func (e *ImportError) Error() string {
	var b strings.Builder
	n := len(e.Problems) + e.More
	if n == 1 {
		b.WriteString("the file was refused, 1 problem:")
	} else {
		fmt.Fprintf(&b, "the file was refused, %d problems:", n)
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

func (e *ImportError) add(line int, column, format string, args ...any) {
	if len(e.Problems) == maxProblems {
		e.More++
		return
	}
	e.Problems = append(e.Problems, Problem{Line: line, Column: column, Reason: fmt.Sprintf(format, args...)})
}

// ParseCSV reads an address list: a header row naming the columns kind, name, aliases, address, lng,
// lat and optionally grid (in any order, in English or Chinese), then one entry per row. A row without
// a grid gets the grid its point lies in. Any bad row refuses the whole file with an *ImportError that
// names every bad row and column: an unknown kind, an empty name or address, a point outside the city,
// an unknown grid, an address given twice or already listed.
func ParseCSV(r io.Reader, check ImportCheck) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; want a header kind,name,aliases,address,lng,lat[,grid]")
	}
	if err != nil {
		return nil, err
	}
	col, err := readHeader(header)
	if err != nil {
		return nil, err
	}
	records, err := readRecords(cr)
	if err != nil {
		return nil, err
	}
	var out []Entry
	problems := &ImportError{}
	seen := map[string]int{} // address key → line
	for _, rec := range records {
		line, row := rec.line, rec.cells
		cell := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		if len(row) > len(header) {
			problems.add(line, "row", "%d cells, but the header names %d columns", len(row), len(header))
			continue
		}
		if strings.Join(row, "") == "" {
			continue
		}
		e, ok := parseRow(line, cell, check, problems)
		if !ok {
			continue
		}
		key := Key(e.Address)
		switch first, dup := seen[key]; {
		case dup:
			problems.add(line, "address", "%s is the address of line %d too", e.Address, first)
			continue
		case check.Stored[key]:
			problems.add(line, "address", "%s is already in the list", e.Address)
			continue
		}
		seen[key] = line
		out = append(out, e)
	}
	if len(problems.Problems) > 0 {
		return nil, problems
	}
	if len(out) == 0 {
		return nil, errors.New("the file lists no entries")
	}
	return out, nil
}

// record is one row of a file and the line it starts on.
type record struct {
	line  int
	cells []string
}

// readRecords reads the rows after the header.
func readRecords(cr *csv.Reader) ([]record, error) {
	var out []record
	for {
		cells, err := cr.Read()
		switch {
		case errors.Is(err, io.EOF):
			return out, nil
		case err != nil:
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		out = append(out, record{line, cells})
	}
}

// readHeader maps each column name to its position, refusing unknown and missing columns.
func readHeader(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		found := false
		for _, c := range csvColumns {
			if h == c.name || slices.Contains(c.headings, h) {
				if _, twice := col[c.name]; twice {
					return nil, fmt.Errorf("line 1: column %s is named twice", c.name)
				}
				col[c.name], found = i, true
			}
		}
		if !found {
			return nil, fmt.Errorf("line 1: column %d is %q; want kind,name,aliases,address,lng,lat[,grid] (or 类型,名称,别名,地址,经度,纬度,网格)", i+1, header[i])
		}
	}
	for _, c := range csvColumns {
		if _, ok := col[c.name]; !ok && c.required {
			return nil, fmt.Errorf("line 1: no %s column; want kind,name,aliases,address,lng,lat[,grid]", c.name)
		}
	}
	return col, nil
}

// parseRow reads one entry, adding what is wrong with it to problems.
func parseRow(line int, cell func(string) string, check ImportCheck, problems *ImportError) (Entry, bool) {
	before := len(problems.Problems) + problems.More
	var e Entry
	kind, err := ParseKind(cell("kind"))
	if err != nil {
		problems.add(line, "kind", "%v", err)
	}
	e.Kind, e.Name, e.Address = kind, cell("name"), cell("address")
	for _, f := range []struct{ field, value string }{{"name", e.Name}, {"address", e.Address}} {
		limit := MaxName
		if f.field == "address" {
			limit = MaxAddress
		}
		if err := checkText(f.field, f.value, limit); err != nil {
			problems.add(line, f.field, "%s", strings.TrimPrefix(err.Error(), f.field+": "))
		}
	}
	for _, a := range strings.FieldsFunc(cell("aliases"), func(r rune) bool { return strings.ContainsRune(aliasSeparators, r) }) {
		if a = strings.TrimSpace(a); a != "" {
			e.Aliases = append(e.Aliases, a)
		}
	}
	for i, a := range e.Aliases {
		if err := checkText("aliases", a, MaxName); err != nil {
			problems.add(line, "aliases", "alias %d: %s", i+1, strings.TrimPrefix(err.Error(), "aliases: "))
		}
	}
	if len(e.Aliases) > MaxAliases {
		problems.add(line, "aliases", "%d aliases, at most %d", len(e.Aliases), MaxAliases)
	}
	var pointOK bool
	e.Lng, e.Lat, pointOK = parsePoint(line, cell, problems)
	if grid := cell("grid"); grid != "" {
		switch err := org.ValidateCode(grid, org.LevelGrid); {
		case err != nil:
			problems.add(line, "grid", "%v", err)
		case !check.Grids[grid]:
			problems.add(line, "grid", "%s is not a grid of the city", grid)
		}
		e.Grid = grid
	}
	if pointOK {
		located, in := check.Locate(e.Lng, e.Lat)
		switch {
		case !in:
			problems.add(line, "lng/lat", "the point (%v, %v) is outside every grid of the city", e.Lng, e.Lat)
		case e.Grid == "":
			e.Grid = located
		}
	}
	return e, len(problems.Problems)+problems.More == before
}

// parsePoint reads the lng and lat cells as a longitude and a latitude.
func parsePoint(line int, cell func(string) string, problems *ImportError) (lng, lat float64, ok bool) {
	ok = true
	for _, c := range []struct {
		name  string
		to    *float64
		limit float64
	}{{"lng", &lng, 180}, {"lat", &lat, 90}} {
		v, err := strconv.ParseFloat(cell(c.name), 64)
		switch {
		case cell(c.name) == "":
			problems.add(line, c.name, "required")
		case err != nil:
			problems.add(line, c.name, "%q is not a number", cell(c.name))
		case v < -c.limit || v > c.limit || v != v:
			problems.add(line, c.name, "%v is out of range", v)
		default:
			*c.to = v
			continue
		}
		ok = false
	}
	return lng, lat, ok
}
