package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
)

// The order-list export: a form on the report page starts a background job (internal/export.Jobs),
// whose progress the page polls with htmx until the file can be downloaded. The job's state lives in
// the database and its file in the data directory, so whichever node a poll reaches can answer it.

// orderForm is the order-list export's form as typed.
type orderForm struct {
	From, To, Region, Category, Status, Type, Channel string
	Overdue, FullCaller                               bool
}

func defaultOrderForm() orderForm {
	today := measure.DayOf(time.Now())
	return orderForm{From: today.FirstOfMonth().String(), To: today.String()}
}

func readOrderForm(r *http.Request) orderForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return orderForm{From: get("from"), To: get("to"), Region: get("region"), Category: get("category"), Status: get("status"),
		Type: get("type"), Channel: get("channel"), Overdue: get("overdue") != "", FullCaller: get("full_caller") != ""}
}

func (f orderForm) query() export.OrderQuery {
	return export.OrderQuery{From: f.From, To: f.To, Region: f.Region, Category: f.Category, Status: f.Status, Type: f.Type,
		Channel: f.Channel, Overdue: f.Overdue, FullCaller: f.FullCaller}
}

// ordersData is the export form and the actor's recent exports; it is a fragment of the report page
// that htmx also fetches on its own, so it carries the language and the CSRF token itself.
type ordersData struct {
	frame
	Form    orderForm
	Errors  formErrors
	Lists   ticketListData // the choices of the order search, reused
	MayFull bool           // the actor may export callers in full
	Jobs    []jobView
}

// Select is one of the export form's lists.
func (d ordersData) Select(name, value string, opts []option) fieldData {
	return fieldData{Name: name, Label: d.T(rpFields[name]), Value: value, Options: opts, Error: d.Errors[name], None: d.T("tk.list.any")}
}

// jobView is one export as the page shows it.
type jobView struct {
	frame
	Job   store.ExportJob
	Query export.OrderQuery
}

// Live tells whether the job is still at work, so the page keeps asking.
func (j jobView) Live() bool {
	return j.Job.Status == store.ExportQueued || j.Job.Status == store.ExportRunning
}

// Percent is how far the job got, in whole percent.
func (j jobView) Percent() int { return j.Job.Permille / 10 }

// recentJobs is how many of the actor's exports the page lists.
const recentJobs = 5

func (u *UI) ordersData(r *http.Request, a access.Actor, f orderForm, errs formErrors) ordersData {
	return ordersData{frame: u.frame(r), Form: f, Errors: errs,
		MayFull: mayAny(a, access.ActionViewPersonalData)}
}

// fillJobs loads the form's lists and the actor's recent exports.
func (u *UI) fillJobs(ctx context.Context, a access.Actor, d *ordersData) error {
	n, err := u.names(ctx)
	if err != nil {
		return err
	}
	if err := u.listChoices(ctx, d.tr, a, n, &d.Lists); err != nil {
		return err
	}
	jobs, err := u.exports().Recent(ctx, a, recentJobs)
	if err != nil {
		return err
	}
	d.Jobs = make([]jobView, 0, len(jobs))
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, u.jobView(d.frame, j))
	}
	return nil
}

func (u *UI) jobView(f frame, j store.ExportJob) jobView {
	v := jobView{frame: f, Job: j}
	if err := json.Unmarshal(j.Params, &v.Query); err != nil {
		slog.Warn("ui: export job params", "job", j.ID, "err", err)
	}
	return v
}

// exports runs the order-list exports of this node.
func (u *UI) exports() *export.Jobs {
	return &export.Jobs{Store: u.st, Tickets: u.tickets, Auth: u.auth, Blobs: u.blobs,
		Labels: func(lang string) (export.Labels, error) { return orderWords{u.translator(lang)}, nil }}
}

