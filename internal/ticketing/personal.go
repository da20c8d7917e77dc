package ticketing

import (
	"context"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/workorder"
)

// The rules for showing a caller live here, once, so that the API, the pages and every export mask
// alike: no edge decides on its own who sees a phone number.

// CallerFor is the caller of an order as the viewer may see it. A confidential order (保密) shows units
// nothing but the flag; otherwise the details come in full when full is asked for and the policy lets
// the viewer see personal data where the order is, and masked in every other case. A view that shows
// them in full must record the read with RecordCallerRead.
func CallerFor(a access.Actor, t workorder.Ticket, full bool) workorder.Caller {
	c := t.Caller
	switch {
	case c.Confidential && workorder.PartOf(a, t) != workorder.Centre:
		return workorder.Caller{Confidential: true}
	case full && mayReadCaller(a, t):
		return c
	}
	return workorder.Caller{Name: maskIf(c.Name, access.MaskName), Phone: maskIf(c.Phone, access.MaskPhone),
		IDNumber: maskIf(c.IDNumber, access.MaskIDNumber), Confidential: c.Confidential, Anonymous: c.Anonymous}
}

// ShowsQueryCode tells whether the viewer may see the order's query code: the centre reads it out to
// the caller and machine clients hand it on; units never need it.
func ShowsQueryCode(a access.Actor, t workorder.Ticket) bool {
	return workorder.PartOf(a, t) == workorder.Centre || a.Has(access.RoleMachine)
}

// mayReadCaller tells whether CallerFor would show the caller in full when asked.
func mayReadCaller(a access.Actor, t workorder.Ticket) bool {
	if t.Caller.Confidential && workorder.PartOf(a, t) != workorder.Centre {
		return false
	}
	return access.Allow(a, access.ActionViewPersonalData, access.Target{PlaceCode: t.Location.PlaceCode}) == nil
}

// RecordCallerRead writes to the audit log that the viewer saw the order's caller in full, when a
// full view (CallerFor with full) shows anything personal to this viewer; otherwise it records nothing.
func (s *Service) RecordCallerRead(ctx context.Context, a access.Actor, t workorder.Ticket) error {
	if t.Caller.Phone == "" && t.Caller.IDNumber == "" && t.Caller.Name == "" {
		return nil
	}
	if !mayReadCaller(a, t) {
		return nil
	}
	return s.st.RecordRead(ctx, who(a), audit.Change{Action: "ticket.personal_read",
		ObjectType: "ticket", ObjectID: t.ID, Detail: map[string]any{"number": t.Number}})
}

func maskIf(v string, mask func(string) string) string {
	if v == "" {
		return ""
	}
	return mask(v)
}
