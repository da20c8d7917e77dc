package ui

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// catForm is the category form as typed. Numbers stay text, so that a refused form comes back with
// exactly what was sent ("12a" included).
type catForm struct {
	Parent      string
	Name        string
	Description string
	Keywords    string // comma-separated, as typed
	Group       string
	SortOrder   string
	Version     int
	Attrs       []attrForm
}

// attrForm is one row of the Open311 attribute editor; its inputs are named attributes[i].code and so on,
// the field names the domain's errors use, so that an error lands on the input it is about.
type attrForm struct {
	Code        string
	Datatype    string
	Required    bool
	Description string
	Order       string
	Values      []valueForm
}

type valueForm struct{ Key, Name string }

// blank tells whether a value row was left empty (an "add" that was not used).
func (v valueForm) blank() bool { return v.Key == "" && v.Name == "" }

// blank tells whether an attribute row was left empty; its datatype and order are prefilled, so they
// do not count.
func (a attrForm) blank() bool {
	return a.Code == "" && a.Description == "" && !slices.ContainsFunc(a.Values, func(v valueForm) bool { return !v.blank() })
}

// maxCategoryForm caps the body of the category form: attributes with their values stay far below it.
const maxCategoryForm = 1 << 20

var (
	attrInput  = regexp.MustCompile(`^attributes\[(\d{1,3})\]\.(code|datatype|required|description|order)$`)
	valueInput = regexp.MustCompile(`^attributes\[(\d{1,3})\]\.values\[(\d{1,3})\]\.(key|name)$`)
)

// readCategoryForm reads the category form. Attribute rows come back in the order of their indexes,
// whatever gaps removed rows left; the page is always rendered again from the result, so indexes in
// errors and in the inputs agree.
func readCategoryForm(w http.ResponseWriter, r *http.Request) catForm {
	r.Body = http.MaxBytesReader(w, r.Body, maxCategoryForm)
	text := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := catForm{Parent: text("parent"), Name: text("name"), Description: text("description"), Keywords: text("keywords"),
		Group: text("group"), SortOrder: text("sort_order")}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))

	attrs := map[int]*attrForm{}
	values := map[int]map[int]*valueForm{}
	attr := func(i int) *attrForm {
		if attrs[i] == nil {
			attrs[i] = &attrForm{}
		}
		return attrs[i]
	}
	for name := range r.PostForm {
		v := strings.TrimSpace(r.PostForm.Get(name))
		if m := attrInput.FindStringSubmatch(name); m != nil {
			i, _ := strconv.Atoi(m[1])
			a := attr(i)
			switch m[2] {
			case "code":
				a.Code = v
			case "datatype":
				a.Datatype = v
			case "required":
				a.Required = v != ""
			case "description":
				a.Description = v
			case "order":
				a.Order = v
			}
		} else if m := valueInput.FindStringSubmatch(name); m != nil {
			i, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			attr(i)
			if values[i] == nil {
				values[i] = map[int]*valueForm{}
			}
			if values[i][j] == nil {
				values[i][j] = &valueForm{}
			}
			if m[3] == "key" {
				values[i][j].Key = v
			} else {
				values[i][j].Name = v
			}
		}
	}
	for _, i := range sortedKeys(attrs) {
		a := attrs[i]
		for _, j := range sortedKeys(values[i]) {
			a.Values = append(a.Values, *values[i][j])
		}
		f.Attrs = append(f.Attrs, *a)
	}
	return f
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compact drops the rows left empty, before a save.
func (f *catForm) compact() {
	f.Attrs = slices.DeleteFunc(f.Attrs, attrForm.blank)
	for i := range f.Attrs {
		f.Attrs[i].Values = slices.DeleteFunc(f.Attrs[i].Values, valueForm.blank)
	}
}

// keywordSeparators are the commas people type between keywords, in either script.
var keywordSeparators = regexp.MustCompile(`[,，、]`)

