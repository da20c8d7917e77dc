package ticketing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/classify"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/snapshot"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/triage"
	"github.com/cityline/cityline/internal/workorder"
)

// TriageTopic is the outbox topic under which every new order is triaged after it is taken in:
// intake stays as fast as a single insert, and a node that dies mid-triage leaves the record for
// another.
const TriageTopic = "triage.order"

// Names of the stored classifiers (store.SaveClassifier).
const (
	CategoryModel = "category"
	TypeModel     = "type"
)

// triageReload is how long this node uses its copies of the dispatch rules, the address list and the
// classifiers before reading them again.
const triageReload = 10 * time.Second

// triageParts are this node's copies of what triage reads.
type triageParts struct {
	rules     *snapshot.Of[*routing.Catalogue]
	models    *snapshot.Of[triageModels]
	addresses *gazetteer.Cache
	city      *snapshot.Of[string]
}

type triageModels struct {
	category, typ *classify.Model // nil when none is stored
	trained       map[string]time.Time
}

func newTriageParts(st *store.Store) *triageParts {
	return &triageParts{
		rules: snapshot.New("dispatch rules", triageReload, func(ctx context.Context) (*routing.Catalogue, error) {
			rules, err := st.DispatchRules(ctx)
			return routing.NewCatalogue(rules), err
		}),
		models:    newModelsSnapshot(st),
		addresses: gazetteer.NewCache(st, triageReload),
		city: snapshot.New("city", time.Hour, func(ctx context.Context) (string, error) {
			return st.CityCode(ctx)
		}),
	}
}

// newModelsSnapshot keeps this node's classifiers, reading a model again only when a newer one was
// stored: a model is megabytes, its training time a few bytes.
func newModelsSnapshot(st *store.Store) *snapshot.Of[triageModels] {
	var last triageModels // read and written by one load at a time: the snapshot serialises them
	return snapshot.New("classifiers", triageReload, func(ctx context.Context) (triageModels, error) {
		versions, err := st.ClassifierVersions(ctx)
		if err != nil {
			return last, err
		}
		next := triageModels{trained: versions}
		for _, m := range []struct {
			name string
			into **classify.Model
			old  *classify.Model
		}{{CategoryModel, &next.category, last.category}, {TypeModel, &next.typ, last.typ}} {
			at, stored := versions[m.name]
			switch {
			case !stored:
			case m.old != nil && at.Equal(last.trained[m.name]):
				*m.into = m.old
			default:
				if *m.into, err = loadClassifier(ctx, st, m.name); err != nil {
					return last, err
				}
			}
		}
		last = next
		return next, nil
	})
}

// loadClassifier reads and parses a stored model.
func loadClassifier(ctx context.Context, st *store.Store, name string) (*classify.Model, error) {
	data, _, err := st.Classifier(ctx, name)
	if err != nil {
		return nil, err
	}
	m, err := classify.ReadModel(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("classifier %s: %w", name, err)
	}
	return m, nil
}

// RefreshTriage makes the next triage read the rules and models again, after this node changed them.
func (s *Service) RefreshTriage() {
	s.triage.rules.Expire()
	s.triage.models.Expire()
}

// deps wires triage to this node's copies and to the store.
func (s *Service) deps(ctx context.Context) (triage.Deps, error) {
	models, err := s.triage.models.Get(ctx)
	if err != nil {
		return triage.Deps{}, err
	}
	d := triage.Deps{
		Categories: s.catalogue.Get,
		Rules:      s.triage.rules.Get,
		Addresses:  s.triage.addresses.Matcher,
		StreetOffice: func(ctx context.Context, street string) (string, error) {
			id, err := s.st.StreetOffice(ctx, street)
			if errors.Is(err, store.ErrNotFound) {
				return "", triage.ErrNoOffice
			}
			return id, err
		},
		Candidates: s.st.DuplicateCandidates,
	}
	if models.category != nil {
		d.CategoryModel = models.category
	}
	if models.typ != nil {
		d.TypeModel = models.typ
	}
	return d, nil
}

// canTriage lists who may ask for suggestions: those who take in and dispatch orders.
func canTriage(a access.Actor) bool { return canCreate(a) }

