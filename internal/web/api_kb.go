package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
)

// registerKBAPI mounts the knowledge base (知识库): everyone signed in reads what is published and asks
// for suggestions; agents, supervisors and administrators write versions; supervisors review them.
// Nothing is deleted: a review step retires an article.
func (s *Server) registerKBAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/kb/articles", s.signedIn(s.apiArticles))
	mux.HandleFunc("POST /api/v1/kb/articles", s.signedIn(s.apiCreateArticle))
	mux.HandleFunc("GET /api/v1/kb/articles/{id}", s.signedIn(s.apiArticle))
	mux.HandleFunc("PATCH /api/v1/kb/articles/{id}", s.signedIn(s.apiEditArticle))
	mux.HandleFunc("POST /api/v1/kb/articles/{id}/actions/{action}", s.signedIn(s.apiArticleStep))
	mux.HandleFunc("GET /api/v1/kb/suggest", s.signedIn(s.apiSuggest))
}

// contentJSON is what one version says, as the API shows it.
type contentJSON struct {
	Category  string   `json:"category"`
	Title     string   `json:"title"`
	Answer    string   `json:"answer"`
	Keywords  []string `json:"keywords"`
	UnitID    string   `json:"unit_id"`
	ReviewBy  string   `json:"review_by"`
	ExpiresOn string   `json:"expires_on,omitempty"`
}

func toContentJSON(c kb.Content) contentJSON {
	return contentJSON{Category: c.Category, Title: c.Title, Answer: c.Answer, Keywords: keywordsJSON(c.Keywords), UnitID: c.UnitID,
		ReviewBy: dateJSON(c.ReviewBy), ExpiresOn: dateJSON(c.ExpiresOn)}
}

// articleJSON is an article as of the version shown, with the flags an agent must see.
type articleJSON struct {
	ID           string   `json:"id"`
	State        kb.State `json:"state"`
	Version      int      `json:"version"`
	LiveVersion  int      `json:"live_version"`
	ShownVersion int      `json:"shown_version"`
	contentJSON
	CategoryPath  string        `json:"category_path"`
	Expired       bool          `json:"expired"`
	ReviewOverdue bool          `json:"review_overdue"`
	ReviewNote    string        `json:"review_note,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	CreatedBy     string        `json:"created_by"`
	UpdatedAt     time.Time     `json:"updated_at"`
	UpdatedBy     string        `json:"updated_by"`
	Versions      []versionJSON `json:"versions,omitempty"`
}

type versionJSON struct {
	Version int `json:"version"`
	contentJSON
	Note        string     `json:"note,omitempty"`
	EditedAt    time.Time  `json:"edited_at"`
	EditedBy    string     `json:"edited_by"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	PublishedBy string     `json:"published_by,omitempty"`
}

func dateJSON(d calendar.Date) string {
	if d == (calendar.Date{}) {
		return ""
	}
	return d.String()
}

// keywordsJSON writes a missing list as [], as clients expect of a list.
func keywordsJSON(k []string) []string {
	if k == nil {
		return []string{}
	}
	return k
}

func toArticleJSON(a kb.Article, tree *category.Tree, today calendar.Date) articleJSON {
	return articleJSON{ID: a.ID, State: a.State, Version: a.Version, LiveVersion: a.Live, ShownVersion: a.Shown,
		contentJSON: toContentJSON(a.Content), CategoryPath: tree.PathName(a.Category),
		Expired: a.Expired(today), ReviewOverdue: a.ReviewOverdue(today), ReviewNote: a.ReviewNote,
		CreatedAt: a.CreatedAt, CreatedBy: a.CreatedBy, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy}
}

func toVersionJSON(v kb.Version) versionJSON {
	out := versionJSON{Version: v.Number, contentJSON: toContentJSON(v.Content), Note: v.Note,
		EditedAt: v.EditedAt, EditedBy: v.EditedBy, PublishedBy: v.PublishedBy}
	if !v.PublishedAt.IsZero() {
		out.PublishedAt = &v.PublishedAt
	}
	return out
}

// articleError answers a failed knowledge-base call: 409 for a step the article's state does not
// allow; otherwise as for the catalogue, whose field errors the knowledge base shares (400 naming the
// field), and by the store's sentinel errors (404, 409 for a stale version).
func articleError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, kb.ErrState) {
		httpx.WriteError(w, http.StatusConflict, "", err.Error())
		return
	}
	categoryError(w, r, err)
}

// articleView makes the JSON of articles for this request: category paths, and flags as of today.
func (s *Server) articleView(r *http.Request) (func(kb.Article) articleJSON, error) {
	tree, err := s.categoryTree(r)
	if err != nil {
		return nil, err
	}
	today := kb.Today(time.Now())
	return func(a kb.Article) articleJSON { return toArticleJSON(a, tree, today) }, nil
}

