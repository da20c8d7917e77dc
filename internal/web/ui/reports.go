package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// The measures screens: the dashboards of the centre, the leaders and the units (dashboard.go), the
// daily, weekly and monthly reports with their Excel export, and the background export of long order
// lists (reports_jobs.go). Every number comes from internal/export's Reader, which reads the rollups.
func init() {
	areas = append(areas, area{
		pages: map[string]any{
			"reports.html":   reportData{},
			"dashboard.html": dashData{},
		},
		register: func(u *UI, mux *http.ServeMux) {
			mux.HandleFunc("GET /dash", u.signedIn(u.dashboard))
			mux.HandleFunc("GET /dash/unit", u.signedIn(u.unitDashboard))
			mux.HandleFunc("GET /reports", u.signedIn(u.reportPage))
			mux.HandleFunc("GET /reports/export", u.signedIn(u.reportFile))
			mux.HandleFunc("POST /reports/orders", u.signedIn(u.startOrderExport))
			mux.HandleFunc("GET /reports/exports/{id}", u.signedIn(u.exportJob))
			mux.HandleFunc("GET /reports/exports/{id}/file", u.signedIn(u.exportFile))
		},
	})
}

// column is one measure column of a report table: its heading and how a line's measures fill it.
type column struct {
	head string // catalogue key
	cell func(m measure.Measures) export.Cell
}

func count(f func(m measure.Measures) int64) func(measure.Measures) export.Cell {
	return func(m measure.Measures) export.Cell { return export.CountCell(f(m)) }
}

func rate(f func(m measure.Measures) *float64) func(measure.Measures) export.Cell {
	return func(m measure.Measures) export.Cell { return export.RateCell(f(m)) }
}

var (
	colVolume       = column{"rp.m.volume", count(func(m measure.Measures) int64 { return m.Volume })}
	colAnswered     = column{"rp.m.answered", count(func(m measure.Measures) int64 { return m.Answered })}
	colFirstLine    = column{"rp.m.first_line_rate", rate(func(m measure.Measures) *float64 { return m.FirstLineRate })}
	colDispatched   = column{"rp.m.dispatched", count(func(m measure.Measures) int64 { return m.Dispatched })}
	colSigned       = column{"rp.m.signed", count(func(m measure.Measures) int64 { return m.Signed })}
	colResponse     = column{"rp.m.response_rate", rate(func(m measure.Measures) *float64 { return m.ResponseRate })}
	colVisited      = column{"rp.m.visited", count(func(m measure.Measures) int64 { return m.Visited })}
	colResolution   = column{"rp.m.resolution_rate", rate(func(m measure.Measures) *float64 { return m.ResolutionRate })}
	colSatisfaction = column{"rp.m.satisfaction_rate", rate(func(m measure.Measures) *float64 { return m.SatisfactionRate })}
	colClosed       = column{"rp.m.closed", count(func(m measure.Measures) int64 { return m.Closed })}
	colOnTime       = column{"rp.m.on_time_closure_rate", rate(func(m measure.Measures) *float64 { return m.OnTimeClosureRate })}
	colReturned     = column{"rp.m.returned", count(func(m measure.Measures) int64 { return m.Returned })}
	colSendBack     = column{"rp.m.send_back_rate", rate(func(m measure.Measures) *float64 { return m.SendBackRate })}
	colRehandled    = column{"rp.m.rehandled", count(func(m measure.Measures) int64 { return m.Rehandled })}
	colRehandle     = column{"rp.m.rehandle_rate", rate(func(m measure.Measures) *float64 { return m.RehandleRate })}
	colOverdue      = column{"rp.m.overdue", count(func(m measure.Measures) int64 { return m.Overdue })}
	colMeanHours    = column{"rp.m.handling_mean_hours", func(m measure.Measures) export.Cell { return export.HoursCell(m.HandlingMeanHours) }}
	colP90Hours     = column{"rp.m.handling_p90_hours", func(m measure.Measures) export.Cell { return export.HoursCell(m.HandlingP90Hours) }}

	// summaryColumns is every measure, for the scope's one line.
	summaryColumns = []column{colVolume, colAnswered, colFirstLine, colDispatched, colSigned, colResponse, colVisited,
		colResolution, colSatisfaction, colClosed, colOnTime, colReturned, colSendBack, colRehandled, colRehandle, colOverdue,
		colMeanHours, colP90Hours}
	// areaColumns are the measures of a region or a category.
	areaColumns = []column{colVolume, colFirstLine, colDispatched, colResponse, colResolution, colSatisfaction, colOnTime,
		colSendBack, colRehandle, colOverdue, colMeanHours}
	// unitColumns are the measures of a unit, which takes no orders in but is sent them.
	unitColumns = []column{colDispatched, colResponse, colResolution, colSatisfaction, colOnTime, colSendBack, colRehandle,
		colOverdue, colMeanHours}
)

