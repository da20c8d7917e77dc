// Package workorder is the spine of cityline: the work order (工单) that carries one citizen's matter from
// intake through dispatch, handling, reply, review and return visit to closure. It holds the order's
// fields, their validation and the lifecycle state machine; it knows nothing of SQL or HTTP.
package workorder

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel is how the matter reached the city.
type Channel string

const (
	ChannelPhone    Channel = "phone"
	ChannelWeb      Channel = "web"
	ChannelMobile   Channel = "mobile"
	ChannelSMS      Channel = "sms"
	ChannelEmail    Channel = "email"
	ChannelOpen311  Channel = "open311"
	ChannelGrid     Channel = "grid"
	ChannelPolice   Channel = "police110" // transferred from 110
	ChannelSensor   Channel = "sensor"
	ChannelWalkIn   Channel = "walk_in"
	ChannelTransfer Channel = "transfer" // another hotline or system
)

// Channels lists every channel in the order screens show them.
var Channels = []Channel{ChannelPhone, ChannelWeb, ChannelMobile, ChannelSMS, ChannelEmail, ChannelOpen311,
	ChannelGrid, ChannelPolice, ChannelSensor, ChannelWalkIn, ChannelTransfer}

// RequestType is the nature of the request (诉求类型).
type RequestType string

const (
	TypeEnquiry    RequestType = "enquiry"    // 咨询
	TypeHelp       RequestType = "help"       // 求助
	TypeComplaint  RequestType = "complaint"  // 投诉
	TypeReport     RequestType = "report"     // 举报
	TypeSuggestion RequestType = "suggestion" // 建议
	TypePraise     RequestType = "praise"     // 表扬
)

// RequestTypes lists every request type.
var RequestTypes = []RequestType{TypeEnquiry, TypeHelp, TypeComplaint, TypeReport, TypeSuggestion, TypePraise}

// Urgency orders how fast the matter must move.
type Urgency string

const (
	UrgencyNormal    Urgency = "normal"
	UrgencyUrgent    Urgency = "urgent"
	UrgencyEmergency Urgency = "emergency" // risk to life or property: hours, not days
)

// Urgencies lists every urgency.
var Urgencies = []Urgency{UrgencyNormal, UrgencyUrgent, UrgencyEmergency}

// Satisfaction is the citizen's verdict at the return visit.
type Satisfaction string

const (
	Satisfied          Satisfaction = "satisfied"   // 满意
	BasicallySatisfied Satisfaction = "basically"   // 基本满意
	Unsatisfied        Satisfaction = "unsatisfied" // 不满意
)

// Satisfactions lists the three verdicts.
var Satisfactions = []Satisfaction{Satisfied, BasicallySatisfied, Unsatisfied}

// Caller is who raised the matter. Phone and ID number are personal data: they are masked in every view
// for roles that do not need them, and a confidential order hides the caller from units entirely.
type Caller struct {
	Name         string
	Phone        string
	IDNumber     string
	Confidential bool // 保密
	Anonymous    bool
}

// Location is where the matter is. PlaceCode is the grid holding the point (or the lowest place the
// address resolves to); every record with a place is filtered by its code prefix.
type Location struct {
	Address   string
	Lng, Lat  float64 // zero when unknown
	PlaceCode string
}

// HasPoint tells whether the location has coordinates.
func (l Location) HasPoint() bool { return l.Lng != 0 || l.Lat != 0 }

// Ticket is one work order.
type Ticket struct {
	ID          string
	Number      string // e.g. WH20261128000123: readable on the phone, unique across nodes
	QueryCode   string // given to the citizen with the number to follow the order on the portal
	Channel     Channel
	LineCode    string // one of the hotlines merged into 12345
	Type        RequestType
	Category    string // category code
	Title       string
	Description string
	Caller      Caller
	Location    Location
	Urgency     Urgency
	Status      Status
	// ResumeStatus is the status a suspended order returns to.
	ResumeStatus Status
	LeadUnitID   string
	CoUnitIDs    []string
	MasterID     string // set on a merged duplicate: the order it follows
	// BindingUnitID is the unit an objection review bound to handle the order; it cannot send it back again.
	BindingUnitID string

	DueSignAt  time.Time // 签收 deadline; zero until the time-limit policy fills it
	DueReplyAt time.Time
	DueCloseAt time.Time

	Resolved        *bool
	Satisfaction    Satisfaction
	KBArticle       string // the knowledge-base article behind a first-line answer
	ReturnCount     int    // 退单 count
	RedispatchCount int    // 改派 count
	RehandleCount   int    // 重办 count
	ExtensionAsked  bool   // an extension request waits for a decision
	ExtensionDueAt  time.Time
	Supervised      bool // at least one supervision notice (督办) was issued

	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time
	Version   int
}

// Open tells whether the order still needs work.
func (t Ticket) Open() bool { return !t.Status.Terminal() }

// Limits on free text, in characters.
const (
	MaxTitle       = 100
	MaxDescription = 5000
	MaxAddress     = 200
	MaxName        = 50
	MaxComment     = 2000
)

// FieldError names the input that is wrong; HTTP turns it into 400 with that field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// cleanText checks free text: valid UTF-8, no control characters other than line breaks and tabs, and
// at most max characters after trimming. HTML is allowed as text: it is always shown escaped.
func cleanText(field, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", fieldErr(field, "not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", fieldErr(field, "required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fieldErr(field, "at most %d characters (got %d)", max, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", fieldErr(field, "contains a control character")
		}
	}
	return s, nil
}

// CleanComment checks a comment or reason given with an action.
func CleanComment(field, s string, required bool) (string, error) {
	return cleanText(field, s, MaxComment, required)
}

func oneOf[T ~string](field string, v T, all []T) error {
	if !slices.Contains(all, v) {
		names := make([]string, len(all))
		for i, a := range all {
			names[i] = string(a)
		}
		return fieldErr(field, "%q is not one of %s", v, strings.Join(names, ", "))
	}
	return nil
}

// ValidChannel, ValidType and ValidStatus tell whether a name read from a request is known.
func ValidChannel(c Channel) bool  { return slices.Contains(Channels, c) }
func ValidType(t RequestType) bool { return slices.Contains(RequestTypes, t) }
func ValidStatus(s Status) bool    { return slices.Contains(Statuses, s) }
