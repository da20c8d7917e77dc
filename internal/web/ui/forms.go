package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// formErrors maps a form field to its message, already in the user's language.
type formErrors map[string]string

// fieldPattern matches the field name that starts a validation error ("username: …").
var fieldPattern = regexp.MustCompile(`^([a-z_]+): `)

// fieldOf returns the field a domain or store error names first, the house convention for
// validation errors, or "" when it names none.
func fieldOf(err error) string {
	if m := fieldPattern.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return ""
}

// explain turns a validation or uniqueness error from the domain or the store into a message on the
// field it names, in the user's language. rules gives, for each field the form shows, the catalogue
// key that states that field's rule. It reports false for errors that name no field of the form.
func (e formErrors) explain(t tr, err error, rules map[string]string) bool {
	field := fieldOf(err)
	rule, ok := rules[field]
	if !ok {
		return false
	}
	if errors.Is(err, store.ErrConflict) {
		rule = "err.taken"
	}
	e[field] = t.FieldError(field, rule)
	return true
}

// option is one choice of a <select>; Label is indented by depth in the tree.
type option struct {
	Value string
	Label string
}

// placeOptions lists the places the actor's scope covers, at the given levels, indented by level.
func (u *UI) placeOptions(ctx context.Context, a access.Actor, levels ...org.Level) ([]option, error) {
	if a.ScopeCode == "" {
		return nil, nil
	}
	places, err := u.st.Places(ctx, store.PlaceFilter{CodePrefix: a.ScopeCode})
	if err != nil {
		return nil, err
	}
	var out []option
	for _, p := range places {
		if len(levels) == 0 || slices.Contains(levels, p.Level) {
			indent := strings.Repeat("\u3000", max(slices.Index(org.Levels, p.Level), 0))
			out = append(out, option{Value: p.Code, Label: indent + p.Name + " · " + p.Code})
		}
	}
	return out, nil
}

// unitsInScope lists the units the actor's scope covers: those serving a place under its scope, or
// its own unit and the units below it.
func (u *UI) unitsInScope(ctx context.Context, a access.Actor) ([]org.Unit, error) {
	switch {
	case a.ScopeCode != "":
		return u.st.Units(ctx, store.UnitFilter{PlacePrefix: a.ScopeCode})
	case a.UnitID != "":
		return u.st.Units(ctx, store.UnitFilter{UnitID: a.UnitID})
	}
	return nil, nil
}

func unitOptions(units []org.Unit) []option {
	out := make([]option, 0, len(units))
	for _, un := range units {
		out = append(out, option{Value: un.ID, Label: un.Name + " · " + un.Code})
	}
	return out
}

// keepMasked returns stored when the form sent back the masked view of it unchanged (a user who may
// not see the full value must not overwrite it with stars), and the submitted value otherwise.
func keepMasked(a access.Actor, stored, submitted string, mask func(string) string) string {
	if shown := access.PersonalView(a, stored, mask); shown != stored && submitted == shown {
		return stored
	}
	return submitted
}

// fieldData is one labelled form control with its error, for the "input" and "select" partials.
type fieldData struct {
	Name    string
	Label   string
	Type    string
	Value   string
	Error   string
	Auto    string // autocomplete hint
	Options []option
	None    string // label of the empty choice of a select
}

// field is the template function behind every text input:
// {{template "input" (field $ "username" "text" .Data.Form.Username .Data.Errors)}}. Passwords are
// never sent back to the browser.
func field(v view, name, typ, value string, errs formErrors, auto ...string) fieldData {
	f := fieldData{Name: name, Label: v.T("field." + name), Type: typ, Value: value, Error: errs[name]}
	if typ == "password" {
		f.Value = ""
	}
	if len(auto) > 0 {
		f.Auto = auto[0]
	}
	return f
}

// choose is the template function behind every select, with an empty first choice. value may be any
// string type (a role, a unit kind).
func choose(v view, name string, value any, opts []option, errs formErrors) fieldData {
	return fieldData{Name: name, Label: v.T("field." + name), Value: fmt.Sprint(value), Options: opts, Error: errs[name], None: v.T("form.none")}
}

// formTitle names a page that creates a record or edits one.
func formTitle(isNew bool, newKey, editKey string) string {
	if isNew {
		return newKey
	}
	return editKey
}

// listData is a list page: its rows, whether the actor may add to them, and what the last action did.
type listData[R any] struct {
	Rows      []R
	CanCreate bool
	Notice    string // catalogue key
	Title     string // catalogue key
}

// TitleKey names the page.
func (d listData[R]) TitleKey() string { return d.Title }

// refused runs a form's checks; when the record may not be stored it answers with the form and its
// errors (or with the failure) and reports true.
func (u *UI) refused(w http.ResponseWriter, r *http.Request, errs formErrors,
	check func(context.Context, tr, formErrors) error, form func(status int)) bool {
	if err := check(r.Context(), u.translator(langOf(r)), errs); err != nil {
		u.failed(w, r, err)
		return true
	}
	if len(errs) > 0 {
		form(http.StatusUnprocessableEntity)
		return true
	}
	return false
}
