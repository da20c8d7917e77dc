package open311

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// maxDescription is the longest description request.json allows.
const maxDescription = 4000

// request is one service request as GET requests answers it: Open311's public fields only.
type request struct {
	ID                string `json:"service_request_id" xml:"service_request_id"`
	Status            string `json:"status" xml:"status"`
	StatusNotes       text   `json:"status_notes" xml:"status_notes"`
	ServiceName       text   `json:"service_name" xml:"service_name"`
	ServiceCode       string `json:"service_code" xml:"service_code"`
	Description       text   `json:"description" xml:"description"`
	AgencyResponsible text   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     text   `json:"service_notice" xml:"service_notice"`
	RequestedAt       stamp  `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedAt         stamp  `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedAt        stamp  `json:"expected_datetime" xml:"expected_datetime"`
	Address           text   `json:"address" xml:"address"`
	AddressID         string `json:"address_id" xml:"address_id"`
	Zipcode           string `json:"zipcode" xml:"zipcode"`
	Lat               coord  `json:"lat" xml:"lat"`
	Long              coord  `json:"long" xml:"long"`
	MediaURL          text   `json:"media_url" xml:"media_url"`
}

// lookup renders orders for one answer, loading what they share (category and unit names) once.
type lookup struct {
	api        *API
	origin     string
	categories map[string]string
	units      map[string]string
}

func (api *API) newLookup(ctx context.Context, r *http.Request) (*lookup, error) {
	// Every category, retired ones too: old orders keep the name they were filed under.
	cats, err := api.st.Categories(ctx, store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	l := &lookup{api: api, origin: origin(r), categories: make(map[string]string, len(cats)), units: map[string]string{}}
	for _, c := range cats {
		l.categories[c.Code] = c.Name
	}
	return l, nil
}

func (l *lookup) unitName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if name, ok := l.units[id]; ok {
		return name, nil
	}
	u, err := l.api.st.Unit(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	l.units[id] = u.Name
	return u.Name, nil
}

// history is an order's public steps, with the media link of each step that carries an image.
type history struct {
	steps []step
	media map[string]string // event id → URL of its first image
}

func (l *lookup) history(ctx context.Context, t workorder.Ticket) (history, error) {
	evs, err := l.api.st.Timeline(ctx, t.ID)
	if err != nil {
		return history{}, err
	}
	h := history{media: map[string]string{}}
	withFiles := false
	for _, ev := range evs {
		var lead string
		if id, ok := ev.Data["lead_unit_id"].(string); ok {
			if lead, err = l.unitName(ctx, id); err != nil {
				return h, err
			}
		}
		if s, ok := publicStep(ev, lead); ok {
			h.steps = append(h.steps, s)
			withFiles = withFiles || len(ev.Attachments) > 0
		}
	}
	if !withFiles {
		return h, nil
	}
	files, err := l.api.st.AttachmentsOf(ctx, t.ID)
	if err != nil {
		return h, err
	}
	public := map[string]bool{}
	for _, s := range h.steps {
		public[s.ev.ID] = true
	}
	for _, f := range files {
		if public[f.EventID] && strings.HasPrefix(f.ContentType, "image/") && h.media[f.EventID] == "" {
			h.media[f.EventID] = l.origin + "/api/v1/attachments/" + f.ID
		}
	}
	return h, nil
}

// firstMedia is the order's first public image.
func (h history) firstMedia() string {
	for _, s := range h.steps {
		if u := h.media[s.ev.ID]; u != "" {
			return u
		}
	}
	return ""
}

// request renders an order for GET requests.
func (l *lookup) request(ctx context.Context, t workorder.Ticket) (request, error) {
	h, err := l.history(ctx, t)
	if err != nil {
		return request{}, err
	}
	agency, err := l.unitName(ctx, t.LeadUnitID)
	if err != nil {
		return request{}, err
	}
	redact := redactor(t)
	out := request{ID: t.Number, Status: "open", ServiceName: text(l.categories[t.Category]), ServiceCode: t.Category,
		Description: text(clip(redact(t.Description), maxDescription)), AgencyResponsible: text(agency),
		ServiceNotice: text(serviceNotice(t)), RequestedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt),
		ExpectedAt: stamp(t.DueCloseAt), Address: text(redact(t.Location.Address)), MediaURL: text(h.firstMedia())}
	if !t.Open() {
		out.Status = "closed"
	}
	if n := len(h.steps); n > 0 {
		out.StatusNotes = text(redact(h.steps[n-1].note))
	}
	if t.Location.HasPoint() {
		out.Lat, out.Long = coord{t.Location.Lat, true}, coord{t.Location.Lng, true}
	}
	return out, nil
}

// serviceNotice tells the client what to expect next.
func serviceNotice(t workorder.Ticket) string {
	switch t.Status {
	case workorder.StatusClosed:
		return "已办结"
	case workorder.StatusCancelled:
		return "已撤单"
	case workorder.StatusMerged:
		return "与其他工单反映同一问题，已并入一并办理"
	case workorder.StatusTransferred:
		return "属公安 110 处置事项，已转 110"
	}
	if !t.DueCloseAt.IsZero() {
		return "按规定时限办理，预计 " + t.DueCloseAt.In(workorder.Shanghai).Format("2006-01-02 15:04") + " 前办结"
	}
	return "已受理，将按规定时限派单办理并答复"
}

// clip keeps at most n characters.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
