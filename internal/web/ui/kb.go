package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
)

// The knowledge base (知识库): everyone signed in reads what is published; agents propose articles,
// supervisors and administrators write them too, and supervisors review them. The console's panel of
// suggestions is in kb_console.go, the article form in kb_form.go.
func init() {
	areas = append(areas, area{
		pages: map[string]any{"kb_list.html": kbListData{}, "kb_article.html": kbArticleData{}, "kb_form.html": kbFormData{}},
		register: func(u *UI, mux *http.ServeMux) {
			mux.HandleFunc("GET /kb", u.signedIn(u.kbListPage))
			mux.HandleFunc("GET /kb/new", u.signedIn(u.kbEditorsOnly(u.newArticlePage)))
			mux.HandleFunc("POST /kb", u.signedIn(u.kbEditorsOnly(u.createArticle)))
			mux.HandleFunc("GET /kb/{id}", u.signedIn(u.articlePage))
			mux.HandleFunc("GET /kb/{id}/edit", u.signedIn(u.kbEditorsOnly(u.editArticlePage)))
			mux.HandleFunc("POST /kb/{id}", u.signedIn(u.kbEditorsOnly(u.saveArticle)))
			mux.HandleFunc("POST /kb/{id}/act/{action}", u.signedIn(u.stepArticle))
			// A page drawn by a POST (a refused step) is where the language switch returns to.
			mux.HandleFunc("GET /kb/{id}/act/{action}", u.signedIn(func(w http.ResponseWriter, r *http.Request, _ access.Actor) {
				http.Redirect(w, r, "/kb/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
			}))
			mux.HandleFunc("GET /desk/intake/kb", u.signedIn(u.kbSuggestions))
		},
	})
}

// kbEditorsOnly answers 404 to everyone who may not write articles, as for a page that is not there.
func (u *UI) kbEditorsOnly(h pageHandler) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, a access.Actor) {
		if !kb.MayEdit(a) {
			u.notFound(w, r)
			return
		}
		h(w, r, a)
	}
}

// kbStateKeys name the review states for people.
var kbStateKeys = map[kb.State]string{kb.Draft: "kb.state.draft", kb.InReview: "kb.state.review",
	kb.Published: "kb.state.published", kb.Retired: "kb.state.retired"}

// kbStepKeys label the review steps' buttons and name what they did.
var kbStepKeys = map[kb.Action]string{kb.ActSubmit: "kb.step.submit", kb.ActPublish: "kb.step.publish",
	kb.ActReturn: "kb.step.return", kb.ActRetire: "kb.step.retire"}

// KBStateName is a review state as people call it.
func (t tr) KBStateName(s kb.State) string { return t.named(kbStateKeys[s], string(s)) }

// KBStepName is a review step as its button says it.
func (t tr) KBStepName(a kb.Action) string { return t.named(kbStepKeys[a], string(a)) }

// kbRow is an article as a list or page shows it: its category's path, its unit's name and its flags.
type kbRow struct {
	kb.Article
	Path          string
	Unit          string
	Expired       bool
	ReviewOverdue bool
}

// kbRows puts names and today's flags on articles.
func kbRows(n *names, arts []kb.Article) []kbRow {
	today := kb.Today(time.Now())
	out := make([]kbRow, len(arts))
	for i, a := range arts {
		out[i] = kbRow{Article: a, Path: n.category(a.Category), Unit: n.unit(a.UnitID), Expired: a.Expired(today), ReviewOverdue: a.ReviewOverdue(today)}
	}
	return out
}

// namesOr resolves names for a page, or shows the failure and reports false.
func (u *UI) namesOr(w http.ResponseWriter, r *http.Request) (*names, bool) {
	n, err := u.names(r.Context())
	if err != nil {
		u.failed(w, r, err)
		return nil, false
	}
	return n, true
}

// loadArticle fetches the article named in the path as the actor may see it, answering 404 when
// there is none (or none the actor may see).
func (u *UI) loadArticle(w http.ResponseWriter, r *http.Request, a access.Actor) (kb.Article, []kb.Version, bool) {
	art, versions, err := u.tickets.Article(r.Context(), a, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r)
		return art, nil, false
	case err != nil:
		u.failed(w, r, err)
		return art, nil, false
	}
	return art, versions, true
}

// kbFilter is the list's search as typed.
type kbFilter struct {
	Q, Category, State string
	Live               bool
	Offset             int
}

// kbListData is the list and search of articles.
type kbListData struct {
	Rows       []kbRow
	Form       kbFilter
	Categories []option
	States     []option
	CanEdit    bool
	Next, Prev string // addresses of the neighbouring pages
}

// TitleKey names the page.
func (kbListData) TitleKey() string { return "kb.title" }

// Filter is a list of the search form, whose empty choice means any.
func (kbListData) Filter(v view, name, value string, opts []option) fieldData {
	return fieldData{Name: name, Label: v.T(kbFieldLabels[name]), Value: value, Options: opts, None: v.T("kb.filter.any")}
}

// kbPage is how many articles a page of the list shows.
const kbPage = 30

