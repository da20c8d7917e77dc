package export

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

// KindOrders is the kind of job that exports an order list.
const KindOrders = "orders"

// OrderQuery is what an order-list export asks for: the orders taken in on the days From..To (both
// included, at most MaxCustomDays) that match the filters, as the listing shows them to the person
// who asked. FullCaller asks for callers' names and numbers in full, which only roles that may see
// personal data get (the export is audited); everyone else gets them masked.
type OrderQuery struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Region     string `json:"region,omitempty"`
	Category   string `json:"category,omitempty"`
	Status     string `json:"status,omitempty"`
	Type       string `json:"type,omitempty"`
	Channel    string `json:"channel,omitempty"`
	Overdue    bool   `json:"overdue,omitempty"`
	FullCaller bool   `json:"full_caller,omitempty"`
}

// exportPage is how many orders a job reads at a time; progress is reported after each page.
const exportPage = 500

// Filter checks the query against the tree, the catalogue and the actor's rights, and turns it into
// the listing's filter. Errors name the field; an actor who may see no orders at all gets an error
// wrapping access.ErrForbidden.
func (q OrderQuery) Filter(ctx context.Context, st *store.Store, a access.Actor) (store.TicketFilter, error) {
	if err := access.Allow(a, access.ActionViewTicket, access.Target{PlaceCode: a.ScopeCode, UnitID: a.UnitID}); err != nil {
		return store.TicketFilter{}, err
	}
	p, err := CustomPeriod(q.From, q.To)
	if err != nil {
		return store.TicketFilter{}, err
	}
	f := store.TicketFilter{From: p.From.Start(), To: p.To.AddDays(1).Start(), Category: q.Category, Overdue: q.Overdue,
		Type: workorder.RequestType(q.Type), Channel: workorder.Channel(q.Channel), Limit: exportPage, OldestFirst: true}
	switch {
	case q.Status != "" && !workorder.ValidStatus(workorder.Status(q.Status)):
		return f, &workorder.FieldError{Field: "status", Reason: fmt.Sprintf("unknown status %q", q.Status)}
	case q.Type != "" && !workorder.ValidType(f.Type):
		return f, &workorder.FieldError{Field: "type", Reason: fmt.Sprintf("unknown request type %q", q.Type)}
	case q.Channel != "" && !workorder.ValidChannel(f.Channel):
		return f, &workorder.FieldError{Field: "channel", Reason: fmt.Sprintf("unknown channel %q", q.Channel)}
	case q.FullCaller && access.Allow(a, access.ActionViewPersonalData, access.Target{PlaceCode: a.ScopeCode, UnitID: a.UnitID}) != nil:
		return f, &workorder.FieldError{Field: "full_caller", Reason: "your role may not see callers in full"}
	}
	if q.Status != "" {
		f.Statuses = []workorder.Status{workorder.Status(q.Status)}
	}
	if q.Region != "" {
		pl, err := st.Place(ctx, q.Region)
		if errors.Is(err, store.ErrNotFound) {
			return f, &workorder.FieldError{Field: "region", Reason: fmt.Sprintf("unknown place %q", q.Region)}
		} else if err != nil {
			return f, err
		}
		f.PlacePrefix = org.ScopePrefix(pl.Code, pl.Level)
	}
	if q.Category != "" {
		if _, err := st.Category(ctx, q.Category); errors.Is(err, store.ErrNotFound) {
			return f, &workorder.FieldError{Field: "category", Reason: fmt.Sprintf("unknown category %q", q.Category)}
		} else if err != nil {
			return f, err
		}
	}
	return f, nil
}

// OrderColumn names a column of the order list.
type OrderColumn string

