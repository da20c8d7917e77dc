package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// The catalogue of matters (分类目录): everyone signed in may read the tree, because agents file orders
// under it; only administrators with the whole city in scope change it, the same rule as the API.
func init() {
	areas = append(areas, area{
		pages: map[string]any{"category_list.html": catListData{}, "category_form.html": catFormData{}},
		register: func(u *UI, mux *http.ServeMux) {
			mux.HandleFunc("GET /admin/categories", u.signedIn(u.categoriesPage))
			mux.HandleFunc("GET /admin/categories/new", u.signedIn(u.editorsOnly(u.newCategoryPage)))
			mux.HandleFunc("POST /admin/categories", u.signedIn(u.editorsOnly(u.createCategory)))
			mux.HandleFunc("POST /admin/categories/import", u.signedIn(u.editorsOnly(u.importCategories)))
			mux.HandleFunc("POST /admin/categories/attributes", u.signedIn(u.editorsOnly(u.attributeEditor)))
			mux.HandleFunc("GET /admin/categories/{code}", u.signedIn(u.categoryPage))
			mux.HandleFunc("POST /admin/categories/{code}", u.signedIn(u.editorsOnly(u.updateCategory)))
			mux.HandleFunc("POST /admin/categories/{code}/retire", u.signedIn(u.editorsOnly(u.setCategoryActive(false))))
			mux.HandleFunc("POST /admin/categories/{code}/restore", u.signedIn(u.editorsOnly(u.setCategoryActive(true))))
			// A page drawn by a POST (a refused import, a conflict) is where the language switch returns
			// to: send those addresses to the page they belong to instead of a 404.
			mux.HandleFunc("GET /admin/categories/import", u.signedIn(func(w http.ResponseWriter, r *http.Request, _ access.Actor) {
				http.Redirect(w, r, "/admin/categories", http.StatusSeeOther)
			}))
			mux.HandleFunc("GET /admin/categories/{code}/{step}", u.signedIn(func(w http.ResponseWriter, r *http.Request, _ access.Actor) {
				http.Redirect(w, r, "/admin/categories/"+url.PathEscape(r.PathValue("code")), http.StatusSeeOther)
			}))
		},
	})
}

// mayEditCatalogue tells whether the actor may change the catalogue: it belongs to the whole city.
func mayEditCatalogue(a access.Actor) bool {
	return access.Allow(a, access.ActionManageOrg, access.Target{}) == nil
}

// editorsOnly answers 404 to everyone who may not change the catalogue, as for a page that is not
// there, before h reads anything of the request.
func (u *UI) editorsOnly(h pageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, a access.Actor) {
		if !mayEditCatalogue(a) {
			u.notFound(w, r)
			return
		}
		h(w, r, a)
	}
}

// catRow is one line of the catalogue tree.
type catRow struct {
	category.Category
	Usable      bool // a new order may be filed under it: active, and its parents too
	CanAddChild bool
}

// catListData is the catalogue page: the tree in display order, and what the last action did.
type catListData struct {
	Rows        []catRow
	CanManage   bool
	ActiveOnly  bool
	Total       int
	Unusable    int    // retired, or under a retired parent
	Notice      string // already translated
	ImportError string // already translated
	Highlight   string // code of the category the last action touched
}

// TitleKey names the page.
func (catListData) TitleKey() string { return "cat.title" }

// catNotices are the outcomes a redirect back to the tree may report (?notice=…&code=…&n=…).
var catNotices = map[string]string{
	"created":  "cat.notice.created",
	"saved":    "cat.notice.saved",
	"retired":  "cat.notice.retired",
	"restored": "cat.notice.restored",
	"imported": "cat.notice.imported",
}

func (u *UI) categoriesPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	q, t := r.URL.Query(), u.translator(langOf(r))
	d := catListData{CanManage: mayEditCatalogue(a), ActiveOnly: q.Get("show") == "active"}
	if code := q.Get("code"); category.ValidCode(code) {
		d.Highlight = code
	}
	switch key, n := catNotices[q.Get("notice")], q.Get("n"); {
	case key == "cat.notice.imported":
		count, _ := strconv.Atoi(n)
		d.Notice = t.T(key, count)
	case key != "" && d.Highlight != "":
		d.Notice = t.T(key, d.Highlight)
	}
	u.renderCategoryList(w, r, http.StatusOK, d)
}

func (u *UI) renderCategoryList(w http.ResponseWriter, r *http.Request, status int, d catListData) {
	if err := u.fillCategoryRows(r.Context(), &d); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, status, "category_list.html", d)
}

