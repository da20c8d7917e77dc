package category

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Tree answers questions about a whole catalogue: a category's children, its path from the top,
// and the catalogue in display order.
type Tree struct {
	byCode   map[string]Category
	children map[string][]Category // by parent code; "" holds the level-1 categories
}

// NewTree indexes cats. Children are kept in display order: SortOrder, then code.
func NewTree(cats []Category) *Tree {
	t := &Tree{byCode: make(map[string]Category, len(cats)), children: map[string][]Category{}}
	for _, c := range cats {
		t.byCode[c.Code] = c
		t.children[c.ParentCode] = append(t.children[c.ParentCode], c)
	}
	for _, kids := range t.children {
		sort.Slice(kids, func(i, j int) bool {
			if kids[i].SortOrder != kids[j].SortOrder {
				return kids[i].SortOrder < kids[j].SortOrder
			}
			return kids[i].Code < kids[j].Code
		})
	}
	return t
}

// Children lists the categories directly under code, in display order; code "" gives the level-1
// categories.
func (t *Tree) Children(code string) []Category { return t.children[code] }

// Path lists the categories from the top of the tree down to code, code last. It is empty for an
// unknown code.
func (t *Tree) Path(code string) []Category {
	var path []Category
	for range MaxLevel {
		c, ok := t.byCode[code]
		if !ok {
			break
		}
		path = append(path, c)
		code = c.ParentCode
		if code == "" {
			break
		}
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// InUse reports whether code is in the catalogue and whether a new order may be filed under it: the
// category and every category above it are active.
func (t *Tree) InUse(code string) (known, inUse bool) {
	path := t.Path(code)
	if len(path) == 0 {
		return false, false
	}
	for _, c := range path {
		if !c.Active {
			return true, false
		}
	}
	return true, path[0].ParentCode == ""
}

// Subtree lists code and every category under it, at any depth, parents before children.
func (t *Tree) Subtree(code string) []string {
	out := []string{code}
	for i := 0; i < len(out) && i < len(t.byCode)+1; i++ {
		for _, c := range t.children[out[i]] {
			out = append(out, c.Code)
		}
	}
	return out
}

// PathName joins the names along the path with "/", e.g. "市政设施/城市照明/路灯不亮": the way
// screens and exports name a category unambiguously.
func (t *Tree) PathName(code string) string {
	path := t.Path(code)
	names := make([]string, len(path))
	for i, c := range path {
		names[i] = c.Name
	}
	return strings.Join(names, "/")
}

// Flatten lists the whole catalogue depth first, each category followed by its children, in display
// order: the order a picker or an admin list shows it.
func (t *Tree) Flatten() []Category {
	out := make([]Category, 0, len(t.byCode))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		if depth > MaxLevel {
			return
		}
		for _, c := range t.children[parent] {
			out = append(out, c)
			walk(c.Code, depth+1)
		}
	}
	walk("", 1)
	return out
}

// CheckCatalogue checks a whole catalogue: every category valid, no code used twice, every parent
// present, and no two siblings with the same name, so that a path names exactly one category.
func CheckCatalogue(cats []Category) error {
	seen := make(map[string]bool, len(cats))
	for _, c := range cats {
		if err := c.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return fieldErr(fe.Field, "category %s: %s", c.Code, fe.Problem)
			}
			return fmt.Errorf("category %s: %w", c.Code, err)
		}
		if seen[c.Code] {
			return fieldErr("code", "%s is used by two categories", c.Code)
		}
		seen[c.Code] = true
	}
	t := NewTree(cats)
	for _, c := range cats {
		if err := t.Fits(c); err != nil {
			return err
		}
	}
	return nil
}

// Fits checks that c can take its place in the catalogue: its parent is there, and no other
// category under that parent has its name. c itself may already be in the tree (an edit).
func (t *Tree) Fits(c Category) error {
	if _, ok := t.byCode[c.ParentCode]; c.ParentCode != "" && !ok {
		return fieldErr("parent", "category %s: parent %s is not in the catalogue", c.Code, c.ParentCode)
	}
	for _, s := range t.children[c.ParentCode] {
		if s.Code != c.Code && s.Name == c.Name {
			where := "at the top level"
			if c.ParentCode != "" {
				where = "under " + t.PathName(c.ParentCode)
			}
			return fieldErr("name", "category %s: %s %s already has the name %s", c.Code, s.Code, where, c.Name)
		}
	}
	return nil
}

// NextCode allocates the code for a new category under parent ("" for a new level-1 category): one
// more than the highest code ever given under that parent. Codes of categories that moved away still
// count, because codes are never reused.
func NextCode(cats []Category, parent string) (string, error) {
	if parent != "" && (!ValidCode(parent) || LevelOf(parent) >= MaxLevel) {
		return "", fieldErr("parent", "%q cannot have children: want the code of a category above level %d", parent, MaxLevel)
	}
	highest := 0
	for _, c := range cats {
		if len(c.Code) != len(parent)+2 || !strings.HasPrefix(c.Code, parent) {
			continue
		}
		if n, err := strconv.Atoi(c.Code[len(parent):]); err == nil && n > highest {
			highest = n
		}
	}
	if highest >= 99 {
		return "", fieldErr("parent", "all 99 codes under %q are taken", parent)
	}
	return fmt.Sprintf("%s%02d", parent, highest+1), nil
}