// startOrderExport starts an order-list export. From a page that runs htmx it answers the export
// section again (the new job at the top, polling for its progress); otherwise it goes back to the
// report page. A form with problems comes back with each one on its field.
func (u *UI) startOrderExport(w http.ResponseWriter, r *http.Request, a access.Actor) {
	ctx, t := r.Context(), u.translator(langOf(r))
	form := readOrderForm(r)
	errs := formErrors{}
	_, err := u.exports().Start(ctx, a, langOf(r), form.query())
	switch {
	case err == nil:
		form = defaultOrderForm()
	case !errs.problem(t, err):
		u.unreachable(w, r, err)
		return
	}
	d := u.ordersData(r, a, form, errs)
	if !isHTMX(r) {
		if len(errs) > 0 {
			u.renderReport(w, r, a, d)
			return
		}
		http.Redirect(w, r, "/reports#rp-orders", http.StatusSeeOther)
		return
	}
	if err := u.fillJobs(ctx, a, &d); err != nil {
		u.failed(w, r, err)
		return
	}
	u.reportFragment(w, "rp-orders", d)
}

// exportJob answers the progress of one of the actor's exports, for the page's polling.
func (u *UI) exportJob(w http.ResponseWriter, r *http.Request, a access.Actor) {
	job, err := u.exports().Job(r.Context(), a, r.PathValue("id"))
	switch {
	case err != nil:
		u.unreachable(w, r, err)
		return
	case !isHTMX(r):
		http.Redirect(w, r, "/reports#rp-orders", http.StatusSeeOther)
		return
	}
	u.reportFragment(w, "rp-job", u.jobView(u.frame(r), job))
}

// exportFile hands out the file of one of the actor's finished exports.
func (u *UI) exportFile(w http.ResponseWriter, r *http.Request, a access.Actor) {
	job, f, err := u.exports().File(r.Context(), a, r.PathValue("id"))
	switch {
	case errors.Is(err, export.ErrNotReady):
		http.Redirect(w, r, "/reports#rp-orders", http.StatusSeeOther)
		return
	case err != nil:
		u.unreachable(w, r, err)
		return
	}
	defer f.Close()
	sendFile(w, job.FileName, f)
}

// reportFragment renders one block of the report page for htmx.
func (u *UI) reportFragment(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := u.pages["reports.html"].ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("ui: render fragment", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// orderWords words the order list in one language, from the catalogues.
type orderWords struct{ tr }

// orderColumnKeys are the catalogue keys of the order list's headings.
var orderColumnKeys = map[export.OrderColumn]string{
	export.ColNumber: "tk.field.number", export.ColCreatedAt: "tk.field.created_at", export.ColChannel: "tk.field.channel",
	export.ColLine: "tk.field.line", export.ColType: "tk.field.type", export.ColCategory: "tk.field.category",
	export.ColTitle: "tk.field.title", export.ColDistrict: "rp.col.district", export.ColPlace: "tk.field.place",
	export.ColAddress: "tk.field.address", export.ColUrgency: "tk.field.urgency", export.ColStatus: "tk.field.status",
	export.ColLeadUnit: "tk.field.lead_unit_id", export.ColDueSign: "tk.field.due_sign_at", export.ColDueClose: "tk.field.due_close_at",
	export.ColClosedAt: "tk.field.closed_at", export.ColOverdue: "tk.overdue", export.ColSatisfaction: "tk.field.satisfaction",
	export.ColCallerName: "tk.field.caller_name", export.ColCallerPhone: "tk.field.caller_phone",
}

func (w orderWords) OrdersTitle() string                { return w.T("rp.orders.title") }
func (w orderWords) Column(c export.OrderColumn) string { return w.T(orderColumnKeys[c]) }
func (w orderWords) Yes() string                        { return w.T("rp.yes") }
func (w orderWords) Anonymous() string                  { return w.T("tk.caller.anonymous") }
func (w orderWords) Confidential() string               { return w.T("rp.confidential") }

// sharedCatalogues are the catalogues for edges that have no UI of their own at hand (the API's
// exports); they are embedded, so loading them once is enough.
var sharedCatalogues = sync.OnceValues(loadCatalogues)

// OrderLabels words order-list exports in lang (Chinese when lang is not one the UI speaks), for
// exports started through the API, which must read exactly like those started from the page.
func OrderLabels(lang string) (export.Labels, error) {
	cats, err := sharedCatalogues()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(languages, lang) {
		lang = defaultLang
	}
	return orderWords{tr{lang: lang, cat: cats[lang]}}, nil
}

// Day is one end of the export's days ("from" or "to").
func (d ordersData) Day(name string) fieldData {
	value := d.Form.From
	if name == "to" {
		value = d.Form.To
	}
	return rpField(d.tr, name, "date", value, d.Errors)
}