// fillCategoryRows lays the whole catalogue out in display order, marking what pickers may offer.
func (u *UI) fillCategoryRows(ctx context.Context, d *catListData) error {
	all, err := u.st.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return err
	}
	usable, err := u.st.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	ok := make(map[string]bool, len(usable))
	for _, c := range usable {
		ok[c.Code] = true
	}
	d.Total, d.Unusable, d.Rows = len(all), len(all)-len(usable), nil
	for _, c := range category.NewTree(all).Flatten() {
		if d.ActiveOnly && !ok[c.Code] {
			continue
		}
		d.Rows = append(d.Rows, catRow{Category: c, Usable: ok[c.Code], CanAddChild: d.CanManage && c.Level < category.MaxLevel})
	}
	return nil
}

// catFormData is the page of one category: the form that adds or edits it for administrators, the
// details for everyone else.
type catFormData struct {
	New       bool
	CanManage bool
	Cat       category.Category // as stored; for a new one, only its parent and level
	Path      string            // names from the top: the category's, or for a new one its parent's
	Form      catForm
	Errors    formErrors
	Conflict  bool
	Parents   []option // where the category may move: every category one level up
	Datatypes []option
}

// TitleKey names the page.
func (d catFormData) TitleKey() string {
	switch {
	case d.New:
		return "cat.new.title"
	case d.CanManage:
		return "cat.edit.title"
	}
	return "cat.view.title"
}

// Input is one text input of the form, labelled in the catalogue's words:
// {{template "input" (.Data.Input $ "name" "text" .Data.Form.Name)}}.
func (d catFormData) Input(v view, name, typ, value string) fieldData {
	return fieldData{Name: name, Label: v.T(categoryFieldLabels[name]), Type: typ, Value: value, Error: d.Errors[name], Auto: "off"}
}

// ParentChoice is the select that moves the category under another parent of the level above.
func (d catFormData) ParentChoice(v view) fieldData {
	return fieldData{Name: "parent", Label: v.T("cat.field.parent"), Value: d.Form.Parent, Options: d.Parents,
		Error: d.Errors["parent"], None: v.T("form.none")}
}

// CanAddChild tells whether the catalogue has room for a level below this category.
func (d catFormData) CanAddChild() bool { return !d.New && d.Cat.Level < category.MaxLevel }

// inputCell is one input of the attribute table.
type inputCell struct {
	Name  string
	Value string
	Error string
}

type valueRow struct {
	N         int // 1-based, as people count rows
	At        string
	Key, Name inputCell
}

// attrRow is one attribute of the editor with its values and the errors about them.
type attrRow struct {
	N                                  int
	At                                 string
	Code, Datatype, Description, Order inputCell
	Required                           bool
	IsList                             bool
	Values                             []valueRow
	Errors                             []string
}