// table builds a sheet: the headings of the leading columns, then of the measure columns; each line
// brings its leading cells (a name, a rank…) and its measures.
func table(t tr, id, title string, heads []string, cols []column, lines []tableLine) export.Sheet {
	s := export.Sheet{ID: id, Title: title}
	for _, h := range heads {
		s.Columns = append(s.Columns, t.T(h))
	}
	for _, c := range cols {
		s.Columns = append(s.Columns, t.T(c.head))
	}
	for _, l := range lines {
		row := append([]export.Cell{}, l.lead...)
		for _, c := range cols {
			row = append(row, c.cell(l.m))
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

// tableLine is one line of a table before it is laid out.
type tableLine struct {
	lead []export.Cell
	m    measure.Measures
}

// named lines the places or categories up under their names, "unnamed" standing for the orders
// that have none.
func named(t tr, ls []export.Line, unnamed string) []tableLine {
	out := make([]tableLine, len(ls))
	for i, l := range ls {
		name := l.Name
		if l.Key == "" {
			name = t.T(unnamed)
		}
		out[i] = tableLine{lead: []export.Cell{export.TextCell(name)}, m: l.Measures}
	}
	return out
}

// regionLevels are the levels a report splits its scope's region by: the city by district and by
// street, a region by the level below it, a unit's work by district.
func regionLevels(sc export.Scope) []org.Level {
	switch {
	case sc.City:
		return []org.Level{org.LevelDistrict, org.LevelStreet}
	case sc.Unit.ID != "":
		return []org.Level{org.LevelDistrict}
	case sc.Place.Level == org.LevelGrid:
		return nil
	}
	return []org.Level{sc.Place.Level.Below()}
}

// reportSheets are the tables of a report, in the order the page shows them and the file holds them:
// the scope in total, its units tier by tier, its regions, its categories.
func (u *UI) reportSheets(ctx context.Context, t tr, a access.Actor, sc export.Scope, scopeName string, p export.Period) ([]export.Sheet, error) {
	rd := export.Reader{Store: u.st}
	total, err := rd.Total(ctx, sc, p.From, p.To)
	if err != nil {
		return nil, err
	}
	sheets := []export.Sheet{table(t, "summary", t.T("rp.sheet.summary"), []string{"rp.col.scope"}, summaryColumns,
		[]tableLine{{lead: []export.Cell{export.TextCell(scopeName)}, m: total}})}
	if sc.Unit.ID == "" {
		tiers, err := rd.Tiers(ctx, a, sc, p.From, p.To)
		if err != nil {
			return nil, err
		}
		for _, tier := range tiers {
			var lines []tableLine
			for _, s := range tier.Standings() {
				rank := export.TextCell(export.Missing)
				if s.Rank > 0 {
					rank = export.CountCell(int64(s.Rank))
				}
				lines = append(lines, tableLine{lead: []export.Cell{rank, export.TextCell(tier.Units[s.Unit].Name), export.RateCell(s.Score)},
					m: s.Measures})
			}
			sheets = append(sheets, table(t, "tier-"+string(tier.Kind), t.KindName(tier.Kind),
				[]string{"rp.col.rank", "rp.col.unit", "rp.col.score"}, unitColumns, lines))
		}
	}
	for _, level := range regionLevels(sc) {
		lines, err := rd.Regions(ctx, sc, p.From, p.To, level)
		if err != nil {
			return nil, err
		}
		sheets = append(sheets, table(t, "region-"+string(level), t.T("rp.sheet.region", t.LevelName(level)),
			[]string{"rp.col.region"}, areaColumns, named(t, lines, "rp.unlocated")))
	}
	cats, err := rd.Categories(ctx, sc, p.From, p.To)
	if err != nil {
		return nil, err
	}
	return append(sheets, table(t, "category", t.T("rp.sheet.category"), []string{"rp.col.category"}, areaColumns,
		named(t, cats, "rp.uncategorised"))), nil
}

// reportForm is the report page's choices as typed.
type reportForm struct {
	Period, Date, Region string
}

// reportData is a report page: the choices, the tables (the same sheets the Excel file holds), and
// the order-list export.
type reportData struct {
	Form    reportForm
	Errors  formErrors
	Heading string
	Regions []option
	Sheets  []export.Sheet
	Prev    string // the report before this one, of the same kind
	Next    string
	Export  string // this report as an Excel file
	Orders  ordersData
}

// TitleKey names the page.
func (reportData) TitleKey() string { return "rp.title" }

// Kinds are the report kinds the page offers, with their catalogue keys.
func (reportData) Kinds() []option {
	return []option{{Value: string(export.Day), Label: "rp.kind.day"}, {Value: string(export.Week), Label: "rp.kind.week"},
		{Value: string(export.Month), Label: "rp.kind.month"}}
}

// kindKey is the catalogue key of a report kind.
func kindKey(k export.PeriodKind) string {
	for _, o := range (reportData{}).Kinds() {
		if o.Value == string(k) {
			return o.Label
		}
	}
	return string(k)
}

// rpFields labels the fields of the measures screens' forms, rpRules says what each one wants.
var (
	rpFields = map[string]string{"period": "rp.f.period", "date": "rp.f.date", "from": "rp.f.from", "to": "rp.f.to",
		"region": "rp.f.region", "category": "tk.field.category", "status": "tk.field.status", "type": "tk.field.type",
		"channel": "tk.field.channel", "full_caller": "rp.f.full_caller"}
	rpRules = map[string]string{"period": "rp.err.period", "date": "rp.err.date", "from": "rp.err.date", "to": "rp.err.to",
		"region": "err.unknown", "category": "err.unknown", "status": "err.unknown", "type": "err.unknown",
		"channel": "err.unknown", "full_caller": "rp.err.full_caller"}
)

// problem puts a field error of the measures screens on its field, in the user's language. It
// reports false for an error that names no field of theirs.
func (e formErrors) problem(t tr, err error) bool {
	var fe *workorder.FieldError
	if !errors.As(err, &fe) || rpFields[fe.Field] == "" {
		return false
	}
	e[fe.Field] = t.FieldErrorAs(rpFields[fe.Field], rpRules[fe.Field])
	return true
}

// FieldErrorAs is a form error under a field label given by its catalogue key.
func (t tr) FieldErrorAs(labelKey, ruleKey string) string {
	return t.T("form.error", t.T(labelKey), t.T(ruleKey))
}

// scopeFor decides whose measures the page shows (export.ScopeFor): a region outside the actor's reach
// or unknown is a problem of the region field; an actor who may see no measures at all gets an error
// wrapping access.ErrForbidden.
func (u *UI) scopeFor(ctx context.Context, t tr, a access.Actor, region string, errs formErrors) (export.Scope, error) {
	sc, err := export.ScopeFor(ctx, u.st, a, region)
	switch {
	case err == nil:
		return sc, nil
	case region != "" && errors.Is(err, access.ErrForbidden):
		errs["region"] = t.FieldErrorAs(rpFields["region"], "err.out_of_scope")
	case !errs.problem(t, err):
		return sc, err
	}
	return sc, nil
}

// scopeName names whose measures are shown.
func (u *UI) scopeName(ctx context.Context, t tr, sc export.Scope) (string, error) {
	switch {
	case sc.Unit.ID != "":
		return sc.Unit.Name, nil
	case sc.Place.Code != "":
		return sc.Place.Name, nil
	}
	cities, err := u.st.Places(ctx, store.PlaceFilter{Level: org.LevelCity})
	if err != nil || len(cities) == 0 {
		return t.T("rp.city"), err
	}
	return cities[0].Name, nil
}

// periodLabel writes a period as its report names it: a day, a week's first and last days, a month.
func periodLabel(p export.Period) string {
	switch {
	case p.Kind == export.Month:
		return p.From.MonthLabel()
	case p.From == p.To:
		return p.From.String()
	}
	return p.From.String() + " – " + p.To.String()
}

// readReport reads what report is asked for; problems with the choices go into errs.
func (u *UI) readReport(ctx context.Context, t tr, a access.Actor, q url.Values, errs formErrors) (reportForm, export.Period, export.Scope, error) {
	f := reportForm{Period: q.Get("period"), Date: q.Get("date"), Region: q.Get("region")}
	if f.Period == "" {
		f.Period = string(export.Day)
	}
	today := measure.DayOf(time.Now())
	p, err := export.ReportPeriod(f.Period, f.Date, today)
	if err != nil && !errs.problem(t, err) {
		return f, p, export.Scope{}, err
	}
	if f.Date == "" {
		f.Date = today.String()
	}
	sc, err := u.scopeFor(ctx, t, a, f.Region, errs)
	return f, p, sc, err
}

// reportURL is the page (or, under /reports/export, the file) of a report.
func reportURL(path string, kind export.PeriodKind, date measure.Day, region string) string {
	q := url.Values{"period": {string(kind)}, "date": {date.String()}}
	if region != "" {
		q.Set("region", region)
	}
	return path + "?" + q.Encode()
}

// reportPage shows the daily, weekly or monthly report of the actor's scope.
func (u *UI) reportPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	u.renderReport(w, r, a, u.ordersData(r, a, defaultOrderForm(), formErrors{}))
}

// renderReport shows the report the URL asks for, with the order-list export as given.
func (u *UI) renderReport(w http.ResponseWriter, r *http.Request, a access.Actor, orders ordersData) {
	ctx, t := r.Context(), u.translator(langOf(r))
	d := reportData{Errors: formErrors{}, Orders: orders}
	f, p, sc, err := u.readReport(ctx, t, a, r.URL.Query(), d.Errors)
	d.Form = f
	if err != nil {
		u.unreachable(w, r, err)
		return
	}
	if d.Regions, err = u.regionChoices(ctx, a); err == nil {
		err = u.fillJobs(ctx, a, &d.Orders)
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	status := http.StatusOK
	if len(d.Errors) > 0 || len(orders.Errors) > 0 {
		status = http.StatusBadRequest
	}
	if len(d.Errors) > 0 {
		u.render(w, r, status, "reports.html", d)
		return
	}
	name, err := u.scopeName(ctx, t, sc)
	if err == nil {
		d.Sheets, err = u.reportSheets(ctx, t, a, sc, name, p)
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Heading = t.T("rp.heading", t.T(kindKey(p.Kind)), periodLabel(p), name)
	d.Prev = reportURL("/reports", p.Kind, p.Shift(-1).From, f.Region)
	d.Next = reportURL("/reports", p.Kind, p.Shift(1).From, f.Region)
	d.Export = reportURL("/reports/export", p.Kind, p.From, f.Region)
	u.render(w, r, status, "reports.html", d)
}

// unreachable answers an error of the measures screens: what lies beyond the actor's reach, like what
// does not exist, is a page that is not there; anything else is a failure.
func (u *UI) unreachable(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, access.ErrForbidden) || errors.Is(err, store.ErrNotFound) {
		u.notFound(w, r)
		return
	}
	u.failed(w, r, err)
}

// regionChoices lists the districts and streets the actor's scope covers, for the region pickers.
func (u *UI) regionChoices(ctx context.Context, a access.Actor) ([]option, error) {
	return u.placeOptions(ctx, a, org.LevelDistrict, org.LevelStreet)
}

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// reportFile answers the report the URL asks for as an Excel workbook: one sheet per table of the
// page, the same rows, columns and numbers.
func (u *UI) reportFile(w http.ResponseWriter, r *http.Request, a access.Actor) {
	ctx, t := r.Context(), u.translator(langOf(r))
	errs := formErrors{}
	f, p, sc, err := u.readReport(ctx, t, a, r.URL.Query(), errs)
	switch {
	case err != nil:
		u.unreachable(w, r, err)
		return
	case len(errs) > 0:
		http.Redirect(w, r, "/reports?"+r.URL.RawQuery, http.StatusSeeOther)
		return
	}
	name, err := u.scopeName(ctx, t, sc)
	var sheets []export.Sheet
	if err == nil {
		sheets, err = u.reportSheets(ctx, t, a, sc, name, p)
	}
	var buf bytes.Buffer
	if err == nil {
		err = export.WriteXLSX(&buf, sheets)
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	file := t.T("rp.file", t.T(kindKey(p.Kind)), periodLabel(p), name) + ".xlsx"
	slog.Info("report exported", "user", a.Username, "period", f.Period, "from", p.From.String(), "region", f.Region)
	sendFile(w, file, &buf)
}

// sendFile answers with an Excel file to download under its (often Chinese) name.
func sendFile(w http.ResponseWriter, name string, body io.Reader) {
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, body); err != nil {
		slog.Warn("ui: send file", "file", name, "err", err)
	}
}

// rpField is a labelled control of the measures screens' forms.
func rpField(t tr, name, typ, value string, errs formErrors) fieldData {
	return fieldData{Name: name, Label: t.T(rpFields[name]), Type: typ, Value: value, Error: errs[name]}
}

// rpRegion is the region picker, whose empty choice is the viewer's whole scope.
func rpRegion(t tr, value string, opts []option, errs formErrors) fieldData {
	f := rpField(t, "region", "", value, errs)
	f.Options, f.None = opts, t.T("rp.f.region_all")
	return f
}

// Region is the report form's region picker.
func (d reportData) Region(v view) fieldData {
	return rpRegion(v.tr, d.Form.Region, d.Regions, d.Errors)
}

// Date is the report form's day.
func (d reportData) Date(v view) fieldData {
	return rpField(v.tr, "date", "date", d.Form.Date, d.Errors)
}