// Suggest triages text that has not become an order yet: the agent console asks as the call is
// typed, and administrators try rules on sample text.
func (s *Service) Suggest(ctx context.Context, a access.Actor, in triage.Input) (triage.Result, error) {
	if !canTriage(a) && !a.Has(access.RoleAdmin) {
		return triage.Result{}, fmt.Errorf("%w: %s may not ask for triage", access.ErrForbidden, a.Username)
	}
	if in.At.IsZero() {
		in.At = s.now()
	}
	if in.PlaceCode == "" && (in.Lng != 0 || in.Lat != 0) {
		if chain, err := s.loc.Locate(ctx, in.Lng, in.Lat); err == nil {
			in.PlaceCode = chain[0].Code
		}
	}
	d, err := s.deps(ctx)
	if err != nil {
		return triage.Result{}, err
	}
	return triage.Triage(ctx, d, in)
}

// TriageOf returns the suggestion kept for an order the actor may see.
func (s *Service) TriageOf(ctx context.Context, a access.Actor, idOrNumber string) (triage.Result, store.TriageRecord, error) {
	t, err := s.Get(ctx, a, idOrNumber)
	if err != nil {
		return triage.Result{}, store.TriageRecord{}, err
	}
	rec, err := s.st.Triage(ctx, t.ID)
	if err != nil {
		return triage.Result{}, rec, err
	}
	var r triage.Result
	if err := json.Unmarshal([]byte(rec.Result), &r); err != nil {
		return r, rec, fmt.Errorf("triage of %s: %w", t.Number, err)
	}
	return r, rec, nil
}

// triageRecord is the outbox record that has a new order triaged.
func triageRecord(t workorder.Ticket) outbox.Record {
	payload, _ := json.Marshal(map[string]string{"ticket_id": t.ID})
	return outbox.Record{Topic: TriageTopic, Key: t.ID, Payload: payload}
}

// TriageHandler triages the order an outbox record names, keeps the suggestion, and dispatches the
// order when the suggestion allows it and the order still waits for dispatch. Handling a record
// twice is harmless: the suggestion is replaced, and a dispatched order is not dispatched again.
func (s *Service) TriageHandler() outbox.Handler {
	return func(ctx context.Context, c outbox.Claimed) error {
		var p struct {
			TicketID string `json:"ticket_id"`
		}
		if err := json.Unmarshal(c.Payload, &p); err != nil || p.TicketID == "" {
			return outbox.Permanent(fmt.Errorf("triage record %s: bad payload", c.ID))
		}
		return s.triageOrder(ctx, p.TicketID)
	}
}

func (s *Service) triageOrder(ctx context.Context, ticketID string) error {
	if _, err := s.st.Triage(ctx, ticketID); err == nil {
		return nil // triaged before: a repeat of the record changes nothing
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	t, err := s.st.Ticket(ctx, ticketID)
	if errors.Is(err, store.ErrNotFound) {
		return outbox.Permanent(err)
	}
	if err != nil {
		return err
	}
	d, err := s.deps(ctx)
	if err != nil {
		return err
	}
	r, err := triage.Triage(ctx, d, triage.Input{TicketID: t.ID, Title: t.Title, Description: t.Description, Address: t.Location.Address,
		Category: t.Category, Type: t.Type, PlaceCode: t.Location.PlaceCode, Lng: t.Location.Lng, Lat: t.Location.Lat,
		CallerPhone: t.Caller.Phone, At: t.CreatedAt})
	if err != nil {
		return err
	}
	auto := r.Auto && t.Status == workorder.StatusNew
	if auto {
		auto, err = s.autoDispatch(ctx, t, r)
		if err != nil {
			return err
		}
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	rec := store.TriageRecord{TicketID: t.ID, Result: string(data), Auto: auto, At: s.now().UTC()}
	if r.Route != nil {
		rec.RuleID = r.Route.RuleID
	}
	return s.st.SaveTriage(ctx, rec)
}

// autoDispatch dispatches t as triage suggested, as the system dispatcher. Someone who acted on the
// order first wins: a version conflict or a status that no longer allows dispatch leaves it be.
func (s *Service) autoDispatch(ctx context.Context, t workorder.Ticket, r triage.Result) (bool, error) {
	city, err := s.triage.city.Get(ctx)
	if err != nil {
		return false, err
	}
	level, err := org.LevelOfCode(city)
	if err != nil {
		return false, err
	}
	system := access.Actor{UserID: "system", Username: "triage", Roles: []access.Role{access.RoleDispatcher},
		ScopeCode: org.ScopePrefix(city, level), RemoteAddr: "triage"}
	_, err = s.Act(ctx, system, t.ID, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: r.Route.LeadUnitID,
		CoUnitIDs: r.Route.CoUnitIDs, Version: t.Version, Comment: "自动派单：" + r.Route.RuleName})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrConflict), errors.Is(err, workorder.ErrIllegal):
		slog.Info("triage: order changed before auto-dispatch", "ticket", t.Number, "err", err)
		return false, nil
	}
	return false, err
}
