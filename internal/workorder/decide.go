package workorder

import (
	"slices"
	"time"

	"github.com/cityline/cityline/internal/access"
)

// Command is one action on an order with its input. Which fields an action needs is checked by Decide.
type Command struct {
	Action       Action
	Comment      string // the answer, the reason, the reply text or the visit notes
	LeadUnitID   string // dispatch, redispatch
	CoUnitIDs    []string
	Decision     string // review-return: "uphold" or "overrule"; extend-decide: "approve" or "deny"
	Resolved     *bool  // visit
	Satisfaction Satisfaction
	KBArticle    string    // answer
	MasterID     string    // merge
	DueAt        time.Time // supervise: the notice's deadline; extend-request: the new closure deadline
	Attachments  []string  // attachment ids uploaded beforehand
	// Version is the order version the actor saw; a different stored version means someone acted first.
	Version int
}

// Decisions for review-return and extend-decide.
const (
	DecisionUphold   = "uphold"   // the send-back stands: the centre dispatches again
	DecisionOverrule = "overrule" // the unit must handle the order, and may not send it back again
	DecisionApprove  = "approve"
	DecisionDeny     = "deny"
)

// Event is one step on an order's timeline.
type Event struct {
	ID          string
	TicketID    string
	Seq         int
	At          time.Time
	Action      Action
	From, To    Status
	Actor       string // username
	ActorUnitID string
	Comment     string
	Data        map[string]any
	Attachments []string
}

// Decide applies the command to the order as the actor, returning the changed order and the event to
// record. It checks everything that can be checked without the database: status, part, roles and the
// command's own fields. Referenced units, masters and attachments are checked by the caller.
func Decide(a access.Actor, t Ticket, c Command, now time.Time) (Ticket, Event, error) {
	if err := check(a, t, c.Action); err != nil {
		return t, Event{}, err
	}
	ev := Event{TicketID: t.ID, At: now, Action: c.Action, From: t.Status, Actor: a.Username, ActorUnitID: a.UnitID,
		Attachments: c.Attachments, Data: map[string]any{}}
	comment, err := CleanComment("comment", c.Comment, needsComment(c.Action))
	if err != nil {
		return t, ev, err
	}
	ev.Comment = comment
	next := t
	if r := rules[c.Action]; r.to != "" {
		next.Status = r.to
	}
	switch c.Action {
	case ActAnswer:
		next.KBArticle = c.KBArticle
		next.Resolved = ptr(true)
		next.ClosedAt = now
		if c.KBArticle != "" {
			ev.Data["kb_article"] = c.KBArticle
		}
	case ActDispatch, ActRedispatch:
		if err := setUnits(&next, c); err != nil {
			return t, ev, err
		}
		if c.Action == ActRedispatch {
			if c.LeadUnitID == t.LeadUnitID && t.Status != StatusReturned {
				return t, ev, fieldErr("lead_unit_id", "redispatch to a different unit")
			}
			next.RedispatchCount++
			next.BindingUnitID = ""
		}
		ev.Data["lead_unit_id"], ev.Data["co_unit_ids"] = next.LeadUnitID, next.CoUnitIDs
	case ActReturn:
		next.ReturnCount++
	case ActReviewReturn:
		switch c.Decision {
		case DecisionUphold:
			next.Status, next.LeadUnitID, next.CoUnitIDs = StatusNew, "", nil
		case DecisionOverrule:
			next.Status, next.BindingUnitID = StatusDispatched, t.LeadUnitID
		default:
			return t, ev, fieldErr("decision", "want %q or %q", DecisionUphold, DecisionOverrule)
		}
		ev.Data["decision"] = c.Decision
	case ActReply:
		if PartOf(a, t) == LeadUnit {
			next.Status = StatusReplied
		} else {
			ev.Data["co_reply"] = true // a co-handler's reply goes to the lead unit; the order stays where it is
		}
	case ActVisit:
		if c.Resolved == nil {
			return t, ev, fieldErr("resolved", "required: was the matter resolved?")
		}
		if err := oneOf("satisfaction", c.Satisfaction, Satisfactions); err != nil {
			return t, ev, err
		}
		next.Resolved, next.Satisfaction = c.Resolved, c.Satisfaction
		ev.Data["resolved"], ev.Data["satisfaction"] = *c.Resolved, c.Satisfaction
		if *c.Resolved && c.Satisfaction != Unsatisfied {
			next.Status, next.ClosedAt = StatusClosed, now
		} else {
			// 重办: back to the same unit, which must sign for it again.
			next.Status = StatusDispatched
			next.RehandleCount++
		}
	case ActReopen:
		next.ClosedAt, next.Resolved, next.Satisfaction = time.Time{}, nil, ""
		next.RehandleCount++
	case ActSupervise:
		if c.DueAt.IsZero() || !c.DueAt.After(now) {
			return t, ev, fieldErr("due_at", "the supervision notice needs a deadline in the future")
		}
		next.Supervised = true
		ev.Data["due_at"] = c.DueAt.UTC()
	case ActExtendAsk:
		if c.DueAt.IsZero() || !c.DueAt.After(now) || (!t.DueCloseAt.IsZero() && !c.DueAt.After(t.DueCloseAt)) {
			return t, ev, fieldErr("due_at", "the requested deadline must be later than the current one")
		}
		next.ExtensionAsked = true
		next.ExtensionDueAt = c.DueAt
		ev.Data["due_at"] = c.DueAt.UTC()
	case ActExtendDecide:
		switch c.Decision {
		case DecisionApprove:
			next.DueCloseAt = t.ExtensionDueAt
		case DecisionDeny:
		default:
			return t, ev, fieldErr("decision", "want %q or %q", DecisionApprove, DecisionDeny)
		}
		next.ExtensionAsked, next.ExtensionDueAt = false, time.Time{}
		ev.Data["decision"] = c.Decision
	case ActSuspend:
		next.ResumeStatus = t.Status
	case ActResume:
		next.Status, next.ResumeStatus = t.ResumeStatus, ""
	case ActMerge:
		if c.MasterID == "" {
			return t, ev, fieldErr("master_id", "required: the order this one duplicates")
		}
		if c.MasterID == t.ID {
			return t, ev, fieldErr("master_id", "an order cannot be merged into itself")
		}
		next.MasterID = c.MasterID
		ev.Data["master_id"] = c.MasterID
	case ActCancel, ActTransfer110:
		next.ClosedAt = now
	}
	next.UpdatedAt = now
	ev.To = next.Status
	return next, ev, nil
}

// needsComment lists the actions that must say why or what.
func needsComment(a Action) bool {
	switch a {
	case ActAnswer, ActReturn, ActReviewReturn, ActReply, ActReject, ActReopen, ActSupervise, ActExtendAsk,
		ActSuspend, ActCancel, ActTransfer110:
		return true
	}
	return false
}

func setUnits(t *Ticket, c Command) error {
	if c.LeadUnitID == "" {
		return fieldErr("lead_unit_id", "required: the unit in charge")
	}
	seen := map[string]bool{c.LeadUnitID: true}
	for _, id := range c.CoUnitIDs {
		if seen[id] {
			return fieldErr("co_unit_ids", "unit %s is named twice (or is also the lead)", id)
		}
		seen[id] = true
	}
	t.LeadUnitID, t.CoUnitIDs = c.LeadUnitID, slices.Clone(c.CoUnitIDs)
	return nil
}

func ptr[T any](v T) *T { return &v }
