package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
)

const categoryColumns = `code, COALESCE(parent_code, ''), level, name, description, keywords, group_name, active, sort_order, attributes, version`

func scanCategory(row interface{ Scan(...any) error }) (category.Category, error) {
	var c category.Category
	var keywords, attrs string
	if err := row.Scan(&c.Code, &c.ParentCode, &c.Level, &c.Name, &c.Description, &keywords, &c.Group, &c.Active, &c.SortOrder, &attrs, &c.Version); err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(keywords), &c.Keywords); err != nil {
		return c, fmt.Errorf("category %s: keywords: %w", c.Code, err)
	}
	if err := json.Unmarshal([]byte(attrs), &c.Attributes); err != nil {
		return c, fmt.Errorf("category %s: attributes: %w", c.Code, err)
	}
	// Empty lists come back as nil, as they went in, so that a stored category equals the one given.
	if len(c.Keywords) == 0 {
		c.Keywords = nil
	}
	if len(c.Attributes) == 0 {
		c.Attributes = nil
	}
	return c, nil
}

// encodeLists renders keywords and attributes as the JSON arrays the table keeps.
func encodeLists(c category.Category) (keywords, attrs string, err error) {
	k, err := json.Marshal(append([]string{}, c.Keywords...))
	if err != nil {
		return "", "", fmt.Errorf("category %s: keywords: %w", c.Code, err)
	}
	a, err := json.Marshal(append([]category.Attribute{}, c.Attributes...))
	if err != nil {
		return "", "", fmt.Errorf("category %s: attributes: %w", c.Code, err)
	}
	return string(k), string(a), nil
}

// CategoryFilter narrows a listing of categories. Zero fields do not filter.
type CategoryFilter struct {
	// ActiveOnly keeps the categories a new order may be filed under: active, and under active
	// parents all the way up. Pickers and the Open311 service list use it.
	ActiveOnly bool
	ParentCode string
	Level      int
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryCategories(ctx context.Context, q queryer, f CategoryFilter) ([]category.Category, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE usable (code) AS (
			SELECT code FROM categories WHERE parent_code IS NULL AND active AND $1
			UNION ALL
			SELECT c.code FROM categories c JOIN usable u ON c.parent_code = u.code WHERE c.active
		)
		SELECT `+categoryColumns+` FROM categories
		WHERE ($1 = FALSE OR code IN (SELECT code FROM usable)) AND ($2 = '' OR parent_code = $2) AND ($3 = 0 OR level = $3)
		ORDER BY level, sort_order, code`, f.ActiveOnly, f.ParentCode, f.Level)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	defer rows.Close()
	var out []category.Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, fmt.Errorf("list categories: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Categories lists categories ordered by level, sort order and code. The catalogue is small (hundreds
// of rows), so callers that need the tree or display order load it whole and use category.NewTree.
func (s *Store) Categories(ctx context.Context, f CategoryFilter) ([]category.Category, error) {
	return queryCategories(ctx, s.r, f)
}

// Category returns one category by code, active or not: old orders still show what they were filed under.
func (s *Store) Category(ctx context.Context, code string) (category.Category, error) {
	c, err := scanCategory(s.r.QueryRowContext(ctx, `SELECT `+categoryColumns+` FROM categories WHERE code = $1`, code))
	return c, lookupErr(err, "category "+code)
}

func insertCategory(ctx context.Context, tx *sql.Tx, c category.Category, now int64) error {
	keywords, attrs, err := encodeLists(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO categories (code, parent_code, level, name, description, keywords, group_name, active, sort_order, attributes, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)`,
		c.Code, nullString(c.ParentCode), c.Level, c.Name, c.Description, keywords, c.Group, c.Active, c.SortOrder, attrs, now, c.Version)
	if isUniqueViolation(err) {
		return fmt.Errorf("code: %w: category %s, or a sibling with the name %s, was stored meanwhile; reload and try again", ErrConflict, c.Code, c.Name)
	}
	if err != nil {
		return fmt.Errorf("create category %s: %w", c.Code, err)
	}
	return nil
}

