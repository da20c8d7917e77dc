package ui

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

// The work-order screens: the agent's console, the dispatcher's queue, the unit's inbox, the centre's
// review and return-visit queues, the order's own page and the search. Every action any of them
// offers is one form of the action panel (tickets_panel.go), posted to one handler that calls the
// ticketing service with the version the page showed.
func init() {
	areas = append(areas, area{
		pages: map[string]any{
			"ticket_intake.html":  intakeData{},
			"ticket_created.html": createdData{},
			"ticket_queue.html":   queueData{},
			"ticket_detail.html":  detailData{},
			"ticket_list.html":    ticketListData{},
		},
		register: func(u *UI, mux *http.ServeMux) {
			mux.HandleFunc("GET /desk/intake", u.signedIn(u.intakePage))
			mux.HandleFunc("POST /desk/intake", u.signedIn(u.intake))
			mux.HandleFunc("GET /desk/intake/history", u.signedIn(u.callerHistory))
			mux.HandleFunc("GET /desk/intake/categories", u.signedIn(u.categorySearch))
			mux.HandleFunc("GET /desk/intake/places", u.signedIn(u.placePicker))
			mux.HandleFunc("GET /desk/intake/{number}", u.signedIn(u.createdPage))
			mux.HandleFunc("GET /desk/dispatch", u.signedIn(u.queuePage(dispatchQueue)))
			mux.HandleFunc("GET /desk/inbox", u.signedIn(u.queuePage(inboxQueue)))
			mux.HandleFunc("GET /desk/review", u.signedIn(u.queuePage(reviewQueue)))
			mux.HandleFunc("GET /desk/visits", u.signedIn(u.queuePage(visitQueue)))
			mux.HandleFunc("GET /tickets", u.signedIn(u.ticketList))
			mux.HandleFunc("GET /tickets/{number}", u.signedIn(u.ticketPage))
			mux.HandleFunc("GET /tickets/{number}/panel", u.signedIn(u.panelFragment))
			mux.HandleFunc("POST /tickets/{number}/act/{action}", u.signedIn(u.act))
		},
	})
}

// Catalogue keys of the work-order vocabulary, written out so that the catalogue check sees each one.
var (
	statusKeys = map[workorder.Status]string{
		workorder.StatusNew: "tk.status.new", workorder.StatusDispatched: "tk.status.dispatched",
		workorder.StatusAccepted: "tk.status.accepted", workorder.StatusReturned: "tk.status.returned",
		workorder.StatusReplied: "tk.status.replied", workorder.StatusVisiting: "tk.status.visiting",
		workorder.StatusSuspended: "tk.status.suspended", workorder.StatusClosed: "tk.status.closed",
		workorder.StatusCancelled: "tk.status.cancelled", workorder.StatusMerged: "tk.status.merged",
		workorder.StatusTransferred: "tk.status.transferred",
	}
	actionKeys = map[workorder.Action]string{
		workorder.ActCreate: "tk.act.create", workorder.ActAnswer: "tk.act.answer", workorder.ActDispatch: "tk.act.dispatch",
		workorder.ActAccept: "tk.act.accept", workorder.ActReturn: "tk.act.return", workorder.ActRedispatch: "tk.act.redispatch",
		workorder.ActReviewReturn: "tk.act.review_return", workorder.ActReply: "tk.act.reply",
		workorder.ActApprove: "tk.act.approve", workorder.ActReject: "tk.act.reject", workorder.ActVisit: "tk.act.visit",
		workorder.ActReopen: "tk.act.reopen", workorder.ActSupervise: "tk.act.supervise",
		workorder.ActExtendAsk: "tk.act.extend_request", workorder.ActExtendDecide: "tk.act.extend_decide",
		workorder.ActSuspend: "tk.act.suspend", workorder.ActResume: "tk.act.resume", workorder.ActMerge: "tk.act.merge",
		workorder.ActCancel: "tk.act.cancel", workorder.ActTransfer110: "tk.act.transfer_110",
	}
	typeKeys = map[workorder.RequestType]string{
		workorder.TypeEnquiry: "tk.type.enquiry", workorder.TypeHelp: "tk.type.help", workorder.TypeComplaint: "tk.type.complaint",
		workorder.TypeReport: "tk.type.report", workorder.TypeSuggestion: "tk.type.suggestion", workorder.TypePraise: "tk.type.praise",
	}
	channelKeys = map[workorder.Channel]string{
		workorder.ChannelPhone: "tk.channel.phone", workorder.ChannelWeb: "tk.channel.web",
		workorder.ChannelMobile: "tk.channel.mobile", workorder.ChannelSMS: "tk.channel.sms",
		workorder.ChannelEmail: "tk.channel.email", workorder.ChannelOpen311: "tk.channel.open311",
		workorder.ChannelGrid: "tk.channel.grid", workorder.ChannelPolice: "tk.channel.police110",
		workorder.ChannelSensor: "tk.channel.sensor", workorder.ChannelWalkIn: "tk.channel.walk_in",
		workorder.ChannelTransfer: "tk.channel.transfer",
	}
	urgencyKeys = map[workorder.Urgency]string{
		workorder.UrgencyNormal: "tk.urgency.normal", workorder.UrgencyUrgent: "tk.urgency.urgent",
		workorder.UrgencyEmergency: "tk.urgency.emergency",
	}
	satisfactionKeys = map[workorder.Satisfaction]string{
		workorder.Satisfied: "tk.satisfaction.satisfied", workorder.BasicallySatisfied: "tk.satisfaction.basically",
		workorder.Unsatisfied: "tk.satisfaction.unsatisfied",
	}
)

