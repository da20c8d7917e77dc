// Package open311 serves Open311 GeoReport v2 at /open311/v2/, so that any Open311 client (city apps,
// FixMyStreet and the tools built on the standard) can list the city's services, file requests and
// follow them without knowing anything of cityline. It is an edge: it decodes the forms, calls the
// ticketing service and the catalogue, and encodes JSON or XML as the client asked by the extension.
// Its answers never carry personal data: Open311 responses are public.
package open311

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

// Deps is what the Open311 edge needs from the server.
type Deps struct {
	Store   *store.Store
	Auth    *auth.Service
	Tickets *ticketing.Service
}

// API holds the Open311 handlers. It keeps no state between requests.
type API struct {
	st      *store.Store
	auth    *auth.Service
	tickets *ticketing.Service
	now     func() time.Time
}

// New makes the Open311 API.
func New(d Deps) *API {
	return &API{st: d.Store, auth: d.Auth, tickets: d.Tickets, now: time.Now}
}

// Base is where the API lives; discovery announces it.
const Base = "/open311/v2"

// Register mounts the endpoints. Open311 puts the format in the file extension, which a ServeMux
// wildcard cannot split, so each route takes the whole last segment and reads the extension itself.
func (api *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Base+"/{file}", api.get)
	mux.HandleFunc("POST "+Base+"/{file}", api.post)
	mux.HandleFunc("GET "+Base+"/services/{file}", api.serviceDefinition)
	mux.HandleFunc("GET "+Base+"/requests/{file}", api.oneRequest)
	// The official Swagger file spells the single-request path in the singular.
	mux.HandleFunc("GET "+Base+"/request/{file}", api.oneRequest)
	mux.HandleFunc("GET "+Base+"/tokens/{file}", api.token)
	// Anything else under the root is refused in the spec's format. The methods are named so that
	// these patterns stay more specific than the UI's catch-all "GET /".
	for _, method := range []string{"GET", "POST"} {
		mux.HandleFunc(method+" "+Base+"/", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, formatOf(r.URL.Path), http.StatusNotFound, "no such Open311 endpoint")
		})
	}
}

func (api *API) get(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		writeError(w, f, http.StatusNotFound, "unknown format: use .json or .xml")
		return
	}
	switch name {
	case "discovery":
		api.discovery(w, r, f)
	case "services":
		api.services(w, r, f)
	case "requests":
		api.listRequests(w, r, f)
	case "servicerequestupdates":
		api.updates(w, r, f)
	default:
		writeError(w, f, http.StatusNotFound, "no such Open311 endpoint: "+name)
	}
}

func (api *API) post(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFile(r.PathValue("file"))
	switch {
	case !ok:
		writeError(w, f, http.StatusNotFound, "unknown format: use .json or .xml")
	case name != "requests":
		writeError(w, f, http.StatusNotFound, "no such Open311 endpoint: "+name)
	default:
		api.createRequest(w, r, f)
	}
}

// reader is who a read is answered for: the API key's user, or the public.
type reader struct {
	actor  access.Actor
	public bool
}

// shows tells whether the order belongs in the answer. The public does not see confidential (保密)
// orders at all: their text may tell who called, and the caller asked for discretion.
func (rd reader) shows(t workorder.Ticket) bool { return !rd.public || !t.Caller.Confidential }

// errNoKey and errBadKey are the two refusals of an API key; both answer 403 as the spec says.
var (
	errNoKey  = errors.New("api_key: required")
	errBadKey = errors.New("api_key: invalid or revoked")
)

// keyActor authenticates the API key the request carries: the api_key field (form or query) or a
// bearer token. It returns errNoKey when there is none.
func (api *API) keyActor(r *http.Request) (access.Actor, error) {
	key := strings.TrimSpace(r.FormValue("api_key"))
	if key == "" {
		if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(h)
		}
	}
	if key == "" {
		return access.Actor{}, errNoKey
	}
	a, err := api.auth.AuthenticateAPIKey(r.Context(), key)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		return a, errBadKey
	}
	if err != nil {
		return a, err
	}
	return a, nil
}

// readerOf answers reads as the key's user when a key comes with the request, else as the public.
// A key that does not check out is refused rather than quietly read as the public.
func (api *API) readerOf(w http.ResponseWriter, r *http.Request, f format) (reader, bool) {
	a, err := api.keyActor(r)
	switch {
	case err == nil:
		a.RemoteAddr = httpx.ClientAddr(r)
		return reader{actor: a}, true
	case errors.Is(err, errNoKey):
		pub, err := api.publicReader(r.Context())
		if err != nil {
			api.internalError(w, r, f, err)
			return reader{}, false
		}
		return reader{actor: pub, public: true}, true
	case errors.Is(err, errBadKey):
		writeError(w, f, http.StatusForbidden, err.Error())
	default:
		api.internalError(w, r, f, err)
	}
	return reader{}, false
}

// publicReaderName is the built-in reader an anonymous Open311 client reads as. It is no stored
// user: it only reads, and what it reads is reduced to Open311's public fields before it leaves.
const publicReaderName = "open311-public"

// publicReader sees the whole city, like the machine clients Open311 serves; the city's scope comes
// from the city place in the store. Without a city it sees nothing.
func (api *API) publicReader(ctx context.Context) (access.Actor, error) {
	a := access.Actor{UserID: publicReaderName, Username: publicReaderName, Roles: []access.Role{access.RoleMachine}}
	cities, err := api.st.Places(ctx, store.PlaceFilter{Level: org.LevelCity})
	if err != nil {
		return a, err
	}
	if len(cities) > 0 {
		a.ScopeCode = org.ScopePrefix(cities[0].Code, org.LevelCity)
	}
	return a, nil
}

func (api *API) internalError(w http.ResponseWriter, r *http.Request, f format, err error) {
	slog.Error("open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, f, http.StatusInternalServerError, "internal error")
}

// baseURL is this server's Open311 root as the client reached it, for discovery and media links.
func baseURL(r *http.Request) string {
	return origin(r) + Base
}

func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
