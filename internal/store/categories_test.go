package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func categoryCodes(cats []category.Category) []string {
	out := make([]string, len(cats))
	for i, c := range cats {
		out[i] = c.Code
	}
	return out
}

func wantCategoryField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *category.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("err = %v, want a validation error naming %s", err, field)
	}
}

func TestCategoryLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		admin := audit.Who{Actor: "admin", RemoteAddr: "127.0.0.1"}
		if got, err := s.Categories(ctx, store.CategoryFilter{}); err != nil || len(got) != 0 {
			t.Fatalf("fresh store: %v, %v; want no categories", got, err)
		}

		city, err := s.CreateCategory(ctx, admin, category.Category{Code: "01", Name: "城市管理", Level: 1, Active: true, SortOrder: 1})
		if err != nil || city.Version != 1 {
			t.Fatalf("create root: %+v, %v", city, err)
		}
		lamp := category.Category{Name: "路灯不亮", ParentCode: "01", Active: true, Keywords: []string{"路灯", "不亮"},
			Attributes: []category.Attribute{{Code: "pole_number", Datatype: category.String, Description: "灯杆编号", Order: 1}}}
		lamp, err = s.CreateCategory(ctx, admin, lamp)
		if err != nil || lamp.Code != "0101" || lamp.Level != 2 {
			t.Fatalf("create with a code given by the store: %+v, %v; want code 0101 at level 2", lamp, err)
		}
		stored, err := s.Category(ctx, "0101")
		if err != nil || !reflect.DeepEqual(stored, lamp) {
			t.Fatalf("stored category differs:\n got %+v (%v)\nwant %+v", stored, err, lamp)
		}
		stall, err := s.CreateCategory(ctx, admin, category.Category{Name: "占道经营", ParentCode: "01", Active: true})
		if err != nil || stall.Code != "0102" {
			t.Fatalf("second child: %+v, %v; want 0102", stall, err)
		}

		// Refusals, each naming what is wrong; none of them stores anything.
		_, err = s.CreateCategory(ctx, admin, category.Category{Code: "01", Name: "重复", Level: 1, Active: true})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate code: err = %v, want ErrConflict", err)
		}
		_, err = s.CreateCategory(ctx, admin, category.Category{Name: "路灯不亮", ParentCode: "01", Active: true})
		wantCategoryField(t, err, "name")
		_, err = s.CreateCategory(ctx, admin, category.Category{Code: "0901", Name: "无上级", ParentCode: "09", Level: 2, Active: true})
		wantCategoryField(t, err, "parent")
		_, err = s.CreateCategory(ctx, admin, category.Category{Code: "0201", Name: "错位", ParentCode: "01", Level: 2, Active: true})
		wantCategoryField(t, err, "code")
		_, err = s.CreateCategory(ctx, admin, category.Category{Name: "", ParentCode: "01", Active: true})
		wantCategoryField(t, err, "name")
		if all, _ := s.Categories(ctx, store.CategoryFilter{}); len(all) != 3 {
			t.Fatalf("refused creates stored something: %v", categoryCodes(all))
		}

		// Move 0102 under a new root: the code stays, the parent changes, the version goes up.
		env, err := s.CreateCategory(ctx, admin, category.Category{Name: "市容环境", Active: true, SortOrder: 2})
		if err != nil || env.Code != "02" {
			t.Fatalf("new root: %+v, %v; want code 02", env, err)
		}
		moved := stall
		moved.ParentCode = "02"
		moved, err = s.UpdateCategory(ctx, admin, moved)
		if err != nil || moved.Version != 2 || moved.Code != "0102" {
			t.Fatalf("move: %+v, %v", moved, err)
		}
		if _, err := s.UpdateCategory(ctx, admin, stall); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale version: err = %v, want ErrConflict", err)
		}
		ghost := stall
		ghost.Code, ghost.Version = "0199", 1
		if _, err := s.UpdateCategory(ctx, admin, ghost); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown code: err = %v, want ErrNotFound", err)
		}
		clash := moved
		clash.Name, clash.ParentCode = "路灯不亮", "01"
		_, err = s.UpdateCategory(ctx, admin, clash)
		wantCategoryField(t, err, "name")

		// Codes are never reused: 0102 moved away, so the next child of 01 is 0103; the first child
		// of 02 is 0201.
		next, err := s.CreateCategory(ctx, admin, category.Category{Name: "违法建设", ParentCode: "01", Active: true})
		if err != nil || next.Code != "0103" {
			t.Fatalf("next under 01: %+v, %v; want 0103", next, err)
		}
		first, err := s.CreateCategory(ctx, admin, category.Category{Name: "小广告", ParentCode: "02", Active: true})
		if err != nil || first.Code != "0201" {
			t.Fatalf("first under 02: %+v, %v; want 0201", first, err)
		}

		// Retiring a parent hides its whole branch from pickers, but every category stays readable.
		city.Active = false
		if _, err := s.UpdateCategory(ctx, admin, city); err != nil {
			t.Fatalf("deactivate: %v", err)
		}
		usable, err := s.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
		if err != nil || !reflect.DeepEqual(categoryCodes(usable), []string{"02", "0102", "0201"}) {
			t.Fatalf("active only: %v, %v; want 02, 0102, 0201", categoryCodes(usable), err)
		}
		if c, err := s.Category(ctx, "0101"); err != nil || !c.Active {
			t.Fatalf("a child of a retired parent: %+v, %v", c, err)
		}
		children, err := s.Categories(ctx, store.CategoryFilter{ParentCode: "01"})
		if err != nil || !reflect.DeepEqual(categoryCodes(children), []string{"0101", "0103"}) {
			t.Fatalf("children of 01: %v, %v", categoryCodes(children), err)
		}
		roots, err := s.Categories(ctx, store.CategoryFilter{Level: 1})
		if err != nil || !reflect.DeepEqual(categoryCodes(roots), []string{"01", "02"}) {
			t.Fatalf("level 1: %v, %v", categoryCodes(roots), err)
		}
		if _, err := s.Category(ctx, "99"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown category: err = %v, want ErrNotFound", err)
		}

		entries, err := s.AuditEntries(ctx, "category", "0102", 10)
		if err != nil || len(entries) != 2 || entries[0].Action != "category.update" || entries[1].Action != "category.create" || entries[0].Actor != "admin" {
			t.Fatalf("audit of 0102: %+v, %v", entries, err)
		}
		if want := `{"active":true,"changed":["parent"],"name":"占道经营","parent":"02"}`; entries[0].Detail != want {
			t.Errorf("move audit detail = %s, want %s", entries[0].Detail, want)
		}
		if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 8 {
			t.Fatalf("audit chain: %d entries, break %v, err %v; want 8 intact", n, brk, err)
		}
	})
}

