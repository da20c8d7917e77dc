package ui

import (
	"math"
	"net/http"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/triage"
	"github.com/cityline/cityline/internal/workorder"
)

// The call desk's triage panel: as the agent types, the three likeliest categories with their
// confidence, the unit the dispatch catalogue would send the order to and why, earlier orders it may
// duplicate, and a warning when the matter belongs to 110 or to another channel.
func init() {
	areas = append(areas, area{register: func(u *UI, mux *http.ServeMux) {
		mux.HandleFunc("GET /desk/intake/triage", u.signedIn(u.triageSuggestions))
	}})
}

// Names of what triage reports, for people.
var (
	policeKeys = map[triage.PoliceKind]string{triage.PoliceCrime: "triage.police.crime", triage.PoliceOrder: "triage.police.public_order",
		triage.PoliceTraffic: "triage.police.traffic", triage.PoliceDanger: "triage.police.danger"}
	humanKeys = map[string]string{triage.HumanCategory: "triage.human.category_unsure", triage.HumanPlace: "triage.human.place_unknown",
		triage.HumanNoRule: "triage.human.no_rule", triage.HumanManualRule: "triage.human.rule_manual", triage.HumanPolice: "triage.human.police",
		triage.HumanReferral: "triage.human.referral", triage.HumanDuplicate: "triage.human.duplicate"}
	reasonKeys = map[string]string{"category": "triage.reason.category", "region": "triage.reason.region", "type": "triage.reason.type",
		"keyword": "triage.reason.keyword", "default": "triage.reason.default"}
)

type triageConsoleData struct {
	frame
	Typed      bool
	Categories []triageCategory
	Unit, Rule string
	Reasons    []string // keys of the conditions that chose the rule
	Police     string   // the kind's key, "" when none
	Terms      []string // the words that betray a police matter
	Urgent     bool
	Referral   *triage.Referral
	Duplicates []triage.Duplicate
	Human      []string // keys of why a person decides
}

type triageCategory struct {
	Code, Path string
	Percent    int
}

// triageSuggestions answers the panel, for htmx.
func (u *UI) triageSuggestions(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if !takesCalls(a) {
		u.notFound(w, r)
		return
	}
	q := r.URL.Query()
	in := triage.Input{Title: q.Get("title"), Description: q.Get("description"), Address: q.Get("address"),
		Category: q.Get("category"), Type: workorder.RequestType(q.Get("type")), CallerPhone: q.Get("caller_phone")}
	// The most precise place chosen on the form: it routes, and it narrows the duplicates.
	for _, level := range []string{"grid", "community", "street", "district"} {
		if code := q.Get(level); code != "" && len(code) <= 15 && strings.Trim(code, "0123456789") == "" {
			in.PlaceCode = code
			break
		}
	}
	d := triageConsoleData{frame: u.frame(r), Typed: strings.TrimSpace(in.Title+in.Description) != ""}
	if !d.Typed {
		u.fragment(w, r, http.StatusOK, "triage-suggest", d)
		return
	}
	res, err := u.tickets.Suggest(r.Context(), a, in)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	n, ok := u.namesOr(w, r)
	if !ok {
		return
	}
	for _, c := range res.Categories {
		d.Categories = append(d.Categories, triageCategory{Code: c.Label, Path: n.category(c.Label), Percent: int(math.Round(c.Confidence * 100))})
	}
	if rt := res.Route; rt != nil {
		d.Unit, d.Rule = n.unit(rt.LeadUnitID), rt.RuleName
		for _, why := range rt.Reasons {
			d.Reasons = append(d.Reasons, reasonKeys[why.Kind])
		}
	}
	if res.Police.Found() {
		d.Police, d.Terms, d.Urgent = policeKeys[res.Police.Kind], res.Police.Terms, res.Police.Urgent
	}
	d.Referral, d.Duplicates = res.Referral, res.Duplicates
	for _, h := range res.Human {
		d.Human = append(d.Human, humanKeys[h])
	}
	u.fragment(w, r, http.StatusOK, "triage-suggest", d)
}
