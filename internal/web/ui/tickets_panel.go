package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// actionForm is what one action's form sent, kept as typed so that a refused form comes back as it was.
type actionForm struct {
	Version      int
	Comment      string
	LeadUnitID   string
	CoUnitIDs    []string
	Decision     string
	Resolved     string // "yes", "no" or ""
	Satisfaction string
	KBArticle    string
	Master       string // the master order's number
	DueAt        string // as a datetime-local input sends it: 2026-11-28T17:30, Shanghai time
	Attachments  []string
}

// IsCo tells whether the unit was ticked as a co-handler.
func (f actionForm) IsCo(id string) bool { return slices.Contains(f.CoUnitIDs, id) }

func readActionForm(r *http.Request) actionForm {
	f := actionForm{
		Comment:      r.PostFormValue("comment"),
		LeadUnitID:   r.PostFormValue("lead_unit_id"),
		CoUnitIDs:    r.PostForm["co_unit_ids"],
		Decision:     r.PostFormValue("decision"),
		Resolved:     r.PostFormValue("resolved"),
		Satisfaction: r.PostFormValue("satisfaction"),
		KBArticle:    strings.TrimSpace(r.PostFormValue("kb_article")),
		Master:       strings.TrimSpace(r.PostFormValue("master")),
		DueAt:        r.PostFormValue("due_at"),
		Attachments:  r.PostForm["attachments"],
	}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

// dueLayout is how a datetime-local input sends a time.
const dueLayout = "2006-01-02T15:04"

// command turns the form into the command for action, or names the field that could not be read.
func (f actionForm) command(action workorder.Action) (workorder.Command, string) {
	c := workorder.Command{Action: action, Comment: f.Comment, LeadUnitID: f.LeadUnitID, CoUnitIDs: f.CoUnitIDs,
		Decision: f.Decision, Satisfaction: workorder.Satisfaction(f.Satisfaction), KBArticle: f.KBArticle,
		MasterID: f.Master, Attachments: f.Attachments, Version: f.Version}
	switch f.Resolved {
	case "yes", "no":
		c.Resolved = new(f.Resolved == "yes")
	}
	if f.DueAt != "" {
		at, err := time.ParseInLocation(dueLayout, f.DueAt, shanghai)
		if err != nil {
			return c, "due_at"
		}
		c.DueAt = at
	}
	return c, ""
}

// fieldRule names a field of a form: the catalogue keys of its label and of the rule it breaks.
type fieldRule struct{ Label, Rule string }

// actionRules names, for each field the domain may refuse in an action's form, its label and rule.
// The comment's label depends on the action (commentKeys).
var actionRules = map[string]fieldRule{
	"comment":      {"", "tk.err.comment"},
	"lead_unit_id": {"tk.field.lead_unit_id", "tk.err.lead_unit"},
	"co_unit_ids":  {"tk.field.co_unit_ids", "tk.err.co_units"},
	"decision":     {"tk.field.decision", "tk.err.decision"},
	"resolved":     {"tk.field.resolved", "tk.err.resolved"},
	"satisfaction": {"tk.field.satisfaction", "tk.err.satisfaction"},
	"master_id":    {"tk.field.master", "tk.err.master"},
	"due_at":       {"tk.field.due_at", "tk.err.due_at"},
	"attachments":  {"tk.field.attachments", "tk.err.attachments"},
	"kb_article":   {"tk.field.kb_article", "kb.err.answer_article"},
}

// commentKeys label the text each action asks for: the answer, the reason, the reply…
var commentKeys = map[workorder.Action]string{
	workorder.ActAnswer: "tk.comment.answer", workorder.ActReturn: "tk.comment.reason",
	workorder.ActReviewReturn: "tk.comment.review", workorder.ActReply: "tk.comment.reply",
	workorder.ActReject: "tk.comment.reason", workorder.ActVisit: "tk.comment.visit",
	workorder.ActReopen: "tk.comment.reason", workorder.ActSupervise: "tk.comment.supervise",
	workorder.ActExtendAsk: "tk.comment.reason", workorder.ActSuspend: "tk.comment.reason",
	workorder.ActCancel: "tk.comment.reason", workorder.ActTransfer110: "tk.comment.reason",
}

// CommentLabel is the label of an action's text field.
func (t tr) CommentLabel(a workorder.Action) string {
	if k, ok := commentKeys[a]; ok {
		return t.T(k)
	}
	return t.T("tk.comment.note")
}

// fieldError is the message for a field of the action's form that breaks its rule.
func (t tr) fieldError(action workorder.Action, field string) string {
	r := actionRules[field]
	label := t.T(r.Label)
	if field == "comment" {
		label = t.CommentLabel(action)
	}
	return t.T("form.error", label, t.T(r.Rule))
}

// oneClick lists the actions that need no input: a button, not a form.
var oneClick = []workorder.Action{workorder.ActAccept, workorder.ActResume}

// unitGroup is the units of one kind, for the <optgroup>s of the dispatch form.
type unitGroup struct {
	Kind  org.UnitKind
	Units []org.Unit
}

// panelData is the action panel of one order: what the order is, what the centre or the unit needs to
// know to act (the unit's reason for a send-back, the reply under review), and a form for every
// action the actor may take now.
type panelData struct {
	frame
	Ticket    workorder.Ticket
	Row       ticketRow
	Actions   []workorder.Action
	Open      workorder.Action // the form shown unfolded: the one that failed, or the queue's main step
	Units     []unitGroup
	Form      actionForm
	Errors    formErrors
	Failed    workorder.Action
	Notice    string             // catalogue key: what the last action did
	Problem   string             // catalogue key: why the last action was refused as a whole
	InPanel   bool               // beside a queue: the forms post with htmx and the answer replaces the panel
	Next      string             // where the page goes after a successful action, "" to stay
	Only      []workorder.Action // the page offers only these actions (the console offers only the answer)
	Bare      bool               // the page around shows the order: the panel shows only what to do
	Reason    *workorder.Event
	Reply     *workorder.Event
	CoReplies []coReply                     // what the co-handlers told the lead unit
	Files     map[string][]store.Attachment // by event id
	Uploads   []store.Attachment            // the files a refused reply had uploaded, to send again
}

// restrict keeps only the given actions on offer.
func (p *panelData) restrict(only []workorder.Action) {
	if len(only) == 0 {
		return
	}
	p.Only = only
	p.Actions = slices.DeleteFunc(p.Actions, func(a workorder.Action) bool { return !slices.Contains(only, a) })
	p.pickOpen()
}

// pickOpen unfolds the form of the first step the panel exists for that the actor may take; a
// redispatch is the step only for an order that was sent back.
func (p *panelData) pickOpen() {
	p.Open = ""
	for _, act := range panelOpen {
		if act == workorder.ActRedispatch && p.Ticket.Status != workorder.StatusReturned {
			continue
		}
		if p.Has(act) {
			p.Open = act
			return
		}
	}
}

// Has tells whether the actor may take the action now.
func (p panelData) Has(a workorder.Action) bool { return slices.Contains(p.Actions, a) }

// OneClick tells whether the action is a single button.
func (p panelData) OneClick(a workorder.Action) bool { return slices.Contains(oneClick, a) }

// Forms lists the actions that have a form. A form that was refused stays on the page with what was
// typed in it even when its action is no longer possible, so that nothing typed is lost.
func (p panelData) Forms() []workorder.Action {
	out := slices.DeleteFunc(slices.Clone(p.Actions), func(a workorder.Action) bool { return slices.Contains(oneClick, a) })
	if p.Failed != "" && !slices.Contains(out, p.Failed) && !slices.Contains(oneClick, p.Failed) {
		out = append(out, p.Failed)
	}
	return out
}

// Value is the form's value for the action: what was typed when that action's form failed, empty
// otherwise, with the version the page shows.
func (p panelData) Value(a workorder.Action) actionForm {
	if a == p.Failed {
		return p.Form
	}
	return actionForm{Version: p.Ticket.Version}
}

// Err is the message of a field of the action's form, when that form failed.
func (p panelData) Err(a workorder.Action, field string) string {
	if a != p.Failed {
		return ""
	}
	return p.Errors[field]
}

// choiceData is a set of radio buttons in an action's form.
type choiceData struct {
	Action  workorder.Action
	Name    string
	Label   string
	Value   string
	Error   string
	Options []option
}

// choices are the answers each radio field of the action forms offers.
var choices = map[string][]string{
	"review-return/decision": {workorder.DecisionUphold, workorder.DecisionOverrule},
	"extend-decide/decision": {workorder.DecisionApprove, workorder.DecisionDeny},
	"visit/resolved":         {"yes", "no"},
	"visit/satisfaction":     {string(workorder.Satisfied), string(workorder.BasicallySatisfied), string(workorder.Unsatisfied)},
}

// resolvedKeys word the return visit's first question.
var resolvedKeys = map[string]string{"yes": "tk.resolved.yes", "no": "tk.resolved.no"}

// Choice is the radio field name of the action's form, with value chosen.
func (p panelData) Choice(act workorder.Action, name, value string) choiceData {
	c := choiceData{Action: act, Name: name, Label: p.T(actionRules[name].Label), Value: value, Error: p.Err(act, name)}
	for _, v := range choices[string(act)+"/"+name] {
		label := decisionKeys[v]
		switch name {
		case "resolved":
			label = resolvedKeys[v]
		case "satisfaction":
			label = satisfactionKeys[workorder.Satisfaction(v)]
		}
		c.Options = append(c.Options, option{Value: v, Label: p.T(label)})
	}
	return c
}

// callerBox is a caller with the words to show them.
type callerBox struct {
	frame
	Caller workorder.Caller
}

// CallerBox pairs a caller with the page's language, for the "tk-caller" template.
func (f frame) CallerBox(c workorder.Caller) callerBox { return callerBox{frame: f, Caller: c} }

// panelOpen lists, for each queue, the steps it exists for; the first one the actor may take is shown
// unfolded.
var panelOpen = []workorder.Action{workorder.ActDispatch, workorder.ActReviewReturn, workorder.ActRedispatch,
	workorder.ActReply, workorder.ActApprove, workorder.ActVisit, workorder.ActAnswer}

// panel gathers the panel of an order as the actor sees it.
func (u *UI) panel(ctx context.Context, r *http.Request, a access.Actor, t workorder.Ticket) (panelData, error) {
	p := panelData{frame: u.frame(r), Ticket: t, Actions: workorder.Available(a, t), Errors: formErrors{}}
	p.pickOpen()
	n, err := u.names(ctx)
	if err != nil {
		return p, err
	}
	p.Row = n.row(ctx, a, t)
	p.Row.Caller = ticketing.CallerFor(a, t, true)
	if p.Has(workorder.ActDispatch) || p.Has(workorder.ActRedispatch) {
		p.Units = dispatchUnits(n.units)
	}
	evs, err := u.st.Timeline(ctx, t.ID)
	if err != nil {
		return p, err
	}
	p.Reason, p.Reply = lastReason(evs), lastReply(evs)
	if workorder.PartOf(a, t) == workorder.LeadUnit {
		for _, ev := range evs {
			if ev.Data["co_reply"] == true {
				p.CoReplies = append(p.CoReplies, coReply{Ev: ev, Unit: n.unit(ev.ActorUnitID)})
			}
		}
	}
	files, err := u.st.AttachmentsOf(ctx, t.ID)
	if err != nil {
		return p, err
	}
	p.Files = filesByEvent(files)
	return p, nil
}

// coReply is a co-handler's reply, with the unit that gave it.
type coReply struct {
	Ev   workorder.Event
	Unit string
}

// dispatchUnits groups the units an order may be sent to (those in use) by kind.
func dispatchUnits(units map[string]org.Unit) []unitGroup {
	var out []unitGroup
	for _, k := range org.UnitKinds {
		g := unitGroup{Kind: k}
		for _, un := range units {
			if un.Kind == k && !un.Disabled {
				g.Units = append(g.Units, un)
			}
		}
		slices.SortFunc(g.Units, func(x, y org.Unit) int { return strings.Compare(x.Code, y.Code) })
		if len(g.Units) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// lastReason is the latest send-back, with the unit's reason: the centre decides on it.
func lastReason(evs []workorder.Event) *workorder.Event {
	return lastEvent(evs, func(ev workorder.Event) bool { return ev.Action == workorder.ActReturn })
}

// lastReply is the lead unit's latest reply: what the centre reviews and reads to the caller.
func lastReply(evs []workorder.Event) *workorder.Event {
	return lastEvent(evs, func(ev workorder.Event) bool { return ev.Action == workorder.ActReply && ev.Data["co_reply"] == nil })
}

func lastEvent(evs []workorder.Event, match func(workorder.Event) bool) *workorder.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if match(evs[i]) {
			return &evs[i]
		}
	}
	return nil
}

func filesByEvent(files []store.Attachment) map[string][]store.Attachment {
	out := map[string][]store.Attachment{}
	for _, f := range files {
		out[f.EventID] = append(out[f.EventID], f)
	}
	return out
}

// viewed loads the order in the path with its panel. Both show the caller in full where the rules
// allow, so the read is recorded; on failure it has answered and reports false.
func (u *UI) viewed(w http.ResponseWriter, r *http.Request, a access.Actor) (workorder.Ticket, panelData, bool) {
	t, ok := u.loadTicket(w, r, a)
	if !ok {
		return t, panelData{}, false
	}
	p, err := u.panel(r.Context(), r, a, t)
	if err == nil {
		err = u.tickets.RecordCallerRead(r.Context(), a, t)
	}
	if err != nil {
		u.failed(w, r, err)
		return t, p, false
	}
	return t, p, true
}

// panelFragment is the panel of one order, for a queue to show beside its list.
func (u *UI) panelFragment(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if _, p, ok := u.viewed(w, r, a); ok {
		p.InPanel = true
		u.fragment(w, r, http.StatusOK, "tk-panel", p)
	}
}

// act performs one action from a form of the panel. The form carries the version of the order the
// page showed: if anyone acted since, nothing is changed and the page says so. htmx swaps only
// successful answers, so a refused form from the panel comes back with 200 and its messages.
func (u *UI) act(w http.ResponseWriter, r *http.Request, a access.Actor) {
	action, err := workorder.ParseAction(r.PathValue("action"))
	if err != nil {
		u.notFound(w, r)
		return
	}
	t, ok := u.loadTicket(w, r, a)
	if !ok {
		return
	}
	ctx, tl := r.Context(), u.translator(langOf(r))
	form := readActionForm(r)
	errs, problem := formErrors{}, ""
	cmd, bad := form.command(action)
	if bad != "" && slices.Contains(workorder.Available(a, t), action) {
		errs[bad] = tl.fieldError(action, bad)
	} else {
		var done workorder.Ticket
		done, err = u.tickets.Act(ctx, a, t.ID, cmd)
		var fe *workorder.FieldError
		var le *store.AttachmentLinkError
		switch {
		case err == nil:
			u.acted(w, r, a, done, action)
			return
		case errors.As(err, &fe):
			if _, known := actionRules[fe.Field]; known {
				errs[fe.Field] = tl.fieldError(action, fe.Field)
			} else {
				errs["form"] = tl.T("err.invalid", fe.Error())
			}
		case errors.As(err, &le):
			errs["attachments"] = tl.fieldError(action, "attachments")
		case errors.Is(err, store.ErrConflict):
			problem = "tk.msg.conflict"
		case errors.Is(err, workorder.ErrIllegal):
			problem = "tk.msg.illegal"
		case errors.Is(err, access.ErrForbidden) || errors.Is(err, store.ErrNotFound):
			u.notFound(w, r)
			return
		default:
			u.failed(w, r, err)
			return
		}
	}
	if fresh, err := u.tickets.Get(ctx, a, t.ID); err == nil {
		t = fresh // show what the order is now; the forms keep the version they were sent with
	}
	p, err := u.panel(ctx, r, a, t)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	p.restrict(onlyActions(r))
	p.Form, p.Errors, p.Failed, p.Problem, p.Open = form, errs, action, problem, action
	p.Bare = r.PostFormValue("bare") != ""
	for _, id := range form.Attachments {
		if f, err := u.st.Attachment(ctx, id); err == nil && f.UploadedBy == a.UserID && f.TicketID == "" {
			p.Uploads = append(p.Uploads, f)
		}
	}
	if next := r.PostFormValue("next"); next != "" {
		p.Next = localPath(next)
	}
	if isHTMX(r) {
		p.InPanel = true
		u.fragment(w, r, http.StatusOK, "tk-panel", p)
		return
	}
	status := http.StatusUnprocessableEntity
	if problem != "" {
		status = http.StatusConflict
	}
	u.renderDetail(w, r, a, status, t, p)
}

// onlyActions reads the actions a page restricted its panel to.
func onlyActions(r *http.Request) []workorder.Action {
	var out []workorder.Action
	for _, v := range r.PostForm["only"] {
		if a, err := workorder.ParseAction(v); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// acted answers a successful action. A panel beside a queue comes back with a notice, and an event
// tells the queue to refresh; any other page goes where the form said (the order's page by default),
// with the outcome in ?done=.
func (u *UI) acted(w http.ResponseWriter, r *http.Request, a access.Actor, t workorder.Ticket, action workorder.Action) {
	next := r.PostFormValue("next")
	if isHTMX(r) && next == "" {
		p, err := u.panel(r.Context(), r, a, t)
		if err != nil {
			u.failed(w, r, err)
			return
		}
		p.InPanel, p.Notice, p.Open = true, actionKeys[action], ""
		w.Header().Set("HX-Trigger", "tk-changed")
		u.fragment(w, r, http.StatusOK, "tk-panel", p)
		return
	}
	if next == "" {
		next = "/tickets/" + t.Number
	}
	next = localPath(next)
	sep := "?"
	if strings.Contains(next, "?") {
		sep = "&"
	}
	next += sep + "done=" + string(action)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", next)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// doneNotice reads the ?done=… a redirect after an action carries into the notice to show.
func doneNotice(r *http.Request) string {
	return actionKeys[workorder.Action(r.URL.Query().Get("done"))]
}
