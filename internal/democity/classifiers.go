package democity

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/classify"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/triage"
)

// TrainingExamples makes up n matters of the seeded demo city, labelled with their category and with
// their request type: what a city's own past orders would be for `cityline classify train`.
func TrainingExamples(ctx context.Context, st *store.Store, seed uint64, n int) (categories, types []classify.Example, err error) {
	w, err := loadWorld(ctx, st, seed)
	if err != nil {
		return nil, nil, err
	}
	at := time.Now()
	for i := range n {
		m := w.texts.Matter(at.Add(-time.Duration(i) * 7 * time.Minute))
		in := m.Intake
		categories = append(categories, classify.Example{Title: in.Title, Body: in.Description, Label: in.Category})
		types = append(types, classify.Example{Title: in.Title, Body: in.Description, Label: string(in.Type)})
	}
	return categories, types, nil
}

// TrainClassifiers trains the demo's category and request-type classifiers on n made-up matters
// and stores them under the names triage loads, so that it can suggest and auto-dispatch.
func TrainClassifiers(ctx context.Context, st *store.Store, seed uint64, n int) error {
	cats, types, err := TrainingExamples(ctx, st, seed, n)
	if err != nil {
		return err
	}
	for _, set := range []struct {
		name     string
		examples []classify.Example
	}{{ticketing.CategoryModel, cats}, {ticketing.TypeModel, types}} {
		m, err := classify.Train(set.examples, classify.Options{Seed: seed})
		if err != nil {
			return fmt.Errorf("train the %s classifier: %w", set.name, err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return fmt.Errorf("write the %s classifier: %w", set.name, err)
		}
		if err := st.SaveClassifier(ctx, audit.System, set.name, buf.Bytes(), len(set.examples)); err != nil {
			return err
		}
	}
	return nil
}

// NewOrders makes up n requests as they would reach triage at the given time: text, address, point
// and caller, with neither grid, category nor type chosen yet.
func NewOrders(ctx context.Context, st *store.Store, seed uint64, n int, at time.Time) ([]triage.Input, error) {
	w, err := loadWorld(ctx, st, seed)
	if err != nil {
		return nil, err
	}
	out := make([]triage.Input, n)
	for i := range out {
		m := w.texts.Matter(at)
		in := m.Intake
		out[i] = triage.Input{Title: in.Title, Description: in.Description, Address: in.Address,
			Lng: in.Lng, Lat: in.Lat, CallerPhone: in.Caller.Phone, At: at}
	}
	return out, nil
}
