package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/workorder"
)

// The citizen portal: public pages, no sign-in, built for a phone first. Citizens submit a matter with
// a photo and their location, receive the order's number and query code, follow its progress and rate
// the reply. Every step goes through the ticketing service as its built-in portal actor.

func init() {
	areas = append(areas, area{
		pages: map[string]any{
			"portal.html":        portalHomeData{},
			"portal_submit.html": portalSubmitData{},
			"portal_done.html":   portalDoneData{},
			"portal_track.html":  portalTrackData{},
		},
		register: func(u *UI, mux *http.ServeMux) {
			mux.HandleFunc("GET /portal", u.portalHome)
			mux.HandleFunc("GET /portal/submit", u.portalSubmitPage)
			mux.HandleFunc("POST /portal/submit", u.portalSubmit)
			mux.HandleFunc("GET /portal/track", u.portalTrack)
			mux.HandleFunc("POST /portal/rate", u.portalRate)
		},
	})
}

// The portal has no session for the server's CSRF check to use, so its forms carry a token of their
// own that must equal the one in its cookie (a double-submit token): another site can make a browser
// send the cookie, but can neither read it nor put the same value in the form. The cookie is also
// SameSite=Strict, so a cross-site POST arrives without it.
const (
	portalCookie     = "cityline_portal"
	portalTokenField = "pt_token"
	portalPhotoField = "photo"
)

// portalPolicy checks photos by the same rules as the attachment API.
var portalPolicy attachment.Policy

// portalFormSlack is what a submission may carry besides the photo: every text field at its longest.
const portalFormSlack = 256 << 10

// portalFieldLimit bounds one text field of a submission (the longest, the description, is 5,000
// characters of up to 3 bytes each).
const portalFieldLimit = 64 << 10

var errPortalField = errors.New("a form field is too long")

// portalHomeData is the start page: submit or follow.
type portalHomeData struct{}

// TitleKey names the page.
func (portalHomeData) TitleKey() string { return "pt.title" }

func (u *UI) portalHome(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "portal.html", portalHomeData{})
}

// portalToken returns the visitor's portal token, setting the cookie when there is none yet.
func (u *UI) portalToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(portalCookie); err == nil && validPortalToken(c.Value) {
		return c.Value
	}
	token := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: portalCookie, Value: token, Path: "/portal", HttpOnly: true,
		Secure: u.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return token
}

// portalTokenOK tells whether the form's token equals the cookie's.
func portalTokenOK(r *http.Request, formToken string) bool {
	c, err := r.Cookie(portalCookie)
	return err == nil && validPortalToken(c.Value) && subtle.ConstantTimeCompare([]byte(c.Value), []byte(formToken)) == 1
}

// validPortalToken accepts what rand.Text makes: 26 characters of base32.
func validPortalToken(s string) bool {
	return len(s) == 26 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
}

// portalForm is the submission form as typed, kept to show it again with its errors.
type portalForm struct {
	FormID       string // idempotency key: the same form sent twice makes one order
	Type         string
	Category     string
	Title        string
	Description  string
	Name         string
	Phone        string
	Anonymous    bool
	Confidential bool
	Address      string
	Lat, Lng     string
	HadPhoto     bool // a photo was chosen but not kept: the page asks for it again
}

// portalControl is one control of a portal form: the validation field it shows the errors of, and
// the catalogue keys of its name and of the rule it must follow.
type portalControl struct{ control, field, name, rule string }

// portalControls are the submission form's controls in page order (the order of the error summary).
var portalControls = []portalControl{
	{"type", "type", "pt.field.type", "pt.rule.type"},
	{"category", "category", "pt.field.category", "pt.rule.category"},
	{"title", "title", "pt.field.title", "pt.rule.title"},
	{"description", "description", "pt.field.description", "pt.rule.description"},
	{"address", "address", "pt.field.address", "pt.rule.address"},
	{"location", "lat", "pt.field.location", "pt.rule.location"},
	{"location", "lng", "pt.field.location", "pt.rule.location"},
	{"name", "caller.name", "pt.field.name", "pt.rule.name"},
	{"phone", "caller.phone", "pt.field.phone", "pt.rule.phone"},
	{"photo", "attachments", "pt.field.photo", "pt.rule.photo"},
}

