package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// eventRow is one step of the timeline, with what it carried put into words.
type eventRow struct {
	Ev      workorder.Event
	Unit    string // the unit the actor acted for
	Details []string
	Files   []store.Attachment
}

// detailData is the page of one order: every field, the whole timeline, the files and the actions.
type detailData struct {
	Row       ticketRow
	QueryCode string // only for those who read it out to the caller
	Chain     string // the place from the district down
	Master    string // the number of the order this one follows, when merged
	Children  []string
	Events    []eventRow
	Files     []store.Attachment
	Panel     panelData
}

// TitleKey names the page.
func (detailData) TitleKey() string { return "tk.detail.title" }

// decisionKeys word the decisions of an objection review and of an extension request.
var decisionKeys = map[string]string{
	workorder.DecisionUphold: "tk.decision.uphold", workorder.DecisionOverrule: "tk.decision.overrule",
	workorder.DecisionApprove: "tk.decision.approve", workorder.DecisionDeny: "tk.decision.deny",
}

// eventDetails puts what an event's data records into words.
func eventDetails(t tr, n *names, ev workorder.Event) []string {
	var out []string
	str := func(k string) string { s, _ := ev.Data[k].(string); return s }
	if c := str("channel"); c != "" {
		out = append(out, t.T("tk.ev.channel", t.ChannelName(workorder.Channel(c))))
	}
	if id := str("lead_unit_id"); id != "" {
		out = append(out, t.T("tk.ev.lead", n.unit(id)))
	}
	if ids, ok := ev.Data["co_unit_ids"].([]any); ok && len(ids) > 0 {
		var co []string
		for _, id := range ids {
			if s, ok := id.(string); ok {
				co = append(co, n.unit(s))
			}
		}
		out = append(out, t.T("tk.ev.co", strings.Join(co, t.T("list.sep"))))
	}
	if k, ok := decisionKeys[str("decision")]; ok {
		out = append(out, t.T(k))
	}
	if resolved, ok := ev.Data["resolved"].(bool); ok {
		out = append(out, t.T(map[bool]string{true: "tk.ev.resolved", false: "tk.ev.unresolved"}[resolved]))
	}
	if s := str("satisfaction"); s != "" {
		out = append(out, t.SatisfactionName(workorder.Satisfaction(s)))
	}
	if due, err := time.Parse(time.RFC3339, str("due_at")); err == nil {
		out = append(out, t.T("tk.ev.due", t.When(due)))
	}
	if m := str("master_number"); m != "" {
		out = append(out, t.T("tk.ev.master", m))
	}
	if kb := str("kb_article"); kb != "" {
		if title := str("kb_title"); title != "" { // recorded since answers are checked against the knowledge base
			kb += " " + title
		}
		out = append(out, t.T("tk.ev.kb", kb))
	}
	if ev.Data["co_reply"] == true {
		out = append(out, t.T("tk.ev.co_reply"))
	}
	return out
}

func (u *UI) ticketPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	t, p, ok := u.viewed(w, r, a)
	if !ok {
		return
	}
	p.Notice = doneNotice(r)
	if p.Notice != "" {
		p.Open = "" // the step is done; the next one is someone else's or needs a fresh look
	}
	u.renderDetail(w, r, a, http.StatusOK, t, p)
}

// renderDetail shows the order's page around its panel (which may carry a refused form).
func (u *UI) renderDetail(w http.ResponseWriter, r *http.Request, a access.Actor, status int, t workorder.Ticket, p panelData) {
	ctx, tl := r.Context(), u.translator(langOf(r))
	n, err := u.names(ctx)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	p.Bare = true
	d := detailData{Row: p.Row, Panel: p}
	if ticketing.ShowsQueryCode(a, t) {
		d.QueryCode = t.QueryCode
	}
	if d.Chain, err = u.chainName(ctx, t.Location.PlaceCode); err != nil {
		u.failed(w, r, err)
		return
	}
	if t.MasterID != "" {
		if m, err := u.tickets.Get(ctx, a, t.MasterID); err == nil {
			d.Master = m.Number
		}
	}
	children, err := u.st.MergedInto(ctx, t.ID)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	for _, c := range children {
		if ticketing.Visible(a, c) {
			d.Children = append(d.Children, c.Number)
		}
	}
	evs, err := u.st.Timeline(ctx, t.ID)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	for _, ev := range evs {
		row := eventRow{Ev: ev, Details: eventDetails(tl, n, ev), Files: p.Files[ev.ID]}
		if ev.ActorUnitID != "" {
			row.Unit = n.unit(ev.ActorUnitID)
		}
		d.Events = append(d.Events, row)
	}
	for _, fs := range p.Files {
		d.Files = append(d.Files, fs...)
	}
	slices.SortFunc(d.Files, func(x, y store.Attachment) int { return x.UploadedAt.Compare(y.UploadedAt) })
	u.render(w, r, status, "ticket_detail.html", d)
}

// chainName is a place from its district down to itself: 海勃湾区 › 新华街道 › 新华社区 › 新华一网格.
func (u *UI) chainName(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	chain, err := u.st.PlaceChain(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return code, nil
	}
	if err != nil {
		return "", err
	}
	var parts []string
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Level != org.LevelCity {
			parts = append(parts, chain[i].Name)
		}
	}
	return strings.Join(parts, " › "), nil
}

// listForm is the search form of the order list, as typed.
type listForm struct {
	Status, Category, Type, Channel, Region, From, To, Q string
	Overdue                                              bool
}

