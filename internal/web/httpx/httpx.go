// Package httpx holds what every HTTP handler shares: the acting user carried in the request
// context, and the JSON envelope for answers and errors.
package httpx

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/access"
)

type ctxKey int

const (
	actorKey ctxKey = iota
	csrfKey
)

// WithActor returns a context that carries the authenticated actor and, for browser sessions, the
// session's CSRF token.
func WithActor(ctx context.Context, a access.Actor, csrf string) context.Context {
	return context.WithValue(context.WithValue(ctx, actorKey, a), csrfKey, csrf)
}

// ActorFrom returns the authenticated actor, or false for an anonymous request.
func ActorFrom(ctx context.Context) (access.Actor, bool) {
	a, ok := ctx.Value(actorKey).(access.Actor)
	return a, ok
}

// CSRFFrom returns the CSRF token of the browser session, or "".
func CSRFFrom(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// Error is the JSON body of every API error. Field names the offending input when there is one.
type Error struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("write json", "err", err)
	}
}

// WriteError writes an API error.
func WriteError(w http.ResponseWriter, status int, field, msg string) {
	WriteJSON(w, status, Error{Error: msg, Field: field})
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "cityline_session"

// CSRFHeader and CSRFField carry a browser session's CSRF token on unsafe requests (htmx sends the
// header; plain forms the field).
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// SetSessionCookie stores the session token in an HttpOnly, SameSite=Lax cookie; secure marks it
// HTTPS-only (on behind TLS or a TLS-terminating proxy).
func SetSessionCookie(w http.ResponseWriter, token string, expires time.Time, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// ClientAddr is the request's remote address without the port, for audit and throttling.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
