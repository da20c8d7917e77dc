package ui

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/web/httpx"
)

// loginData is the sign-in form. Error is a catalogue key; it never says whether the username or the
// password was wrong.
type loginData struct {
	Username string
	Next     string
	Error    string
	Errors   map[string]string
}

// TitleKey names the page.
func (loginData) TitleKey() string { return "login.title" }

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := httpx.ActorFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login.html", loginData{Next: next})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	t := u.translator(langOf(r))
	d := loginData{Username: strings.TrimSpace(r.PostFormValue("username")), Next: localPath(r.PostFormValue("next")), Errors: map[string]string{}}
	password := r.PostFormValue("password")
	if d.Username == "" {
		d.Errors["username"] = t.FieldError("username", "err.required")
	}
	if password == "" {
		d.Errors["password"] = t.FieldError("password", "err.required")
	}
	if len(d.Errors) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "login.html", d)
		return
	}
	sess, err := u.auth.Login(r.Context(), d.Username, password, httpx.ClientAddr(r), auth.WebSession)
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		d.Error = "login.locked"
		u.render(w, r, http.StatusTooManyRequests, "login.html", d)
	case errors.Is(err, auth.ErrInvalidCredentials):
		d.Error = "login.failed"
		u.render(w, r, http.StatusUnauthorized, "login.html", d)
	case err != nil:
		u.failed(w, r, err)
	default:
		httpx.SetSessionCookie(w, sess.Token, sess.ExpiresAt, u.cfg.SecureCookies)
		http.Redirect(w, r, d.Next, http.StatusSeeOther)
	}
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
		if err := u.auth.Logout(r.Context(), c.Value); err != nil && !errors.Is(err, auth.ErrInvalidCredentials) {
			slog.Error("ui: logout", "err", err)
		}
	}
	httpx.ClearSessionCookie(w, u.cfg.SecureCookies)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// switchLang remembers the chosen language for a year and goes back to the page it came from.
func (u *UI) switchLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if !slices.Contains(languages, lang) {
		lang = defaultLang
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", Expires: time.Now().AddDate(1, 0, 0),
		HttpOnly: true, Secure: u.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// localPath keeps a redirect target on this site: only a path of our own ("/org?code=1"), never
// "//evil.example", "/\evil.example" or "https://…", and never back to the login page itself.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	p, err := url.Parse(next)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Path == "/login" || p.Path == "/logout" {
		return "/"
	}
	return next
}