// portalRateControls are the rating form's controls.
var portalRateControls = []portalControl{
	{"resolved", "resolved", "pt.field.resolved", "pt.rule.resolved"},
	{"satisfaction", "satisfaction", "pt.field.satisfaction", "pt.rule.satisfaction"},
	{"comment", "comment", "pt.field.comment", "pt.rule.comment"},
}

// explain puts the error of a control in the user's language: its name and its rule.
func (c portalControl) explain(t tr) string { return t.T("form.error", t.T(c.name), t.T(c.rule)) }

// controlFor finds the control that shows a validation error of field.
func controlFor(controls []portalControl, field string) (portalControl, bool) {
	for _, c := range controls {
		if c.field == field {
			return c, true
		}
	}
	return portalControl{}, false
}

// Catalogue keys of the names the portal shows for the domain's values.
var (
	portalTypeKeys = map[workorder.RequestType]string{
		workorder.TypeEnquiry: "pt.type.enquiry", workorder.TypeHelp: "pt.type.help", workorder.TypeComplaint: "pt.type.complaint",
		workorder.TypeReport: "pt.type.report", workorder.TypeSuggestion: "pt.type.suggestion", workorder.TypePraise: "pt.type.praise",
	}
	portalSatisfactionKeys = map[workorder.Satisfaction]string{
		workorder.Satisfied: "pt.sat.satisfied", workorder.BasicallySatisfied: "pt.sat.basically", workorder.Unsatisfied: "pt.sat.unsatisfied",
	}
	// portalStageKeys gives each stage's name and the sentence that explains it.
	portalStageKeys = map[ticketing.Stage][2]string{
		ticketing.StageReceived:    {"pt.stage.received", "pt.stage.received.desc"},
		ticketing.StageHandling:    {"pt.stage.handling", "pt.stage.handling.desc"},
		ticketing.StageReplied:     {"pt.stage.replied", "pt.stage.replied.desc"},
		ticketing.StageClosed:      {"pt.stage.closed", "pt.stage.closed.desc"},
		ticketing.StageCancelled:   {"pt.stage.cancelled", "pt.stage.cancelled.desc"},
		ticketing.StageMerged:      {"pt.stage.merged", "pt.stage.merged.desc"},
		ticketing.StageTransferred: {"pt.stage.transferred", "pt.stage.transferred.desc"},
	}
	// portalStepKeys gives each step's line; the lines of steps with units name them with %s.
	portalStepKeys = map[ticketing.StepKind]string{
		ticketing.StepReceived: "pt.step.received", ticketing.StepDispatched: "pt.step.dispatched",
		ticketing.StepAccepted: "pt.step.accepted", ticketing.StepReplied: "pt.step.replied",
		ticketing.StepAnswered: "pt.step.answered", ticketing.StepRated: "pt.step.rated",
		ticketing.StepRehandling: "pt.step.rehandling", ticketing.StepClosed: "pt.step.closed",
		ticketing.StepMerged: "pt.step.merged", ticketing.StepCancelled: "pt.step.cancelled",
		ticketing.StepTransferred: "pt.step.transferred",
	}
)

func portalFormFrom(v url.Values) portalForm {
	return portalForm{FormID: v.Get("form_id"), Type: v.Get("type"), Category: v.Get("category"), Title: v.Get("title"),
		Description: v.Get("description"), Name: v.Get("name"), Phone: v.Get("phone"), Anonymous: v.Get("anonymous") != "",
		Confidential: v.Get("confidential") != "", Address: v.Get("address"), Lat: v.Get("lat"), Lng: v.Get("lng")}
}

// intake turns the form into an intake; a location that is not a number is an error on "location".
func (f portalForm) intake() (workorder.Intake, bool) {
	in := workorder.Intake{Channel: workorder.ChannelWeb, Type: workorder.RequestType(f.Type), Category: f.Category,
		Title: f.Title, Description: f.Description, Address: f.Address,
		Caller: workorder.Caller{Name: f.Name, Phone: f.Phone, Anonymous: f.Anonymous, Confidential: f.Confidential}}
	if strings.TrimSpace(f.Lat) == "" && strings.TrimSpace(f.Lng) == "" {
		return in, true
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(f.Lat), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(f.Lng), 64)
	in.Lat, in.Lng = lat, lng
	return in, err1 == nil && err2 == nil
}