// StatusName is a status as the centre calls it.
func (t tr) StatusName(s workorder.Status) string { return t.named(statusKeys[s], string(s)) }

// ActionName is an action as its button says it.
func (t tr) ActionName(a workorder.Action) string { return t.named(actionKeys[a], string(a)) }

// TypeName is a request type (咨询, 投诉, …).
func (t tr) TypeName(r workorder.RequestType) string { return t.named(typeKeys[r], string(r)) }

// ChannelName is the way a matter came in.
func (t tr) ChannelName(c workorder.Channel) string { return t.named(channelKeys[c], string(c)) }

// UrgencyName is an urgency as the form offers it.
func (t tr) UrgencyName(u workorder.Urgency) string { return t.named(urgencyKeys[u], string(u)) }

// SatisfactionName is a return-visit verdict (满意, 基本满意, 不满意).
func (t tr) SatisfactionName(s workorder.Satisfaction) string {
	return t.named(satisfactionKeys[s], string(s))
}

// named translates key, or shows the raw value when the vocabulary has grown past the catalogue.
func (t tr) named(key, raw string) string {
	if key == "" {
		return raw
	}
	return t.T(key)
}

// When is an instant as people in the city read it, or a dash for a time not set (due times stay
// empty until a time-limit policy fills them).
func (t tr) When(at time.Time) string {
	if at.IsZero() {
		return "—"
	}
	return at.In(shanghai).Format("2006-01-02 15:04")
}

// frame is what every work-order fragment needs besides its data: the language and the CSRF token,
// since fragments are also rendered on their own for htmx.
type frame struct {
	tr
	CSRF string
}

// CSRFName is the form field that carries the CSRF token.
func (frame) CSRFName() string { return httpx.CSRFField }

func (u *UI) frame(r *http.Request) frame {
	return frame{tr: u.translator(langOf(r)), CSRF: httpx.CSRFFrom(r.Context())}
}

// fragment renders one partial template for htmx to put into the page.
func (u *UI) fragment(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := u.partial.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("ui: render fragment", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// isHTMX tells a request htmx made from a page apart from a plain navigation or form post.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// names resolves the ids and codes an order carries into what people read, loading each list once
// per page.
type names struct {
	units  map[string]org.Unit
	cats   *category.Tree
	lines  map[string]hotline.Line
	places *placeNames
}

func (u *UI) names(ctx context.Context) (*names, error) {
	units, err := u.unitsByID(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := u.st.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	lines, err := u.st.HotlineLines(ctx)
	if err != nil {
		return nil, err
	}
	n := &names{units: units, cats: category.NewTree(cats), lines: map[string]hotline.Line{}, places: u.placeNames()}
	for _, l := range lines {
		n.lines[l.Code] = l
	}
	return n, nil
}

func (n *names) unit(id string) string {
	if un, ok := n.units[id]; ok {
		return un.Name
	}
	return id
}

func (n *names) category(code string) string {
	if p := n.cats.PathName(code); p != "" {
		return p
	}
	return code
}

// line names a hotline; 12345 itself is known by its number.
func (n *names) line(code string) string {
	if l, ok := n.lines[code]; ok {
		return l.Name
	}
	return code
}

// loadTicket fetches the order named in the path for the actor; an order that does not exist and one
// the actor may not see both answer 404, so that nobody learns which numbers exist.
func (u *UI) loadTicket(w http.ResponseWriter, r *http.Request, a access.Actor) (workorder.Ticket, bool) {
	t, err := u.tickets.Get(r.Context(), a, r.PathValue("number"))
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, access.ErrForbidden):
		u.notFound(w, r)
		return t, false
	case err != nil:
		u.failed(w, r, err)
		return t, false
	}
	return t, true
}

// centreDesk tells whether the actor works at the 12345 centre: the agent's console and the centre's
// queues are theirs.
func centreDesk(a access.Actor, roles ...access.Role) bool {
	return workorder.PartOf(a, workorder.Ticket{}) == workorder.Centre && hasAny(a, roles)
}

func hasAny(a access.Actor, roles []access.Role) bool { return slices.ContainsFunc(roles, a.Has) }
