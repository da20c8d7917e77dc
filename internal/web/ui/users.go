package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

type userRow struct {
	User      access.User
	Phone     string // as the viewer may see it
	Unit      string
	Place     string
	CanManage bool
}

// userNotices are the outcomes a redirect back to the list may report (?notice=…).
var userNotices = map[string]string{
	"saved":    "users.notice.saved",
	"disabled": "users.notice.disabled",
	"enabled":  "users.notice.enabled",
	"self":     "users.notice.self",
	"conflict": "msg.conflict",
}

// userRules names, for each field of the user form, the catalogue key that states its rule.
var userRules = map[string]string{
	"username":     "err.user.username",
	"display_name": "err.user.display_name",
	"phone":        "err.phone",
	"roles":        "err.user.roles",
	"grid_role":    "err.user.grid_role",
}

// userFormData is the create and edit page of one user. Form holds what the user typed, so that a
// refused form comes back as it was sent.
type userFormData struct {
	New       bool
	Form      access.User
	Errors    formErrors
	Conflict  bool
	CanManage bool
	Unit      string // name of the user's unit, for the read-only view
	Place     string
	Roles     []access.Role
	GridRoles []option
	Units     []option
	Places    []option
}

// TitleKey names the page.
func (d userFormData) TitleKey() string {
	return formTitle(d.New, "users.new.title", "users.edit.title")
}

// passwordData shows a new one-time password, once.
type passwordData struct {
	User     access.User
	Password string
	Created  bool
}

// TitleKey names the page.
func (passwordData) TitleKey() string { return "password.title" }

// unitsByID loads every unit, to name them and to place their users for the policy.
func (u *UI) unitsByID(ctx context.Context) (map[string]org.Unit, error) {
	units, err := u.st.Units(ctx, store.UnitFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]org.Unit, len(units))
	for _, un := range units {
		out[un.ID] = un
	}
	return out, nil
}

// placeNames looks up place names for one page, each once. A place that cannot be read shows as its
// code: the name is only a label.
type placeNames struct {
	u     *UI
	names map[string]string
}

func (u *UI) placeNames() *placeNames { return &placeNames{u: u, names: map[string]string{}} }

func (p *placeNames) name(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	if n, ok := p.names[code]; ok {
		return n
	}
	n := code
	if pl, err := p.u.st.Place(ctx, code); err == nil {
		n = pl.Name
	}
	p.names[code] = n
	return n
}

// usersPage lists users: the SQL is narrowed to the actor's scope, then every row passes the policy,
// so that no record outside the actor's reach can slip through.
func (u *UI) usersPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionViewUser) {
		u.notFound(w, r)
		return
	}
	ctx := r.Context()
	f, ok := store.UserScope(a)
	if !ok {
		u.notFound(w, r)
		return
	}
	users, err := u.st.Users(ctx, f)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	units, err := u.unitsByID(ctx)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	names := u.placeNames()
	d := listData[userRow]{Title: "users.title", CanCreate: mayAny(a, access.ActionManageUser), Notice: userNotices[r.URL.Query().Get("notice")]}
	for _, usr := range users {
		t := usr.Target(units[usr.UnitID].PlaceCode)
		if access.Allow(a, access.ActionViewUser, t) != nil {
			continue
		}
		d.Rows = append(d.Rows, userRow{User: usr, Phone: access.PersonalView(a, usr.Phone, access.MaskPhone),
			Unit: units[usr.UnitID].Name, Place: names.name(ctx, usr.PlaceCode),
			CanManage: !usr.Machine && access.Allow(a, access.ActionManageUser, t) == nil})
	}
	u.render(w, r, http.StatusOK, "users.html", d)
}

// withChoices fills the lists the user form offers: roles, grid roles, and the units and places in
// the actor's scope.
func (u *UI) withChoices(ctx context.Context, t tr, a access.Actor, d *userFormData) error {
	d.Roles = slices.DeleteFunc(slices.Clone(access.AllRoles), func(r access.Role) bool { return r == access.RoleMachine })
	d.GridRoles = nil
	for _, g := range access.GridRoles {
		d.GridRoles = append(d.GridRoles, option{Value: string(g), Label: t.GridRoleName(g)})
	}
	units, err := u.unitsInScope(ctx, a)
	if err != nil {
		return err
	}
	d.Units = unitOptions(units)
	d.Places, err = u.placeOptions(ctx, a)
	return err
}