// applyTo copies the form onto c. Only what cannot even be read (a number that is not one) is refused
// here, by field; every rule about the values is the domain's.
func (f catForm) applyTo(c *category.Category, errs formErrors, t tr) {
	c.Name, c.Description, c.Group = f.Name, f.Description, f.Group
	c.Keywords = nil
	for _, k := range keywordSeparators.Split(f.Keywords, -1) {
		if k = strings.TrimSpace(k); k != "" {
			c.Keywords = append(c.Keywords, k)
		}
	}
	c.SortOrder = 0
	if f.SortOrder != "" {
		n, err := strconv.Atoi(f.SortOrder)
		if err != nil {
			errs.explainField(t, "sort_order")
		}
		c.SortOrder = n
	}
	c.Attributes = nil
	for i, a := range f.Attrs {
		attr := category.Attribute{Code: a.Code, Datatype: category.Datatype(a.Datatype), Required: a.Required, Description: a.Description}
		n, err := strconv.Atoi(a.Order)
		if err != nil {
			errs.explainField(t, fmt.Sprintf("attributes[%d].order", i))
		}
		attr.Order = n
		for _, v := range a.Values {
			attr.Values = append(attr.Values, category.Value{Key: v.Key, Name: v.Name})
		}
		c.Attributes = append(c.Attributes, attr)
	}
}

// formOf is the form showing a stored category.
func formOf(c category.Category) catForm {
	f := catForm{Parent: c.ParentCode, Name: c.Name, Description: c.Description, Keywords: strings.Join(c.Keywords, ", "),
		Group: c.Group, SortOrder: strconv.Itoa(c.SortOrder), Version: c.Version}
	for _, a := range c.Attributes {
		af := attrForm{Code: a.Code, Datatype: string(a.Datatype), Required: a.Required, Description: a.Description, Order: strconv.Itoa(a.Order)}
		for _, v := range a.Values {
			af.Values = append(af.Values, valueForm(v))
		}
		f.Attrs = append(f.Attrs, af)
	}
	return f
}

// edit applies one step of the attribute editor: add or remove an attribute or a value, or (after a
// datatype changed) give a list attribute its first value row. at is "i" or "i.j".
func (f *catForm) edit(op, at string) {
	i, j := -1, -1
	if a, b, ok := strings.Cut(at, "."); ok {
		i, _ = strconv.Atoi(a)
		j, _ = strconv.Atoi(b)
	} else if n, err := strconv.Atoi(at); err == nil {
		i = n
	}
	has := i >= 0 && i < len(f.Attrs)
	switch {
	case op == "add-attr":
		next := 1
		for _, a := range f.Attrs {
			if n, err := strconv.Atoi(a.Order); err == nil && n >= next {
				next = n + 1
			}
		}
		f.Attrs = append(f.Attrs, attrForm{Datatype: string(category.String), Order: strconv.Itoa(next)})
	case op == "remove-attr" && has:
		f.Attrs = slices.Delete(f.Attrs, i, i+1)
	case op == "add-value" && has:
		f.Attrs[i].Values = append(f.Attrs[i].Values, valueForm{})
	case op == "remove-value" && has && j >= 0 && j < len(f.Attrs[i].Values):
		f.Attrs[i].Values = slices.Delete(f.Attrs[i].Values, j, j+1)
	}
	for k := range f.Attrs {
		if category.Datatype(f.Attrs[k].Datatype).IsList() && len(f.Attrs[k].Values) == 0 {
			f.Attrs[k].Values = []valueForm{{}}
		}
	}
}

// categoryFieldLabels names each input of the category form in the catalogue; nested inputs are keyed
// by their shape, with the indexes left out ("attributes[].values[].key").
var categoryFieldLabels = map[string]string{
	"code":                       "cat.field.code",
	"parent":                     "cat.field.parent",
	"name":                       "cat.field.name",
	"description":                "cat.field.description",
	"keywords":                   "cat.field.keywords",
	"group":                      "cat.field.group",
	"sort_order":                 "cat.field.sort_order",
	"attributes":                 "cat.field.attributes",
	"attributes[].code":          "cat.field.attr_code",
	"attributes[].datatype":      "cat.field.datatype",
	"attributes[].required":      "cat.field.required",
	"attributes[].description":   "cat.field.attr_description",
	"attributes[].order":         "cat.field.order",
	"attributes[].values":        "cat.field.values",
	"attributes[].values[].key":  "cat.field.value_key",
	"attributes[].values[].name": "cat.field.value_name",
}