// updateCategory writes c over the stored row whose version is still c.Version and reports whether
// there was one.
func updateCategory(ctx context.Context, tx *sql.Tx, c category.Category, now int64) (bool, error) {
	keywords, attrs, err := encodeLists(c)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE categories SET parent_code = $3, name = $4, description = $5, keywords = $6, group_name = $7,
		active = $8, sort_order = $9, attributes = $10, updated_at = $11, version = version + 1
		WHERE code = $1 AND version = $2`,
		c.Code, c.Version, nullString(c.ParentCode), c.Name, c.Description, keywords, c.Group, c.Active, c.SortOrder, attrs, now)
	if isUniqueViolation(err) {
		return false, fmt.Errorf("name: %w: a sibling named %s was stored meanwhile; reload and try again", ErrConflict, c.Name)
	}
	if err != nil {
		return false, fmt.Errorf("update category %s: %w", c.Code, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// changedFields names, in the API's words, what differs between two versions of a category.
func changedFields(old, c category.Category) []string {
	var out []string
	oldK, oldA, _ := encodeLists(old)
	newK, newA, _ := encodeLists(c)
	for _, f := range []struct {
		name string
		same bool
	}{
		{"name", old.Name == c.Name}, {"parent", old.ParentCode == c.ParentCode}, {"description", old.Description == c.Description},
		{"keywords", oldK == newK}, {"group", old.Group == c.Group}, {"active", old.Active == c.Active},
		{"sort_order", old.SortOrder == c.SortOrder}, {"attributes", oldA == newA},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// CreateCategory stores a new category with version 1. When c.Code is empty, the next free code
// under c.ParentCode is given (see category.NextCode) and c.Level set from it; an administrator
// names the matter and the system numbers it.
func (s *Store) CreateCategory(ctx context.Context, who audit.Who, c category.Category) (category.Category, error) {
	c.Version = 1
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		all, err := queryCategories(ctx, tx, CategoryFilter{})
		if err != nil {
			return err
		}
		if c.Code == "" {
			code, err := category.NextCode(all, c.ParentCode)
			if err != nil {
				return err
			}
			c.Code, c.Level = code, category.LevelOf(code)
		}
		if err := c.ValidateNew(); err != nil {
			return err
		}
		if slices.ContainsFunc(all, func(o category.Category) bool { return o.Code == c.Code }) {
			return fmt.Errorf("code: %w: category %s already exists", ErrConflict, c.Code)
		}
		if err := category.NewTree(all).Fits(c); err != nil {
			return err
		}
		if err := insertCategory(ctx, tx, c, s.nowMillis()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "category.create", ObjectType: "category", ObjectID: c.Code,
			Detail: map[string]any{"name": c.Name, "parent": c.ParentCode, "active": c.Active}})
	})
	return c, err
}

// UpdateCategory writes c over the stored category if the stored version still equals c.Version
// (ErrConflict otherwise) and returns it with the new version. The code and level never change; a
// new ParentCode at the same level moves the category, and Active=false retires it. Orders filed
// under it keep pointing at it either way.
func (s *Store) UpdateCategory(ctx context.Context, who audit.Who, c category.Category) (category.Category, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		all, err := queryCategories(ctx, tx, CategoryFilter{})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(o category.Category) bool { return o.Code == c.Code })
		if i < 0 {
			return fmt.Errorf("category %s: %w", c.Code, ErrNotFound)
		}
		old := all[i]
		if old.Version != c.Version {
			return fmt.Errorf("category %s: %w: it was changed by someone else (version %d, yours %d); reload and try again", c.Code, ErrConflict, old.Version, c.Version)
		}
		if err := category.NewTree(all).Fits(c); err != nil {
			return err
		}
		ok, err := updateCategory(ctx, tx, c, s.nowMillis())
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("category %s: %w: it was changed by someone else; reload and try again", c.Code, ErrConflict)
		}
		c.Version++
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "category.update", ObjectType: "category", ObjectID: c.Code,
			Detail: map[string]any{"changed": changedFields(old, c), "name": c.Name, "parent": c.ParentCode, "active": c.Active}})
	})
	return c, err
}

// ImportCategories merges cats into the catalogue in one transaction: new codes are created, known
// codes take the given fields (their version is bumped, with no version check: the file wins), and
// categories the batch does not name stay as they are — an import never deletes. The merged
// catalogue must pass category.CheckCatalogue, or nothing is written. The audit entry counts what
// was created, updated and left unchanged. The demo seed and the CSV import use it.
func (s *Store) ImportCategories(ctx context.Context, who audit.Who, cats []category.Category) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := queryCategories(ctx, tx, CategoryFilter{})
		if err != nil {
			return err
		}
		merged := slices.Clone(stored)
		index := make(map[string]int, len(stored))
		for i, c := range stored {
			index[c.Code] = i
		}
		inBatch := make(map[string]bool, len(cats))
		var creates, updates []category.Category
		unchanged := 0
		for _, c := range cats {
			if inBatch[c.Code] {
				return &category.FieldError{Field: "code", Problem: fmt.Sprintf("%s is listed twice in the import", c.Code)}
			}
			inBatch[c.Code] = true
			i, known := index[c.Code]
			if !known {
				c.Version = 1
				creates = append(creates, c)
				merged = append(merged, c)
				continue
			}
			c.Version = merged[i].Version
			if len(changedFields(merged[i], c)) == 0 {
				unchanged++
				continue
			}
			updates = append(updates, c)
			merged[i] = c
		}
		if err := category.CheckCatalogue(merged); err != nil {
			return err
		}
		for _, c := range creates {
			if err := c.ValidateNew(); err != nil {
				return err
			}
		}
		// Parents go in before their children.
		sort.SliceStable(creates, func(i, j int) bool { return creates[i].Level < creates[j].Level })
		now := s.nowMillis()
		for _, c := range creates {
			if err := insertCategory(ctx, tx, c, now); err != nil {
				return err
			}
		}
		for _, c := range updates {
			ok, err := updateCategory(ctx, tx, c, now)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("category %s: %w: it was changed during the import; try again", c.Code, ErrConflict)
			}
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "category.import", ObjectType: "category", ObjectID: "",
			Detail: map[string]any{"created": len(creates), "updated": len(updates), "unchanged": unchanged}})
	})
}
