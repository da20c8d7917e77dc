package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

func (s *Server) registerTicketAPI(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/tickets", s.signedIn(s.apiCreateTicket))
	mux.HandleFunc("GET /api/v1/tickets", s.signedIn(s.apiListTickets))
	mux.HandleFunc("GET /api/v1/tickets/{id}", s.signedIn(s.apiGetTicket))
	mux.HandleFunc("GET /api/v1/tickets/{id}/timeline", s.signedIn(s.apiTimeline))
	mux.HandleFunc("POST /api/v1/tickets/{id}/actions/{action}", s.signedIn(s.apiTicketAction))
	mux.HandleFunc("GET /api/v1/callers/{phone}/tickets", s.signedIn(s.apiCallerHistory))
}

// ticketError answers the errors the work-order service returns.
func ticketError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *workorder.FieldError
	var le *store.AttachmentLinkError
	switch {
	case errors.As(err, &fe):
		httpx.WriteError(w, http.StatusBadRequest, fe.Field, fe.Error())
	case errors.As(err, &le):
		httpx.WriteError(w, http.StatusBadRequest, "attachments", le.Error())
	case errors.Is(err, workorder.ErrIllegal):
		httpx.WriteError(w, http.StatusConflict, "", err.Error())
	case errors.Is(err, store.ErrIdempotencyMismatch):
		httpx.WriteError(w, http.StatusUnprocessableEntity, "Idempotency-Key", err.Error())
	case errors.Is(err, access.ErrForbidden):
		httpx.WriteError(w, http.StatusForbidden, "", err.Error())
	default:
		storeError(w, r, err)
	}
}

type callerJSON struct {
	Name         string `json:"name,omitempty"`
	Phone        string `json:"phone,omitempty"`
	IDNumber     string `json:"id_number,omitempty"`
	Confidential bool   `json:"confidential"`
	Anonymous    bool   `json:"anonymous"`
}

type locationJSON struct {
	Address   string   `json:"address,omitempty"`
	Lat       *float64 `json:"lat,omitempty"`
	Lng       *float64 `json:"lng,omitempty"`
	PlaceCode string   `json:"place_code,omitempty"`
}

type ticketJSON struct {
	ID              string                 `json:"id"`
	Number          string                 `json:"number"`
	QueryCode       string                 `json:"query_code,omitempty"`
	Channel         workorder.Channel      `json:"channel"`
	Line            string                 `json:"line"`
	Type            workorder.RequestType  `json:"type"`
	Category        string                 `json:"category"`
	Title           string                 `json:"title"`
	Description     string                 `json:"description"`
	Caller          *callerJSON            `json:"caller,omitempty"`
	Location        locationJSON           `json:"location"`
	Urgency         workorder.Urgency      `json:"urgency"`
	Status          workorder.Status       `json:"status"`
	LeadUnitID      string                 `json:"lead_unit_id,omitempty"`
	CoUnitIDs       []string               `json:"co_unit_ids,omitempty"`
	MasterID        string                 `json:"master_id,omitempty"`
	DueSignAt       *time.Time             `json:"due_sign_at,omitempty"`
	DueReplyAt      *time.Time             `json:"due_reply_at,omitempty"`
	DueCloseAt      *time.Time             `json:"due_close_at,omitempty"`
	Resolved        *bool                  `json:"resolved,omitempty"`
	Satisfaction    workorder.Satisfaction `json:"satisfaction,omitempty"`
	KBArticle       string                 `json:"kb_article,omitempty"`
	ReturnCount     int                    `json:"return_count"`
	RedispatchCount int                    `json:"redispatch_count"`
	RehandleCount   int                    `json:"rehandle_count"`
	ExtensionAsked  bool                   `json:"extension_asked"`
	Supervised      bool                   `json:"supervised"`
	CreatedBy       string                 `json:"created_by"`
	CreatedAt       time.Time              `json:"created_at"`
	UpdatedAt       time.Time              `json:"updated_at"`
	ClosedAt        *time.Time             `json:"closed_at,omitempty"`
	Version         int                    `json:"version"`
	Actions         []workorder.Action     `json:"actions"`
	// Deadlines says how the due times were computed; only the single-order view carries it.
	Deadlines *sla.Clock `json:"deadlines,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// personal says how much of the caller a viewer gets: the full details (and the read is audited),
// masked details, or nothing at all for units when the caller asked for confidentiality.
type personal int

const (
	personalMasked personal = iota
	personalFull
)

// toTicketJSON renders an order for one viewer.
func toTicketJSON(a access.Actor, t workorder.Ticket, p personal) ticketJSON {
	out := ticketJSON{ID: t.ID, Number: t.Number, Channel: t.Channel, Line: t.LineCode, Type: t.Type, Category: t.Category,
		Title: t.Title, Description: t.Description, Urgency: t.Urgency, Status: t.Status, LeadUnitID: t.LeadUnitID,
		CoUnitIDs: t.CoUnitIDs, MasterID: t.MasterID, DueSignAt: timePtr(t.DueSignAt), DueReplyAt: timePtr(t.DueReplyAt),
		DueCloseAt: timePtr(t.DueCloseAt), Resolved: t.Resolved, Satisfaction: t.Satisfaction, KBArticle: t.KBArticle,
		ReturnCount: t.ReturnCount, RedispatchCount: t.RedispatchCount, RehandleCount: t.RehandleCount,
		ExtensionAsked: t.ExtensionAsked, Supervised: t.Supervised, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt, ClosedAt: timePtr(t.ClosedAt), Version: t.Version, Actions: workorder.Available(a, t),
		Location: locationJSON{Address: t.Location.Address, PlaceCode: t.Location.PlaceCode}}
	if out.Actions == nil {
		out.Actions = []workorder.Action{}
	}
	if t.Location.HasPoint() {
		lat, lng := t.Location.Lat, t.Location.Lng
		out.Location.Lat, out.Location.Lng = &lat, &lng
	}
	if ticketing.ShowsQueryCode(a, t) {
		out.QueryCode = t.QueryCode
	}
	c := ticketing.CallerFor(a, t, p == personalFull)
	out.Caller = &callerJSON{Name: c.Name, Phone: c.Phone, IDNumber: c.IDNumber, Confidential: c.Confidential, Anonymous: c.Anonymous}
	return out
}

type intakeJSON struct {
	Channel     workorder.Channel     `json:"channel"`
	Line        string                `json:"line"`
	Type        workorder.RequestType `json:"type"`
	Category    string                `json:"category"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Caller      callerJSON            `json:"caller"`
	Address     string                `json:"address"`
	Lat         float64               `json:"lat"`
	Lng         float64               `json:"lng"`
	Urgency     workorder.Urgency     `json:"urgency"`
	Attachments []string              `json:"attachments"`
}

