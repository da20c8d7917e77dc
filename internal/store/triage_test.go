package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/triage"
	"github.com/cityline/cityline/internal/workorder"
)

func TestTriageStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		storetest.TinyCity(t, st)
		if code, err := st.CityCode(ctx); err != nil || code != "150300" {
			t.Errorf("city: %q, %v", code, err)
		}
		office, err := st.CreateUnit(ctx, audit.System, org.Unit{Code: "ST-1", Name: "街道办", Kind: org.UnitStreet, PlaceCode: "150302001"})
		if err != nil {
			t.Fatal(err)
		}
		if id, err := st.StreetOffice(ctx, "150302001"); err != nil || id != office.ID {
			t.Errorf("street office: %q, %v", id, err)
		}
		if _, err := st.StreetOffice(ctx, "150303001"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a street without an office: %v", err)
		}

		if _, _, err := st.Classifier(ctx, "category"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no model yet: %v", err)
		}
		model := bytes.Repeat([]byte{0, 1, 2, 255}, 1000)
		if err := st.SaveClassifier(ctx, audit.System, "category", model, 10); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveClassifier(ctx, audit.System, "category", append(model, 7), 11); err != nil {
			t.Fatal(err)
		}
		if got, _, err := st.Classifier(ctx, "category"); err != nil || !bytes.Equal(got, append(model, 7)) {
			t.Errorf("stored model: %d bytes, %v", len(got), err)
		}

		if err := st.ImportCategories(ctx, audit.System, []category.Category{{Code: "02", Name: "市政", Level: 1, Active: true},
			{Code: "0203", Name: "照明", ParentCode: "02", Level: 2, Active: true}, {Code: "020301", Name: "路灯", ParentCode: "0203", Level: 3, Active: true},
			{Code: "0204", Name: "排水", ParentCode: "02", Level: 2, Active: true}}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		made := map[string]workorder.Ticket{}
		for name, o := range map[string]struct {
			phone, place, cat string
			ago               time.Duration
		}{
			"same-caller":    {"13800000001", "150303001001001", "0204", 10 * 24 * time.Hour},
			"caller-too-old": {"13800000001", "150303001001001", "0204", 40 * 24 * time.Hour},
			"same-street":    {"13900000009", "150302001001002", "020301", 2 * 24 * time.Hour},
			"street-too-old": {"13900000009", "150302001001002", "020301", 9 * 24 * time.Hour},
			"other-group":    {"13900000009", "150302001001002", "0204", time.Hour},
			"other-street":   {"13900000009", "150303001001001", "020301", time.Hour},
		} {
			tk := workorder.Ticket{Channel: workorder.ChannelPhone, LineCode: workorder.MainLine, Type: workorder.TypeComplaint,
				Category: o.cat, Title: name, Description: name, Caller: workorder.Caller{Phone: o.phone}, Urgency: workorder.UrgencyNormal,
				Location: workorder.Location{PlaceCode: o.place}, Status: workorder.StatusNew, CreatedBy: "t", CreatedAt: at.Add(-o.ago), UpdatedAt: at.Add(-o.ago)}
			created, _, err := st.CreateTicket(ctx, audit.System, store.NewTicket{Ticket: tk, Event: workorder.Event{At: tk.CreatedAt,
				Action: workorder.ActCreate, To: workorder.StatusNew, Actor: "t"}, NumberPrefix: "WH"})
			if err != nil {
				t.Fatal(err)
			}
			made[name] = created
		}
		got, err := st.DuplicateCandidates(ctx, triage.CandidateQuery{CallerPhone: "13800000001", StreetCode: "150302001", CategoryGroup: "0203", Categories: []string{"0203", "020301"}, At: at})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, r := range got {
			titles = append(titles, r.Title)
		}
		if len(got) != 2 || !(titles[0] == "same-caller" && titles[1] == "same-street") {
			t.Errorf("candidates %v, want same-caller then same-street", titles)
		}

		onlyCaller, err := st.DuplicateCandidates(ctx, triage.CandidateQuery{CallerPhone: "13800000001", StreetCode: "150302001", CategoryGroup: "0203", At: at})
		if err != nil || len(onlyCaller) != 1 || onlyCaller[0].Title != "same-caller" {
			t.Errorf("without the group's categories only the caller's orders are candidates: %+v (%v)", onlyCaller, err)
		}

		rec := store.TriageRecord{TicketID: made["same-street"].ID, Result: `{"auto":true}`, Auto: true, RuleID: "r1", At: at}
		if err := st.SaveTriage(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Result, rec.Auto = `{"auto":false}`, false
		if err := st.SaveTriage(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if back, err := st.Triage(ctx, rec.TicketID); err != nil || back != rec {
			t.Errorf("triage record: %+v, %v; want %+v", back, err, rec)
		}
		if _, err := st.Triage(ctx, made["other-group"].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an order never triaged: %v", err)
		}
	})
}
