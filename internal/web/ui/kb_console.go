package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/workorder"
)

// kbConsoleData is the console's panel of articles that fit the order being typed: each can be read
// there and named in the answer with one click, which takes in the order and opens its answer form
// filled with the article.
type kbConsoleData struct {
	frame
	Typed  bool // the agent has typed something to suggest for
	Chosen string
	Items  []kbSuggestion
}

type kbSuggestion struct {
	ID, Title, Path, Answer string
	Matched                 []string
}

// kbConsoleSize is how many articles the panel offers: a glance, not a search.
const kbConsoleSize = 4

// kbSuggestions answers the console's panel as the agent types the title and description, for htmx.
func (u *UI) kbSuggestions(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("title") + "\n" + q.Get("description"))
	d := kbConsoleData{frame: u.frame(r), Typed: text != "", Chosen: q.Get("kb_article")}
	n, ok := u.namesOr(w, r)
	if !ok {
		return
	}
	found, err := u.tickets.SuggestArticles(r.Context(), text, q.Get("category"), kbConsoleSize)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	for _, s := range found {
		d.Items = append(d.Items, kbSuggestion{ID: s.Article.ID, Title: s.Article.Title, Path: n.category(s.Article.Category),
			Answer: s.Article.Answer, Matched: s.Matched})
	}
	u.fragment(w, r, http.StatusOK, "kb-suggest", d)
}

// answerWith fills the answer form of a new order's panel with the article the agent chose on the
// console: its number and its answer, to be read out or adapted before the order is closed. An
// article that is no longer published or usable leaves the form as it was.
func (u *UI) answerWith(ctx context.Context, p *panelData, id string) {
	art, err := u.st.Article(ctx, id, true)
	if err != nil || !art.Usable(kb.Today(time.Now())) || !p.Has(workorder.ActAnswer) {
		return
	}
	// The form is shown as if typed (panelData.Value), with no errors.
	p.Form = actionForm{Version: p.Ticket.Version, Comment: art.Answer, KBArticle: art.ID}
	p.Failed, p.Open = workorder.ActAnswer, workorder.ActAnswer
}

// answerQuery carries the article chosen on the console to the new order's page.
func answerQuery(id string) string {
	if id == "" {
		return ""
	}
	return "?kb=" + url.QueryEscape(id)
}
