// Package category is the catalogue of matters (分类目录) that every work order is filed under: a tree
// of up to four levels that administrators edit, and from which the Open311 services are built. It
// knows nothing of storage or HTTP.
package category

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLevel is the deepest a category may sit. Catalogues in use have three levels; one more leaves
// room for a city that splits its leaves further.
const MaxLevel = 4

// Limits on what one category may carry, so that pickers, Open311 clients and exports stay usable.
const (
	maxNameRunes        = 40
	maxDescriptionRunes = 500
	maxGroupRunes       = 40
	maxKeywords         = 20
	maxKeywordRunes     = 20
	maxAttributes       = 20
	maxAttrDescRunes    = 200
	maxValues           = 100
	maxValueNameRunes   = 50
)

// Category is one node of the catalogue.
//
// Code is two digits per level ("01", "0103", "010302"). A new category's code starts with its
// parent's code, and the code never changes afterwards — not even when the category moves under
// another parent — because work orders and Open311 clients keep it. So children are found by
// ParentCode, never by prefix. Nothing is ever deleted: a category that is no longer wanted is made
// inactive, which hides it from pickers while old orders still show it.
type Category struct {
	Code        string
	Name        string // shown in pickers and joined into paths with "/", so it holds no "/"
	ParentCode  string // "" for a level-1 category
	Level       int    // 1..MaxLevel, always len(Code)/2
	Description string
	Keywords    []string // search terms for pickers and Open311 "keywords"
	Group       string   // Open311 "group"; the demo and the CSV import use the level-1 name
	Active      bool
	SortOrder   int // position among siblings, smallest first
	Attributes  []Attribute
	Version     int // bumped by every stored change, for optimistic locking
}

// Datatype is the kind of input an attribute asks for, as Open311 names it.
type Datatype string

// The Open311 GeoReport v2 datatypes.
const (
	String          Datatype = "string"
	Number          Datatype = "number"
	Datetime        Datatype = "datetime"
	Text            Datatype = "text"
	SingleValueList Datatype = "singlevaluelist"
	MultiValueList  Datatype = "multivaluelist"
)

// Datatypes lists every datatype, in the order forms offer them.
var Datatypes = []Datatype{String, Number, Datetime, Text, SingleValueList, MultiValueList}

// IsList tells whether the datatype picks from Values.
func (d Datatype) IsList() bool { return d == SingleValueList || d == MultiValueList }

// Attribute is an extra question a category asks when a matter is reported (an Open311 service
// definition attribute), e.g. the number on a street-light pole. The JSON names are Open311's.
type Attribute struct {
	Code        string   `json:"code"`
	Datatype    Datatype `json:"datatype"`
	Required    bool     `json:"required"`
	Description string   `json:"description"` // the question as the citizen or agent reads it
	Order       int      `json:"order"`       // 1 is asked first
	Values      []Value  `json:"values,omitempty"`
}

// Value is one choice of a list attribute.
type Value struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// FieldError is a validation failure that names the input at fault, so that an API can answer
// with the field and a form can mark it. Field uses the JSON names, e.g. "attributes[1].values[0].key".
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// within puts a nested error under its container's field name.
func within(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Field: prefix + "." + fe.Field, Problem: fe.Problem}
	}
	return err
}

var codePattern = regexp.MustCompile(`^(?:0[1-9]|[1-9][0-9]){1,4}$`)

// ValidCode tells whether code is well formed: one to MaxLevel pairs of digits, none of them "00".
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// LevelOf is the level a code belongs to (two digits per level).
func LevelOf(code string) int { return len(code) / 2 }

// ParentOf is the parent part of a code as it was given when the category was created; after a move
// the category's ParentCode may differ.
func ParentOf(code string) string {
	if len(code) < 2 {
		return ""
	}
	return code[:len(code)-2]
}

// Validate checks the fields of one category, naming the first one that is wrong. Whether its
// parent exists and whether a sibling has the same name are questions for the whole catalogue
// (see CheckCatalogue).
func (c Category) Validate() error {
	if c.Code == "" {
		return fieldErr("code", "required")
	}
	if !ValidCode(c.Code) {
		return fieldErr("code", "%q: want two digits per level (01-99), e.g. 01, 0103, 010302; at most %d levels", c.Code, MaxLevel)
	}
	if c.Level != LevelOf(c.Code) {
		return fieldErr("level", "category %s sits at level %d, not %d", c.Code, LevelOf(c.Code), c.Level)
	}
	switch {
	case c.Level == 1 && c.ParentCode != "":
		return fieldErr("parent", "a level-1 category has no parent")
	case c.Level > 1 && (!ValidCode(c.ParentCode) || LevelOf(c.ParentCode) != c.Level-1):
		return fieldErr("parent", "category %s needs the code of a level-%d category as its parent", c.Code, c.Level-1)
	}
	if err := checkText("name", c.Name, maxNameRunes, true); err != nil {
		return err
	}
	if strings.Contains(c.Name, "/") {
		return fieldErr("name", `"/" separates the levels of a path and cannot be part of a name`)
	}
	if err := checkText("description", c.Description, maxDescriptionRunes, false); err != nil {
		return err
	}
	if err := checkKeywords(c.Keywords); err != nil {
		return err
	}
	if err := checkText("group", c.Group, maxGroupRunes, false); err != nil {
		return err
	}
	if c.SortOrder < 0 {
		return fieldErr("sort_order", "must not be negative")
	}
	return checkAttributes(c.Attributes)
}

