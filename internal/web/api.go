package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
)

// maxJSONBody bounds every JSON request body; larger bodies are refused before decoding.
const maxJSONBody = 1 << 20

func (s *Server) registerAPI(mux *http.ServeMux) error {
	doc, err := buildOpenAPI()
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI(doc))
	mux.HandleFunc("POST /api/v1/login", s.apiLogin)
	mux.HandleFunc("POST /api/v1/logout", s.signedIn(s.apiLogout))
	mux.HandleFunc("GET /api/v1/me", s.signedIn(s.apiMe))
	mux.HandleFunc("GET /api/v1/org/units", s.signedIn(s.apiPlaces))
	mux.HandleFunc("GET /api/v1/org/units/{code}", s.signedIn(s.apiPlace))
	mux.HandleFunc("GET /api/v1/org/locate", s.signedIn(s.apiLocate))
	mux.HandleFunc("GET /api/v1/org/departments", s.signedIn(s.apiDepartments))
	mux.HandleFunc("GET /api/v1/hotlines", s.signedIn(s.apiHotlines))
	mux.HandleFunc("GET /api/v1/users", s.signedIn(s.apiUsers))
	mux.HandleFunc("GET /api/v1/users/{id}", s.signedIn(s.apiUser))
	s.registerTicketAPI(mux)
	s.registerAttachmentAPI(mux)
	s.registerCategoryAPI(mux)
	s.registerMeasuresAPI(mux)
	s.registerSLAAPI(mux)
	s.registerExportAPI(mux)
	s.registerTriageAPI(mux)
	return nil
}

// signedIn refuses anonymous requests with 401 and hands the actor to the handler.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, access.Actor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := httpx.ActorFrom(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cityline"`)
			httpx.WriteError(w, http.StatusUnauthorized, "", "unauthorized")
			return
		}
		h(w, r, a)
	}
}

// readJSON reads a JSON object into v, refusing unknown fields, trailing data, oversized bodies
// and invalid UTF-8, and naming the offending field where it can. It returns the raw body too.
func readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		httpx.WriteError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("request body larger than %d bytes", maxJSONBody))
		return nil, false
	}
	if !utf8.Valid(body) {
		httpx.WriteError(w, http.StatusBadRequest, "", "request body is not valid UTF-8")
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			httpx.WriteError(w, http.StatusBadRequest, typeErr.Field, fmt.Sprintf("%s: want a %s", typeErr.Field, typeErr.Type))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			httpx.WriteError(w, http.StatusBadRequest, field, field+": unknown field")
		default:
			httpx.WriteError(w, http.StatusBadRequest, "", "malformed JSON: "+err.Error())
		}
		return nil, false
	}
	if dec.More() {
		httpx.WriteError(w, http.StatusBadRequest, "", "malformed JSON: data after the object")
		return nil, false
	}
	return body, true
}

// internalError logs err and answers 500 without detail.
func internalError(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	httpx.WriteError(w, http.StatusInternalServerError, "", "internal error")
}

