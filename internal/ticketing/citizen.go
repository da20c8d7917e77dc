package ticketing

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// The public portal: citizens act without an account, through one built-in machine actor that the
// audit log and the timeline name, and follow their order with its number and query code alone.

// PortalUsername is the built-in account the public portal acts as.
const PortalUsername = "citizen-portal"

// DefaultPortalLimit is how many orders one address may submit through the portal in an hour when the
// deployment sets nothing: enough for a family behind one router, too few to flood the dispatchers.
const DefaultPortalLimit = 10

// portalWindow is the period the per-address limit counts over.
const portalWindow = time.Hour

// LimitError refuses a portal submission over the per-address allowance.
type LimitError struct {
	Limit  int
	Window time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("too many submissions from this address: at most %d in %s; try again later", e.Limit, e.Window)
}

// Refusals of a portal rating. Both wrap workorder.ErrIllegal: the order's state forbids the step.
var (
	ErrAlreadyRated = fmt.Errorf("%w: the order was already rated", workorder.ErrIllegal)
	ErrNotRatable   = fmt.Errorf("%w: the order has no reply to rate yet", workorder.ErrIllegal)
)

// PortalActor returns the built-in actor of the public portal: a machine account named
// PortalUsername whose scope is the whole city, created on first use (by whichever node comes
// first). Its uploads and orders are recorded under that account. Disabling the account closes the
// portal.
func (s *Service) PortalActor(ctx context.Context) (access.Actor, error) {
	cities, err := s.st.Places(ctx, store.PlaceFilter{Level: org.LevelCity})
	if err != nil {
		return access.Actor{}, err
	}
	if len(cities) == 0 {
		return access.Actor{}, errors.New("citizen portal: the city is not imported yet")
	}
	city := cities[0]
	u, err := s.st.UserByUsername(ctx, PortalUsername)
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.st.CreateUser(ctx, audit.System, access.User{Username: PortalUsername, DisplayName: "市民服务门户",
			Machine: true, Roles: []access.Role{access.RoleMachine}, PlaceCode: city.Code}, "")
		if errors.Is(err, store.ErrConflict) { // another node created it meanwhile
			u, err = s.st.UserByUsername(ctx, PortalUsername)
		}
	}
	if err != nil {
		return access.Actor{}, fmt.Errorf("citizen portal account: %w", err)
	}
	if u.Disabled {
		return access.Actor{}, fmt.Errorf("%w: the %s account is disabled, so the portal is closed", access.ErrForbidden, PortalUsername)
	}
	return access.Actor{UserID: u.ID, Username: u.Username, Roles: []access.Role{access.RoleMachine},
		ScopeCode: org.ScopePrefix(city.Code, org.LevelCity)}, nil
}

func (s *Service) portalLimit() int {
	if s.cfg.PortalLimit > 0 {
		return s.cfg.PortalLimit
	}
	return DefaultPortalLimit
}

// SubmitFromPortal takes in an order a citizen typed on the public portal, as the portal actor on the
// web channel. One address may submit at most the configured number of orders an hour (counted in the
// database, so every node sees the same count); input that cannot make an order, and retries that
// return the order made before, do not count.
func (s *Service) SubmitFromPortal(ctx context.Context, in workorder.Intake, remoteAddr string, idem Idempotency) (workorder.Ticket, error) {
	a, err := s.PortalActor(ctx)
	if err != nil {
		return workorder.Ticket{}, err
	}
	a.RemoteAddr = remoteAddr
	in.Channel = workorder.ChannelWeb
	checked, err := in.Validate()
	if err != nil {
		return workorder.Ticket{}, err
	}
	if err := s.checkReferences(ctx, checked); err != nil {
		return workorder.Ticket{}, err
	}
	key := submissionKey(remoteAddr)
	limit := s.portalLimit()
	ok, err := s.st.TakeSubmissionSlot(ctx, key, s.now().UTC(), portalWindow, limit)
	if err != nil {
		return workorder.Ticket{}, err
	}
	if !ok {
		slog.Warn("citizen portal: submission limit reached", "limit", limit)
		return workorder.Ticket{}, &LimitError{Limit: limit, Window: portalWindow}
	}
	t, created, err := s.Create(ctx, a, in, idem)
	if err != nil || !created {
		if rerr := s.st.ReturnSubmissionSlot(context.WithoutCancel(ctx), key); rerr != nil {
			slog.Warn("citizen portal: return a submission slot", "err", rerr)
		}
	}
	return t, err
}

