package category

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The demo catalogue is kept as text that a Chinese-speaking administrator can read and correct:
// data/catalogue.txt holds the tree, one category a line, and data/attributes.json the Open311
// attributes of the few categories that ask extra questions.
//
//go:embed data/catalogue.txt data/attributes.json
var demoFiles embed.FS

// Demo returns the demo city's catalogue: a three-level tree of the matters a Chinese 12345 centre
// takes, parents before children, every category active and grouped under its level-1 name. The
// caller gets its own copy.
func Demo() ([]Category, error) {
	text, err := demoFiles.ReadFile("data/catalogue.txt")
	if err != nil {
		return nil, err
	}
	cats, err := parseCatalogueText(text)
	if err != nil {
		return nil, fmt.Errorf("catalogue.txt: %w", err)
	}
	raw, err := demoFiles.ReadFile("data/attributes.json")
	if err != nil {
		return nil, err
	}
	var attrs map[string][]Attribute
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&attrs); err != nil {
		return nil, fmt.Errorf("attributes.json: %w", err)
	}
	index := make(map[string]int, len(cats))
	for i, c := range cats {
		index[c.Code] = i
	}
	for code, a := range attrs {
		i, ok := index[code]
		if !ok {
			return nil, fmt.Errorf("attributes.json: category %s is not in catalogue.txt", code)
		}
		cats[i].Attributes = a
	}
	if err := CheckCatalogue(cats); err != nil {
		return nil, err
	}
	return cats, nil
}

// parseCatalogueText reads lines of "CODE NAME [| keywords, comma-separated [| description]]".
// Blank lines and lines starting with "#" are skipped; indentation is only for the eye. Siblings
// keep the order of the file, and each category takes its level-1 ancestor's name as its group.
func parseCatalogueText(text []byte) ([]Category, error) {
	var cats []Category
	siblings := map[string]int{}
	groups := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, rest, _ := strings.Cut(line, " ")
		parts := strings.Split(rest, "|")
		if len(parts) > 3 {
			return nil, fmt.Errorf("line %d: want CODE NAME | keywords | description", n)
		}
		c := Category{Code: code, Name: strings.TrimSpace(parts[0]), Level: LevelOf(code), ParentCode: ParentOf(code), Active: true}
		if len(parts) > 1 {
			for _, k := range strings.Split(parts[1], ",") {
				if k = strings.TrimSpace(k); k != "" {
					c.Keywords = append(c.Keywords, k)
				}
			}
		}
		if len(parts) > 2 {
			c.Description = strings.TrimSpace(parts[2])
		}
		siblings[c.ParentCode]++
		c.SortOrder = siblings[c.ParentCode]
		c.Group = c.Name
		if c.ParentCode != "" {
			c.Group = groups[c.ParentCode]
		}
		groups[c.Code] = c.Group
		if err := c.ValidateNew(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		cats = append(cats, c)
	}
	return cats, sc.Err()
}