// requestHash tells a retry of this form from another request that reuses its idempotency key.
func (f portalForm) requestHash(photoSHA string) string {
	h := sha256.New()
	for _, s := range []string{f.Type, f.Category, f.Title, f.Description, f.Name, f.Phone, strconv.FormatBool(f.Anonymous),
		strconv.FormatBool(f.Confidential), f.Address, f.Lat, f.Lng, photoSHA} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// categoryGroup is one level-1 category with the categories a citizen may file under it.
type categoryGroup struct {
	Label   string
	Options []option
}

// portalSubmitData is the submission form.
type portalSubmitData struct {
	Token   string
	Form    portalForm
	Errors  formErrors
	Summary []string // the errors in page order
	Alert   string   // a refusal of the whole form, in the user's language
	Types   []option
	Groups  []categoryGroup
	Inputs  map[string]portalInput // the one-line text fields, by name
	PhotoMB int64
}

// portalInput is a one-line text field of the submission form.
type portalInput struct {
	Name        string
	Type        string
	Label       string
	Required    bool
	Max         int
	Value       string
	Placeholder string
	Auto        string // autocomplete hint
	Hint        string
	Error       string
}

// TitleKey names the page.
func (portalSubmitData) TitleKey() string { return "pt.submit.title" }

func (u *UI) portalSubmitPage(w http.ResponseWriter, r *http.Request) {
	u.renderSubmit(w, r, http.StatusOK, portalForm{}, nil, "")
}

// renderSubmit shows the form, with what was typed and what was wrong with it.
func (u *UI) renderSubmit(w http.ResponseWriter, r *http.Request, status int, f portalForm, errs formErrors, alert string) {
	t := u.translator(langOf(r))
	if !validPortalToken(f.FormID) {
		f.FormID = rand.Text()
	}
	d := portalSubmitData{Token: u.portalToken(w, r), Form: f, Errors: errs, Alert: alert, PhotoMB: portalPolicy.Limit() >> 20}
	for _, c := range portalControls {
		if msg, ok := errs[c.control]; ok && (len(d.Summary) == 0 || d.Summary[len(d.Summary)-1] != msg) {
			d.Summary = append(d.Summary, msg)
		}
	}
	for _, typ := range workorder.RequestTypes {
		d.Types = append(d.Types, option{Value: string(typ), Label: t.T(portalTypeKeys[typ])})
	}
	cats, err := u.st.Categories(r.Context(), store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Groups = categoryGroups(cats)
	d.Inputs = map[string]portalInput{
		"title": {Name: "title", Type: "text", Label: t.T("pt.field.title"), Required: true, Max: workorder.MaxTitle,
			Value: f.Title, Placeholder: t.T("pt.field.title.hint"), Error: errs["title"]},
		"address": {Name: "address", Type: "text", Label: t.T("pt.field.address"), Max: workorder.MaxAddress,
			Value: f.Address, Placeholder: t.T("pt.field.address.hint"), Auto: "street-address", Error: errs["address"]},
		"name": {Name: "name", Type: "text", Label: t.T("pt.field.name"), Max: workorder.MaxName, Value: f.Name, Auto: "name",
			Error: errs["name"]},
		"phone": {Name: "phone", Type: "tel", Label: t.T("pt.field.phone"), Max: 20, Value: f.Phone, Auto: "tel",
			Hint: t.T("pt.field.phone.hint"), Error: errs["phone"]},
	}
	u.render(w, r, status, "portal_submit.html", d)
}

// categoryGroups lists the categories a citizen files under — those without active children — by
// their level-1 category, each named by its path below it.
func categoryGroups(cats []category.Category) []categoryGroup {
	tree := category.NewTree(cats)
	var groups []categoryGroup
	for _, top := range tree.Children("") {
		g := categoryGroup{Label: top.Name}
		for _, c := range tree.Flatten() {
			path := tree.Path(c.Code)
			if len(tree.Children(c.Code)) > 0 || path[0].Code != top.Code {
				continue
			}
			names := make([]string, 0, len(path)-1)
			for _, p := range path[1:] {
				names = append(names, p.Name)
			}
			label := strings.Join(names, " / ")
			if label == "" {
				label = top.Name
			}
			g.Options = append(g.Options, option{Value: c.Code, Label: label})
		}
		groups = append(groups, g)
	}
	return groups
}

// portalDoneData is the answer to a submission: the two codes the citizen must keep.
type portalDoneData struct {
	Number   string
	Code     string
	TrackURL string
	SMS      string // the masked mobile number the codes were also sent to
}

// TitleKey names the page.
func (portalDoneData) TitleKey() string { return "pt.done.title" }

func trackURL(number, code string) string {
	return "/portal/track?" + url.Values{"number": {number}, "code": {code}}.Encode()
}

// portalSubmit takes in a submission. The photo is checked and stored as it streams in; a photo
// stored for a form that is then refused stays unlinked and is purged with the other abandoned
// uploads.
func (u *UI) portalSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := u.translator(langOf(r))
	r.Body = http.MaxBytesReader(w, r.Body, portalPolicy.Limit()+portalFormSlack)
	errs := formErrors{}
	var photoID, photoSHA string
	photoSent := false
	vals, err := readPortalForm(r, func(vals url.Values, name, declared string, body io.Reader) error {
		photoSent = true
		if !portalTokenOK(r, vals.Get(portalTokenField)) {
			return nil // nothing is stored for a form that may be forged
		}
		actor, err := u.tickets.PortalActor(ctx)
		if err != nil {
			return err
		}
		f, err := portalPolicy.Save(ctx, u.blobs, name, declared, body)
		if err != nil {
			return err
		}
		rec, err := u.st.CreateAttachment(ctx, audit.Who{Actor: actor.Username, RemoteAddr: httpx.ClientAddr(r)}, store.Attachment{
			SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType, FileName: f.FileName, UploadedBy: actor.UserID})
		photoID, photoSHA = rec.ID, f.SHA256
		return err
	})
	form := portalFormFrom(vals)
	form.HadPhoto = photoSent
	var refused *attachment.InvalidError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		errs["photo"] = t.T("form.error", t.T("pt.field.photo"), t.T("pt.rule.photo_size", portalPolicy.Limit()>>20))
	case errors.As(err, &refused):
		c, _ := controlFor(portalControls, "attachments")
		errs[c.control] = c.explain(t)
	case errors.Is(err, errPortalField):
		u.renderSubmit(w, r, http.StatusRequestEntityTooLarge, form, nil, t.T("pt.err.too_long"))
		return
	case err != nil:
		u.portalUnavailable(w, r, form, err)
		return
	}
	if !portalTokenOK(r, vals.Get(portalTokenField)) {
		u.renderSubmit(w, r, http.StatusForbidden, form, nil, t.T("pt.err.token"))
		return
	}
	// Every missing required field is named at once; the domain's checks name one error at a time.
	required := map[string]string{"type": form.Type, "category": form.Category, "title": form.Title, "description": form.Description}
	for _, c := range portalControls {
		if v, ok := required[c.control]; ok && strings.TrimSpace(v) == "" {
			errs[c.control] = c.explain(t)
		}
	}
	in, located := form.intake()
	if !located {
		c, _ := controlFor(portalControls, "lat")
		errs[c.control] = c.explain(t)
	}
	if photoID != "" {
		in.Attachments = []string{photoID}
	}
	if len(errs) > 0 {
		// The rest of the form is checked too, so that one round trip shows what else to fix.
		if _, err := in.Validate(); err != nil {
			explainPortal(t, errs, err)
		}
		u.renderSubmit(w, r, http.StatusUnprocessableEntity, form, errs, "")
		return
	}
	tk, err := u.tickets.SubmitFromPortal(ctx, in, httpx.ClientAddr(r),
		ticketing.Idempotency{Key: form.FormID, RequestHash: form.requestHash(photoSHA)})
	var limited *ticketing.LimitError
	var badLink *store.AttachmentLinkError
	switch {
	case err == nil:
	case errors.As(err, &limited):
		u.renderSubmit(w, r, http.StatusTooManyRequests, form, nil, t.T("pt.err.limit", limited.Limit))
		return
	case errors.As(err, &badLink):
		c, _ := controlFor(portalControls, "attachments")
		errs[c.control] = c.explain(t)
		u.renderSubmit(w, r, http.StatusUnprocessableEntity, form, errs, "")
		return
	case errors.Is(err, store.ErrIdempotencyMismatch):
		form.FormID = ""
		u.renderSubmit(w, r, http.StatusConflict, form, nil, t.T("pt.err.resubmit"))
		return
	case explainPortal(t, errs, err):
		u.renderSubmit(w, r, http.StatusUnprocessableEntity, form, errs, "")
		return
	default:
		u.portalUnavailable(w, r, form, err)
		return
	}
	d := portalDoneData{Number: tk.Number, Code: tk.QueryCode, TrackURL: trackURL(tk.Number, tk.QueryCode)}
	if p := tk.Caller.Phone; len(p) == 11 && p[0] == '1' {
		d.SMS = access.MaskPhone(p)
	}
	u.render(w, r, http.StatusOK, "portal_done.html", d)
}