func (u *UI) kbListPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	q, t := r.URL.Query(), u.translator(langOf(r))
	d := kbListData{CanEdit: kb.MayEdit(a) || kb.MayReview(a),
		Form: kbFilter{Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), State: q.Get("state"), Live: q.Get("live") != ""}}
	d.Form.Offset, _ = strconv.Atoi(q.Get("offset"))
	d.Form.Offset = max(d.Form.Offset, 0)
	if !slices.Contains(kb.States, kb.State(d.Form.State)) {
		d.Form.State = ""
	}
	arts, more, err := u.tickets.Articles(r.Context(), a, store.ArticleFilter{Live: d.Form.Live, Query: d.Form.Q, Category: d.Form.Category,
		State: kb.State(d.Form.State), Limit: kbPage, Offset: d.Form.Offset})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	n, ok := u.namesOr(w, r)
	if !ok {
		return
	}
	d.Rows = kbRows(n, arts)
	for _, c := range n.cats.Flatten() {
		d.Categories = append(d.Categories, option{Value: c.Code, Label: strings.Repeat("\u3000", c.Level-1) + c.Name})
	}
	for _, s := range kb.States {
		d.States = append(d.States, option{Value: string(s), Label: t.KBStateName(s)})
	}
	page := func(offset int) string {
		v := url.Values{}
		for k, val := range map[string]string{"q": d.Form.Q, "category": d.Form.Category, "state": d.Form.State} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if d.Form.Live {
			v.Set("live", "1")
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		return "/kb?" + v.Encode()
	}
	if more {
		d.Next = page(d.Form.Offset + kbPage)
	}
	if d.Form.Offset > 0 {
		d.Prev = page(max(d.Form.Offset-kbPage, 0))
	}
	u.render(w, r, http.StatusOK, "kb_list.html", d)
}

// kbVersionRow is one version on the article's page.
type kbVersionRow struct {
	kb.Version
	Path, Unit string
	Live       bool
}

// kbArticleData is an article's page: the answer as the reader may see it, its versions, and the
// review steps the reader may take now.
type kbArticleData struct {
	A         kbRow
	Versions  []kbVersionRow
	CanEdit   bool
	Steps     []kb.Action
	Notice    string // already translated
	Problem   string // catalogue key: why the step was refused as a whole
	NoteError string
	Note      string // the note typed with a refused step
}

// TitleKey names the page.
func (kbArticleData) TitleKey() string { return "kb.article.title" }

// stepsFor lists the review steps the actor may take on the article now.
func stepsFor(a access.Actor, art kb.Article) []kb.Action {
	var out []kb.Action
	for _, act := range kb.Actions {
		if access.Allow(a, kb.Permission(act), access.Target{}) != nil {
			continue
		}
		if _, err := art.Step(act, art.Version, "-", a.Username, time.Now()); !errors.Is(err, kb.ErrState) {
			out = append(out, act)
		}
	}
	return out
}

// kbNotices are the outcomes a redirect back to the article may report (?notice=…).
var kbNotices = map[string]string{"created": "kb.notice.created", "saved": "kb.notice.saved", "unchanged": "kb.notice.unchanged",
	"submit": "kb.notice.submit", "publish": "kb.notice.publish", "return": "kb.notice.return", "retire": "kb.notice.retire"}

func (u *UI) articlePage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	d := kbArticleData{}
	if key, ok := kbNotices[r.URL.Query().Get("notice")]; ok {
		d.Notice = u.translator(langOf(r)).T(key)
	}
	u.renderArticle(w, r, a, http.StatusOK, d)
}

// renderArticle loads the article named in the path as the actor may see it and shows its page
// around d's notice or refusal.
func (u *UI) renderArticle(w http.ResponseWriter, r *http.Request, a access.Actor, status int, d kbArticleData) {
	art, versions, ok := u.loadArticle(w, r, a)
	if !ok {
		return
	}
	n, ok := u.namesOr(w, r)
	if !ok {
		return
	}
	d.A, d.CanEdit, d.Steps = kbRows(n, []kb.Article{art})[0], kb.MayEdit(a), stepsFor(a, art)
	for _, v := range versions {
		d.Versions = append(d.Versions, kbVersionRow{Version: v, Path: n.category(v.Category), Unit: n.unit(v.UnitID), Live: v.Number == art.Live})
	}
	u.render(w, r, status, "kb_article.html", d)
}

// stepArticle takes the article a step through review with the version the page showed; a refusal
// shows the page again with why, keeping the note typed.
func (u *UI) stepArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	act := kb.Action(r.PathValue("action"))
	if !slices.Contains(kb.Actions, act) || access.Allow(a, kb.Permission(act), access.Target{}) != nil {
		u.notFound(w, r)
		return
	}
	seen, _ := strconv.Atoi(r.PostFormValue("version"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	art, err := u.tickets.StepArticle(r.Context(), a, r.PathValue("id"), act, seen, note)
	if err == nil {
		http.Redirect(w, r, "/kb/"+url.PathEscape(art.ID)+"?notice="+string(act), http.StatusSeeOther)
		return
	}
	t := u.translator(langOf(r))
	d, status := kbArticleData{Note: note}, http.StatusUnprocessableEntity
	var fe *kb.FieldError
	switch {
	case errors.As(err, &fe) && fe.Field == "note":
		d.NoteError = t.T("form.error", t.T(kbFieldLabels["note"]), t.T(kbRules["note"]))
	case errors.As(err, &fe):
		d.Problem = "kb.msg.dates"
	case errors.Is(err, store.ErrConflict) || errors.Is(err, kb.ErrState):
		d.Problem, status = "kb.msg.conflict", http.StatusConflict
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r)
		return
	default:
		u.failed(w, r, err)
		return
	}
	u.renderArticle(w, r, a, status, d)
}