// ValidateNew checks a category about to be created: its fields, and that its code starts with its
// parent's code, which holds at creation even though a later move may break it.
func (c Category) ValidateNew() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.ParentCode != ParentOf(c.Code) {
		return fieldErr("code", "%s does not start with its parent's code %s: a new category is numbered under its parent", c.Code, c.ParentCode)
	}
	return nil
}

// checkText checks a single-line (or, for descriptions, multi-line) text: length in characters,
// no stray spaces at either end, no control characters.
func checkText(field, s string, maxRunes int, required bool) error {
	switch {
	case s == "" && required:
		return fieldErr(field, "required")
	case strings.TrimSpace(s) != s:
		return fieldErr(field, "remove the spaces at either end")
	case s == "" && !required:
		return nil
	case utf8.RuneCountInString(s) > maxRunes:
		return fieldErr(field, "at most %d characters", maxRunes)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(field == "description" && (r == '\n' || r == '\t')) {
			return fieldErr(field, "control characters are not allowed")
		}
	}
	return nil
}

// checkKeywords keeps keywords short, distinct and free of commas, because Open311 sends them as
// one comma-separated string.
func checkKeywords(keywords []string) error {
	if len(keywords) > maxKeywords {
		return fieldErr("keywords", "at most %d keywords", maxKeywords)
	}
	seen := map[string]bool{}
	for i, k := range keywords {
		field := fmt.Sprintf("keywords[%d]", i)
		if err := checkText(field, k, maxKeywordRunes, true); err != nil {
			return err
		}
		if strings.ContainsAny(k, ",，、") {
			return fieldErr(field, "%q: one keyword per entry, without commas", k)
		}
		if seen[k] {
			return fieldErr(field, "%q is listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

func checkAttributes(attrs []Attribute) error {
	if len(attrs) > maxAttributes {
		return fieldErr("attributes", "at most %d attributes", maxAttributes)
	}
	seen := map[string]bool{}
	for i, a := range attrs {
		prefix := fmt.Sprintf("attributes[%d]", i)
		if err := a.Validate(); err != nil {
			return within(prefix, err)
		}
		if seen[a.Code] {
			return fieldErr(prefix+".code", "%q is used by two attributes", a.Code)
		}
		seen[a.Code] = true
	}
	return nil
}

var (
	attrCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	valueKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)
)

// Validate checks one attribute, naming the first field that is wrong.
func (a Attribute) Validate() error {
	if !attrCodePattern.MatchString(a.Code) {
		return fieldErr("code", "%q: 1-32 characters of a-z, 0-9 and '_', starting with a letter", a.Code)
	}
	known := false
	for _, d := range Datatypes {
		known = known || a.Datatype == d
	}
	if !known {
		return fieldErr("datatype", "%q: want one of string, number, datetime, text, singlevaluelist, multivaluelist", a.Datatype)
	}
	if err := checkText("description", a.Description, maxAttrDescRunes, true); err != nil {
		return err
	}
	if a.Order < 1 {
		return fieldErr("order", "want 1 or more (1 is asked first)")
	}
	switch {
	case a.Datatype.IsList() && len(a.Values) == 0:
		return fieldErr("values", "a %s needs at least one value", a.Datatype)
	case !a.Datatype.IsList() && len(a.Values) > 0:
		return fieldErr("values", "only list datatypes have values")
	case len(a.Values) > maxValues:
		return fieldErr("values", "at most %d values", maxValues)
	}
	keys := map[string]bool{}
	for i, v := range a.Values {
		field := fmt.Sprintf("values[%d]", i)
		if !valueKeyPattern.MatchString(v.Key) {
			return fieldErr(field+".key", "%q: 1-32 characters of A-Z, a-z, 0-9, '_', '.' and '-'", v.Key)
		}
		if keys[v.Key] {
			return fieldErr(field+".key", "%q is used twice", v.Key)
		}
		keys[v.Key] = true
		if err := checkText(field+".name", v.Name, maxValueNameRunes, true); err != nil {
			return err
		}
	}
	return nil
}
