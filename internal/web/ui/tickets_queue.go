package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// ticketRow is one order in a list, with its ids and codes resolved and the caller masked.
type ticketRow struct {
	T        workorder.Ticket
	Category string // path in the catalogue
	Line     string
	Lead     string
	Co       []string
	Place    string
	Caller   workorder.Caller
	Overdue  bool
	Quick    workorder.Action // a one-click step the actor may take from the list (签收), or ""
	Note     *workorder.Event // what the queue needs to see: the unit's reason, the reply under review
}

// ResolvedKey words the citizen's answer to "was it resolved?", or is "" before the return visit.
func (r ticketRow) ResolvedKey() string {
	if r.T.Resolved == nil {
		return ""
	}
	return resolvedKeys[map[bool]string{true: "yes", false: "no"}[*r.T.Resolved]]
}

func (n *names) row(ctx context.Context, a access.Actor, t workorder.Ticket) ticketRow {
	r := ticketRow{T: t, Category: n.category(t.Category), Line: n.line(t.LineCode), Place: n.places.name(ctx, t.Location.PlaceCode),
		Caller:  ticketing.CallerFor(a, t, false),
		Overdue: t.Open() && !t.DueCloseAt.IsZero() && t.DueCloseAt.Before(time.Now())}
	if t.LeadUnitID != "" {
		r.Lead = n.unit(t.LeadUnitID)
	}
	for _, id := range t.CoUnitIDs {
		r.Co = append(r.Co, n.unit(id))
	}
	for _, act := range workorder.Available(a, t) {
		if slices.Contains(oneClick, act) {
			r.Quick = act
			break
		}
	}
	return r
}

// rows lists one page of the orders the actor may see that match f, as rows; keep, when not nil,
// drops the orders a tab does not want. It returns the cursor of the next page.
func (u *UI) rows(ctx context.Context, a access.Actor, n *names, f store.TicketFilter,
	keep func(access.Actor, workorder.Ticket) bool) ([]ticketRow, string, error) {
	page, err := u.tickets.List(ctx, a, f)
	if err != nil {
		return nil, "", err
	}
	var out []ticketRow
	for _, t := range page.Items {
		if keep == nil || keep(a, t) {
			out = append(out, n.row(ctx, a, t))
		}
	}
	return out, page.NextCursor, nil
}

// listFailed answers a listing that failed: a cursor this server never handed out is a page that
// does not exist.
func (u *UI) listFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrBadCursor) {
		u.notFound(w, r)
		return
	}
	u.failed(w, r, err)
}

// dueSoon is how far ahead the inbox's "due soon" tab looks.
const dueSoon = 24 * time.Hour

// queuePageSize keeps a queue short enough to scan while on the phone.
const queuePageSize = 30

// queueTab is one list of a queue: the filter that makes it, and what each row needs beside it.
type queueTab struct {
	Name   string // in ?tab=
	Label  string // catalogue key
	filter func(a access.Actor, now time.Time) store.TicketFilter
	keep   func(a access.Actor, t workorder.Ticket) bool // nil keeps every order the filter finds
	note   func(evs []workorder.Event) *workorder.Event  // nil: the rows need no note
}

// queueKind is one of the desks: who works it and its tabs. Every queue lists the oldest order first,
// the one that has waited longest.
type queueKind struct {
	Path  string
	Title string // catalogue key
	Lead  string // catalogue key
	Tabs  []queueTab
	Quick bool // the rows carry one-click steps (签收)
	may   func(a access.Actor) bool
}

func statuses(st ...workorder.Status) func(access.Actor, time.Time) store.TicketFilter {
	return func(access.Actor, time.Time) store.TicketFilter { return store.TicketFilter{Statuses: st} }
}

// atCentre lets the centre's people with one of the roles work a queue.
func atCentre(roles ...access.Role) func(access.Actor) bool {
	return func(a access.Actor) bool { return centreDesk(a, roles...) }
}

