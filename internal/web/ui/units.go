package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

type unitRow struct {
	Unit         org.Unit
	Parent       string
	Place        string
	ContactPhone string // as the viewer may see it
}

var unitNotices = map[string]string{
	"saved":   "units.notice.saved",
	"created": "units.notice.created",
}

// unitRules names, for each field of the unit form, the catalogue key that states its rule.
var unitRules = map[string]string{
	"code":       "err.unit.code",
	"name":       "err.unit.name",
	"kind":       "err.unit.kind",
	"place_code": "err.required",
}

// unitFormData is the create and edit page of one unit. Form holds what the user typed.
type unitFormData struct {
	New      bool
	Form     org.Unit
	Errors   formErrors
	Conflict bool
	Kinds    []option
	Parents  []option
	Places   []option
}

// TitleKey names the page.
func (d unitFormData) TitleKey() string {
	return formTitle(d.New, "units.new.title", "units.edit.title")
}

func (u *UI) unitsPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionManageOrg) {
		u.notFound(w, r)
		return
	}
	ctx := r.Context()
	units, err := u.unitsInScope(ctx, a)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	all, err := u.unitsByID(ctx)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	names := u.placeNames()
	d := listData[unitRow]{Title: "units.title", CanCreate: true, Notice: unitNotices[r.URL.Query().Get("notice")]}
	for _, un := range units {
		d.Rows = append(d.Rows, unitRow{Unit: un, Parent: all[un.ParentID].Name, Place: names.name(ctx, un.PlaceCode),
			ContactPhone: access.PersonalView(a, un.ContactPhone, access.MaskPhone)})
	}
	u.render(w, r, http.StatusOK, "units.html", d)
}

func (u *UI) renderUnitForm(w http.ResponseWriter, r *http.Request, a access.Actor, status int, d unitFormData) {
	ctx, t := r.Context(), u.translator(langOf(r))
	d.Kinds = nil
	for _, k := range org.UnitKinds {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: t.KindName(k)})
	}
	units, err := u.unitsInScope(ctx, a)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Parents = unitOptions(slices.DeleteFunc(units, func(un org.Unit) bool { return un.ID == d.Form.ID }))
	if d.Places, err = u.placeOptions(ctx, a, org.LevelCity, org.LevelDistrict, org.LevelStreet); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, status, "unit.html", d)
}

func (u *UI) newUnitPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionManageOrg) {
		u.notFound(w, r)
		return
	}
	u.renderUnitForm(w, r, a, http.StatusOK, unitFormData{New: true, Form: org.Unit{PlaceCode: placeOfActor(a)}})
}

