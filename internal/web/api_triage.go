package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/triage"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

func (s *Server) registerTriageAPI(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/triage", s.signedIn(s.apiTriage))
	mux.HandleFunc("GET /api/v1/tickets/{id}/triage", s.signedIn(s.apiTicketTriage))
	mux.HandleFunc("GET /api/v1/dispatch-rules", s.signedIn(s.apiDispatchRules))
	mux.HandleFunc("POST /api/v1/dispatch-rules", s.signedIn(s.apiCreateDispatchRule))
	mux.HandleFunc("PUT /api/v1/dispatch-rules/{id}", s.signedIn(s.apiUpdateDispatchRule))
}

type triageRequest struct {
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Address     string                `json:"address"`
	Category    string                `json:"category"`
	Type        workorder.RequestType `json:"type"`
	Lng         float64               `json:"lng"`
	Lat         float64               `json:"lat"`
	CallerPhone string                `json:"caller_phone"`
}

// apiTriage suggests category, type, place, unit, duplicates and police or referral matters for text
// that is not an order yet: the call desk asks as the agent types, administrators try rules.
func (s *Server) apiTriage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req triageRequest
	if _, ok := readJSON(w, r, &req); !ok {
		return
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"title", req.Title, workorder.MaxTitle}, {"description", req.Description, triage.MaxText}, {"address", req.Address, 200}} {
		if utf8.RuneCountInString(f.value) > f.max {
			httpx.WriteError(w, http.StatusBadRequest, f.name, fmt.Sprintf("%s: at most %d characters", f.name, f.max))
			return
		}
	}
	if req.Type != "" && !workorder.ValidType(req.Type) {
		httpx.WriteError(w, http.StatusBadRequest, "type", fmt.Sprintf("type: unknown request type %q", req.Type))
		return
	}
	res, err := s.tickets.Suggest(r.Context(), a, triage.Input{Title: req.Title, Description: req.Description, Address: req.Address,
		Category: req.Category, Type: req.Type, Lng: req.Lng, Lat: req.Lat, CallerPhone: req.CallerPhone})
	if err != nil {
		storeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

type ticketTriageResponse struct {
	Result    json.RawMessage `json:"result"`
	Auto      bool            `json:"auto"`
	RuleID    string          `json:"rule_id,omitempty"`
	TriagedAt time.Time       `json:"triaged_at"`
}

// apiTicketTriage shows what triage suggested for an order and whether it dispatched it.
func (s *Server) apiTicketTriage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	_, rec, err := s.tickets.TriageOf(r.Context(), a, r.PathValue("id"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ticketTriageResponse{Result: json.RawMessage(rec.Result), Auto: rec.Auto, RuleID: rec.RuleID, TriagedAt: rec.At})
}

// dispatchRuleJSON is a rule of the dispatch catalogue as the API shows and takes it.
type dispatchRuleJSON struct {
	ID            string                  `json:"id"`
	Name          string                  `json:"name"`
	Categories    []string                `json:"categories"`
	Region        string                  `json:"region"`
	Types         []workorder.RequestType `json:"types"`
	Keywords      []string                `json:"keywords"`
	LeadUnitID    string                  `json:"lead_unit_id"`
	Territory     string                  `json:"territory"`
	CoUnitIDs     []string                `json:"co_unit_ids"`
	Priority      int                     `json:"priority"`
	EffectiveFrom *time.Time              `json:"effective_from"`
	EffectiveTo   *time.Time              `json:"effective_to"`
	AutoDispatch  bool                    `json:"auto_dispatch"`
	Active        bool                    `json:"active"`
	Version       int                     `json:"version"`
}

func ruleJSON(r routing.Rule) dispatchRuleJSON {
	out := dispatchRuleJSON{ID: r.ID, Name: r.Name, Categories: r.Categories, Region: r.RegionPrefix, Types: r.Types, Keywords: r.Keywords,
		LeadUnitID: r.LeadUnitID, Territory: r.Territory, CoUnitIDs: r.CoUnitIDs, Priority: r.Priority, AutoDispatch: r.AutoDispatch,
		Active: r.Active, Version: r.Version}
	if !r.EffectiveFrom.IsZero() {
		out.EffectiveFrom = &r.EffectiveFrom
	}
	if !r.EffectiveTo.IsZero() {
		out.EffectiveTo = &r.EffectiveTo
	}
	return out
}

func (j dispatchRuleJSON) rule() routing.Rule {
	r := routing.Rule{ID: j.ID, Name: j.Name, Categories: j.Categories, RegionPrefix: j.Region, Types: j.Types, Keywords: j.Keywords,
		LeadUnitID: j.LeadUnitID, Territory: j.Territory, CoUnitIDs: j.CoUnitIDs, Priority: j.Priority, AutoDispatch: j.AutoDispatch,
		Active: j.Active, Version: j.Version}
	if j.EffectiveFrom != nil {
		r.EffectiveFrom = j.EffectiveFrom.UTC()
	}
	if j.EffectiveTo != nil {
		r.EffectiveTo = j.EffectiveTo.UTC()
	}
	return r
}

// apiDispatchRules lists the dispatch catalogue to those who dispatch and those who manage it.
func (s *Server) apiDispatchRules(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewDispatch, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	rules, err := s.st.DispatchRules(r.Context())
	if err != nil {
		storeError(w, r, err)
		return
	}
	out := make([]dispatchRuleJSON, len(rules))
	for i, rule := range rules {
		out[i] = ruleJSON(rule)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// apiCreateDispatchRule adds a rule; only administrators of the whole city manage the catalogue.
func (s *Server) apiCreateDispatchRule(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req dispatchRuleJSON
	if !s.readDispatchRule(w, r, a, &req) {
		return
	}
	req.ID = ""
	made, err := s.st.CreateDispatchRules(r.Context(), actorWho(a), []routing.Rule{req.rule()})
	s.tickets.RefreshTriage()
	if err != nil {
		dispatchRuleError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/dispatch-rules/"+made[0].ID)
	httpx.WriteJSON(w, http.StatusCreated, ruleJSON(made[0]))
}

// apiUpdateDispatchRule replaces a rule; the body carries the version the editor read (409 if stale).
func (s *Server) apiUpdateDispatchRule(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req dispatchRuleJSON
	if !s.readDispatchRule(w, r, a, &req) {
		return
	}
	if req.Version < 1 {
		httpx.WriteError(w, http.StatusBadRequest, "version", "version: required (the version you read)")
		return
	}
	req.ID = r.PathValue("id")
	updated, err := s.st.UpdateDispatchRule(r.Context(), actorWho(a), req.rule())
	s.tickets.RefreshTriage()
	if err != nil {
		dispatchRuleError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ruleJSON(updated))
}

func (s *Server) readDispatchRule(w http.ResponseWriter, r *http.Request, a access.Actor, req *dispatchRuleJSON) bool {
	if err := access.Allow(a, access.ActionManageOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return false
	}
	_, ok := readJSON(w, r, req)
	return ok
}

func dispatchRuleError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *routing.FieldError
	if errors.As(err, &fe) {
		httpx.WriteError(w, http.StatusBadRequest, fe.Field, fe.Error())
		return
	}
	storeError(w, r, err)
}