// The columns of the order list, in order.
const (
	ColNumber       OrderColumn = "number"
	ColCreatedAt    OrderColumn = "created_at"
	ColChannel      OrderColumn = "channel"
	ColLine         OrderColumn = "line"
	ColType         OrderColumn = "type"
	ColCategory     OrderColumn = "category"
	ColTitle        OrderColumn = "title"
	ColDistrict     OrderColumn = "district"
	ColPlace        OrderColumn = "place"
	ColAddress      OrderColumn = "address"
	ColUrgency      OrderColumn = "urgency"
	ColStatus       OrderColumn = "status"
	ColLeadUnit     OrderColumn = "lead_unit"
	ColDueSign      OrderColumn = "due_sign_at"
	ColDueClose     OrderColumn = "due_close_at"
	ColClosedAt     OrderColumn = "closed_at"
	ColOverdue      OrderColumn = "overdue"
	ColSatisfaction OrderColumn = "satisfaction"
	ColCallerName   OrderColumn = "caller_name"
	ColCallerPhone  OrderColumn = "caller_phone"
)

// OrderColumns lists the columns in the order the sheet has them.
var OrderColumns = []OrderColumn{ColNumber, ColCreatedAt, ColChannel, ColLine, ColType, ColCategory, ColTitle, ColDistrict,
	ColPlace, ColAddress, ColUrgency, ColStatus, ColLeadUnit, ColDueSign, ColDueClose, ColClosedAt, ColOverdue, ColSatisfaction,
	ColCallerName, ColCallerPhone}

// Labels words an order list in its reader's language; the UI's catalogues provide them.
type Labels interface {
	OrdersTitle() string
	Column(OrderColumn) string
	StatusName(workorder.Status) string
	TypeName(workorder.RequestType) string
	ChannelName(workorder.Channel) string
	UrgencyName(workorder.Urgency) string
	SatisfactionName(workorder.Satisfaction) string
	Yes() string
	Anonymous() string
	Confidential() string
}

// OrderFileName is the name an order list is offered under.
func OrderFileName(l Labels, q OrderQuery) string {
	return l.OrdersTitle() + "_" + q.From + "_" + q.To + ".xlsx"
}

// DefaultLease is how long a node holds a job between two reports of progress.
const DefaultLease = 30 * time.Second

// ErrNotReady is wrapped when a job's file is asked for before the job is done.
var ErrNotReady = errors.New("export not finished")

// worker names this process in job claims.
var worker = func() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + uuid.NewString()[:8]
}()

// Jobs runs order-list exports in the background. A job is run by the node that took the request,
// in a goroutine of its own; its state is in the database, its file in Blobs (the data directory,
// which every node shares), so any node can show its progress and serve its file. When the node
// running a job stops, the job's lease runs out and the next node asked about it starts it over.
type Jobs struct {
	Store   *store.Store
	Tickets *ticketing.Service
	Auth    *auth.Service // the job acts as its owner, with the rights the owner has when it runs
	Blobs   attachment.Blobs
	Labels  func(lang string) (Labels, error)
	Lease   time.Duration // 0: DefaultLease
}

func (j *Jobs) lease() time.Duration { return cmp.Or(j.Lease, DefaultLease) }

// Start checks the query, records the job (the audit log keeps who exported what) and starts it.
func (j *Jobs) Start(ctx context.Context, a access.Actor, lang string, q OrderQuery) (store.ExportJob, error) {
	if _, err := q.Filter(ctx, j.Store, a); err != nil {
		return store.ExportJob{}, err
	}
	params, err := json.Marshal(q)
	if err != nil {
		return store.ExportJob{}, err
	}
	job, err := j.Store.CreateExportJob(ctx, audit.Who{Actor: a.Username, RemoteAddr: a.RemoteAddr},
		store.ExportJob{Kind: KindOrders, UserID: a.UserID, Lang: lang, Params: params})
	if err != nil {
		return job, err
	}
	return j.claim(ctx, job)
}

// Job returns one of the actor's jobs; a job whose node stopped (before it started or while it ran)
// is started over here.
func (j *Jobs) Job(ctx context.Context, a access.Actor, id string) (store.ExportJob, error) {
	job, err := j.Store.ExportJob(ctx, id)
	if err != nil {
		return job, err
	}
	if job.UserID != a.UserID {
		return store.ExportJob{}, fmt.Errorf("export job %s: %w", id, store.ErrNotFound)
	}
	if job.Status == store.ExportQueued || (job.Status == store.ExportRunning && time.Now().After(job.LeaseUntil)) {
		return j.claim(ctx, job)
	}
	return job, nil
}