func (u *UI) renderUserForm(w http.ResponseWriter, r *http.Request, a access.Actor, status int, d userFormData) {
	if err := u.withChoices(r.Context(), u.translator(langOf(r)), a, &d); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, status, "user.html", d)
}

func (u *UI) newUserPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionManageUser) {
		u.notFound(w, r)
		return
	}
	u.renderUserForm(w, r, a, http.StatusOK, userFormData{New: true, CanManage: true, Form: access.User{PlaceCode: placeOfActor(a)}})
}

// placeOfActor is the place code the actor's scope starts at, to preselect in forms ("" for a city
// scope, whose prefix is no place).
func placeOfActor(a access.Actor) string {
	if _, err := org.LevelOfCode(a.ScopeCode); err != nil {
		return ""
	}
	return a.ScopeCode
}

// readUserForm reads the fields of the user form as typed.
func readUserForm(r *http.Request) access.User {
	f := access.User{
		Username:    strings.TrimSpace(r.PostFormValue("username")),
		DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Phone:       strings.TrimSpace(r.PostFormValue("phone")),
		UnitID:      r.PostFormValue("unit_id"),
		PlaceCode:   r.PostFormValue("place_code"),
		GridRole:    access.GridRole(r.PostFormValue("grid_role")),
	}
	for _, v := range r.PostForm["roles"] {
		f.Roles = append(f.Roles, access.Role(v))
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// userRefused checks a user about to be stored and answers with the form when it may not be.
func (u *UI) userRefused(w http.ResponseWriter, r *http.Request, a access.Actor, usr access.User, d userFormData) bool {
	return u.refused(w, r, d.Errors,
		func(ctx context.Context, t tr, errs formErrors) error { return u.checkUser(ctx, t, a, usr, errs) },
		func(status int) { u.renderUserForm(w, r, a, status, d) })
}

// newPassword makes a one-time password for a new or reset account, with its hash to store.
func newPassword() (password, hash string, err error) {
	password = auth.GeneratePassword()
	hash, err = auth.HashPassword(password)
	return password, hash, err
}

// checkUser validates a user about to be stored and checks that the actor may manage it where it
// will sit. Problems go into errs by field; the error is for failures of the store only.
func (u *UI) checkUser(ctx context.Context, t tr, a access.Actor, usr access.User, errs formErrors) error {
	if slices.Contains(usr.Roles, access.RoleMachine) {
		errs["roles"] = t.FieldError("roles", "err.user.roles")
	}
	target := access.Target{PlaceCode: usr.PlaceCode, UnitID: usr.UnitID}
	if usr.UnitID != "" {
		unit, err := u.st.Unit(ctx, usr.UnitID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			errs["unit_id"] = t.FieldError("unit_id", "err.unknown")
		case err != nil:
			return err
		case target.PlaceCode == "":
			target.PlaceCode = unit.PlaceCode
		}
	}
	if usr.PlaceCode != "" {
		if _, err := u.st.Place(ctx, usr.PlaceCode); errors.Is(err, store.ErrNotFound) {
			errs["place_code"] = t.FieldError("place_code", "err.unknown")
		} else if err != nil {
			return err
		}
	}
	if err := usr.Validate(); err != nil && !errs.explain(t, err, userRules) {
		errs["form"] = t.T("err.invalid", err.Error())
	}
	if len(errs) == 0 && access.Allow(a, access.ActionManageUser, target) != nil {
		errs["place_code"] = t.FieldError("place_code", "err.out_of_scope")
	}
	return nil
}

func (u *UI) createUser(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !mayAny(a, access.ActionManageUser) {
		u.notFound(w, r)
		return
	}
	usr := readUserForm(r)
	d := userFormData{New: true, CanManage: true, Form: usr, Errors: formErrors{}}
	if u.userRefused(w, r, a, usr, d) {
		return
	}
	password, hash, err := newPassword()
	if err != nil {
		u.failed(w, r, err)
		return
	}
	created, err := u.st.CreateUser(r.Context(), who(a), usr, hash)
	if err != nil {
		if d.Errors.explain(u.translator(langOf(r)), err, userRules) {
			u.renderUserForm(w, r, a, http.StatusUnprocessableEntity, d)
			return
		}
		u.failed(w, r, err)
		return
	}
	u.render(w, r, http.StatusCreated, "password.html", passwordData{User: created, Password: password, Created: true})
}

// loadUser fetches the user named in the path if the actor may do act to it; otherwise it answers
// 404 (out of scope looks the same as missing) and reports false.
func (u *UI) loadUser(w http.ResponseWriter, r *http.Request, a access.Actor, act access.Action) (access.User, map[string]org.Unit, bool) {
	usr, err := u.st.User(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		u.notFound(w, r)
		return usr, nil, false
	}
	if err != nil {
		u.failed(w, r, err)
		return usr, nil, false
	}
	units, err := u.unitsByID(r.Context())
	if err != nil {
		u.failed(w, r, err)
		return usr, nil, false
	}
	t := usr.Target(units[usr.UnitID].PlaceCode)
	if access.Allow(a, access.ActionViewUser, t) != nil || access.Allow(a, act, t) != nil ||
		(act == access.ActionManageUser && usr.Machine) {
		u.notFound(w, r)
		return usr, nil, false
	}
	return usr, units, true
}

func (u *UI) userPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	usr, units, ok := u.loadUser(w, r, a, access.ActionViewUser)
	if !ok {
		return
	}
	names := u.placeNames()
	shown := usr
	shown.Phone = access.PersonalView(a, usr.Phone, access.MaskPhone)
	d := userFormData{Form: shown, Unit: units[usr.UnitID].Name, Place: names.name(r.Context(), usr.PlaceCode),
		CanManage: !usr.Machine && access.Allow(a, access.ActionManageUser, usr.Target(units[usr.UnitID].PlaceCode)) == nil}
	u.renderUserForm(w, r, a, http.StatusOK, d)
}

func (u *UI) updateUser(w http.ResponseWriter, r *http.Request, a access.Actor) {
	stored, _, ok := u.loadUser(w, r, a, access.ActionManageUser)
	if !ok {
		return
	}
	typed := readUserForm(r)
	form := stored
	form.DisplayName, form.Phone, form.Roles, form.UnitID, form.PlaceCode, form.GridRole, form.Version =
		typed.DisplayName, typed.Phone, typed.Roles, typed.UnitID, typed.PlaceCode, typed.GridRole, typed.Version
	usr := form
	usr.Phone = keepMasked(a, stored.Phone, typed.Phone, access.MaskPhone)
	d := userFormData{Form: form, CanManage: true, Errors: formErrors{}}
	if u.userRefused(w, r, a, usr, d) {
		return
	}
	_, err := u.st.UpdateUser(r.Context(), who(a), usr)
	switch {
	case errors.Is(err, store.ErrConflict):
		d.Conflict = true
		u.renderUserForm(w, r, a, http.StatusConflict, d)
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r)
	case err != nil:
		u.failed(w, r, err)
	default:
		http.Redirect(w, r, "/admin/users?notice=saved", http.StatusSeeOther)
	}
}