type articlePageJSON struct {
	Items      []articleJSON `json:"items"`
	NextOffset *int          `json:"next_offset,omitempty"`
}

// apiArticles lists and searches articles: what agents answer with, or for editors the latest
// versions (?live=true for what agents see).
func (s *Server) apiArticles(w http.ResponseWriter, r *http.Request, a access.Actor) {
	q := r.URL.Query()
	f := store.ArticleFilter{Query: q.Get("q"), Category: q.Get("category"), UnitID: q.Get("unit_id"), State: kb.State(q.Get("state"))}
	if f.State != "" && !slices.Contains(kb.States, f.State) {
		httpx.WriteError(w, http.StatusBadRequest, "state", "state: want draft, review, published or retired")
		return
	}
	for _, p := range []struct {
		name     string
		into     *int
		min, max int
	}{{"limit", &f.Limit, 1, 200}, {"offset", &f.Offset, 0, 1_000_000}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				httpx.WriteError(w, http.StatusBadRequest, p.name, p.name+": want a number from "+strconv.Itoa(p.min)+" to "+strconv.Itoa(p.max))
				return
			}
			*p.into = n
		}
	}
	if v := q.Get("live"); v != "" {
		live, err := strconv.ParseBool(v)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "live", "live: want true or false")
			return
		}
		f.Live = live
	}
	items, more, err := s.tickets.Articles(r.Context(), a, f)
	if err != nil {
		articleError(w, r, err)
		return
	}
	view, err := s.articleView(r)
	if err != nil {
		internalError(w, r, err)
		return
	}
	out := articlePageJSON{Items: make([]articleJSON, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, view(it))
	}
	if more {
		next := max(f.Offset, 0) + len(items)
		out.NextOffset = &next
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// apiArticle returns one article with its versions, as the caller may see it.
func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	art, versions, err := s.tickets.Article(r.Context(), a, r.PathValue("id"))
	if err != nil {
		articleError(w, r, err)
		return
	}
	s.writeArticle(w, r, http.StatusOK, art, versions)
}

func (s *Server) writeArticle(w http.ResponseWriter, r *http.Request, status int, art kb.Article, versions []kb.Version) {
	view, err := s.articleView(r)
	if err != nil {
		internalError(w, r, err)
		return
	}
	out := view(art)
	for _, v := range versions {
		out.Versions = append(out.Versions, toVersionJSON(v))
	}
	httpx.WriteJSON(w, status, out)
}

// articleFields are the fields of a version; a field left out of an edit is kept as it was.
type articleFields struct {
	Category  *string   `json:"category"`
	Title     *string   `json:"title"`
	Answer    *string   `json:"answer"`
	Keywords  *[]string `json:"keywords"`
	UnitID    *string   `json:"unit_id"`
	ReviewBy  *string   `json:"review_by"`
	ExpiresOn *string   `json:"expires_on"`
	Note      string    `json:"note"`
}

// applyTo copies the given fields onto c, trimming the spaces people paste around text. A date that
// cannot be read is refused by name; "" clears the expiry date.
func (f articleFields) applyTo(c *kb.Content) error {
	for _, t := range []struct {
		dst *string
		src *string
	}{{&c.Category, f.Category}, {&c.Title, f.Title}, {&c.Answer, f.Answer}, {&c.UnitID, f.UnitID}} {
		if t.src != nil {
			*t.dst = strings.TrimSpace(*t.src)
		}
	}
	if f.Keywords != nil {
		c.Keywords = nil
		for _, k := range *f.Keywords {
			c.Keywords = append(c.Keywords, strings.TrimSpace(k))
		}
	}
	for _, d := range []struct {
		field string
		dst   *calendar.Date
		src   *string
	}{{"review_by", &c.ReviewBy, f.ReviewBy}, {"expires_on", &c.ExpiresOn, f.ExpiresOn}} {
		if d.src == nil {
			continue
		}
		*d.dst = calendar.Date{}
		if v := strings.TrimSpace(*d.src); v != "" {
			parsed, err := calendar.ParseDate(v)
			if err != nil {
				return &kb.FieldError{Field: d.field, Problem: err.Error()}
			}
			*d.dst = parsed
		}
	}
	return nil
}

