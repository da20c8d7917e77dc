// Package ui is the server-rendered web interface: html/template pages, htmx for the parts that
// update in place, and ECharts for maps. Templates, catalogues and static files are embedded and all
// checked when the UI is built, so a broken template stops the server at start-up, not on a user.
package ui

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
)

//go:embed templates
var templateFS embed.FS

// Config is what the UI needs to know about its surroundings.
type Config struct {
	// SecureCookies marks the cookies the UI sets HTTPS-only.
	SecureCookies bool
}

// Deps are the services the pages call.
type Deps struct {
	Store   *store.Store
	Auth    *auth.Service
	Tickets *ticketing.Service
	// Blobs keeps the files that forms upload (the portal's photos), where the API keeps its own.
	Blobs attachment.Blobs
}

// UI holds the parsed pages and what their handlers need. It keeps no per-user state: everything a
// request needs comes from its cookies and the database, so any node can serve any request.
type UI struct {
	cfg     Config
	st      *store.Store
	auth    *auth.Service
	tickets *ticketing.Service
	blobs   attachment.Blobs
	assets  *assets
	cats    map[string]catalogue
	pages   map[string]*template.Template
	partial *template.Template
}

// area is one group of screens (work orders, the citizen portal, …): its pages, each with the zero
// value of the data it renders, and its routes. Each area's file adds itself to areas in an init
// function, so that areas are built side by side without editing one shared list.
type area struct {
	pages    map[string]any
	register func(u *UI, mux *http.ServeMux)
}

var areas []area

// pageData lists every page of the shell with the zero value of the data it renders; New executes
// each page of the shell and of every area with it, so that a template mistake is found at start-up.
var pageData = map[string]any{
	"login.html":    loginData{},
	"home.html":     homeData{},
	"org.html":      orgData{},
	"users.html":    listData[userRow]{Title: "users.title"},
	"user.html":     userFormData{},
	"password.html": passwordData{},
	"units.html":    listData[unitRow]{Title: "units.title"},
	"unit.html":     unitFormData{},
	"error.html":    errorData{},
}

// New parses and checks the templates, catalogues and static files.
func New(cfg Config, d Deps) (*UI, error) {
	u := &UI{cfg: cfg, st: d.Store, auth: d.Auth, tickets: d.Tickets, blobs: d.Blobs, pages: map[string]*template.Template{}}
	var err error
	if u.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if u.cats, err = loadCatalogues(); err != nil {
		return nil, err
	}
	base, err := template.New("base").Funcs(template.FuncMap{"static": u.assets.url, "field": field, "choose": choose}).
		ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui templates: %w", err)
	}
	u.partial = base
	all := maps.Clone(pageData)
	for _, a := range areas {
		for name, zero := range a.pages {
			if _, dup := all[name]; dup {
				return nil, fmt.Errorf("ui template %s belongs to two areas", name)
			}
			all[name] = zero
		}
	}
	for name, zero := range all {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/pages/"+name)
		if err != nil {
			return nil, fmt.Errorf("ui template %s: %w", name, err)
		}
		for _, lang := range languages {
			v := view{tr: u.translator(lang), Lang: lang, Data: zero}
			if err := t.ExecuteTemplate(io.Discard, "layout", v); err != nil {
				return nil, fmt.Errorf("ui template %s (%s): %w", name, lang, err)
			}
		}
		u.pages[name] = t
	}
	if err := u.partial.ExecuteTemplate(io.Discard, "tree", treeData{tr: u.translator(defaultLang)}); err != nil {
		return nil, fmt.Errorf("ui template tree: %w", err)
	}
	return u, nil
}

// Register mounts the pages on mux.
func (u *UI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{hash}/{file...}", u.assets.serve)
	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.login)
	mux.HandleFunc("POST /logout", u.logout)
	mux.HandleFunc("GET /lang", u.switchLang)
	mux.HandleFunc("GET /{$}", u.signedIn(u.home))
	mux.HandleFunc("GET /org", u.signedIn(u.orgPage))
	mux.HandleFunc("GET /ui/tree/{code}", u.signedIn(u.treeFragment))
	mux.HandleFunc("GET /ui/geo/{code}", u.signedIn(u.geo))
	mux.HandleFunc("GET /admin/users", u.signedIn(u.usersPage))
	mux.HandleFunc("GET /admin/users/new", u.signedIn(u.newUserPage))
	mux.HandleFunc("POST /admin/users", u.signedIn(u.createUser))
	mux.HandleFunc("GET /admin/users/{id}", u.signedIn(u.userPage))
	mux.HandleFunc("POST /admin/users/{id}", u.signedIn(u.updateUser))
	mux.HandleFunc("POST /admin/users/{id}/disable", u.signedIn(u.setUserDisabled(true)))
	mux.HandleFunc("POST /admin/users/{id}/enable", u.signedIn(u.setUserDisabled(false)))
	mux.HandleFunc("POST /admin/users/{id}/password", u.signedIn(u.resetPassword))
	mux.HandleFunc("GET /admin/units", u.signedIn(u.unitsPage))
	mux.HandleFunc("GET /admin/units/new", u.signedIn(u.newUnitPage))
	mux.HandleFunc("POST /admin/units", u.signedIn(u.createUnit))
	mux.HandleFunc("GET /admin/units/{id}", u.signedIn(u.unitPage))
	mux.HandleFunc("POST /admin/units/{id}", u.signedIn(u.updateUnit))
	for _, a := range areas {
		a.register(u, mux)
	}
	mux.HandleFunc("GET /", u.notFoundAnywhere)
}