// explainPortal puts a validation error from the intake on the control it concerns, in the user's
// language, and reports whether it was one.
func explainPortal(t tr, errs formErrors, err error) bool {
	var fe *workorder.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	c, ok := controlFor(portalControls, fe.Field)
	if ok {
		errs[c.control] = c.explain(t)
	}
	return ok
}

// portalUnavailable answers when the portal cannot act at all (no city yet, the portal account
// disabled, a database failure): the citizen is sent to the phone line.
func (u *UI) portalUnavailable(w http.ResponseWriter, r *http.Request, f portalForm, err error) {
	if !errors.Is(err, access.ErrForbidden) {
		u.failed(w, r, err)
		return
	}
	slog.Warn("citizen portal closed", "err", err)
	u.renderSubmit(w, r, http.StatusServiceUnavailable, f, nil, u.translator(langOf(r)).T("pt.err.closed"))
}

// readPortalForm reads a submission, multipart or URL-encoded. The photo is handed to onPhoto as it
// streams, with the fields that came before it (the page puts the photo last), so that no photo is
// ever held in memory or in a temporary file.
func readPortalForm(r *http.Request, onPhoto func(vals url.Values, name, declared string, body io.Reader) error) (url.Values, error) {
	if r.MultipartForm != nil { // the server's CSRF check parsed the form of a signed-in visitor already
		vals := url.Values(r.MultipartForm.Value)
		fhs := r.MultipartForm.File[portalPhotoField]
		if len(fhs) == 0 || fhs[0].Filename == "" {
			return vals, nil
		}
		f, err := fhs[0].Open()
		if err != nil {
			return vals, err
		}
		defer f.Close()
		return vals, onPhoto(vals, fhs[0].Filename, fhs[0].Header.Get("Content-Type"), f)
	}
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		err := r.ParseForm()
		return r.PostForm, err
	}
	if err != nil {
		return url.Values{}, err
	}
	vals := url.Values{}
	photo := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return vals, nil
		}
		if err != nil {
			return vals, err
		}
		switch {
		case part.FormName() == portalPhotoField:
			if part.FileName() != "" && !photo {
				photo = true
				if err := onPhoto(vals, part.FileName(), part.Header.Get("Content-Type"), part); err != nil {
					return vals, err
				}
			}
		case part.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(part, portalFieldLimit+1))
			if err != nil {
				return vals, err
			}
			if len(b) > portalFieldLimit {
				return vals, errPortalField
			}
			vals.Add(part.FormName(), string(b))
		}
		part.Close()
	}
}