// setUserDisabled disables or enables a user from the list; the list's version guards against
// acting on a row that changed meanwhile. Disabling also ends the user's sessions (the store does it).
func (u *UI) setUserDisabled(disabled bool) pageHandler {
	done := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	return func(w http.ResponseWriter, r *http.Request, a access.Actor) {
		usr, _, ok := u.loadUser(w, r, a, access.ActionManageUser)
		if !ok {
			return
		}
		if disabled && usr.ID == a.UserID {
			http.Redirect(w, r, "/admin/users?notice=self", http.StatusSeeOther)
			return
		}
		usr.Disabled = disabled
		usr.Version, _ = strconv.Atoi(r.PostFormValue("version"))
		notice := done
		_, err := u.st.UpdateUser(r.Context(), who(a), usr)
		switch {
		case errors.Is(err, store.ErrConflict):
			notice = "conflict"
		case err != nil:
			u.failed(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/users?notice="+notice, http.StatusSeeOther)
	}
}

// resetPassword sets a new random password, shows it once and ends the user's sessions.
func (u *UI) resetPassword(w http.ResponseWriter, r *http.Request, a access.Actor) {
	usr, _, ok := u.loadUser(w, r, a, access.ActionManageUser)
	if !ok {
		return
	}
	password, hash, err := newPassword()
	if err != nil {
		u.failed(w, r, err)
		return
	}
	if err := u.st.SetPasswordHash(r.Context(), who(a), usr.ID, hash); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "password.html", passwordData{User: usr, Password: password})
}
