package open311

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// mySociety's statuses for the history of a request, richer than Open311's open and closed.
const (
	statusOpen          = "OPEN"
	statusClosed        = "CLOSED"
	statusFixed         = "FIXED"
	statusInProgress    = "IN_PROGRESS"
	statusScheduled     = "ACTION_SCHEDULED"
	statusNotOurs       = "NOT_COUNCILS_RESPONSIBILITY"
	statusDuplicate     = "DUPLICATE"
	statusNoFurtherStep = "NO_FURTHER_ACTION"
)

// updateWindow is what servicerequestupdates covers when the client names no start: the last day,
// the span such feeds are polled over.
const updateWindow = 24 * time.Hour

// step is one public step of an order: what happened, in mySociety's status and in words.
type step struct {
	ev     workorder.Event
	status string
	note   string
}

// publicStep says how a timeline event reads in public, and false for the steps that stay inside
// the city's offices: send-backs and their review, the centre's review of a reply, supervision
// notices, extension requests and refusals, and a co-handler's reply to the lead unit. Only the
// texts written for the citizen (the answer, the reply) are shown as written; every other step
// gets a fixed sentence, because its comment is an internal note. lead is the name of the unit a
// dispatch names.
func publicStep(ev workorder.Event, lead string) (step, bool) {
	s := step{ev: ev}
	switch ev.Action {
	case workorder.ActCreate:
		s.status, s.note = statusOpen, "已受理"
	case workorder.ActDispatch:
		s.status, s.note = statusScheduled, "已派单至"+lead
	case workorder.ActRedispatch:
		s.status, s.note = statusScheduled, "已改派至"+lead
	case workorder.ActAccept:
		s.status, s.note = statusInProgress, "承办单位已签收，正在办理"
	case workorder.ActReply:
		if ev.Data["co_reply"] == true {
			return s, false
		}
		s.status, s.note = statusInProgress, ev.Comment
	case workorder.ActAnswer:
		s.status, s.note = statusClosed, ev.Comment
	case workorder.ActVisit:
		if ev.To == workorder.StatusClosed {
			s.status, s.note = statusFixed, "回访确认问题已解决，已办结"
		} else {
			s.status, s.note = statusInProgress, "回访反映问题未解决，已重新交办"
		}
	case workorder.ActReopen:
		s.status, s.note = statusInProgress, "已重新打开，重新交办"
	case workorder.ActExtendDecide:
		if ev.Data["decision"] != workorder.DecisionApprove {
			return s, false
		}
		s.status, s.note = statusScheduled, "办理期限已延长"
	case workorder.ActSuspend:
		s.status, s.note = statusScheduled, "暂缓办理，条件具备后继续"
	case workorder.ActResume:
		s.status, s.note = statusInProgress, "恢复办理"
	case workorder.ActMerge:
		master, _ := ev.Data["master_number"].(string)
		s.status, s.note = statusDuplicate, "与其他工单反映同一问题，已并入工单 "+master
	case workorder.ActCancel:
		s.status, s.note = statusNoFurtherStep, "已撤单"
	case workorder.ActTransfer110:
		s.status, s.note = statusNotOurs, "属公安 110 处置事项，已转 110"
	default:
		return s, false
	}
	return s, true
}

// update is one entry of mySociety's servicerequestupdates.
type update struct {
	ID          string `json:"update_id" xml:"update_id"`
	RequestID   string `json:"service_request_id" xml:"service_request_id"`
	Status      string `json:"status" xml:"status"`
	UpdatedAt   stamp  `json:"updated_datetime" xml:"updated_datetime"`
	Description string `json:"description" xml:"description"`
	MediaURL    string `json:"media_url" xml:"media_url"`
	at          time.Time
}

// updates lists the public steps taken in [start_date, end_date], oldest first, at most 1000.
func (api *API) updates(w http.ResponseWriter, r *http.Request, f format) {
	rd, ok := api.readerOf(w, r, f)
	if !ok {
		return
	}
	from, to, err := dateRange(r.URL.Query(), api.now(), updateWindow)
	if err != nil {
		writeError(w, f, http.StatusBadRequest, err.Error())
		return
	}
	if to.IsZero() {
		to = api.now()
	}
	ctx := r.Context()
	changed, err := api.st.TicketsChangedBetween(ctx, from, to, maxListed+1)
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	if len(changed) > maxListed {
		// The orders left out changed first at that instant: stop there, so that the answer is every
		// step up to some time and a client can go on from the last one it got.
		to = changed[maxListed].FirstAt
		changed = changed[:maxListed]
	}
	l, err := api.newLookup(ctx, r)
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	var out []update
	for _, c := range changed {
		t, err := api.tickets.Get(ctx, rd.actor, c.ID)
		if errors.Is(err, store.ErrNotFound) || err == nil && !rd.shows(t) {
			continue
		}
		if err != nil {
			api.internalError(w, r, f, err)
			return
		}
		h, err := l.history(ctx, t)
		if err != nil {
			api.internalError(w, r, f, err)
			return
		}
		redact := redactor(t)
		for _, s := range h.steps {
			if s.ev.At.Before(from) || !s.ev.At.Before(to) {
				continue
			}
			out = append(out, update{ID: s.ev.ID, RequestID: t.Number, Status: s.status, UpdatedAt: stamp(s.ev.At),
				Description: redact(s.note), MediaURL: h.media[s.ev.ID], at: s.ev.At})
		}
	}
	slices.SortFunc(out, func(a, b update) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.ID, b.ID)) })
	writeList(w, f, http.StatusOK, out[:min(len(out), maxListed)], "service_request_updates", "request_update")
}
