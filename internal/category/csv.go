package category

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// levelHeaders are the column names a catalogue CSV may use for each level, in English or as the
// Chinese spreadsheets that centres exchange name them.
var levelHeaders = [MaxLevel][]string{
	{"level1", "一级分类", "一级"},
	{"level2", "二级分类", "二级"},
	{"level3", "三级分类", "三级"},
	{"level4", "四级分类", "四级"},
}

// ParseCSV reads a catalogue written as one path per row (level1,level2,level3, as spreadsheets
// keep it) and returns the categories it adds to existing: a name that already sits under the same
// parent is reused with its code, and a new one gets the next free code (see NextCode) and is made
// active, with its level-1 name as its Open311 group. Rows may stop early (a level-2 leaf leaves
// level3 empty). The first row names the columns. Errors give the line number.
func ParseCSV(r io.Reader, existing []Category) ([]Category, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; want a header such as level1,level2,level3")
	}
	if err != nil {
		return nil, err
	}
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	columns := len(header)

	all := append([]Category(nil), existing...)
	byPath := map[string]Category{} // parent code + "\x00" + name
	for _, c := range existing {
		byPath[c.ParentCode+"\x00"+c.Name] = c
	}
	var added []Category
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		names, err := rowPath(row, columns)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if names == nil {
			continue
		}
		parent, group := "", ""
		for level, name := range names {
			c, ok := byPath[parent+"\x00"+name]
			if !ok {
				code, err := NextCode(all, parent)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", line, levelHeaders[level][0], err)
				}
				if level == 0 {
					group = name
				}
				number, _ := strconv.Atoi(code[len(parent):])
				c = Category{Code: code, Name: name, ParentCode: parent, Level: level + 1, Group: group, Active: true, SortOrder: number}
				if err := c.ValidateNew(); err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", line, levelHeaders[level][0], err)
				}
				byPath[parent+"\x00"+name] = c
				all = append(all, c)
				added = append(added, c)
			}
			if level == 0 {
				group = c.Group
				if group == "" {
					group = c.Name
				}
			}
			parent = c.Code
		}
	}
	return added, nil
}

// checkHeader makes sure the first row names the levels, so that a file without a header does not
// lose its first path silently.
func checkHeader(header []string) error {
	if len(header) < 1 || len(header) > MaxLevel {
		return fmt.Errorf("line 1: want a header of 1 to %d level columns, such as level1,level2,level3", MaxLevel)
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, name := range levelHeaders[i] {
			known = known || h == name
		}
		if !known {
			return fmt.Errorf("line 1: column %d is %q; want a header such as level1,level2,level3 (or 一级分类,二级分类,三级分类)", i+1, header[i])
		}
	}
	return nil
}

// rowPath returns the names of one row from the top down (none for a blank row), refusing a gap (an
// empty level with a named one below it) and extra columns.
func rowPath(row []string, columns int) ([]string, error) {
	if len(row) > columns {
		return nil, fmt.Errorf("%d columns, but the header names %d", len(row), columns)
	}
	var names []string
	for i, cell := range row {
		cell = strings.TrimSpace(cell)
		if cell == "" {
			for _, rest := range row[i+1:] {
				if strings.TrimSpace(rest) != "" {
					return nil, fmt.Errorf("%s is empty but a lower level is named", levelHeaders[i][0])
				}
			}
			break
		}
		names = append(names, cell)
	}
	return names, nil
}