// view is what every page template receives: the request's language, the signed-in user, the
// navigation, and the page's own data in Data.
type view struct {
	tr
	Lang        string
	CSRF        string
	CSRFHeaders string // JSON for hx-headers, so htmx requests carry the CSRF token
	Path        string // the request URI, for the language switch to come back to
	SignedIn    bool
	Me          access.User
	Actor       access.Actor
	Nav         []navLink
	Data        any
}

// CSRFName is the form field that carries the CSRF token.
func (view) CSRFName() string { return httpx.CSRFField }

// Title is the page title's catalogue key, taken from the page data.
func (v view) Title() string {
	if t, ok := v.Data.(interface{ TitleKey() string }); ok {
		return v.T(t.TitleKey())
	}
	return v.T("app.name")
}

type pageHandler func(w http.ResponseWriter, r *http.Request, a access.Actor)

// signedIn sends anonymous visitors to the login page, remembering where they were going.
func (u *UI) signedIn(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := httpx.ActorFrom(r.Context())
		if !ok {
			target := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", target)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h(w, r, a)
	}
}

// newView gathers what the layout shows about the request and its user.
func (u *UI) newView(r *http.Request, data any) view {
	v := view{tr: u.translator(langOf(r)), CSRF: httpx.CSRFFrom(r.Context()), Path: r.URL.RequestURI(), Data: data}
	v.Lang = v.tr.lang
	if v.CSRF != "" {
		b, _ := json.Marshal(map[string]string{httpx.CSRFHeader: v.CSRF})
		v.CSRFHeaders = string(b)
	}
	if a, ok := httpx.ActorFrom(r.Context()); ok {
		v.SignedIn, v.Actor = true, a
		v.Me = access.User{ID: a.UserID, Username: a.Username, DisplayName: a.Username, Roles: a.Roles}
		if me, err := u.st.User(r.Context(), a.UserID); err == nil {
			v.Me = me
		} else {
			slog.Warn("ui: load signed-in user", "user_id", a.UserID, "err", err)
		}
		v.Nav = navFor(a, r.URL.Path)
	}
	return v
}

// render executes a page into a buffer first, so that a failure becomes a clean 500 and never half a
// page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := u.pages[page].ExecuteTemplate(&buf, "layout", u.newView(r, data)); err != nil {
		slog.Error("ui: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal data and per-user content: never keep them in shared caches or on disk.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorData is the page shown for missing and failed pages.
type errorData struct {
	Status  int
	Message string // catalogue key
}

// TitleKey names the page.
func (d errorData) TitleKey() string { return d.Message }

// notFound answers 404 with a page. Records outside the actor's scope get it too, so that nobody
// learns that they exist.
func (u *UI) notFound(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusNotFound, "error.html", errorData{Status: http.StatusNotFound, Message: "error.not_found"})
}

// notFoundAnywhere is the catch-all route: API paths keep their JSON error shape.
func (u *UI) notFoundAnywhere(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		httpx.WriteError(w, http.StatusNotFound, "", "not found")
		return
	}
	u.notFound(w, r)
}

// failed logs an unexpected error and shows the error page.
func (u *UI) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	slog.Error("ui: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	u.render(w, r, http.StatusInternalServerError, "error.html", errorData{Status: http.StatusInternalServerError, Message: "error.internal"})
}

// who names the actor in the audit log.
func who(a access.Actor) audit.Who { return audit.Who{Actor: a.Username, RemoteAddr: a.RemoteAddr} }

// mayAny tells whether the actor may do act to anything at all: to its own scope or its own unit.
func mayAny(a access.Actor, act access.Action) bool {
	return access.Allow(a, act, access.Target{PlaceCode: a.ScopeCode, UnitID: a.UnitID}) == nil
}
