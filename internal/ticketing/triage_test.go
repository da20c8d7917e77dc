package ticketing_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/police110"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/triage"
	"github.com/cityline/cityline/internal/workorder"
)

// TestTriageAfterIntake takes orders in and runs the outbox records intake leaves: an order under a
// rule that allows it is dispatched by triage, with the rule and reasons kept; a police matter waits
// for a person; a repeated record changes nothing.
func TestTriageAfterIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		if _, err := st.CreateDispatchRules(ctx, audit.System, []routing.Rule{{Name: "路灯", Categories: []string{"0101"},
			LeadUnitID: w.units["LIGHT"].ID, Active: true, AutoDispatch: true}}); err != nil {
			t.Fatal(err)
		}
		run := func(ticket workorder.Ticket) {
			t.Helper()
			payload, _ := json.Marshal(map[string]string{"ticket_id": ticket.ID})
			if err := w.svc.TriageHandler()(ctx, outbox.Claimed{ID: "r", Topic: ticketing.TriageTopic, Key: ticket.ID, Payload: payload}); err != nil {
				t.Fatal(err)
			}
		}
		a := w.actor["agent"]
		lamp, _, err := w.svc.Create(ctx, a, intake("路灯不亮"), ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		run(lamp)
		got, err := st.Ticket(ctx, lamp.ID)
		if err != nil || got.Status != workorder.StatusDispatched || got.LeadUnitID != w.units["LIGHT"].ID {
			t.Fatalf("after triage: status %s lead %s (%v); want dispatched to the lights", got.Status, got.LeadUnitID, err)
		}
		r, rec, err := w.svc.TriageOf(ctx, w.actor["dispatcher"], lamp.Number)
		if err != nil || !rec.Auto || r.Route == nil || r.Route.RuleName != "路灯" || len(r.Route.Reasons) == 0 {
			t.Fatalf("kept triage: %+v %+v (%v)", r, rec, err)
		}
		_, events, _ := w.svc.Timeline(ctx, w.actor["dispatcher"], lamp.ID)
		if last := events[len(events)-1]; last.Action != workorder.ActDispatch || last.Actor != "triage" {
			t.Errorf("the dispatch step: %+v, want one by triage", last)
		}
		run(lamp) // a repeated record
		if again, _ := st.Ticket(ctx, lamp.ID); again.Version != got.Version {
			t.Errorf("a repeated triage record changed the order: version %d → %d", got.Version, again.Version)
		}

		fight := intake("路灯下有人打架")
		fight.Description = "路灯下面现在有人正在打架，快来人"
		brawl, _, err := w.svc.Create(ctx, a, fight, ticketing.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		run(brawl)
		if got, _ := st.Ticket(ctx, brawl.ID); got.Status != workorder.StatusNew {
			t.Errorf("a police matter was dispatched: %s", got.Status)
		}
		r, rec, err = w.svc.TriageOf(ctx, w.actor["dispatcher"], brawl.ID)
		if err != nil || rec.Auto || !slices.Contains(r.Human, triage.HumanPolice) || !r.Police.Urgent {
			t.Errorf("police matter triage: %+v %+v (%v)", r, rec, err)
		}

		// The call-taker takes the offer: the order leaves for the 110 centre through the outbox.
		if _, err := w.svc.Act(ctx, a, brawl.ID, workorder.Command{Action: workorder.ActTransfer110, Comment: "涉及治安警情"}); err != nil {
			t.Fatal(err)
		}
		transfers, err := st.Claim(ctx, "test", []string{police110.Topic}, 10, time.Minute)
		if err != nil || len(transfers) != 1 || transfers[0].Key != "transfer/"+brawl.Number {
			t.Fatalf("110 transfers queued: %+v (%v), want the brawl's", transfers, err)
		}
		var sent police110.Transfer
		if err := json.Unmarshal(transfers[0].Payload, &sent); err != nil || sent.Reason != "涉及治安警情" || sent.CallerPhone == "" {
			t.Errorf("the transfer for 110: %+v (%v)", sent, err)
		}

		if _, err := w.svc.Suggest(ctx, w.actor["light"], triage.Input{Title: "路灯"}); err == nil {
			t.Error("a unit handler was given triage suggestions")
		}
		s, err := w.svc.Suggest(ctx, a, triage.Input{Title: "路灯不亮", Category: "0101", Lng: 106.25, Lat: 39.5})
		if err != nil || s.PlaceCode != "150302001001001" || s.Route == nil {
			t.Errorf("suggest: %+v (%v)", s, err)
		}
		if _, _, err := w.svc.TriageOf(ctx, w.actor["light"], brawl.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another unit read the triage of an order it cannot see: %v", err)
		}
	})
}
