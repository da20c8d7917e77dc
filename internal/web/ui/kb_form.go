package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// kbForm is the article form as typed; dates stay text, so that a refused form comes back as sent.
type kbForm struct {
	Category, Title, Answer, Keywords, UnitID, ReviewBy, ExpiresOn, Note string
	Version                                                              int
}

// kbFormData is the page that writes a new article or a new version of one.
type kbFormData struct {
	New        bool
	ID         string
	Form       kbForm
	Errors     formErrors
	Conflict   bool
	Categories []option // the leaves in use, by path
	Units      []option
}

// TitleKey names the page.
func (d kbFormData) TitleKey() string { return formTitle(d.New, "kb.new.title", "kb.edit.title") }

// kbFieldLabels name the inputs of the article form and of the search.
var kbFieldLabels = map[string]string{
	"category": "kb.field.category", "title": "kb.field.title", "answer": "kb.field.answer", "keywords": "kb.field.keywords",
	"unit_id": "kb.field.unit_id", "review_by": "kb.field.review_by", "expires_on": "kb.field.expires_on", "note": "kb.field.note",
	"state": "kb.field.state",
}

// kbRules state, for each input the domain may refuse, the rule that input must follow.
var kbRules = map[string]string{
	"category": "kb.err.category", "title": "kb.err.title", "answer": "kb.err.answer", "keywords": "kb.err.keywords",
	"unit_id": "kb.err.unit_id", "review_by": "kb.err.review_by", "expires_on": "kb.err.expires_on", "note": "kb.err.note",
}

// Input is a one-line input of the form, labelled in the knowledge base's words.
func (d kbFormData) Input(v view, name, typ, value string) fieldData {
	return fieldData{Name: name, Label: v.T(kbFieldLabels[name]), Type: typ, Value: value, Error: d.Errors[name], Auto: "off"}
}

// Select is a list of the form.
func (d kbFormData) Select(v view, name, value string, opts []option) fieldData {
	return fieldData{Name: name, Label: v.T(kbFieldLabels[name]), Value: value, Options: opts, Error: d.Errors[name], None: v.T("form.none")}
}

// maxArticleForm caps the body of the article form: the longest answer is a few kilobytes.
const maxArticleForm = 64 << 10

func readArticleForm(w http.ResponseWriter, r *http.Request) kbForm {
	r.Body = http.MaxBytesReader(w, r.Body, maxArticleForm)
	text := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := kbForm{Category: text("category"), Title: text("title"), Answer: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("answer"), "\r\n", "\n")),
		Keywords: text("keywords"), UnitID: text("unit_id"), ReviewBy: text("review_by"), ExpiresOn: text("expires_on"), Note: text("note")}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// content reads the form into a version's content; a date that is not one is refused here, by field.
func (f kbForm) content(t tr, errs formErrors) kb.Content {
	c := kb.Content{Category: f.Category, Title: f.Title, Answer: f.Answer, UnitID: f.UnitID}
	for _, k := range keywordSeparators.Split(f.Keywords, -1) {
		if k = strings.TrimSpace(k); k != "" {
			c.Keywords = append(c.Keywords, k)
		}
	}
	for _, d := range []struct {
		name, text string
		into       *calendar.Date
	}{{"review_by", f.ReviewBy, &c.ReviewBy}, {"expires_on", f.ExpiresOn, &c.ExpiresOn}} {
		if d.text == "" {
			continue
		}
		parsed, err := calendar.ParseDate(d.text)
		if err != nil {
			errs.explainKB(t, d.name)
			continue
		}
		*d.into = parsed
	}
	return c
}

func dateInput(d calendar.Date) string {
	if d == (calendar.Date{}) {
		return ""
	}
	return d.String()
}

// kbFormOf is the form showing a stored version, ready for the next one.
func kbFormOf(a kb.Article) kbForm {
	return kbForm{Category: a.Category, Title: a.Title, Answer: a.Answer, Keywords: strings.Join(a.Keywords, ", "), UnitID: a.UnitID,
		ReviewBy: dateInput(a.ReviewBy), ExpiresOn: dateInput(a.ExpiresOn), Version: a.Version}
}

var kbFieldIndex = regexp.MustCompile(`\[\d+\]$`)