// submissionKey names the counter of an address. An IPv6 address counts with the rest of its /64,
// the block one household or one phone is given, so that rotating addresses within it gains nothing.
func submissionKey(remoteAddr string) string {
	ip, err := netip.ParseAddr(remoteAddr)
	if err != nil {
		return "portal:" + remoteAddr
	}
	if ip = ip.Unmap(); ip.Is6() {
		return "portal:" + netip.PrefixFrom(ip, 64).Masked().String()
	}
	return "portal:" + ip.String()
}

// Stage is where an order stands, in the terms a citizen follows it by: the internal steps between
// the centre and the units (send-backs, reviews, suspensions) are all "handling" to them.
type Stage string

const (
	StageReceived    Stage = "received"    // 已受理
	StageHandling    Stage = "handling"    // 办理中
	StageReplied     Stage = "replied"     // 已答复, waiting for the citizen's rating
	StageClosed      Stage = "closed"      // 已办结
	StageCancelled   Stage = "cancelled"   // 已撤销
	StageMerged      Stage = "merged"      // 已合并: follows another order
	StageTransferred Stage = "transferred" // 已转 110
)

func stageOf(s workorder.Status) Stage {
	switch s {
	case workorder.StatusNew:
		return StageReceived
	case workorder.StatusVisiting:
		return StageReplied
	case workorder.StatusClosed:
		return StageClosed
	case workorder.StatusCancelled:
		return StageCancelled
	case workorder.StatusMerged:
		return StageMerged
	case workorder.StatusTransferred:
		return StageTransferred
	}
	return StageHandling
}

// StepKind names one public step of an order's progress.
type StepKind string

const (
	StepReceived    StepKind = "received"    // taken in
	StepDispatched  StepKind = "dispatched"  // sent to Units
	StepAccepted    StepKind = "accepted"    // Units signed for it
	StepReplied     StepKind = "replied"     // Units replied with Text, and the centre approved the reply
	StepAnswered    StepKind = "answered"    // the hotline answered directly with Text
	StepRated       StepKind = "rated"       // the citizen's verdict
	StepRehandling  StepKind = "rehandling"  // sent back to be handled again
	StepClosed      StepKind = "closed"      // 办结
	StepMerged      StepKind = "merged"      // joined to an order about the same matter
	StepCancelled   StepKind = "cancelled"   // withdrawn
	StepTransferred StepKind = "transferred" // passed to 110
)

// CitizenStep is one step of the public timeline. It names units (public bodies) but never a member
// of staff, and carries only the texts meant for the citizen: approved replies and direct answers.
type CitizenStep struct {
	At           time.Time
	Kind         StepKind
	Units        []string
	Text         string
	Resolved     *bool
	Satisfaction workorder.Satisfaction
}

// CitizenProgress is where an order stands and how it got there.
type CitizenProgress struct {
	Stage Stage
	Steps []CitizenStep
}

// CitizenTicket is an order as the person holding its number and query code sees it: what they
// reported and its progress, without anything about the caller (not even their own data: anyone with
// the two codes sees this) and without the internal names of staff.
type CitizenTicket struct {
	Number       string
	Type         workorder.RequestType
	CategoryName string
	Title        string
	CreatedAt    time.Time
	CitizenProgress
	// Master is the progress of the order a merged duplicate follows, without that order's title or
	// its caller's rating.
	Master *CitizenProgress
	// Resolved and Satisfaction are the rating given, if any.
	Resolved     *bool
	Satisfaction workorder.Satisfaction
	// CanRate tells whether RateFromPortal would take a rating now.
	CanRate bool
}