var (
	dispatchQueue = queueKind{Path: "/desk/dispatch", Title: "tk.dispatch.title", Lead: "tk.dispatch.lead",
		may: atCentre(access.RoleDispatcher, access.RoleSupervisor),
		Tabs: []queueTab{
			{Name: "new", Label: "tk.tab.new", filter: statuses(workorder.StatusNew)},
			{Name: "returned", Label: "tk.tab.returned", filter: statuses(workorder.StatusReturned), note: lastReason},
		}}
	inboxQueue = queueKind{Path: "/desk/inbox", Title: "tk.inbox.title", Lead: "tk.inbox.lead", Quick: true,
		may: func(a access.Actor) bool {
			return a.UnitID != "" && hasAny(a, []access.Role{access.RoleHandler, access.RoleUnitLead})
		},
		Tabs: []queueTab{
			{Name: "sign", Label: "tk.tab.sign", filter: func(a access.Actor, _ time.Time) store.TicketFilter {
				return store.TicketFilter{LeadUnitID: a.UnitID, Statuses: []workorder.Status{workorder.StatusDispatched}}
			}},
			{Name: "doing", Label: "tk.tab.doing", filter: func(a access.Actor, _ time.Time) store.TicketFilter {
				return store.TicketFilter{LeadUnitID: a.UnitID, Statuses: []workorder.Status{workorder.StatusAccepted}}
			}},
			{Name: "soon", Label: "tk.tab.soon", filter: func(a access.Actor, now time.Time) store.TicketFilter {
				return store.TicketFilter{LeadUnitID: a.UnitID, DueBefore: now.Add(dueSoon)}
			}, keep: func(_ access.Actor, t workorder.Ticket) bool { return t.DueCloseAt.After(time.Now()) }},
			{Name: "overdue", Label: "tk.tab.overdue", filter: func(a access.Actor, now time.Time) store.TicketFilter {
				return store.TicketFilter{LeadUnitID: a.UnitID, Overdue: true, Now: now}
			}},
			{Name: "co", Label: "tk.tab.co", filter: func(a access.Actor, _ time.Time) store.TicketFilter {
				return store.TicketFilter{UnitID: a.UnitID, Statuses: []workorder.Status{workorder.StatusDispatched, workorder.StatusAccepted}}
			}, keep: func(a access.Actor, t workorder.Ticket) bool { return t.LeadUnitID != a.UnitID }},
		}}
	reviewQueue = queueKind{Path: "/desk/review", Title: "tk.review.title", Lead: "tk.review.lead",
		may:  atCentre(access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor),
		Tabs: []queueTab{{Name: "replied", Label: "tk.tab.replied", filter: statuses(workorder.StatusReplied), note: lastReply}}}
	visitQueue = queueKind{Path: "/desk/visits", Title: "tk.visits.title", Lead: "tk.visits.lead",
		may:  atCentre(access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor),
		Tabs: []queueTab{{Name: "visiting", Label: "tk.tab.visiting", filter: statuses(workorder.StatusVisiting), note: lastReply}}}
)

// queueData is a queue page: its tabs, one page of rows and the way to the next.
type queueData struct {
	Kind queueKind
	Tab  string
	Rows []ticketRow
	Next string // URL of the next page, "" on the last
	Self string // this page's URL, for the list to refresh itself after an action
	More bool   // this is not the first page
}

// TitleKey names the page.
func (d queueData) TitleKey() string { return d.Kind.Title }

// TabURL is the address of one of the queue's tabs.
func (d queueData) TabURL(name string) string { return d.Kind.Path + "?tab=" + name }

// queuePage serves one desk: the list on one side, and the panel of the order picked on the other.
func (u *UI) queuePage(q queueKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, a access.Actor) {
		if !q.may(a) {
			u.notFound(w, r)
			return
		}
		tab := q.Tabs[0]
		for _, t := range q.Tabs {
			if t.Name == r.URL.Query().Get("tab") {
				tab = t
			}
		}
		ctx := r.Context()
		f := tab.filter(a, time.Now())
		f.OldestFirst, f.Limit, f.Cursor = true, queuePageSize, r.URL.Query().Get("cursor")
		n, err := u.names(ctx)
		if err != nil {
			u.failed(w, r, err)
			return
		}
		d := queueData{Kind: q, Tab: tab.Name, Self: r.URL.RequestURI(), More: f.Cursor != ""}
		var next string
		if d.Rows, next, err = u.rows(ctx, a, n, f, tab.keep); err != nil {
			u.listFailed(w, r, err)
			return
		}
		for i := range d.Rows {
			if tab.note == nil {
				break
			}
			evs, err := u.st.Timeline(ctx, d.Rows[i].T.ID)
			if err != nil {
				u.failed(w, r, err)
				return
			}
			d.Rows[i].Note = tab.note(evs)
		}
		if next != "" {
			d.Next = q.Path + "?" + url.Values{"tab": {tab.Name}, "cursor": {next}}.Encode()
		}
		u.render(w, r, http.StatusOK, "ticket_queue.html", d)
	}
}
