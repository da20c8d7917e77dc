package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

func TestDispatchRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := audit.Who{Actor: "admin"}
		storetest.TinyCity(t, st)
		if err := st.ImportCategories(ctx, audit.System, []category.Category{
			{Code: "02", Name: "市政设施", Level: 1, Active: true}, {Code: "0203", Name: "城市照明", ParentCode: "02", Level: 2, Active: true},
		}); err != nil {
			t.Fatal(err)
		}
		var units []org.Unit
		for _, u := range []org.Unit{
			{Code: "LIGHT", Name: "路灯所", Kind: org.UnitCityDepartment, PlaceCode: "150300"},
			{Code: "POWER", Name: "供电公司", Kind: org.UnitUtility, PlaceCode: "150300"},
		} {
			made, err := st.CreateUnit(ctx, audit.System, u)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, made)
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		want := routing.Rule{Name: "路灯", Categories: []string{"0203"}, RegionPrefix: "150302", Types: []workorder.RequestType{workorder.TypeComplaint},
			Keywords: []string{"不亮"}, LeadUnitID: units[0].ID, CoUnitIDs: []string{units[1].ID}, Priority: 3, EffectiveFrom: from,
			AutoDispatch: true, Active: true}
		made, err := st.CreateDispatchRules(ctx, admin, []routing.Rule{want, {Name: "属地", Territory: routing.TerritoryStreet, Active: true}})
		if err != nil {
			t.Fatal(err)
		}
		want.ID, want.Version = made[0].ID, 1
		got, err := st.DispatchRule(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("stored rule:\n got %+v (%v)\nwant %+v", got, err, want)
		}
		all, err := st.DispatchRules(ctx)
		if err != nil || len(all) != 2 || all[0].ID != want.ID {
			t.Fatalf("rules by priority: %+v, %v", all, err)
		}
		if all[1].Categories == nil || len(all[1].Categories) != 0 {
			t.Errorf("an empty list must come back empty: %#v", all[1].Categories)
		}

		// Bad rules name their field and store nothing, not even the good rules of the same batch.
		for field, bad := range map[string]routing.Rule{
			"lead_unit_id": {Name: "无此单位", LeadUnitID: "nope", Active: true},
			"co_unit_ids":  {Name: "无此协办", LeadUnitID: units[0].ID, CoUnitIDs: []string{"nope"}, Active: true},
			"categories":   {Name: "无此分类", Categories: []string{"0999"}, LeadUnitID: units[0].ID, Active: true},
			"name":         {LeadUnitID: units[0].ID},
		} {
			var fe *routing.FieldError
			if _, err := st.CreateDispatchRules(ctx, admin, []routing.Rule{{Name: "好规则", LeadUnitID: units[0].ID}, bad}); !errors.As(err, &fe) || fe.Field != field {
				t.Errorf("bad %s: err = %v", field, err)
			}
		}
		if all, _ := st.DispatchRules(ctx); len(all) != 2 {
			t.Fatalf("refused batches stored rules: %d rules", len(all))
		}

		edit := got
		edit.Priority, edit.Active = 7, false
		updated, err := st.UpdateDispatchRule(ctx, admin, edit)
		if err != nil || updated.Version != 2 {
			t.Fatalf("update: %+v, %v", updated, err)
		}
		if _, err := st.UpdateDispatchRule(ctx, admin, edit); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a stale edit: err = %v, want ErrConflict", err)
		}
		ghost := edit
		ghost.ID = "no-such-rule"
		if _, err := st.UpdateDispatchRule(ctx, admin, ghost); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown rule: err = %v, want ErrNotFound", err)
		}
		if again, _ := st.DispatchRule(ctx, want.ID); again.Priority != 7 || again.Active {
			t.Errorf("after the edit: %+v", again)
		}
		entries, err := st.AuditEntries(ctx, "dispatch_rule", want.ID, 5)
		if err != nil || len(entries) != 1 || entries[0].Action != "dispatch_rule.update" {
			t.Errorf("audit of the rule: %+v, %v", entries, err)
		}
		if batch, err := st.AuditEntries(ctx, "dispatch_rule", "batch", 5); err != nil || len(batch) != 1 {
			t.Errorf("audit of the first batch: %+v, %v", batch, err)
		}
	})
}