// ticketListData is the search page: the filters, one page of orders and the way to the next.
type ticketListData struct {
	Form       listForm
	Errors     formErrors
	Rows       []ticketRow
	Next       string
	First      string // the first page, when this is a later one
	Statuses   []option
	Types      []option
	Channels   []option
	Categories []option
	Regions    []option
}

// TitleKey names the page.
func (ticketListData) TitleKey() string { return "tk.list.title" }

// listFields labels the fields of the search form.
var listFields = map[string]string{
	"status": "tk.field.status", "type": "tk.field.type", "channel": "tk.field.channel", "category": "tk.field.category",
	"region": "tk.field.region", "from": "tk.field.from", "to": "tk.field.to", "q": "tk.field.q",
}

// Select is one of the search form's lists, with "any" as its empty choice.
func (d ticketListData) Select(v view, name, value string, opts []option) fieldData {
	return fieldData{Name: name, Label: v.T(listFields[name]), Value: value, Options: opts, Error: d.Errors[name], None: v.T("tk.list.any")}
}

// listPageSize is how many orders one page of the search shows.
const listPageSize = 30

// maxQuery bounds the full-text query, as the API does.
const maxQuery = 100

// filter reads the form into the store's filter, putting a message on every field it cannot read.
func (f listForm) filter(t tr, errs formErrors) store.TicketFilter {
	out := store.TicketFilter{Category: f.Category, PlacePrefix: f.Region, Query: f.Q, Overdue: f.Overdue, Now: time.Now()}
	bad := func(field, rule string) { errs[field] = t.T("form.error", t.T(listFields[field]), t.T(rule)) }
	if f.Status != "" {
		if st := workorder.Status(f.Status); workorder.ValidStatus(st) {
			out.Statuses = []workorder.Status{st}
		} else {
			bad("status", "err.unknown")
		}
	}
	if out.Type = workorder.RequestType(f.Type); f.Type != "" && !workorder.ValidType(out.Type) {
		bad("type", "err.unknown")
	}
	if out.Channel = workorder.Channel(f.Channel); f.Channel != "" && !workorder.ValidChannel(out.Channel) {
		bad("channel", "err.unknown")
	}
	day := func(field, v string, after int) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", v, shanghai)
		if err != nil {
			bad(field, "tk.err.date")
			return time.Time{}
		}
		return d.AddDate(0, 0, after)
	}
	out.From = day("from", f.From, 0)
	out.To = day("to", f.To, 1) // the form's "to" day is included
	if utf8.RuneCountInString(f.Q) > maxQuery {
		bad("q", "tk.err.query")
	}
	return out
}

func readListForm(q url.Values) listForm {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return listForm{Status: get("status"), Category: get("category"), Type: get("type"), Channel: get("channel"),
		Region: get("region"), From: get("from"), To: get("to"), Q: get("q"), Overdue: q.Get("overdue") != ""}
}

// viewsTickets lists the roles that look orders up; the admin runs the system, not the cases.
var viewsTickets = []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor, access.RoleLeader,
	access.RoleHandler, access.RoleUnitLead, access.RoleStreetStaff, access.RoleCommunityStaff, access.RoleGridWorker,
	access.RoleMediator}

// ticketList is the search over the orders the actor may see, newest first, a page at a time.
func (u *UI) ticketList(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !hasAny(a, viewsTickets) {
		u.notFound(w, r)
		return
	}
	ctx, tl := r.Context(), u.translator(langOf(r))
	q := r.URL.Query()
	d := ticketListData{Form: readListForm(q), Errors: formErrors{}}
	f := d.Form.filter(tl, d.Errors)
	f.Cursor, f.Limit = q.Get("cursor"), listPageSize
	n, err := u.names(ctx)
	if err == nil {
		err = u.listChoices(ctx, tl, a, n, &d)
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	if len(d.Errors) > 0 {
		u.render(w, r, http.StatusBadRequest, "ticket_list.html", d)
		return
	}
	var next string
	if d.Rows, next, err = u.rows(ctx, a, n, f, nil); err != nil {
		u.listFailed(w, r, err)
		return
	}
	if f.Cursor != "" {
		q.Del("cursor")
		d.First = "/tickets?" + q.Encode()
	}
	if next != "" {
		q.Set("cursor", next)
		d.Next = "/tickets?" + q.Encode()
	}
	u.render(w, r, http.StatusOK, "ticket_list.html", d)
}

// listChoices fills the search form's lists.
func (u *UI) listChoices(ctx context.Context, t tr, a access.Actor, n *names, d *ticketListData) error {
	for _, s := range workorder.Statuses {
		d.Statuses = append(d.Statuses, option{Value: string(s), Label: t.StatusName(s)})
	}
	d.Types = typeOptions(t)
	for _, c := range workorder.Channels {
		d.Channels = append(d.Channels, option{Value: string(c), Label: t.ChannelName(c)})
	}
	for _, c := range n.cats.Flatten() {
		d.Categories = append(d.Categories, option{Value: c.Code, Label: strings.Repeat("\u3000", c.Level-1) + c.Name})
	}
	var err error
	d.Regions, err = u.placeOptions(ctx, a, org.LevelDistrict, org.LevelStreet, org.LevelCommunity)
	return err
}

func typeOptions(t tr) []option {
	out := make([]option, 0, len(workorder.RequestTypes))
	for _, ty := range workorder.RequestTypes {
		out = append(out, option{Value: string(ty), Label: t.TypeName(ty)})
	}
	return out
}