func TestImportCategories(t *testing.T) {
	demo, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.ImportCategories(ctx, audit.System, demo); err != nil {
			t.Fatalf("import demo: %v", err)
		}
		stored, err := s.Categories(ctx, store.CategoryFilter{})
		if err != nil || len(stored) != len(demo) {
			t.Fatalf("stored %d categories (%v), want %d", len(stored), err, len(demo))
		}
		byCode := map[string]category.Category{}
		for _, c := range stored {
			byCode[c.Code] = c
		}
		for _, want := range demo {
			want.Version = 1
			if got := byCode[want.Code]; !reflect.DeepEqual(got, want) {
				t.Fatalf("category %s comes back as\n%+v\nwant\n%+v", want.Code, got, want)
			}
		}

		// The same file again changes nothing: every version stays at 1.
		if err := s.ImportCategories(ctx, audit.System, demo); err != nil {
			t.Fatalf("re-import: %v", err)
		}
		if again, _ := s.Categories(ctx, store.CategoryFilter{}); slices.ContainsFunc(again, func(c category.Category) bool { return c.Version != 1 }) {
			t.Fatal("re-importing the same catalogue changed a version")
		}

		// A renamed category and a new leaf: one update, one create, the rest left alone.
		edited := slices.Clone(demo[:3])
		edited[2].Name = edited[2].Name + "（改）"
		edited = append(edited, category.Category{Code: edited[2].Code + "99", Name: "新增叶子", ParentCode: edited[2].Code,
			Level: edited[2].Level + 1, Active: true})
		if err := s.ImportCategories(ctx, audit.Who{Actor: "cli:ops", RemoteAddr: "local"}, edited); err != nil {
			t.Fatalf("partial import: %v", err)
		}
		renamed, err := s.Category(ctx, edited[2].Code)
		if err != nil || renamed.Name != edited[2].Name || renamed.Version != 2 {
			t.Fatalf("renamed category: %+v, %v; want the new name at version 2", renamed, err)
		}
		if all, _ := s.Categories(ctx, store.CategoryFilter{}); len(all) != len(demo)+1 {
			t.Fatalf("an import must never delete: %d categories, want %d", len(all), len(demo)+1)
		}

		// A bad batch is refused whole.
		orphan := category.Category{Code: "9901", Name: "孤儿", ParentCode: "99", Level: 2, Active: true}
		fresh := category.Category{Code: "98", Name: "新一级", Level: 1, Active: true}
		wantCategoryField(t, s.ImportCategories(ctx, audit.System, []category.Category{fresh, orphan}), "parent")
		wantCategoryField(t, s.ImportCategories(ctx, audit.System, []category.Category{fresh, fresh}), "code")
		if _, err := s.Category(ctx, "98"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused import stored 98: err = %v", err)
		}

		entries, err := s.AuditEntries(ctx, "category", "", 10)
		if err != nil || len(entries) != 3 || entries[0].Actor != "cli:ops" {
			t.Fatalf("import audit: %+v, %v; want three category.import entries, newest by cli:ops", entries, err)
		}
		for i, want := range []string{`{"created":1,"unchanged":2,"updated":1}`, fmt.Sprintf(`{"created":0,"unchanged":%d,"updated":0}`, len(demo)),
			fmt.Sprintf(`{"created":%d,"unchanged":0,"updated":0}`, len(demo))} {
			if entries[i].Action != "category.import" || entries[i].Detail != want {
				t.Errorf("audit entry %d: %s %s, want category.import %s", i, entries[i].Action, entries[i].Detail, want)
			}
		}
	})
}
