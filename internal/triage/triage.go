// Package triage is real-time routing (实时分流): for a new request it suggests the category and the
// request type, finds the place from the address, picks the unit from the dispatch catalogue, looks
// for duplicates, and recognises police matters and matters that belong elsewhere. Every suggestion
// says why; when anything is unsure the order goes to a person, and only a confident, uncontested
// suggestion under a rule that allows it is dispatched without one.
package triage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/classify"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/workorder"
)

// Predictor suggests a label for a request's text (internal/classify.Model).
type Predictor interface {
	Predict(title, body string) classify.Prediction
}

// Deps are where triage reads what it needs. Nil predictors or matcher leave that part to people.
type Deps struct {
	Categories func(ctx context.Context) (*category.Tree, error)
	// CategoryModel predicts category codes; TypeModel request types.
	CategoryModel, TypeModel Predictor
	Addresses                func(ctx context.Context) (*gazetteer.Matcher, error)
	Rules                    func(ctx context.Context) (*routing.Catalogue, error)
	// StreetOffice is the unit of the street or town whose 9-digit code is given (ErrNoOffice when
	// it has none), for territorial rules.
	StreetOffice func(ctx context.Context, streetCode string) (string, error)
	Candidates   func(ctx context.Context, q CandidateQuery) ([]Report, error)
}

// ErrNoOffice means a street or town has no unit to send territorial matters to.
var ErrNoOffice = errors.New("the street has no office unit")

// Input is a request as triage sees it: what a person typed and chose so far.
type Input struct {
	TicketID    string // the order itself, when it exists, so that it is not its own duplicate
	Title       string
	Description string
	Address     string
	// Category and Type as chosen by a person; empty leaves them to the classifier.
	Category string
	Type     workorder.RequestType
	// PlaceCode is the grid the order's point lies in, when it has one.
	PlaceCode   string
	Lng, Lat    float64
	CallerPhone string
	At          time.Time
}

// Why a person must decide.
const (
	HumanCategory   = "category_unsure" // the classifier is not sure and nobody chose
	HumanPlace      = "place_unknown"   // a rule needs the place and neither point nor address gave it
	HumanNoRule     = "no_rule"         // the dispatch catalogue has no rule for the matter
	HumanManualRule = "rule_manual"     // the rule asks for a person
	HumanPolice     = "police"          // it looks like a matter for 110
	HumanReferral   = "referral"        // it belongs to another channel (courts, petitions …)
	HumanDuplicate  = "duplicate"       // it may be a duplicate: merge or not is a person's call
)

// Route is the unit suggested to lead the order, and why.
type Route struct {
	LeadUnitID string           `json:"lead_unit_id"`
	CoUnitIDs  []string         `json:"co_unit_ids,omitempty"`
	RuleID     string           `json:"rule_id"`
	RuleName   string           `json:"rule_name"`
	Reasons    []routing.Reason `json:"reasons"`
	// Territorial is set when the rule sent the order to the office of its street (直派).
	Territorial bool `json:"territorial,omitempty"`
}

// Result is triage's suggestion for one request.
type Result struct {
	Categories []classify.Scored `json:"categories,omitempty"` // the classifier's top three
	Types      []classify.Scored `json:"types,omitempty"`
	// Category is the one routed by: the person's choice, else the classifier's confident top label.
	Category        string                `json:"category,omitempty"`
	CategoryByModel bool                  `json:"category_by_model,omitempty"`
	Type            workorder.RequestType `json:"type,omitempty"`
	Address         *gazetteer.Match      `json:"address,omitempty"`
	// PlaceCode is the place routed by: the point's grid, else the confident address match's.
	PlaceCode  string      `json:"place_code,omitempty"`
	Route      *Route      `json:"route,omitempty"`
	Duplicates []Duplicate `json:"duplicates,omitempty"`
	Police     PoliceMatch `json:"police"`
	Referral   *Referral   `json:"referral,omitempty"`
	// Human lists why a person must decide; empty with Auto set means the order may go at once.
	Human []string      `json:"human,omitempty"`
	Auto  bool          `json:"auto"`
	Took  time.Duration `json:"took_ns"`
}

// MaxText bounds what triage reads of a request: long enough for any real description.
const MaxText = 4000

