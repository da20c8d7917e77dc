package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// columnNames are the header names ReadCSV accepts for each field, in English or as Chinese
// spreadsheets name them.
var columnNames = [3][]string{
	{"title", "标题", "主题"},
	{"body", "description", "内容", "描述", "详情"},
	{"label", "category", "type", "类别", "分类", "标签"},
}

// ReadCSV reads labelled examples from a CSV file whose header names the columns title, body and
// label (in any order; other columns such as id or time are ignored). Errors name the line and the
// column.
func ReadCSV(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; want a header with title,body,label")
	}
	if err != nil {
		return nil, err
	}
	var at [3]int
	for field, names := range columnNames {
		at[field] = -1
		for i, h := range header {
			h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			for _, name := range names {
				if h == name && at[field] < 0 {
					at[field] = i
				}
			}
		}
		if at[field] < 0 {
			return nil, fmt.Errorf("line 1: no %s column; the header must name title, body and label", names[0])
		}
	}
	var out []Example
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		var cell [3]string
		for field, i := range at {
			if i >= len(row) {
				return nil, fmt.Errorf("line %d: column %s: missing (the row has %d columns, the header %d)", line, columnNames[field][0], len(row), len(header))
			}
			cell[field] = strings.TrimSpace(row[i])
		}
		if cell[2] == "" {
			return nil, fmt.Errorf("line %d: column label: empty", line)
		}
		if cell[0] == "" && cell[1] == "" {
			return nil, fmt.Errorf("line %d: columns title and body: both empty", line)
		}
		out = append(out, Example{Title: cell[0], Body: cell[1], Label: cell[2]})
	}
}