// explainKB puts the rule of the field the domain named on the input that shows it (every keyword
// on the one keyword box); a field the form does not show is explained above the form.
func (e formErrors) explainKB(t tr, field string) {
	input := kbFieldIndex.ReplaceAllString(field, "")
	rule, ok := kbRules[input]
	if !ok {
		e["form"] = t.T("err.invalid", field)
		return
	}
	if _, taken := e[input]; !taken {
		e[input] = t.T("form.error", t.T(kbFieldLabels[input]), t.T(rule))
	}
}

// renderArticleForm fills the lists the form offers and renders it.
func (u *UI) renderArticleForm(w http.ResponseWriter, r *http.Request, status int, d kbFormData) {
	if err := u.articleChoices(r.Context(), &d); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, status, "kb_form.html", d)
}

func (u *UI) articleChoices(ctx context.Context, d *kbFormData) error {
	cats, err := u.st.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	tree := category.NewTree(cats)
	d.Categories = nil
	for _, c := range tree.Flatten() {
		if len(tree.Children(c.Code)) == 0 {
			d.Categories = append(d.Categories, option{Value: c.Code, Label: tree.PathName(c.Code)})
		}
	}
	units, err := u.st.Units(ctx, store.UnitFilter{})
	if err != nil {
		return err
	}
	var enabled []org.Unit
	for _, un := range units {
		if !un.Disabled || un.ID == d.Form.UnitID {
			enabled = append(enabled, un)
		}
	}
	d.Units = unitOptions(enabled)
	return nil
}

// kbReviewAhead is the review date a new article's form suggests: the owner checks it again within a year.
const kbReviewAhead = 365

func (u *UI) newArticlePage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	f := kbForm{ReviewBy: kb.Today(time.Now()).AddDays(kbReviewAhead).String(), Category: r.URL.Query().Get("category")}
	u.renderArticleForm(w, r, http.StatusOK, kbFormData{New: true, Form: f, Errors: formErrors{}})
}

func (u *UI) editArticlePage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	art, _, ok := u.loadArticle(w, r, a)
	if !ok {
		return
	}
	u.renderArticleForm(w, r, http.StatusOK, kbFormData{ID: art.ID, Form: kbFormOf(art), Errors: formErrors{}})
}

func (u *UI) createArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t := u.translator(langOf(r))
	d := kbFormData{New: true, Form: readArticleForm(w, r), Errors: formErrors{}}
	c := d.Form.content(t, d.Errors)
	if len(d.Errors) > 0 {
		u.renderArticleForm(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	art, err := u.tickets.CreateArticle(r.Context(), a, c, d.Form.Note)
	if err != nil {
		u.articleWriteFailed(w, r, t, err, d)
		return
	}
	http.Redirect(w, r, "/kb/"+url.PathEscape(art.ID)+"?notice=created", http.StatusSeeOther)
}

// saveArticle writes the form as a new version over the version it was loaded with; when someone
// wrote one meanwhile it says so, keeps what was typed and overwrites nothing.
func (u *UI) saveArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t := u.translator(langOf(r))
	d := kbFormData{ID: r.PathValue("id"), Form: readArticleForm(w, r), Errors: formErrors{}}
	c := d.Form.content(t, d.Errors)
	if len(d.Errors) > 0 {
		u.renderArticleForm(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	art, err := u.tickets.EditArticle(r.Context(), a, d.ID, d.Form.Version, c, d.Form.Note)
	if err != nil {
		u.articleWriteFailed(w, r, t, err, d)
		return
	}
	notice := "saved"
	if art.Version == d.Form.Version {
		notice = "unchanged"
	}
	http.Redirect(w, r, "/kb/"+url.PathEscape(art.ID)+"?notice="+notice, http.StatusSeeOther)
}

// articleWriteFailed answers a refused write with the form: the field at fault, or the conflict.
func (u *UI) articleWriteFailed(w http.ResponseWriter, r *http.Request, t tr, err error, d kbFormData) {
	var fe *kb.FieldError
	switch {
	case errors.As(err, &fe):
		d.Errors.explainKB(t, fe.Field)
		u.renderArticleForm(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, store.ErrConflict):
		d.Conflict = true
		u.renderArticleForm(w, r, http.StatusConflict, d)
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, access.ErrForbidden):
		u.notFound(w, r)
	default:
		u.failed(w, r, err)
	}
}