// readUnitForm reads the fields of the unit form as typed.
func readUnitForm(r *http.Request) org.Unit {
	f := org.Unit{
		Code:         strings.TrimSpace(r.PostFormValue("code")),
		Name:         strings.TrimSpace(r.PostFormValue("name")),
		Kind:         org.UnitKind(r.PostFormValue("kind")),
		ParentID:     r.PostFormValue("parent_id"),
		PlaceCode:    r.PostFormValue("place_code"),
		ContactName:  strings.TrimSpace(r.PostFormValue("contact_name")),
		ContactPhone: strings.TrimSpace(r.PostFormValue("contact_phone")),
		Disabled:     r.PostFormValue("disabled") != "",
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// checkUnit validates a unit about to be stored and checks that the actor may manage the place it
// will serve. Problems go into errs by field; the error is for failures of the store only.
func (u *UI) checkUnit(ctx context.Context, t tr, a access.Actor, un org.Unit, errs formErrors) error {
	if err := un.Validate(); err != nil && !errs.explain(t, err, unitRules) {
		errs["form"] = t.T("err.invalid", err.Error())
	}
	if un.ContactPhone != "" && access.ValidatePhone(un.ContactPhone) != nil {
		errs["contact_phone"] = t.FieldError("contact_phone", "err.phone")
	}
	if un.ParentID != "" {
		if un.ParentID == un.ID {
			errs["parent_id"] = t.FieldError("parent_id", "err.unit.parent_self")
		} else if _, err := u.st.Unit(ctx, un.ParentID); errors.Is(err, store.ErrNotFound) {
			errs["parent_id"] = t.FieldError("parent_id", "err.unknown")
		} else if err != nil {
			return err
		}
	}
	if un.PlaceCode != "" {
		if _, err := u.st.Place(ctx, un.PlaceCode); errors.Is(err, store.ErrNotFound) {
			errs["place_code"] = t.FieldError("place_code", "err.unknown")
		} else if err != nil {
			return err
		}
	}
	if len(errs) == 0 && access.Allow(a, access.ActionManageOrg, access.Target{PlaceCode: un.PlaceCode, UnitID: un.ID}) != nil {
		errs["place_code"] = t.FieldError("place_code", "err.out_of_scope")
	}
	return nil
}

// unitRefused checks a unit about to be stored and answers with the form when it may not be.
func (u *UI) unitRefused(w http.ResponseWriter, r *http.Request, a access.Actor, un org.Unit, d unitFormData) bool {
	return u.refused(w, r, d.Errors,
		func(ctx context.Context, t tr, errs formErrors) error { return u.checkUnit(ctx, t, a, un, errs) },
		func(status int) { u.renderUnitForm(w, r, a, status, d) })
}

func (u *UI) createUnit(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionManageOrg) {
		u.notFound(w, r)
		return
	}
	un := readUnitForm(r)
	d := unitFormData{New: true, Form: un, Errors: formErrors{}}
	if u.unitRefused(w, r, a, un, d) {
		return
	}
	if _, err := u.st.CreateUnit(r.Context(), who(a), un); err != nil {
		if d.Errors.explain(u.translator(langOf(r)), err, unitRules) {
			u.renderUnitForm(w, r, a, http.StatusUnprocessableEntity, d)
			return
		}
		u.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/units?notice=created", http.StatusSeeOther)
}

// loadUnit fetches the unit named in the path if the actor may manage it; otherwise it answers 404.
func (u *UI) loadUnit(w http.ResponseWriter, r *http.Request, a access.Actor) (org.Unit, bool) {
	un, err := u.st.Unit(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		u.notFound(w, r)
		return un, false
	}
	if err != nil {
		u.failed(w, r, err)
		return un, false
	}
	if access.Allow(a, access.ActionManageOrg, access.Target{PlaceCode: un.PlaceCode, UnitID: un.ID}) != nil {
		u.notFound(w, r)
		return un, false
	}
	return un, true
}

func (u *UI) unitPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	un, ok := u.loadUnit(w, r, a)
	if !ok {
		return
	}
	shown := un
	shown.ContactPhone = access.PersonalView(a, un.ContactPhone, access.MaskPhone)
	u.renderUnitForm(w, r, a, http.StatusOK, unitFormData{Form: shown})
}

// updateUnit saves an edit only if nobody changed the unit since the form was loaded (the version in
// the form); otherwise it says so and keeps the user's input, and nothing is overwritten.
func (u *UI) updateUnit(w http.ResponseWriter, r *http.Request, a access.Actor) {
	stored, ok := u.loadUnit(w, r, a)
	if !ok {
		return
	}
	form := readUnitForm(r)
	form.ID = stored.ID
	un := form
	un.ContactPhone = keepMasked(a, stored.ContactPhone, form.ContactPhone, access.MaskPhone)
	d := unitFormData{Form: form, Errors: formErrors{}}
	if u.unitRefused(w, r, a, un, d) {
		return
	}
	_, err := u.st.UpdateUnit(r.Context(), who(a), un)
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/units?notice=saved", http.StatusSeeOther)
	case d.Errors.explain(u.translator(langOf(r)), err, unitRules):
		u.renderUnitForm(w, r, a, http.StatusUnprocessableEntity, d)
	case errors.Is(err, store.ErrConflict):
		d.Conflict = true
		u.renderUnitForm(w, r, a, http.StatusConflict, d)
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r)
	default:
		u.failed(w, r, err)
	}
}