// portalStep is one line of the public timeline, ready to show.
type portalStep struct {
	When  string
	Kind  ticketing.StepKind
	Label string
	Text  string
}

// portalRating is the rating form as typed.
type portalRating struct {
	Resolved     string // "yes" or "no"
	Satisfaction string
	Comment      string
}

// portalTrackData is the progress page: the lookup form, and what it found.
type portalTrackData struct {
	Token      string
	Number     string
	Code       string
	Errors     formErrors
	Alert      string // in the user's language
	Notice     string // in the user's language
	Found      bool
	Stage      ticketing.Stage
	StageName  string
	StageDesc  string
	Title      string
	Category   string
	Type       string
	Submitted  string
	Steps      []portalStep
	Merged     bool
	Master     []portalStep
	MasterName string
	Verdict    string
	CanRate    bool
	Rate       portalRating
	RateErrors formErrors
	Choices    []portalChoice // the rating form's choices
}

// portalChoice is a group of large radio buttons.
type portalChoice struct {
	Name    string
	Legend  string
	Class   string
	Options []option
	Value   string
	Error   string
}

// TitleKey names the page.
func (portalTrackData) TitleKey() string { return "pt.track.title" }

func (u *UI) portalTrack(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := portalTrackData{Number: q.Get("number"), Code: q.Get("code")}
	if !q.Has("number") && !q.Has("code") {
		d.Token = u.portalToken(w, r)
		u.render(w, r, http.StatusOK, "portal_track.html", d)
		return
	}
	if q.Get("rated") == "1" {
		d.Notice = u.translator(langOf(r)).T("pt.track.thanks")
	}
	u.showTrack(w, r, http.StatusOK, d)
}

