package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
)

func (s *Server) registerSLAAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/sla/policies", s.signedIn(s.apiSLAPolicies))
	mux.HandleFunc("PUT /api/v1/sla/policies", s.signedIn(s.apiPutSLAPolicies))
	mux.HandleFunc("GET /api/v1/sla/calendar", s.signedIn(s.apiCalendarYears))
	mux.HandleFunc("POST /api/v1/sla/calendar", s.signedIn(s.apiImportCalendar))
}

// apiSLAPolicies shows the time-limit policies in force, or with ?version=N an earlier version (an
// order's deadlines name the version they came from). Limits are no secret: units may read them.
func (s *Server) apiSLAPolicies(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			httpx.WriteError(w, http.StatusBadRequest, "version", "version: want a whole number of at least 1")
			return
		}
		set, err := s.st.SLAPolicyVersion(r.Context(), n)
		if err != nil {
			storeError(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, set)
		return
	}
	rules, err := s.tickets.TimeLimits(r.Context()) // seeds the defaults on a new database
	if err != nil {
		internalError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rules.Set)
}

// apiPutSLAPolicies replaces the policy set with a new version. Only a city-wide administrator may:
// the limits bind every unit of the city.
func (s *Server) apiPutSLAPolicies(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionManageOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	var set sla.Set
	if _, ok := readJSON(w, r, &set); !ok {
		return
	}
	if err := set.Validate(); err != nil {
		ticketError(w, r, err)
		return
	}
	cats, err := s.st.Categories(r.Context(), store.CategoryFilter{})
	if err != nil {
		internalError(w, r, err)
		return
	}
	known := make(map[string]bool, len(cats))
	for _, c := range cats {
		known[c.Code] = true
	}
	if err := set.CheckCategories(func(code string) bool { return known[code] }); err != nil {
		ticketError(w, r, err)
		return
	}
	saved, err := s.st.SaveSLAPolicies(r.Context(), actorWho(a), set)
	if err != nil {
		ticketError(w, r, err)
		return
	}
	s.tickets.RefreshTimeLimits()
	httpx.WriteJSON(w, http.StatusOK, saved)
}

type calendarYearJSON struct {
	Year    int      `json:"year"`
	Sources []string `json:"sources"`
	// Text is the year in the calendar format, as imported.
	Text string `json:"text"`
}

// apiCalendarYears lists the holiday arrangements the deployment added or corrected over the years
// built into the binary.
func (s *Server) apiCalendarYears(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	s.writeCalendarYears(w, r)
}

func (s *Server) writeCalendarYears(w http.ResponseWriter, r *http.Request) {
	years, err := s.st.CalendarArrangements(r.Context())
	if err != nil {
		internalError(w, r, err)
		return
	}
	items := make([]calendarYearJSON, 0, len(years))
	for _, y := range years {
		items = append(items, calendarYearJSON{Year: y.Year, Sources: append([]string{}, y.Sources...), Text: sla.FormatArrangement(y)})
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[calendarYearJSON]{Items: items})
}

// apiImportCalendar takes holiday arrangements in the calendar format (text/plain, as
// `cityline calendar import` reads them): each year in the body replaces the deployment's own
// arrangement for that year. Contradictory entries, and gaps between the years known, are refused
// with the reason and nothing is stored.
func (s *Server) apiImportCalendar(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionManageOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		httpx.WriteError(w, http.StatusRequestEntityTooLarge, "", fmt.Sprintf("request body larger than %d bytes", maxJSONBody))
		return
	}
	if !utf8.Valid(body) {
		httpx.WriteError(w, http.StatusBadRequest, "calendar", "calendar: not valid UTF-8")
		return
	}
	incoming, err := calendar.Parse(bytes.NewReader(body))
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "calendar", "calendar: "+err.Error())
		return
	}
	stored, err := s.st.CalendarArrangements(r.Context())
	if err != nil {
		internalError(w, r, err)
		return
	}
	if _, err := sla.MergeArrangements(stored, incoming); err != nil {
		ticketError(w, r, err)
		return
	}
	if err := s.st.ImportCalendar(r.Context(), actorWho(a), incoming); err != nil {
		internalError(w, r, err)
		return
	}
	s.tickets.RefreshTimeLimits()
	s.writeCalendarYears(w, r)
}