// Attrs lays the attribute rows of the form out for the editor, each input named by its field path.
func (d catFormData) Attrs() []attrRow {
	rows := make([]attrRow, 0, len(d.Form.Attrs))
	for i, a := range d.Form.Attrs {
		p := fmt.Sprintf("attributes[%d]", i)
		cell := func(field, value string) inputCell {
			return inputCell{Name: p + "." + field, Value: value, Error: d.Errors[p+"."+field]}
		}
		row := attrRow{N: i + 1, At: strconv.Itoa(i), Code: cell("code", a.Code), Datatype: cell("datatype", a.Datatype),
			Description: cell("description", a.Description), Order: cell("order", a.Order), Required: a.Required,
			IsList: category.Datatype(a.Datatype).IsList()}
		if row.IsList {
			for j, v := range a.Values {
				vp := fmt.Sprintf("values[%d]", j)
				row.Values = append(row.Values, valueRow{N: j + 1, At: fmt.Sprintf("%d.%d", i, j), Key: cell(vp+".key", v.Key), Name: cell(vp+".name", v.Name)})
			}
		}
		for _, k := range sortedFields(d.Errors) {
			if k == p || strings.HasPrefix(k, p+".") {
				row.Errors = append(row.Errors, d.Errors[k])
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func sortedFields(errs formErrors) []string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// catDatatypeLabels names the six Open311 datatypes for people.
var catDatatypeLabels = map[category.Datatype]string{
	category.String:          "cat.datatype.string",
	category.Number:          "cat.datatype.number",
	category.Datetime:        "cat.datatype.datetime",
	category.Text:            "cat.datatype.text",
	category.SingleValueList: "cat.datatype.singlevaluelist",
	category.MultiValueList:  "cat.datatype.multivaluelist",
}

func datatypeOptions(t tr) []option {
	out := make([]option, 0, len(category.Datatypes))
	for _, dt := range category.Datatypes {
		out = append(out, option{Value: string(dt), Label: t.T(catDatatypeLabels[dt])})
	}
	return out
}

// DatatypeName is a datatype as people call it, for the read-only view.
func (t tr) DatatypeName(d category.Datatype) string {
	if key, ok := catDatatypeLabels[d]; ok {
		return t.T(key)
	}
	return string(d)
}

// renderCategoryForm fills what the page offers besides the form itself (the path, the parents to move
// to, the datatypes) and renders it.
func (u *UI) renderCategoryForm(w http.ResponseWriter, r *http.Request, status int, d catFormData) {
	t := u.translator(langOf(r))
	all, err := u.st.Categories(r.Context(), store.CategoryFilter{})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	tree := category.NewTree(all)
	if d.New {
		d.Path = tree.PathName(d.Cat.ParentCode)
	} else {
		d.Path = tree.PathName(d.Cat.Code)
	}
	d.Datatypes, d.Parents = datatypeOptions(t), nil
	if !d.New && d.Cat.Level > 1 {
		for _, p := range tree.Flatten() {
			if p.Level != d.Cat.Level-1 {
				continue
			}
			label := tree.PathName(p.Code) + " · " + p.Code
			if !p.Active {
				label += " (" + t.T("cat.retired") + ")"
			}
			d.Parents = append(d.Parents, option{Value: p.Code, Label: label})
		}
	}
	u.render(w, r, status, "category_form.html", d)
}

// loadCategory fetches the category with the given code, answering 404 when there is none.
func (u *UI) loadCategory(w http.ResponseWriter, r *http.Request, code string) (category.Category, bool) {
	if !category.ValidCode(code) {
		u.notFound(w, r)
		return category.Category{}, false
	}
	c, err := u.st.Category(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		u.notFound(w, r)
		return c, false
	}
	if err != nil {
		u.failed(w, r, err)
		return c, false
	}
	return c, true
}

// nextSortOrder places a new category after its siblings.
func (u *UI) nextSortOrder(ctx context.Context, parent string) (int, error) {
	kids, err := u.st.Categories(ctx, store.CategoryFilter{ParentCode: parent, Level: category.LevelOf(parent) + 1})
	if err != nil {
		return 0, err
	}
	next := 1
	for _, k := range kids {
		next = max(next, k.SortOrder+1)
	}
	return next, nil
}

func (u *UI) newCategoryPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	d := catFormData{New: true, CanManage: true, Cat: category.Category{Level: 1}}
	if code := r.URL.Query().Get("parent"); code != "" {
		if category.LevelOf(code) >= category.MaxLevel {
			u.notFound(w, r)
			return
		}
		parent, ok := u.loadCategory(w, r, code)
		if !ok {
			return
		}
		d.Cat = category.Category{ParentCode: parent.Code, Level: parent.Level + 1}
		d.Form.Group = parent.Group
	}
	d.Form.Parent = d.Cat.ParentCode
	n, err := u.nextSortOrder(r.Context(), d.Cat.ParentCode)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Form.SortOrder = strconv.Itoa(n)
	u.renderCategoryForm(w, r, http.StatusOK, d)
}

// savedTo is the tree with a notice about the category just changed, scrolled to it.
func savedTo(notice, code string) string {
	return "/admin/categories?notice=" + notice + "&code=" + url.QueryEscape(code) + "#c-" + code
}

func (u *UI) createCategory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t := u.translator(langOf(r))
	form := readCategoryForm(w, r)
	form.compact()
	c := category.Category{ParentCode: form.Parent, Level: category.LevelOf(form.Parent) + 1, Active: true}
	d := catFormData{New: true, CanManage: true, Cat: c, Form: form, Errors: formErrors{}}
	form.applyTo(&c, d.Errors, t)
	if len(d.Errors) > 0 {
		u.renderCategoryForm(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	created, err := u.st.CreateCategory(r.Context(), who(a), c)
	u.tickets.RefreshCatalogue()
	if err != nil {
		if _, explained := categoryOutcome(t, err, d.Errors); explained {
			u.renderCategoryForm(w, r, http.StatusUnprocessableEntity, d)
			return
		}
		u.failed(w, r, err)
		return
	}
	http.Redirect(w, r, savedTo("created", created.Code), http.StatusSeeOther)
}

func (u *UI) categoryPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	c, ok := u.loadCategory(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	u.renderCategoryForm(w, r, http.StatusOK, catFormData{CanManage: mayEditCatalogue(a), Cat: c, Form: formOf(c)})
}

// updateCategory saves an edit only if nobody changed the category since the form was loaded (the
// version in the form); otherwise it says so, keeps what was typed, and overwrites nothing.
func (u *UI) updateCategory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	stored, ok := u.loadCategory(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	t := u.translator(langOf(r))
	form := readCategoryForm(w, r)
	form.compact()
	if stored.Level == 1 {
		form.Parent = ""
	}
	c := stored
	c.ParentCode, c.Version = form.Parent, form.Version
	d := catFormData{CanManage: true, Cat: stored, Form: form, Errors: formErrors{}}
	form.applyTo(&c, d.Errors, t)
	if len(d.Errors) > 0 {
		u.renderCategoryForm(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	_, err := u.st.UpdateCategory(r.Context(), who(a), c)
	u.tickets.RefreshCatalogue()
	if err == nil {
		http.Redirect(w, r, savedTo("saved", c.Code), http.StatusSeeOther)
		return
	}
	u.categoryWriteFailed(w, r, t, err, d)
}

// categoryWriteFailed answers a refused edit with the form: the fields at fault, or the conflict.
func (u *UI) categoryWriteFailed(w http.ResponseWriter, r *http.Request, t tr, err error, d catFormData) {
	conflict, explained := categoryOutcome(t, err, d.Errors)
	switch {
	case conflict:
		d.Conflict = true
		u.renderCategoryForm(w, r, http.StatusConflict, d)
	case explained:
		u.renderCategoryForm(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r)
	default:
		u.failed(w, r, err)
	}
}

// setCategoryActive retires a category (hidden from pickers, kept for the orders filed under it) or
// brings it back. The version the page showed guards against acting on a category that changed since;
// on a conflict the page shows the category as it now is.
func (u *UI) setCategoryActive(active bool) pageHandler {
	notice := map[bool]string{true: "restored", false: "retired"}[active]
	return func(w http.ResponseWriter, r *http.Request, a access.Actor) {
		stored, ok := u.loadCategory(w, r, r.PathValue("code"))
		if !ok {
			return
		}
		c := stored
		c.Active = active
		c.Version, _ = strconv.Atoi(r.PostFormValue("version"))
		_, err := u.st.UpdateCategory(r.Context(), who(a), c)
		u.tickets.RefreshCatalogue()
		if err == nil {
			http.Redirect(w, r, savedTo(notice, c.Code), http.StatusSeeOther)
			return
		}
		u.categoryWriteFailed(w, r, u.translator(langOf(r)), err, catFormData{CanManage: true, Cat: stored, Form: formOf(stored), Errors: formErrors{}})
	}
}

// attributeEditor redraws the attribute editor after a step (add or remove a row, change a datatype),
// from the form as it stands, so that nothing typed is lost and the rows stay numbered in order.
func (u *UI) attributeEditor(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t := u.translator(langOf(r))
	form := readCategoryForm(w, r)
	form.edit(r.PostFormValue("op"), r.PostFormValue("at"))
	var buf bytes.Buffer
	v := view{tr: t, Lang: t.lang, Data: catFormData{CanManage: true, Form: form, Datatypes: datatypeOptions(t)}}
	if err := u.pages["category_form.html"].ExecuteTemplate(&buf, "cat-attrs", v); err != nil {
		u.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// maxCatalogueCSV bounds an uploaded catalogue: a few thousand paths are a few hundred kilobytes.
const maxCatalogueCSV = 1 << 20

// csvLine finds the line number in ParseCSV's errors ("line 3: …") and in the CSV reader's ("parse
// error on line 3, column 5: …").
var csvLine = regexp.MustCompile(`line (\d+)`)

// importCategories adds the paths of an uploaded CSV (level1,level2,level3 or 一级分类,二级分类,三级分类)
// that the catalogue lacks, all or nothing, and reports how many categories it added or what is wrong
// on which line.
func (u *UI) importCategories(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t := u.translator(langOf(r))
	refuse := func(msg string) {
		u.renderCategoryList(w, r, http.StatusUnprocessableEntity, catListData{CanManage: true, ImportError: msg})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCatalogueCSV+1<<16)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		refuse(t.T("cat.import.no_file"))
		return
	}
	defer file.Close()
	if hdr.Size > maxCatalogueCSV {
		refuse(t.T("cat.import.too_big", maxCatalogueCSV>>10))
		return
	}
	body, err := io.ReadAll(io.LimitReader(file, maxCatalogueCSV+1))
	if err != nil {
		u.failed(w, r, err)
		return
	}
	if !utf8.Valid(body) {
		refuse(t.T("cat.import.not_utf8"))
		return
	}
	existing, err := u.st.Categories(r.Context(), store.CategoryFilter{})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	added, err := category.ParseCSV(bytes.NewReader(body), existing)
	if err != nil {
		if m := csvLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			refuse(t.T("cat.import.error_line", line, strings.TrimPrefix(err.Error(), m[0]+": ")))
			return
		}
		refuse(t.T("cat.import.error", err.Error()))
		return
	}
	if len(added) > 0 {
		err = u.st.ImportCategories(r.Context(), who(a), added)
		u.tickets.RefreshCatalogue()
	}
	var fe *category.FieldError
	switch {
	case errors.As(err, &fe) || errors.Is(err, store.ErrConflict):
		refuse(t.T("cat.import.error", err.Error()))
		return
	case err != nil:
		u.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/categories?notice=imported&n="+strconv.Itoa(len(added)), http.StatusSeeOther)
}