// showTrack looks the order up and shows its progress with status, or the lookup form with what was
// wrong: a wrong number and a wrong code get the same answer.
func (u *UI) showTrack(w http.ResponseWriter, r *http.Request, status int, d portalTrackData) {
	t := u.translator(langOf(r))
	d.Token = u.portalToken(w, r)
	d.Errors = formErrors{}
	for _, f := range []struct{ control, value, name string }{{"number", d.Number, "pt.field.number"}, {"code", d.Code, "pt.field.code"}} {
		if strings.TrimSpace(f.value) == "" {
			d.Errors[f.control] = t.T("form.error", t.T(f.name), t.T("err.required"))
		}
	}
	if len(d.Errors) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "portal_track.html", d)
		return
	}
	v, err := u.tickets.CitizenView(r.Context(), d.Number, d.Code)
	if errors.Is(err, ticketing.ErrNotFound) {
		d.Alert = t.T("pt.err.not_found")
		u.render(w, r, http.StatusNotFound, "portal_track.html", d)
		return
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d.Found, d.Stage, d.CanRate = true, v.Stage, v.CanRate
	d.StageName, d.StageDesc = t.T(portalStageKeys[v.Stage][0]), t.T(portalStageKeys[v.Stage][1])
	d.Number, d.Title, d.Category, d.Type = v.Number, v.Title, v.CategoryName, t.T(portalTypeKeys[v.Type])
	d.Submitted = v.CreatedAt.In(workorder.Shanghai).Format("2006-01-02 15:04")
	d.Steps = portalSteps(t, v.Steps)
	if v.Master != nil {
		d.Merged, d.Master, d.MasterName = true, portalSteps(t, v.Master.Steps), t.T(portalStageKeys[v.Master.Stage][0])
	}
	if v.Satisfaction != "" && v.Resolved != nil {
		d.Verdict = verdict(t, *v.Resolved, v.Satisfaction)
	}
	if d.RateErrors == nil {
		d.RateErrors = formErrors{}
	}
	var ratings []option
	for _, s := range workorder.Satisfactions {
		ratings = append(ratings, option{Value: string(s), Label: t.T(portalSatisfactionKeys[s])})
	}
	d.Choices = []portalChoice{
		{Name: "resolved", Legend: t.T("pt.field.resolved"), Class: "pt-choices-2", Value: d.Rate.Resolved, Error: d.RateErrors["resolved"],
			Options: []option{{Value: "yes", Label: t.T("pt.rate.yes")}, {Value: "no", Label: t.T("pt.rate.no")}}},
		{Name: "satisfaction", Legend: t.T("pt.field.satisfaction"), Class: "pt-choices-3", Value: d.Rate.Satisfaction,
			Error: d.RateErrors["satisfaction"], Options: ratings},
	}
	u.render(w, r, status, "portal_track.html", d)
}