// Triage suggests what to do with a request. Odd input (empty, emoji, another language, very long)
// gives a result that sends the order to a person, never an error; errors are the sources' failures.
func Triage(ctx context.Context, d Deps, in Input) (Result, error) {
	start := time.Now()
	in.Title, in.Description, in.Address = clip(in.Title), clip(in.Description), clip(in.Address)
	text := in.Title + "\n" + in.Description + "\n" + in.Address
	r := Result{Police: RecognisePolice(text), Category: in.Category, Type: in.Type, PlaceCode: in.PlaceCode}
	if ref, ok := Refer(text); ok {
		r.Referral = &ref
	}
	if d.CategoryModel != nil {
		p := d.CategoryModel.Predict(in.Title, in.Description)
		r.Categories = p.Top
		if r.Category == "" && p.Confident {
			r.Category, r.CategoryByModel = p.Label(), true
		}
	}
	if d.TypeModel != nil {
		p := d.TypeModel.Predict(in.Title, in.Description)
		r.Types = p.Top
		if r.Type == "" && p.Confident {
			r.Type = workorder.RequestType(p.Label())
		}
	}
	if in.Address != "" && d.Addresses != nil {
		m, err := d.Addresses(ctx)
		if err != nil {
			return r, err
		}
		match := m.Match(in.Address)
		r.Address = &match
		if r.PlaceCode == "" && match.Confident {
			r.PlaceCode = match.Place
		}
	}
	var tree *category.Tree
	if d.Categories != nil && r.Category != "" {
		var err error
		if tree, err = d.Categories(ctx); err != nil {
			return r, err
		}
		if err := route(ctx, d, tree, in, &r, text); err != nil {
			return r, err
		}
	}
	if d.Candidates != nil && r.Category != "" {
		me := Report{ID: in.TicketID, Category: r.Category, Title: in.Title, Description: in.Description, Address: in.Address,
			Lng: in.Lng, Lat: in.Lat, PlaceCode: r.PlaceCode, CallerPhone: in.CallerPhone, At: in.At}
		q := CandidatesFor(me, 0)
		if tree != nil && q.CategoryGroup != "" {
			q.Categories = tree.Subtree(q.CategoryGroup)
		}
		candidates, err := d.Candidates(ctx, q)
		if err != nil {
			return r, err
		}
		r.Duplicates = FindDuplicates(me, candidates)
	}
	r.decide()
	r.Took = time.Since(start)
	return r, nil
}

// route picks the unit from the dispatch catalogue.
func route(ctx context.Context, d Deps, tree *category.Tree, in Input, r *Result, text string) error {
	if d.Rules == nil {
		return nil
	}
	rules, err := d.Rules(ctx)
	if err != nil {
		return err
	}
	var path []string
	for _, c := range tree.Path(r.Category) {
		path = append(path, c.Code)
	}
	if len(path) == 0 {
		r.Category = "" // a code the catalogue does not know (an old model): a person chooses
		return nil
	}
	dec, ok := rules.Route(routing.Order{CategoryPath: path, PlaceCode: r.PlaceCode, Type: r.Type, Text: text, At: in.At})
	if !ok {
		return nil
	}
	rt := &Route{LeadUnitID: dec.LeadUnitID, CoUnitIDs: dec.CoUnitIDs, RuleID: dec.Rule.ID, RuleName: dec.Rule.Name, Reasons: dec.Reasons}
	if dec.Rule.Territory == routing.TerritoryStreet {
		if d.StreetOffice == nil {
			return nil
		}
		unit, err := d.StreetOffice(ctx, r.PlaceCode[:9])
		if errors.Is(err, ErrNoOffice) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("street office of %s: %w", r.PlaceCode[:9], err)
		}
		rt.LeadUnitID, rt.Territorial = unit, true
	}
	r.Route = rt
	r.Auto = dec.Rule.AutoDispatch
	return nil
}

// decide lists why a person must decide and clears Auto when there is any reason.
func (r *Result) decide() {
	add := func(why string) { r.Human = append(r.Human, why) }
	switch {
	case r.Category == "":
		add(HumanCategory)
	case r.Route == nil && r.PlaceCode == "":
		add(HumanPlace)
	case r.Route == nil:
		add(HumanNoRule)
	case !r.Auto:
		add(HumanManualRule)
	}
	if r.Police.Found() {
		add(HumanPolice)
	}
	if r.Referral != nil {
		add(HumanReferral)
	}
	if len(r.Duplicates) > 0 {
		add(HumanDuplicate)
	}
	r.Auto = r.Auto && len(r.Human) == 0
}

// clip keeps at most MaxText characters of s, cut at a rune boundary.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= MaxText {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxText {
			return s[:i]
		}
		n++
	}
	return s
}