// categoryRules states, for each input the form shows, the rule that input must follow.
var categoryRules = map[string]string{
	"parent":                     "cat.err.parent",
	"name":                       "cat.err.name",
	"description":                "cat.err.description",
	"keywords":                   "cat.err.keywords",
	"keywords[]":                 "cat.err.keywords",
	"group":                      "cat.err.group",
	"sort_order":                 "cat.err.sort_order",
	"attributes":                 "cat.err.attributes",
	"attributes[].code":          "cat.err.attr_code",
	"attributes[].datatype":      "cat.err.datatype",
	"attributes[].description":   "cat.err.attr_description",
	"attributes[].order":         "cat.err.order",
	"attributes[].values":        "cat.err.values",
	"attributes[].values[].key":  "cat.err.value_key",
	"attributes[].values[].name": "cat.err.value_name",
}

var pathIndex = regexp.MustCompile(`\[(\d+)\]`)

// fieldShape is a field path without its indexes: "attributes[1].values[0].key" → "attributes[].values[].key".
func fieldShape(path string) string { return pathIndex.ReplaceAllString(path, "[]") }

var pathSegment = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?$`)

// categoryFieldLabel names a field of the category form for people, down to the nested row:
// "attributes[1].values[0].key" is "属性 2 › 选项 1 › 选项键" (rows count from 1, as the form shows them).
func categoryFieldLabel(t tr, path string) string {
	var parts []string
	shape := ""
	for seg := range strings.SplitSeq(path, ".") {
		m := pathSegment.FindStringSubmatch(seg)
		if m == nil {
			return path
		}
		if shape != "" {
			shape += "."
		}
		shape += m[1]
		key, ok := categoryFieldLabels[shape]
		if !ok {
			return path
		}
		label := t.T(key)
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			label = fmt.Sprintf("%s %d", label, n+1)
			shape += "[]"
		}
		parts = append(parts, label)
	}
	return strings.Join(parts, " › ")
}

// explainField puts the rule of the field at path on the input that shows it: keyword errors on the
// one keyword box, everything else on the input of the same name. It reports false for a field the
// form does not show.
func (e formErrors) explainField(t tr, path string) bool {
	rule, ok := categoryRules[fieldShape(path)]
	if !ok {
		return false
	}
	input := path
	if strings.HasPrefix(path, "keywords[") {
		input = "keywords"
	}
	if _, taken := e[input]; !taken {
		e[input] = t.T("form.error", categoryFieldLabel(t, path), t.T(rule))
	}
	return true
}

// categoryOutcome sorts a failed category write into what the form shows: an error on a field, a
// conflict with someone else's edit, or neither (the caller treats the rest as not found or a failure).
func categoryOutcome(t tr, err error, errs formErrors) (conflict, explained bool) {
	var fe *category.FieldError
	switch {
	case errors.As(err, &fe):
		if fe.Field == "code" || fe.Field == "level" {
			errs["form"] = t.T("err.invalid", err.Error())
			return false, true
		}
		if !errs.explainField(t, fe.Field) {
			errs["form"] = t.T("err.invalid", err.Error())
		}
		return false, true
	case errors.Is(err, store.ErrConflict) && fieldOf(err) == "name":
		return false, errs.explainField(t, "name")
	case errors.Is(err, store.ErrConflict) && fieldOf(err) == "code":
		errs["form"] = t.T("cat.err.retry")
		return false, true
	case errors.Is(err, store.ErrConflict):
		return true, false
	}
	return false, false
}