// CitizenView returns the public view of an order. A wrong number and a wrong query code give the
// same not-found error, so that the codes cannot be guessed one half at a time.
func (s *Service) CitizenView(ctx context.Context, number, queryCode string) (CitizenTicket, error) {
	t, evs, err := s.citizenTicket(ctx, number, queryCode)
	if err != nil {
		return CitizenTicket{}, err
	}
	v := CitizenTicket{Number: t.Number, Type: t.Type, Title: t.Title, CreatedAt: t.CreatedAt,
		Resolved: t.Resolved, Satisfaction: t.Satisfaction, CanRate: ratable(t, evs)}
	if v.Satisfaction == "" {
		v.Resolved = nil // a first-line answer marks the order resolved; only the citizen's word counts here
	}
	if c, err := s.st.Category(ctx, t.Category); err == nil {
		v.CategoryName = c.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	names := unitNames{st: s.st, byID: map[string]string{}}
	if v.CitizenProgress, err = names.progress(ctx, t, evs); err != nil {
		return v, err
	}
	if t.Status == workorder.StatusMerged && t.MasterID != "" {
		master, err := s.st.Ticket(ctx, t.MasterID)
		if err != nil {
			return v, err
		}
		mevs, err := s.st.Timeline(ctx, master.ID)
		if err != nil {
			return v, err
		}
		p, err := names.progress(ctx, master, mevs)
		if err != nil {
			return v, err
		}
		p.Steps = slices.DeleteFunc(p.Steps, func(st CitizenStep) bool { return st.Kind == StepRated })
		v.Master = &p
	}
	return v, nil
}

// RateFromPortal records the citizen's verdict on the reply. While the order waits for its return
// visit, the rating is that visit (回访): the order closes, or goes back for re-handling when the
// matter is unresolved or the citizen unsatisfied. An order the hotline answered directly (一线办结)
// may be rated once afterwards; the rating goes on its timeline and the order stays closed.
func (s *Service) RateFromPortal(ctx context.Context, number, queryCode string, resolved bool, sat workorder.Satisfaction, comment string) error {
	if !slices.Contains(workorder.Satisfactions, sat) {
		return &workorder.FieldError{Field: "satisfaction", Reason: "want satisfied, basically or unsatisfied"}
	}
	comment, err := workorder.CleanComment("comment", comment, false)
	if err != nil {
		return err
	}
	t, evs, err := s.citizenTicket(ctx, number, queryCode)
	if err != nil {
		return err
	}
	a, err := s.PortalActor(ctx)
	if err != nil {
		return err
	}
	switch {
	case t.Status == workorder.StatusVisiting:
		// The return visit is a centre step in the state machine; the portal takes it for the centre,
		// so for this one action its actor also holds the agent's role.
		a.Roles = append(a.Roles, access.RoleAgent)
		_, err := s.Act(ctx, a, t.ID, workorder.Command{Action: workorder.ActVisit, Resolved: &resolved, Satisfaction: sat,
			Comment: comment, Version: t.Version})
		return err
	case ratable(t, evs):
		now := s.now().UTC()
		next := t
		next.Resolved, next.Satisfaction, next.UpdatedAt = &resolved, sat, now
		ev := workorder.Event{At: now, Action: workorder.ActVisit, From: t.Status, To: t.Status, Actor: a.Username, Comment: comment,
			Data: map[string]any{"resolved": resolved, "satisfaction": sat, "after_answer": true}}
		_, err := s.st.ApplyTicketChange(ctx, who(a), store.TicketChange{Before: t, After: next, Event: ev, UserID: a.UserID})
		return err
	case t.Status == workorder.StatusClosed:
		return ErrAlreadyRated
	}
	return ErrNotRatable
}

// ratable tells whether the citizen may rate the order now: it waits for its return visit, or the
// hotline closed it with a direct answer and nobody has rated it since.
func ratable(t workorder.Ticket, evs []workorder.Event) bool {
	if t.Status == workorder.StatusVisiting {
		return true
	}
	if t.Status != workorder.StatusClosed || t.Satisfaction != "" {
		return false
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if ev := evs[i]; ev.To == workorder.StatusClosed && ev.From != workorder.StatusClosed {
			return ev.Action == workorder.ActAnswer
		}
	}
	return false
}

// citizenTicket finds the order that number and queryCode name together, with its timeline. The code
// is compared in constant time; anything that does not match is the same not-found error.
func (s *Service) citizenTicket(ctx context.Context, number, queryCode string) (workorder.Ticket, []workorder.Event, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	queryCode = strings.ToUpper(strings.Join(strings.Fields(queryCode), ""))
	notFound := fmt.Errorf("no order with this number and query code: %w", ErrNotFound)
	if !plainCode(number) || !plainCode(queryCode) {
		return workorder.Ticket{}, nil, notFound
	}
	t, err := s.st.Ticket(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return t, nil, notFound
	}
	if err != nil {
		return t, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(t.QueryCode), []byte(queryCode)) != 1 || t.Number != number {
		return workorder.Ticket{}, nil, notFound
	}
	evs, err := s.st.Timeline(ctx, t.ID)
	return t, evs, err
}

// plainCode accepts what an order number or query code can be: a few ASCII letters and digits. It
// keeps anything else (markup, invalid UTF-8, NUL) away from the database.
func plainCode(s string) bool {
	return s != "" && len(s) <= 32 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// unitNames looks up and remembers the names of units for one view.
type unitNames struct {
	st   *store.Store
	byID map[string]string
}

func (n unitNames) names(ctx context.Context, ids ...string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if id == "" {
			continue
		}
		name, ok := n.byID[id]
		if !ok {
			u, err := n.st.Unit(ctx, id)
			if err != nil {
				return nil, err
			}
			name = u.Name
			n.byID[id] = name
		}
		out = append(out, name)
	}
	return out, nil
}

// progress turns the internal timeline into the public one. A unit's reply appears only once the
// centre approved it (a rejected reply was never meant for the citizen); send-backs, co-handlers'
// notes, supervision and extensions stay internal.
func (n unitNames) progress(ctx context.Context, t workorder.Ticket, evs []workorder.Event) (CitizenProgress, error) {
	p := CitizenProgress{Stage: stageOf(t.Status)}
	var pending *CitizenStep
	add := func(ev workorder.Event, kind StepKind, units ...string) error {
		names, err := n.names(ctx, units...)
		p.Steps = append(p.Steps, CitizenStep{At: ev.At, Kind: kind, Units: names})
		return err
	}
	for _, ev := range evs {
		var err error
		switch ev.Action {
		case workorder.ActCreate:
			err = add(ev, StepReceived)
		case workorder.ActDispatch, workorder.ActRedispatch:
			err = add(ev, StepDispatched, dispatchedUnits(ev)...)
		case workorder.ActAccept:
			err = add(ev, StepAccepted, ev.ActorUnitID)
		case workorder.ActReply:
			if co, _ := ev.Data["co_reply"].(bool); !co {
				names, nerr := n.names(ctx, ev.ActorUnitID)
				pending, err = &CitizenStep{Kind: StepReplied, Units: names, Text: ev.Comment}, nerr
			}
		case workorder.ActApprove:
			if pending != nil {
				pending.At = ev.At // public from the moment the centre let it through
				p.Steps = append(p.Steps, *pending)
				pending = nil
			}
		case workorder.ActReject:
			pending = nil
		case workorder.ActAnswer:
			p.Steps = append(p.Steps, CitizenStep{At: ev.At, Kind: StepAnswered, Text: ev.Comment}, CitizenStep{At: ev.At, Kind: StepClosed})
		case workorder.ActVisit:
			p.Steps = append(p.Steps, ratedStep(ev))
			switch {
			case ev.To == workorder.StatusClosed && ev.From != workorder.StatusClosed:
				err = add(ev, StepClosed)
			case ev.To != workorder.StatusClosed:
				err = add(ev, StepRehandling)
			}
		case workorder.ActReopen:
			err = add(ev, StepRehandling)
		case workorder.ActMerge:
			err = add(ev, StepMerged)
		case workorder.ActCancel:
			err = add(ev, StepCancelled)
		case workorder.ActTransfer110:
			err = add(ev, StepTransferred)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// dispatchedUnits reads the lead unit and the co-handlers a dispatch step recorded.
func dispatchedUnits(ev workorder.Event) []string {
	lead, _ := ev.Data["lead_unit_id"].(string)
	units := []string{lead}
	co, _ := ev.Data["co_unit_ids"].([]any)
	for _, id := range co {
		if s, ok := id.(string); ok {
			units = append(units, s)
		}
	}
	return units
}

func ratedStep(ev workorder.Event) CitizenStep {
	st := CitizenStep{At: ev.At, Kind: StepRated}
	if r, ok := ev.Data["resolved"].(bool); ok {
		st.Resolved = &r
	}
	sat, _ := ev.Data["satisfaction"].(string)
	st.Satisfaction = workorder.Satisfaction(sat)
	return st
}
