package open311

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

const (
	maxFormBody       = 1 << 20
	maxMultipartBody  = 8 << 20 // a client may send a photo along; it is read past, not kept
	maxIdempotencyKey = 200
	// maxListed is the most requests (or updates) one answer holds, as the spec suggests.
	maxListed = 1000
	// requestWindow is how far back GET requests looks when the client names no start date.
	requestWindow = 90 * 24 * time.Hour
)

// created is the answer to POST requests. Requests are created at once, so the answer carries the
// request id (the order number) rather than a token.
type created struct {
	ID        string `json:"service_request_id" xml:"service_request_id"`
	Notice    string `json:"service_notice" xml:"service_notice"`
	AccountID string `json:"account_id,omitempty" xml:"account_id"`
}

// openNames are the Open311 names of the work-order fields an intake error may name.
var openNames = map[string]string{
	"category": "service_code", "lng": "long", "address": "address_string", "title": "description",
	"caller.phone": "phone", "caller.name": "last_name", "type": "request_type",
}

func (api *API) createRequest(w http.ResponseWriter, r *http.Request, f format) {
	cleanup, err := readForm(w, r)
	defer cleanup()
	if err != nil {
		writeError(w, f, http.StatusBadRequest, err.Error())
		return
	}
	a, err := api.keyActor(r)
	switch {
	case errors.Is(err, errNoKey) || errors.Is(err, errBadKey):
		writeError(w, f, http.StatusForbidden, err.Error())
		return
	case err != nil:
		api.internalError(w, r, f, err)
		return
	}
	a.RemoteAddr = httpx.ClientAddr(r)
	idem := ticketing.Idempotency{Key: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
	if len(idem.Key) > maxIdempotencyKey {
		writeError(w, f, http.StatusBadRequest, fmt.Sprintf("Idempotency-Key: at most %d characters", maxIdempotencyKey))
		return
	}
	ctx := r.Context()
	c, err := api.catalogue(ctx)
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	code := strings.TrimSpace(r.Form.Get("service_code"))
	svc, ok := c.byCode[code]
	if !ok {
		msg := "service_code: required"
		if code != "" {
			msg = fmt.Sprintf("service_code: no service %q; GET services for the list", code)
		}
		writeError(w, f, http.StatusBadRequest, msg)
		return
	}
	in, err := api.intake(ctx, r.Form, svc)
	var t workorder.Ticket
	var fresh bool
	if err == nil {
		if idem.Key != "" {
			idem.RequestHash = formHash(r.Form)
		}
		t, fresh, err = api.tickets.Create(ctx, a, in, idem)
	}
	var fe *workorder.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, f, http.StatusBadRequest, cmp.Or(openNames[fe.Field], fe.Field)+": "+fe.Reason)
		return
	case errors.Is(err, access.ErrForbidden):
		writeError(w, f, http.StatusForbidden, "api_key: its user may not file requests")
		return
	case errors.Is(err, store.ErrIdempotencyMismatch):
		writeError(w, f, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		api.internalError(w, r, f, err)
		return
	}
	if !fresh {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeList(w, f, http.StatusOK, []created{{ID: t.Number, Notice: serviceNotice(t), AccountID: strings.TrimSpace(r.Form.Get("account_id"))}},
		"service_requests", "request")
}

// readForm parses a url-encoded or multipart body (and the query, where the official Swagger file
// puts the fields), capped before a byte is read. The cleanup removes what a multipart body left
// on disk.
func readForm(w http.ResponseWriter, r *http.Request) (func(), error) {
	limit := int64(maxFormBody)
	multipart := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
	if multipart {
		limit = maxMultipartBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if multipart {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	cleanup := func() {
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return cleanup, fmt.Errorf("request body larger than %d bytes", limit)
	case err != nil:
		return cleanup, fmt.Errorf("malformed form: %v", err)
	}
	return cleanup, nil
}

// formHash identifies a request for its idempotency key: the form without the key that carried it,
// in a canonical order, so that a retry matches however its fields were ordered or encoded.
func formHash(form url.Values) string {
	v := url.Values{}
	for k, vs := range form {
		if k != "api_key" {
			v[k] = vs
		}
	}
	sum := sha256.Sum256([]byte(v.Encode()))
	return hex.EncodeToString(sum[:])
}

func (api *API) listRequests(w http.ResponseWriter, r *http.Request, f format) {
	rd, ok := api.readerOf(w, r, f)
	if !ok {
		return
	}
	q := r.URL.Query()
	var ts []workorder.Ticket
	var err error
	if ids := strings.TrimSpace(q.Get("service_request_id")); ids != "" {
		// The spec: a list of ids overrides every other argument.
		ts, err = api.byIDs(r, rd, strings.Split(ids, ","))
	} else {
		filter, ferr := requestFilter(q, api.now())
		if ferr != nil {
			writeError(w, f, http.StatusBadRequest, ferr.Error())
			return
		}
		ts, err = api.search(r, rd, filter)
	}
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	api.writeRequests(w, r, f, ts)
}

func (api *API) writeRequests(w http.ResponseWriter, r *http.Request, f format, ts []workorder.Ticket) {
	l, err := api.newLookup(r.Context(), r)
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	out := make([]request, 0, len(ts))
	for _, t := range ts {
		req, err := l.request(r.Context(), t)
		if err != nil {
			api.internalError(w, r, f, err)
			return
		}
		out = append(out, req)
	}
	writeList(w, f, http.StatusOK, out, "service_requests", "request")
}

// openStatuses and closedStatuses are what Open311's two statuses stand for: closed covers every
// order that needs no more work (closed, cancelled, merged into another, transferred to 110).
var openStatuses, closedStatuses = func() (open, closed []workorder.Status) {
	for _, s := range workorder.Statuses {
		if s.Terminal() {
			closed = append(closed, s)
		} else {
			open = append(open, s)
		}
	}
	return open, closed
}()

// requestFilter reads GET requests' arguments. Without a start date it looks back 90 days.
func requestFilter(q url.Values, now time.Time) (store.TicketFilter, error) {
	f := store.TicketFilter{Category: strings.TrimSpace(q.Get("service_code"))}
	var err error
	if f.From, f.To, err = dateRange(q, now, requestWindow); err != nil {
		return f, err
	}
	for _, s := range strings.Split(q.Get("status"), ",") {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
		case "open":
			f.Statuses = append(f.Statuses, openStatuses...)
		case "closed":
			f.Statuses = append(f.Statuses, closedStatuses...)
		default:
			return f, fieldErr("status", "%q: want open or closed", s)
		}
	}
	return f, nil
}

// dateRange reads start_date and end_date as [from, to), the end date included. Without a start it
// reaches back span from the end, or from now; to is zero when no end was given.
func dateRange(q url.Values, now time.Time, span time.Duration) (from, to time.Time, err error) {
	end := now
	if v := q.Get("end_date"); v != "" {
		t, ok := parseW3C(v)
		if !ok {
			return from, to, fieldErr("end_date", "want a W3C datetime, e.g. 2026-11-28T08:30:00+08:00")
		}
		end, to = t, t.Add(time.Millisecond)
	}
	from = end.Add(-span)
	if v := q.Get("start_date"); v != "" {
		t, ok := parseW3C(v)
		if !ok {
			return from, to, fieldErr("start_date", "want a W3C datetime, e.g. 2026-11-28T08:30:00+08:00")
		}
		from = t
	}
	return from, to, nil
}

// search lists the orders the reader may see, newest first, at most maxListed of them.
func (api *API) search(r *http.Request, rd reader, f store.TicketFilter) ([]workorder.Ticket, error) {
	f.Limit = 500
	var out []workorder.Ticket
	for {
		page, err := api.tickets.List(r.Context(), rd.actor, f)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Items {
			if rd.shows(t) {
				out = append(out, t)
			}
			if len(out) == maxListed {
				return out, nil
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}

// byIDs returns the orders named by number or id that the reader may see, each once, in the order named.
func (api *API) byIDs(r *http.Request, rd reader, ids []string) ([]workorder.Ticket, error) {
	var out []workorder.Ticket
	for _, id := range ids[:min(len(ids), maxListed)] {
		t, err := api.tickets.Get(r.Context(), rd.actor, strings.TrimSpace(id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if rd.shows(t) && !slices.ContainsFunc(out, func(o workorder.Ticket) bool { return o.ID == t.ID }) {
			out = append(out, t)
		}
	}
	return out, nil
}

// oneRequest answers GET requests/{id}: the request, by number or id, as a list of one.
func (api *API) oneRequest(w http.ResponseWriter, r *http.Request) {
	if t, _, f, ok := api.found(w, r, "service_request_id"); ok {
		api.writeRequests(w, r, f, []workorder.Ticket{t})
	}
}

// found reads the last path segment as an order's number (or id) and finds the order for the
// reader; when there is none it answers 404 itself, naming field.
func (api *API) found(w http.ResponseWriter, r *http.Request, field string) (workorder.Ticket, string, format, bool) {
	id, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		writeError(w, f, http.StatusNotFound, "unknown format: use .json or .xml")
		return workorder.Ticket{}, id, f, false
	}
	rd, ok := api.readerOf(w, r, f)
	if !ok {
		return workorder.Ticket{}, id, f, false
	}
	ts, err := api.byIDs(r, rd, []string{id})
	if err != nil {
		api.internalError(w, r, f, err)
		return workorder.Ticket{}, id, f, false
	}
	if len(ts) == 0 {
		writeError(w, f, http.StatusNotFound, field+": no request "+id)
		return workorder.Ticket{}, id, f, false
	}
	return ts[0], id, f, true
}

type tokenAnswer struct {
	ID    string `json:"service_request_id" xml:"service_request_id"`
	Token string `json:"token" xml:"token"`
}

// token answers GET tokens/{token}. Requests are created at once and POST gives their number as the
// id, so a token is a number, and it resolves to itself once the request exists.
func (api *API) token(w http.ResponseWriter, r *http.Request) {
	if t, token, f, ok := api.found(w, r, "token"); ok {
		writeList(w, f, http.StatusOK, []tokenAnswer{{ID: t.Number, Token: token}}, "service_requests", "request")
	}
}