func (s *Server) apiCreateArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionEditKB, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	var req articleFields
	if _, ok := readJSON(w, r, &req); !ok {
		return
	}
	var c kb.Content
	if err := req.applyTo(&c); err != nil {
		articleError(w, r, err)
		return
	}
	art, err := s.tickets.CreateArticle(r.Context(), a, c, strings.TrimSpace(req.Note))
	if err != nil {
		articleError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/kb/articles/"+art.ID)
	s.writeArticle(w, r, http.StatusCreated, art, nil)
}

// versioned is the version a write names: the latest one the caller read.
type versioned struct {
	Version *int `json:"version"`
}

func (v versioned) seen() *int { return v.Version }

type articleEdit struct {
	versioned
	articleFields
}

// readArticleWrite lets through only callers the policy allows act, before their body is even read,
// decodes the body into req and insists on the version the caller read.
func readArticleWrite(w http.ResponseWriter, r *http.Request, a access.Actor, act access.Action, req interface{ seen() *int }) (int, bool) {
	if err := access.Allow(a, act, access.Target{}); err != nil {
		storeError(w, r, err)
		return 0, false
	}
	if _, ok := readJSON(w, r, req); !ok {
		return 0, false
	}
	v := req.seen()
	if v == nil {
		httpx.WriteError(w, http.StatusBadRequest, "version", "version: required (the latest version you read)")
		return 0, false
	}
	return *v, true
}

// apiEditArticle writes a new version from the fields the body names over the latest version. The
// body must carry the version the editor read: an edit over someone else's is refused (409), never
// merged.
func (s *Server) apiEditArticle(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req articleEdit
	seen, ok := readArticleWrite(w, r, a, access.ActionEditKB, &req)
	if !ok {
		return
	}
	art, _, err := s.tickets.Article(r.Context(), a, r.PathValue("id"))
	if err != nil {
		articleError(w, r, err)
		return
	}
	c := art.Content
	if err := req.applyTo(&c); err != nil {
		articleError(w, r, err)
		return
	}
	edited, err := s.tickets.EditArticle(r.Context(), a, art.ID, seen, c, strings.TrimSpace(req.Note))
	if err != nil {
		articleError(w, r, err)
		return
	}
	s.writeArticle(w, r, http.StatusOK, edited, nil)
}

type articleStepRequest struct {
	versioned
	Note string `json:"note"`
}

// apiArticleStep takes the latest version a step through review: submit (editors), publish, return
// and retire (reviewers). The body names the version acted on.
func (s *Server) apiArticleStep(w http.ResponseWriter, r *http.Request, a access.Actor) {
	act := kb.Action(r.PathValue("action"))
	if !slices.Contains(kb.Actions, act) {
		httpx.WriteError(w, http.StatusNotFound, "action", "action: want submit, publish, return or retire")
		return
	}
	var req articleStepRequest
	seen, ok := readArticleWrite(w, r, a, kb.Permission(act), &req)
	if !ok {
		return
	}
	art, err := s.tickets.StepArticle(r.Context(), a, r.PathValue("id"), act, seen, strings.TrimSpace(req.Note))
	if err != nil {
		articleError(w, r, err)
		return
	}
	s.writeArticle(w, r, http.StatusOK, art, nil)
}

type suggestionJSON struct {
	Article articleJSON `json:"article"`
	Score   float64     `json:"score"`
	Matched []string    `json:"matched"`
}

// maxSuggestText bounds the text a suggestion reads: a call's title and description.
const maxSuggestText = 4000

// apiSuggest suggests published articles for the text being typed (?q=), preferring the order's
// category (?category=).
func (s *Server) apiSuggest(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewKB, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	text, cat := q.Get("q"), q.Get("category")
	if len(text) > maxSuggestText {
		httpx.WriteError(w, http.StatusBadRequest, "q", "q: at most "+strconv.Itoa(maxSuggestText)+" bytes")
		return
	}
	if cat != "" && !category.ValidCode(cat) {
		httpx.WriteError(w, http.StatusBadRequest, "category", "category: want a category code such as 110401")
		return
	}
	limit := 5
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > ticketing.MaxSuggestions {
			httpx.WriteError(w, http.StatusBadRequest, "limit", "limit: want a number from 1 to "+strconv.Itoa(ticketing.MaxSuggestions))
			return
		}
		limit = n
	}
	view, err := s.articleView(r)
	if err != nil {
		internalError(w, r, err)
		return
	}
	found, err := s.tickets.SuggestArticles(r.Context(), text, cat, limit)
	if err != nil {
		internalError(w, r, err)
		return
	}
	out := listResponse[suggestionJSON]{Items: make([]suggestionJSON, 0, len(found))}
	for _, sg := range found {
		out.Items = append(out.Items, suggestionJSON{Article: view(sg.Article), Score: sg.Score, Matched: keywordsJSON(sg.Matched)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