func verdict(t tr, resolved bool, s workorder.Satisfaction) string {
	word := "pt.rate.no"
	if resolved {
		word = "pt.rate.yes"
	}
	return t.T("pt.verdict", t.T(word), t.T(portalSatisfactionKeys[s]))
}

func portalSteps(t tr, steps []ticketing.CitizenStep) []portalStep {
	out := make([]portalStep, 0, len(steps))
	for _, s := range steps {
		ps := portalStep{When: s.At.In(workorder.Shanghai).Format("2006-01-02 15:04"), Kind: s.Kind, Text: s.Text}
		key := portalStepKeys[s.Kind]
		switch {
		case s.Kind == ticketing.StepRated:
			ps.Label = t.T(key, verdict(t, s.Resolved != nil && *s.Resolved, s.Satisfaction))
		case len(s.Units) > 0:
			ps.Label = t.T(key, strings.Join(s.Units, t.T("list.sep")))
		default:
			ps.Label = t.T(key)
		}
		out = append(out, ps)
	}
	return out
}

// portalRate takes the citizen's rating; on success the progress page shows again, with thanks.
func (u *UI) portalRate(w http.ResponseWriter, r *http.Request) {
	t := u.translator(langOf(r))
	r.Body = http.MaxBytesReader(w, r.Body, portalFieldLimit)
	if err := r.ParseForm(); err != nil {
		u.render(w, r, http.StatusRequestEntityTooLarge, "portal_track.html", portalTrackData{Token: u.portalToken(w, r), Alert: t.T("pt.err.too_long")})
		return
	}
	f := r.PostForm
	d := portalTrackData{Number: f.Get("number"), Code: f.Get("code"), RateErrors: formErrors{},
		Rate: portalRating{Resolved: f.Get("resolved"), Satisfaction: f.Get("satisfaction"), Comment: f.Get("comment")}}
	if !portalTokenOK(r, f.Get(portalTokenField)) {
		d.Alert = t.T("pt.err.token")
		u.showTrack(w, r, http.StatusForbidden, d)
		return
	}
	if d.Rate.Resolved != "yes" && d.Rate.Resolved != "no" {
		d.RateErrors["resolved"] = portalRateControls[0].explain(t)
	}
	if d.Rate.Satisfaction == "" {
		d.RateErrors["satisfaction"] = portalRateControls[1].explain(t)
	}
	if len(d.RateErrors) > 0 {
		u.showTrack(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	err := u.tickets.RateFromPortal(r.Context(), d.Number, d.Code, d.Rate.Resolved == "yes",
		workorder.Satisfaction(d.Rate.Satisfaction), d.Rate.Comment)
	if err == nil {
		http.Redirect(w, r, trackURL(d.Number, d.Code)+"&rated=1", http.StatusSeeOther)
		return
	}
	var fe *workorder.FieldError
	if errors.As(err, &fe) {
		if c, ok := controlFor(portalRateControls, fe.Field); ok {
			d.RateErrors[c.control] = c.explain(t)
			u.showTrack(w, r, http.StatusUnprocessableEntity, d)
			return
		}
	}
	switch {
	case errors.Is(err, ticketing.ErrNotFound):
		u.showTrack(w, r, http.StatusNotFound, d)
	case errors.Is(err, ticketing.ErrAlreadyRated):
		d.Alert = t.T("pt.err.rated")
		u.showTrack(w, r, http.StatusConflict, d)
	case errors.Is(err, workorder.ErrIllegal), errors.Is(err, store.ErrConflict):
		d.Alert = t.T("pt.err.not_ratable")
		u.showTrack(w, r, http.StatusConflict, d)
	case errors.Is(err, access.ErrForbidden):
		d.Alert = t.T("pt.err.closed")
		u.showTrack(w, r, http.StatusServiceUnavailable, d)
	default:
		u.failed(w, r, err)
	}
}