func (in intakeJSON) intake() workorder.Intake {
	return workorder.Intake{Channel: in.Channel, LineCode: in.Line, Type: in.Type, Category: in.Category, Title: in.Title,
		Description: in.Description, Address: in.Address, Lat: in.Lat, Lng: in.Lng, Urgency: in.Urgency, Attachments: in.Attachments,
		Caller: workorder.Caller{Name: in.Caller.Name, Phone: in.Caller.Phone, IDNumber: in.Caller.IDNumber,
			Confidential: in.Caller.Confidential, Anonymous: in.Caller.Anonymous}}
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

func (s *Server) apiCreateTicket(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var in intakeJSON
	body, ok := readJSON(w, r, &in)
	if !ok {
		return
	}
	idem := ticketing.Idempotency{Key: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
	if len(idem.Key) > maxIdempotencyKey {
		httpx.WriteError(w, http.StatusBadRequest, "Idempotency-Key", "Idempotency-Key: at most 200 characters")
		return
	}
	if idem.Key != "" {
		sum := sha256.Sum256(body)
		idem.RequestHash = hex.EncodeToString(sum[:])
	}
	t, created, err := s.tickets.Create(r.Context(), a, in.intake(), idem)
	if err != nil {
		ticketError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/tickets/"+t.ID)
	httpx.WriteJSON(w, status, toTicketJSON(a, t, personalMasked))
}

func (s *Server) apiGetTicket(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t, err := s.tickets.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		ticketError(w, r, err)
		return
	}
	if err := s.tickets.RecordCallerRead(r.Context(), a, t); err != nil {
		internalError(w, r, err)
		return
	}
	out := toTicketJSON(a, t, personalFull)
	clock, ok, err := s.tickets.Deadlines(r.Context(), t)
	if err != nil {
		internalError(w, r, err)
		return
	}
	if ok {
		out.Deadlines = &clock
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

type eventJSON struct {
	Seq         int              `json:"seq"`
	At          time.Time        `json:"at"`
	Action      workorder.Action `json:"action"`
	From        workorder.Status `json:"from,omitempty"`
	To          workorder.Status `json:"to"`
	Actor       string           `json:"actor"`
	ActorUnitID string           `json:"actor_unit_id,omitempty"`
	Comment     string           `json:"comment,omitempty"`
	Data        map[string]any   `json:"data,omitempty"`
	Attachments []string         `json:"attachments,omitempty"`
}

func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request, a access.Actor) {
	_, evs, err := s.tickets.Timeline(r.Context(), a, r.PathValue("id"))
	if err != nil {
		ticketError(w, r, err)
		return
	}
	items := make([]eventJSON, 0, len(evs))
	for _, ev := range evs {
		items = append(items, eventJSON{Seq: ev.Seq, At: ev.At, Action: ev.Action, From: ev.From, To: ev.To, Actor: ev.Actor,
			ActorUnitID: ev.ActorUnitID, Comment: ev.Comment, Data: ev.Data, Attachments: ev.Attachments})
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[eventJSON]{Items: items})
}

type ticketPageJSON struct {
	Items      []ticketJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// parseTicketFilter reads the listing's query parameters, naming the first bad one.
func parseTicketFilter(q map[string][]string) (store.TicketFilter, *workorder.FieldError) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := store.TicketFilter{UnitID: get("unit"), Category: get("category"), PlacePrefix: get("region"), Query: get("q"), Cursor: get("cursor")}
	if v := get("status"); v != "" {
		for _, part := range strings.Split(v, ",") {
			st := workorder.Status(strings.TrimSpace(part))
			if !workorder.ValidStatus(st) {
				return f, &workorder.FieldError{Field: "status", Reason: "unknown status " + strconv.Quote(string(st))}
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := get("type"); v != "" {
		f.Type = workorder.RequestType(v)
		if !workorder.ValidType(f.Type) {
			return f, &workorder.FieldError{Field: "type", Reason: "unknown request type " + strconv.Quote(v)}
		}
	}
	if v := get("channel"); v != "" {
		f.Channel = workorder.Channel(v)
		if !workorder.ValidChannel(f.Channel) {
			return f, &workorder.FieldError{Field: "channel", Reason: "unknown channel " + strconv.Quote(v)}
		}
	}
	for _, d := range []struct {
		name string
		into *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := get(d.name); v != "" {
			t, err := parseDay(v)
			if err != nil {
				return f, &workorder.FieldError{Field: d.name, Reason: "want a date (2026-11-28) or an RFC 3339 time"}
			}
			*d.into = t
		}
	}
	if v := get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, &workorder.FieldError{Field: "overdue", Reason: "want true or false"}
		}
		f.Overdue = b
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, &workorder.FieldError{Field: "limit", Reason: "want a number from 1 to 500"}
		}
		f.Limit = n
	}
	if len([]rune(f.Query)) > 100 {
		return f, &workorder.FieldError{Field: "q", Reason: "at most 100 characters"}
	}
	return f, nil
}

// parseDay reads a date as the start of that day in Shanghai, or an RFC 3339 instant.
func parseDay(v string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, workorder.Shanghai); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

func (s *Server) apiListTickets(w http.ResponseWriter, r *http.Request, a access.Actor) {
	f, fe := parseTicketFilter(r.URL.Query())
	if fe != nil {
		httpx.WriteError(w, http.StatusBadRequest, fe.Field, fe.Error())
		return
	}
	page, err := s.tickets.List(r.Context(), a, f)
	if errors.Is(err, store.ErrBadCursor) {
		httpx.WriteError(w, http.StatusBadRequest, "cursor", "cursor: not one this server handed out")
		return
	}
	if err != nil {
		internalError(w, r, err)
		return
	}
	out := ticketPageJSON{Items: make([]ticketJSON, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, t := range page.Items {
		out.Items = append(out.Items, toTicketJSON(a, t, personalMasked))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

type actionJSON struct {
	Comment      string                 `json:"comment"`
	LeadUnitID   string                 `json:"lead_unit_id"`
	CoUnitIDs    []string               `json:"co_unit_ids"`
	Decision     string                 `json:"decision"`
	Resolved     *bool                  `json:"resolved"`
	Satisfaction workorder.Satisfaction `json:"satisfaction"`
	KBArticle    string                 `json:"kb_article"`
	MasterID     string                 `json:"master_id"`
	DueAt        *time.Time             `json:"due_at"`
	Attachments  []string               `json:"attachments"`
	Version      int                    `json:"version"`
}

func (s *Server) apiTicketAction(w http.ResponseWriter, r *http.Request, a access.Actor) {
	act, err := workorder.ParseAction(r.PathValue("action"))
	if err != nil {
		httpx.WriteError(w, http.StatusNotFound, "action", err.Error())
		return
	}
	var in actionJSON
	if _, ok := readJSON(w, r, &in); !ok {
		return
	}
	c := workorder.Command{Action: act, Comment: in.Comment, LeadUnitID: in.LeadUnitID, CoUnitIDs: in.CoUnitIDs,
		Decision: in.Decision, Resolved: in.Resolved, Satisfaction: in.Satisfaction, KBArticle: in.KBArticle,
		MasterID: in.MasterID, Attachments: in.Attachments, Version: in.Version}
	if in.DueAt != nil {
		c.DueAt = *in.DueAt
	}
	t, err := s.tickets.Act(r.Context(), a, r.PathValue("id"), c)
	if err != nil {
		ticketError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toTicketJSON(a, t, personalMasked))
}

func (s *Server) apiCallerHistory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	ts, err := s.tickets.CallerHistory(r.Context(), a, r.PathValue("phone"))
	if err != nil {
		ticketError(w, r, err)
		return
	}
	items := make([]ticketJSON, 0, len(ts))
	for _, t := range ts {
		items = append(items, toTicketJSON(a, t, personalMasked))
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[ticketJSON]{Items: items})
}