// claim takes the job for this node and runs it; when another node was quicker, the job is
// returned as it stands.
func (j *Jobs) claim(ctx context.Context, job store.ExportJob) (store.ExportJob, error) {
	claimed, err := j.Store.ClaimExportJob(ctx, job.ID, worker, j.lease())
	if errors.Is(err, store.ErrConflict) {
		return j.Store.ExportJob(ctx, job.ID)
	}
	if err != nil {
		return job, err
	}
	go j.run(claimed)
	return claimed, nil
}

// Recent lists the actor's latest jobs, newest first.
func (j *Jobs) Recent(ctx context.Context, a access.Actor, n int) ([]store.ExportJob, error) {
	return j.Store.ExportJobs(ctx, a.UserID, n)
}

// File opens the file of one of the actor's finished jobs.
func (j *Jobs) File(ctx context.Context, a access.Actor, id string) (store.ExportJob, io.ReadCloser, error) {
	job, err := j.Job(ctx, a, id)
	if err != nil {
		return job, nil, err
	}
	if job.Status != store.ExportDone {
		return job, nil, fmt.Errorf("export job %s is %s: %w", id, job.Status, ErrNotReady)
	}
	f, err := j.Blobs.Open(job.FileSHA256)
	return job, f, err
}

// run writes the job's file and records the outcome. It outlives the request that started it.
func (j *Jobs) run(job store.ExportJob) {
	ctx := context.Background()
	who, err := j.write(ctx, job)
	switch {
	case errors.Is(err, store.ErrExportLeaseLost):
		slog.Warn("export: another node took the job over", "job", job.ID)
	case err != nil:
		slog.Error("export failed", "job", job.ID, "err", err)
		if ferr := j.Store.FailExportJob(ctx, who, job.ID, worker, failure(err)); ferr != nil {
			slog.Error("export: record the failure", "job", job.ID, "err", ferr)
		}
	}
}

// failure is what the user is told about a failed job: a field error as it is, anything else as a
// fault of the system.
func failure(err error) string {
	var fe *workorder.FieldError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return "internal error"
}

// write lists the orders page by page into a sheet, reporting progress as it goes, and stores the
// file. It acts as the job's owner.
func (j *Jobs) write(ctx context.Context, job store.ExportJob) (audit.Who, error) {
	who := audit.System
	var q OrderQuery
	if err := json.Unmarshal(job.Params, &q); err != nil {
		return who, fmt.Errorf("export job %s: params: %w", job.ID, err)
	}
	u, err := j.Store.User(ctx, job.UserID)
	if err != nil {
		return who, err
	}
	if u.Disabled {
		return who, fmt.Errorf("export job %s: %w: its owner is disabled", job.ID, access.ErrForbidden)
	}
	a, err := j.Auth.ActorFor(ctx, u)
	if err != nil {
		return who, err
	}
	who = audit.Who{Actor: a.Username}
	f, err := q.Filter(ctx, j.Store, a)
	if err != nil {
		return who, err
	}
	labels, err := j.Labels(job.Lang)
	if err != nil {
		return who, err
	}
	n, err := loadNames(ctx, j.Store)
	if err != nil {
		return who, err
	}
	book, err := NewWorkbook()
	if err != nil {
		return who, err
	}
	defer book.Close()
	heads := make([]string, len(OrderColumns))
	for i, c := range OrderColumns {
		heads[i] = labels.Column(c)
	}
	sheet, err := book.Sheet(labels.OrdersTitle(), heads)
	if err != nil {
		return who, err
	}
	var rows int64
	now := time.Now()
	span := float64(f.To.Sub(f.From))
	for {
		page, err := j.Tickets.List(ctx, a, f)
		if err != nil {
			return who, err
		}
		for _, t := range page.Items {
			if err := sheet.Row(n.orderRow(a, labels, t, q.FullCaller, now)); err != nil {
				return who, err
			}
		}
		rows += int64(len(page.Items))
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
		done := float64(page.Items[len(page.Items)-1].CreatedAt.Sub(f.From)) / span
		if err := j.Store.RenewExportJob(ctx, job.ID, worker, rows, min(int(done*1000), 999), j.lease()); err != nil {
			return who, err
		}
	}
	if err := sheet.Close(); err != nil {
		return who, err
	}
	sha, size, err := j.store(ctx, book)
	if err != nil {
		return who, err
	}
	return who, j.Store.FinishExportJob(ctx, who, job.ID, worker, rows, OrderFileName(labels, q), sha, size)
}