// storeError maps the store's sentinel errors onto statuses.
func storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		httpx.WriteError(w, http.StatusNotFound, "", "not found")
	case errors.Is(err, access.ErrForbidden):
		httpx.WriteError(w, http.StatusForbidden, "", "forbidden")
	case errors.Is(err, store.ErrConflict):
		httpx.WriteError(w, http.StatusConflict, "", err.Error())
	default:
		internalError(w, r, err)
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if _, ok := readJSON(w, r, &req); !ok {
		return
	}
	switch {
	case req.Username == "":
		httpx.WriteError(w, http.StatusBadRequest, "username", "username: required")
		return
	case req.Password == "":
		httpx.WriteError(w, http.StatusBadRequest, "password", "password: required")
		return
	}
	sess, err := s.auth.Login(r.Context(), req.Username, req.Password, httpx.ClientAddr(r), auth.APISession)
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		w.Header().Set("Retry-After", "900")
		httpx.WriteError(w, http.StatusTooManyRequests, "", "too many failed logins; try again later")
	case errors.Is(err, auth.ErrInvalidCredentials):
		httpx.WriteError(w, http.StatusUnauthorized, "", "unauthorized")
	case err != nil:
		internalError(w, r, err)
	default:
		httpx.WriteJSON(w, http.StatusOK, loginResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC()})
	}
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request, _ access.Actor) {
	token, _ := credentials(r)
	if err := s.auth.Logout(r.Context(), token); err != nil && !errors.Is(err, auth.ErrInvalidCredentials) {
		internalError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	ID          string        `json:"id"`
	Username    string        `json:"username"`
	DisplayName string        `json:"display_name"`
	Roles       []access.Role `json:"roles"`
	UnitID      string        `json:"unit_id,omitempty"`
	PlaceCode   string        `json:"place_code,omitempty"`
	ScopeCode   string        `json:"scope_code"`
	GridRole    string        `json:"grid_role,omitempty"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, a access.Actor) {
	u, err := s.st.User(r.Context(), a.UserID)
	if err != nil {
		storeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, meResponse{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles,
		UnitID: u.UnitID, PlaceCode: u.PlaceCode, ScopeCode: a.ScopeCode, GridRole: string(u.GridRole)})
}

// placeJSON is a node of the tree as the API shows it.
type placeJSON struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Level    org.Level       `json:"level"`
	Parent   string          `json:"parent,omitempty"`
	Center   *pointJSON      `json:"center,omitempty"`
	Boundary json.RawMessage `json:"boundary,omitempty"`
}

type pointJSON struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

func toPlaceJSON(p org.Place) placeJSON {
	out := placeJSON{Code: p.Code, Name: p.Name, Level: p.Level, Parent: p.ParentCode}
	if p.CenterLat != 0 || p.CenterLng != 0 {
		out.Center = &pointJSON{Lat: p.CenterLat, Lng: p.CenterLng}
	}
	if len(p.Boundary) > 0 {
		out.Boundary = json.RawMessage(p.Boundary)
	}
	return out
}

type listResponse[T any] struct {
	Items []T `json:"items"`
}

func (s *Server) apiPlaces(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.PlaceFilter{ParentCode: q.Get("parent")}
	if lv := q.Get("level"); lv != "" {
		level, err := org.ParseLevel(lv)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "level", "level: "+err.Error())
			return
		}
		f.Level = level
	}
	if g := q.Get("geometry"); g != "" {
		b, err := strconv.ParseBool(g)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "geometry", "geometry: want true or false")
			return
		}
		f.WithBoundary = b
	}
	places, err := s.st.Places(r.Context(), f)
	if err != nil {
		internalError(w, r, err)
		return
	}
	items := make([]placeJSON, 0, len(places))
	for _, p := range places {
		items = append(items, toPlaceJSON(p))
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[placeJSON]{Items: items})
}

type placeDetail struct {
	placeJSON
	Chain []placeJSON `json:"chain"`
}

func (s *Server) apiPlace(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	chain, err := s.st.PlaceChain(r.Context(), r.PathValue("code"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	full, err := s.st.Place(r.Context(), chain[0].Code)
	if err != nil {
		storeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, placeDetail{placeJSON: toPlaceJSON(full), Chain: chainJSON(chain)})
}

func chainJSON(chain []org.Place) []placeJSON {
	out := make([]placeJSON, 0, len(chain))
	for _, p := range chain {
		p.Boundary = nil
		out = append(out, toPlaceJSON(p))
	}
	return out
}

// coordinate parses a query parameter as a number within [-limit, limit].
func coordinate(q string, field string, limit float64) (float64, error) {
	if q == "" {
		return 0, fmt.Errorf("%s: required", field)
	}
	v, err := strconv.ParseFloat(q, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s: want a decimal number of degrees", field)
	}
	if v < -limit || v > limit {
		return 0, fmt.Errorf("%s: must lie between -%g and %g", field, limit, limit)
	}
	return v, nil
}

type locateResponse struct {
	Grid  placeJSON   `json:"grid"`
	Chain []placeJSON `json:"chain"`
}

func (s *Server) apiLocate(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	lat, err := coordinate(q.Get("lat"), "lat", 90)
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "lat", err.Error())
		return
	}
	lng, err := coordinate(q.Get("lng"), "lng", 180)
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "lng", err.Error())
		return
	}
	chain, err := s.locator.Locate(r.Context(), lng, lat)
	if errors.Is(err, locate.ErrOutside) {
		httpx.WriteError(w, http.StatusNotFound, "", "no grid holds this point")
		return
	}
	if err != nil {
		internalError(w, r, err)
		return
	}
	c := chainJSON(chain)
	httpx.WriteJSON(w, http.StatusOK, locateResponse{Grid: c[0], Chain: c})
}

type unitJSON struct {
	ID           string       `json:"id"`
	Code         string       `json:"code"`
	Name         string       `json:"name"`
	Kind         org.UnitKind `json:"kind"`
	Parent       string       `json:"parent_id,omitempty"`
	PlaceCode    string       `json:"place_code"`
	ContactName  string       `json:"contact_name,omitempty"`
	ContactPhone string       `json:"contact_phone,omitempty"`
	Disabled     bool         `json:"disabled"`
}

func (s *Server) apiDepartments(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.UnitFilter{ParentID: q.Get("parent"), PlacePrefix: q.Get("place")}
	if k := q.Get("kind"); k != "" {
		kind, err := org.ParseUnitKind(k)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "kind", "kind: "+err.Error())
			return
		}
		f.Kind = kind
	}
	units, err := s.st.Units(r.Context(), f)
	if err != nil {
		internalError(w, r, err)
		return
	}
	items := make([]unitJSON, 0, len(units))
	for _, u := range units {
		items = append(items, unitJSON{ID: u.ID, Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.ParentID, PlaceCode: u.PlaceCode,
			ContactName: u.ContactName, ContactPhone: u.ContactPhone, Disabled: u.Disabled})
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[unitJSON]{Items: items})
}

type userJSON struct {
	ID          string        `json:"id"`
	Username    string        `json:"username"`
	DisplayName string        `json:"display_name"`
	Phone       string        `json:"phone,omitempty"`
	Roles       []access.Role `json:"roles"`
	UnitID      string        `json:"unit_id,omitempty"`
	PlaceCode   string        `json:"place_code,omitempty"`
	GridRole    string        `json:"grid_role,omitempty"`
	Disabled    bool          `json:"disabled"`
	Machine     bool          `json:"machine"`
}

// userTarget is where a user record sits for the policy (see access.User.Target).
func (s *Server) userTarget(r *http.Request, u access.User) (access.Target, error) {
	if u.PlaceCode != "" || u.UnitID == "" {
		return u.Target(""), nil
	}
	unit, err := s.st.Unit(r.Context(), u.UnitID)
	if err != nil {
		return access.Target{}, err
	}
	return u.Target(unit.PlaceCode), nil
}

func (s *Server) toUserJSON(a access.Actor, u access.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Phone: access.PersonalView(a, u.Phone, access.MaskPhone),
		Roles: u.Roles, UnitID: u.UnitID, PlaceCode: u.PlaceCode, GridRole: string(u.GridRole), Disabled: u.Disabled, Machine: u.Machine}
}

// apiUsers lists the users the actor may see. The filter is pushed into SQL by scope, then every row is
// checked by the policy so that no record outside the actor's reach can slip through.
func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, a access.Actor) {
	f, ok := store.UserScope(a)
	if !ok {
		httpx.WriteJSON(w, http.StatusOK, listResponse[userJSON]{Items: []userJSON{}})
		return
	}
	if role := r.URL.Query().Get("role"); role != "" {
		rl, err := access.ParseRole(role)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "role", "role: "+err.Error())
			return
		}
		f.Role = rl
	}
	users, err := s.st.Users(r.Context(), f)
	if err != nil {
		internalError(w, r, err)
		return
	}
	// One read of the units places every user, rather than one read per user.
	units, err := s.st.Units(r.Context(), store.UnitFilter{})
	if err != nil {
		internalError(w, r, err)
		return
	}
	unitPlace := make(map[string]string, len(units))
	for _, un := range units {
		unitPlace[un.ID] = un.PlaceCode
	}
	items := []userJSON{}
	for _, u := range users {
		if access.Allow(a, access.ActionViewUser, u.Target(unitPlace[u.UnitID])) == nil {
			items = append(items, s.toUserJSON(a, u))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[userJSON]{Items: items})
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request, a access.Actor) {
	u, err := s.st.User(r.Context(), r.PathValue("id"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	t, err := s.userTarget(r, u)
	if err != nil {
		internalError(w, r, err)
		return
	}
	if err := access.Allow(a, access.ActionViewUser, t); err != nil {
		// 404, not 403: an out-of-scope actor does not learn that the record exists.
		httpx.WriteError(w, http.StatusNotFound, "", "not found")
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.toUserJSON(a, u))
}

type hotlineJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	FormerNumber string `json:"former_number,omitempty"`
	Description  string `json:"description,omitempty"`
}

// apiHotlines lists the hotlines merged into 12345, in the order the agent console offers them.
func (s *Server) apiHotlines(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	lines, err := s.st.HotlineLines(r.Context())
	if err != nil {
		internalError(w, r, err)
		return
	}
	items := make([]hotlineJSON, 0, len(lines))
	for _, l := range lines {
		items = append(items, hotlineJSON{Code: l.Code, Name: l.Name, FormerNumber: l.FormerNumber, Description: l.Description})
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[hotlineJSON]{Items: items})
}
