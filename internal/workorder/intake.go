package workorder

import (
	"math"
	"strings"

	"github.com/cityline/cityline/internal/access"
)

// Intake is a new order as it arrives, from an agent, the portal, Open311 or another system.
type Intake struct {
	Channel     Channel
	LineCode    string
	Type        RequestType
	Category    string
	Title       string
	Description string
	Caller      Caller
	Address     string
	Lng, Lat    float64 // both zero when the place is given only as an address
	Urgency     Urgency
	Attachments []string
}

// Validate checks everything about the intake that needs no lookup, naming the first wrong field,
// and returns it with text trimmed. Lines, categories and the point's grid are checked by the caller.
func (in Intake) Validate() (Intake, error) {
	var err error
	if err = oneOf("channel", in.Channel, Channels); err != nil {
		return in, err
	}
	if in.LineCode == "" {
		in.LineCode = MainLine
	}
	if err = oneOf("type", in.Type, RequestTypes); err != nil {
		return in, err
	}
	if in.Urgency == "" {
		in.Urgency = UrgencyNormal
	}
	if err = oneOf("urgency", in.Urgency, Urgencies); err != nil {
		return in, err
	}
	if strings.TrimSpace(in.Category) == "" {
		return in, fieldErr("category", "required")
	}
	if in.Title, err = cleanText("title", in.Title, MaxTitle, true); err != nil {
		return in, err
	}
	if in.Description, err = cleanText("description", in.Description, MaxDescription, true); err != nil {
		return in, err
	}
	if in.Address, err = cleanText("address", in.Address, MaxAddress, false); err != nil {
		return in, err
	}
	if in.Caller, err = in.Caller.validate(); err != nil {
		return in, err
	}
	if in.Lng != 0 || in.Lat != 0 {
		switch {
		case math.IsNaN(in.Lat) || in.Lat < -90 || in.Lat > 90:
			return in, fieldErr("lat", "must lie between -90 and 90")
		case math.IsNaN(in.Lng) || in.Lng < -180 || in.Lng > 180:
			return in, fieldErr("lng", "must lie between -180 and 180")
		}
	}
	if len(in.Attachments) > MaxAttachments {
		return in, fieldErr("attachments", "at most %d files", MaxAttachments)
	}
	return in, nil
}

// MainLine is 12345 itself, for matters that came in on no merged hotline.
const MainLine = "12345"

// MaxAttachments bounds the files on one intake or action.
const MaxAttachments = 9

func (c Caller) validate() (Caller, error) {
	var err error
	if c.Anonymous {
		// An anonymous caller leaves nothing that identifies them, even by mistake.
		return Caller{Anonymous: true, Confidential: c.Confidential}, nil
	}
	if c.Name, err = cleanText("caller.name", c.Name, MaxName, false); err != nil {
		return c, err
	}
	c.Phone = strings.TrimSpace(c.Phone)
	if c.Phone != "" {
		if err := access.ValidatePhone(c.Phone); err != nil {
			return c, fieldErr("caller.phone", "want an 11-digit mobile number or a landline with its area code")
		}
	}
	c.IDNumber = strings.ToUpper(strings.TrimSpace(c.IDNumber))
	if c.IDNumber != "" && !ValidIDNumber(c.IDNumber) {
		return c, fieldErr("caller.id_number", "not a valid 18-digit resident ID number")
	}
	return c, nil
}

// ValidIDNumber checks an 18-digit resident identity number and its GB 11643 check digit.
func ValidIDNumber(id string) bool {
	if len(id) != 18 {
		return false
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		d := id[i]
		if d < '0' || d > '9' {
			return false
		}
		sum += int(d-'0') * weights[i]
	}
	return id[17] == "10X98765432"[sum%11]
}
