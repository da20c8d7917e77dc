package ui

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

// intakeForm is the agent's console as typed. Key is made when the form is shown, so that a form
// sent twice (a double Ctrl+Enter, a retry after a timeout) makes one order.
type intakeForm struct {
	Key                                     string
	CallerPhone, CallerName, CallerIDNumber string
	Anonymous, Confidential                 bool
	Line, Type, Category, CategoryQuery     string
	Title, Description, Address, Urgency    string
	District, Street, Community, Grid       string
	KBArticle                               string // the article chosen on the console to answer with (kb_console.go)
}

// intakeData is the agent's console: the form, its pickers, and the caller's earlier orders.
type intakeData struct {
	Form      intakeForm
	Errors    formErrors
	Problem   string // catalogue key of a refusal that is about the form as a whole
	Lines     []option
	Types     []option
	Urgencies []option
	Cats      catData
	Places    placeData
	History   historyData
}

// TitleKey names the page.
func (intakeData) TitleKey() string { return "tk.intake.title" }

// catData is the category picker: the search as typed and the leaves that match it.
type catData struct {
	frame
	Query    string
	Selected string
	Results  []catOption
	More     bool // more leaves match than are shown
}

type catOption struct {
	Code string
	Path string
}

// placeData is the place picker: district → street → community → grid, each list following the
// choice above it.
type placeData struct {
	frame
	Selects []placeSelect
}

type placeSelect struct {
	Level   org.Level
	Name    string // form field
	Value   string
	Options []option
}

// historyData is the pop-up of a caller's earlier orders (来电弹屏).
type historyData struct {
	frame
	Phone   string
	Partial bool // the number is not complete yet
	Rows    []ticketRow
}

// intakeRules maps each intake field the domain may refuse to the form field that shows the message
// and the catalogue key that states its rule.
var intakeRules = map[string][2]string{
	"line":             {"line", "tk.err.line"},
	"type":             {"type", "tk.err.type"},
	"urgency":          {"urgency", "tk.err.urgency"},
	"category":         {"category", "tk.err.category"},
	"title":            {"title", "tk.err.title"},
	"description":      {"description", "tk.err.description"},
	"address":          {"address", "tk.err.address"},
	"caller.name":      {"caller_name", "tk.err.caller_name"},
	"caller.phone":     {"caller_phone", "err.phone"},
	"caller.id_number": {"caller_id_number", "tk.err.id_number"},
	"lat":              {"place", "tk.err.place"},
	"lng":              {"place", "tk.err.place"},
}

// intakeLabels label the fields of the console's form.
var intakeLabels = map[string]string{
	"caller_phone": "tk.field.caller_phone", "caller_name": "tk.field.caller_name",
	"caller_id_number": "tk.field.caller_id_number", "line": "tk.field.line", "type": "tk.field.type",
	"urgency": "tk.field.urgency", "category": "tk.field.category", "title": "tk.field.title",
	"description": "tk.field.description", "address": "tk.field.address", "place": "tk.field.place",
}

// Input is a text field of the console, for the "input" template.
func (d intakeData) Input(v view, name, typ, value string) fieldData {
	return fieldData{Name: name, Label: v.T(intakeLabels[name]), Type: typ, Value: value, Error: d.Errors[name], Auto: "off"}
}

// Select is a list of the console, for the "select" template.
func (d intakeData) Select(v view, name, value string, opts []option) fieldData {
	return fieldData{Name: name, Label: v.T(intakeLabels[name]), Value: value, Options: opts, Error: d.Errors[name], None: v.T("form.none")}
}

// takesCalls is who works the console: the centre's people.
func takesCalls(a access.Actor) bool {
	return centreDesk(a, access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor)
}

func (u *UI) intakePage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	form := intakeForm{Key: uuid.NewString(), Line: workorder.MainLine, Type: string(workorder.TypeComplaint),
		Urgency: string(workorder.UrgencyNormal)}
	u.renderIntake(w, r, a, http.StatusOK, intakeData{Form: form, Errors: formErrors{}})
}

// renderIntake shows the console with the pickers filled for what the form holds.
func (u *UI) renderIntake(w http.ResponseWriter, r *http.Request, a access.Actor, status int, d intakeData) {
	ctx, t := r.Context(), u.translator(langOf(r))
	lines, err := u.st.HotlineLines(ctx)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Lines = []option{{Value: workorder.MainLine, Label: t.T("tk.line.main")}}
	for _, l := range lines {
		label := l.Name
		if l.FormerNumber != "" {
			label += " · " + l.FormerNumber
		}
		d.Lines = append(d.Lines, option{Value: l.Code, Label: label})
	}
	d.Types = typeOptions(t)
	for _, ur := range workorder.Urgencies {
		d.Urgencies = append(d.Urgencies, option{Value: string(ur), Label: t.UrgencyName(ur)})
	}
	f := d.Form
	if d.Cats, err = u.categoryChoices(ctx, r, f.CategoryQuery, f.Category); err != nil {
		u.failed(w, r, err)
		return
	}
	if d.Places, err = u.placeChoices(ctx, r, f.District, f.Street, f.Community, f.Grid); err != nil {
		u.failed(w, r, err)
		return
	}
	if d.History, err = u.history(ctx, r, a, f.CallerPhone); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, status, "ticket_intake.html", d)
}