// store writes the workbook into Blobs.
func (j *Jobs) store(ctx context.Context, book *Workbook) (string, int64, error) {
	pr, pw := io.Pipe()
	go func() {
		_, err := book.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	sha, size, err := j.Blobs.Put(ctx, pr)
	pr.CloseWithError(err)
	return sha, size, err
}

// names resolves the ids and codes of orders into what people read, each list loaded once a job.
type names struct {
	units  map[string]string
	cats   *category.Tree
	lines  map[string]string
	places map[string]string
}

func loadNames(ctx context.Context, st *store.Store) (*names, error) {
	n := &names{units: map[string]string{}, lines: map[string]string{}, places: map[string]string{}}
	units, err := st.Units(ctx, store.UnitFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		n.units[u.ID] = u.Name
	}
	cats, err := st.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	n.cats = category.NewTree(cats)
	lines, err := st.HotlineLines(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		n.lines[l.Code] = l.Name
	}
	places, err := st.Places(ctx, store.PlaceFilter{})
	if err != nil {
		return nil, err
	}
	for _, p := range places {
		n.places[p.Code] = p.Name
	}
	return n, nil
}

// name looks code up in m, falling back to the code itself.
func name(m map[string]string, code string) string {
	if v, ok := m[code]; ok {
		return v
	}
	return code
}

// when is an instant as people in the city read it, or Missing.
func when(t time.Time) string {
	if t.IsZero() {
		return Missing
	}
	return t.In(workorder.Shanghai).Format("2006-01-02 15:04")
}

// orderRow is one order as the sheet shows it to a, the caller masked unless full is asked for and
// the policy lets a see it (ticketing.CallerFor).
func (n *names) orderRow(a access.Actor, l Labels, t workorder.Ticket, full bool, now time.Time) []Cell {
	district := ""
	if len(t.Location.PlaceCode) >= 6 {
		district = name(n.places, t.Location.PlaceCode[:6])
	}
	caller := ticketing.CallerFor(a, t, full)
	callerName, phone := caller.Name, caller.Phone
	switch {
	case caller.Confidential && caller.Name == "" && caller.Phone == "":
		callerName = l.Confidential()
	case caller.Anonymous:
		callerName = l.Anonymous()
	}
	overdue := ""
	if t.Open() && !t.DueCloseAt.IsZero() && t.DueCloseAt.Before(now) {
		overdue = l.Yes()
	}
	satisfaction := ""
	if t.Satisfaction != "" {
		satisfaction = l.SatisfactionName(t.Satisfaction)
	}
	vals := map[OrderColumn]string{
		ColNumber: t.Number, ColCreatedAt: when(t.CreatedAt), ColChannel: l.ChannelName(t.Channel), ColLine: name(n.lines, t.LineCode),
		ColType: l.TypeName(t.Type), ColCategory: cmp.Or(n.cats.PathName(t.Category), t.Category), ColTitle: t.Title,
		ColDistrict: district, ColPlace: name(n.places, t.Location.PlaceCode), ColAddress: t.Location.Address,
		ColUrgency: l.UrgencyName(t.Urgency), ColStatus: l.StatusName(t.Status), ColLeadUnit: name(n.units, t.LeadUnitID),
		ColDueSign: when(t.DueSignAt), ColDueClose: when(t.DueCloseAt), ColClosedAt: when(t.ClosedAt), ColOverdue: overdue,
		ColSatisfaction: satisfaction, ColCallerName: callerName, ColCallerPhone: phone,
	}
	row := make([]Cell, len(OrderColumns))
	for i, c := range OrderColumns {
		row[i] = TextCell(vals[c])
	}
	return row
}