// maxPickerResults keeps the category list short enough to read at a glance.
const maxPickerResults = 30

// categoryChoices finds the active leaf categories whose path or keywords hold every word of the
// query; the chosen one stays first on the list so that a new search never loses it.
func (u *UI) categoryChoices(ctx context.Context, r *http.Request, query, selected string) (catData, error) {
	d := catData{frame: u.frame(r), Query: query, Selected: selected}
	cats, err := u.st.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return d, err
	}
	tree := category.NewTree(cats)
	words := strings.Fields(strings.ToLower(query))
	for _, c := range tree.Flatten() {
		if len(tree.Children(c.Code)) > 0 {
			continue
		}
		path := tree.PathName(c.Code)
		hay := strings.ToLower(path + " " + strings.Join(c.Keywords, " "))
		if c.Code == selected {
			d.Results = slices.Insert(d.Results, 0, catOption{Code: c.Code, Path: path})
			continue
		}
		if len(words) == 0 || !containsAll(hay, words) {
			continue
		}
		if len(d.Results) >= maxPickerResults {
			d.More = true
			continue
		}
		d.Results = append(d.Results, catOption{Code: c.Code, Path: path})
	}
	return d, nil
}

func containsAll(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// categorySearch answers the picker's search as the agent types.
func (u *UI) categorySearch(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	q := r.URL.Query()
	d, err := u.categoryChoices(r.Context(), r, strings.TrimSpace(q.Get("category_q")), q.Get("category"))
	if err != nil {
		u.failed(w, r, err)
		return
	}
	u.fragment(w, r, http.StatusOK, "tk-cat-results", d)
}

// placeLevels are the picker's lists, from the top down, with their form fields.
var placeLevels = []struct {
	level org.Level
	field string
}{{org.LevelDistrict, "district"}, {org.LevelStreet, "street"}, {org.LevelCommunity, "community"}, {org.LevelGrid, "grid"}}

// placeChoices fills the place picker: each list holds the places under the choice above it, and a
// choice that does not belong under its parent is dropped with everything below it.
func (u *UI) placeChoices(ctx context.Context, r *http.Request, chosen ...string) (placeData, error) {
	d := placeData{frame: u.frame(r)}
	cities, err := u.st.Places(ctx, store.PlaceFilter{Level: org.LevelCity})
	if err != nil {
		return d, err
	}
	parent, open := "", true
	if len(cities) > 0 {
		parent = cities[0].Code
	}
	for i, pl := range placeLevels {
		s := placeSelect{Level: pl.level, Name: pl.field}
		if open {
			f := store.PlaceFilter{ParentCode: parent}
			if parent == "" {
				f = store.PlaceFilter{Level: pl.level}
			}
			places, err := u.st.Places(ctx, f)
			if err != nil {
				return d, err
			}
			for _, p := range places {
				s.Options = append(s.Options, option{Value: p.Code, Label: p.Name})
				if p.Code == chosen[i] {
					s.Value = p.Code
				}
			}
		}
		open, parent = s.Value != "", s.Value
		d.Selects = append(d.Selects, s)
	}
	return d, nil
}

// placePicker redraws the place picker after a choice, for htmx.
func (u *UI) placePicker(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	q := r.URL.Query()
	d, err := u.placeChoices(r.Context(), r, q.Get("district"), q.Get("street"), q.Get("community"), q.Get("grid"))
	if err != nil {
		u.failed(w, r, err)
		return
	}
	u.fragment(w, r, http.StatusOK, "tk-places", d)
}

// history finds a caller's earlier orders once the number is complete.
func (u *UI) history(ctx context.Context, r *http.Request, a access.Actor, phone string) (historyData, error) {
	d := historyData{frame: u.frame(r), Phone: strings.TrimSpace(phone)}
	if d.Phone == "" {
		return d, nil
	}
	ts, err := u.tickets.CallerHistory(ctx, a, d.Phone)
	var fe *workorder.FieldError
	if errors.As(err, &fe) {
		d.Partial = true
		return d, nil
	}
	if err != nil {
		return d, err
	}
	n, err := u.names(ctx)
	if err != nil {
		return d, err
	}
	for _, t := range ts {
		d.Rows = append(d.Rows, n.row(ctx, a, t))
	}
	return d, nil
}

// callerHistory answers the console as the agent types the caller's number (来电弹屏).
func (u *UI) callerHistory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	d, err := u.history(r.Context(), r, a, r.URL.Query().Get("caller_phone"))
	if err != nil {
		u.failed(w, r, err)
		return
	}
	u.fragment(w, r, http.StatusOK, "tk-history", d)
}

func readIntakeForm(r *http.Request) intakeForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return intakeForm{Key: v("key"), CallerPhone: v("caller_phone"), CallerName: v("caller_name"),
		CallerIDNumber: v("caller_id_number"), Anonymous: v("anonymous") != "", Confidential: v("confidential") != "",
		Line: v("line"), Type: v("type"), Category: v("category"), CategoryQuery: v("category_q"),
		Title: v("title"), Description: r.PostFormValue("description"), Address: v("address"), Urgency: v("urgency"),
		District: v("district"), Street: v("street"), Community: v("community"), Grid: v("grid"), KBArticle: v("kb_article")}
}

// formHash identifies what a form sent, so that a reused idempotency key with other content is told
// apart from a plain retry.
func formHash(r *http.Request) string {
	vals := make(map[string][]string, len(r.PostForm))
	for k, v := range r.PostForm {
		if k != httpx.CSRFField {
			vals[k] = v
		}
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		for _, v := range vals[k] {
			h.Write([]byte(k + "\x00" + v + "\x00"))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// intake takes in the call as an order, placed at the centre of the deepest place picked, and shows
// its number and query code to read back to the caller.
func (u *UI) intake(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	ctx, t := r.Context(), u.translator(langOf(r))
	f := readIntakeForm(r)
	in := workorder.Intake{Channel: workorder.ChannelPhone, LineCode: f.Line, Type: workorder.RequestType(f.Type),
		Category: f.Category, Title: f.Title, Description: f.Description, Address: f.Address,
		Urgency: workorder.Urgency(f.Urgency), Caller: workorder.Caller{Name: f.CallerName, Phone: f.CallerPhone,
			IDNumber: f.CallerIDNumber, Anonymous: f.Anonymous, Confidential: f.Confidential}}
	d := intakeData{Form: f, Errors: formErrors{}}
	if code := cmp.Or(f.Grid, f.Community, f.Street, f.District); code != "" {
		p, err := u.st.Place(ctx, code)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Errors["place"] = t.T("form.error", t.T(intakeLabels["place"]), t.T("tk.err.place"))
		case err != nil:
			u.failed(w, r, err)
			return
		default:
			in.Lng, in.Lat = p.CenterLng, p.CenterLat
		}
	}
	if len(d.Errors) == 0 {
		created, _, err := u.tickets.Create(ctx, a, in, ticketing.Idempotency{Key: f.Key, RequestHash: formHash(r)})
		var fe *workorder.FieldError
		switch {
		case err == nil:
			http.Redirect(w, r, "/desk/intake/"+created.Number+answerQuery(f.KBArticle), http.StatusSeeOther)
			return
		case errors.As(err, &fe):
			if rule, ok := intakeRules[fe.Field]; ok {
				d.Errors[rule[0]] = t.T("form.error", t.T(intakeLabels[rule[0]]), t.T(rule[1]))
			} else {
				d.Errors["form"] = t.T("err.invalid", fe.Error())
			}
		case errors.Is(err, store.ErrIdempotencyMismatch):
			d.Problem, d.Form.Key = "tk.msg.resubmitted", uuid.NewString()
		default:
			u.failed(w, r, err)
			return
		}
	}
	u.renderIntake(w, r, a, http.StatusUnprocessableEntity, d)
}

// createdData is the order just taken in: the number and query code to read back, and the choice
// between answering at once and leaving it for dispatch.
type createdData struct {
	Row       ticketRow
	QueryCode string
	Panel     panelData
}

// TitleKey names the page.
func (createdData) TitleKey() string { return "tk.created.title" }

// createdPage shows a new order to the agent who took it; only a first-line answer is offered here,
// everything else is the dispatcher's.
func (u *UI) createdPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	t, ok := u.loadTicket(w, r, a)
	if !ok {
		return
	}
	p, err := u.panel(r.Context(), r, a, t)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	p.restrict([]workorder.Action{workorder.ActAnswer})
	u.answerWith(r.Context(), &p, r.URL.Query().Get("kb"))
	p.InPanel, p.Bare, p.Next, p.Notice = true, true, "/desk/intake/"+t.Number, doneNotice(r)
	d := createdData{Row: p.Row, Panel: p}
	if ticketing.ShowsQueryCode(a, t) {
		d.QueryCode = t.QueryCode
	}
	u.render(w, r, http.StatusOK, "ticket_created.html", d)
}
