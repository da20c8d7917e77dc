package ui

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

func catalogueTranslators(t *testing.T) (zh, en tr) {
	t.Helper()
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	return tr{lang: "zh-CN", cat: cats["zh-CN"]}, tr{lang: "en", cat: cats["en"]}
}

func TestCategoryFieldLabelNamesNestedRows(t *testing.T) {
	zh, en := catalogueTranslators(t)
	for _, tc := range []struct {
		t          tr
		path, want string
	}{
		{zh, "name", "分类名称"},
		{zh, "keywords[1]", "关键词 2"},
		{zh, "attributes[1].values[0].key", "附加字段 2 › 选项 1 › 选项键"},
		{en, "attributes[0].values[2].name", "Attribute 1 › Value 3 › Name"},
		{en, "attributes[3].order", "Attribute 4 › Order"},
		{en, "attributes[0].colour", "attributes[0].colour"}, // a field the form does not show keeps its path
		{en, "attributes[0]..code", "attributes[0]..code"},
	} {
		if got := categoryFieldLabel(tc.t, tc.path); got != tc.want {
			t.Errorf("%s: label of %q = %q, want %q", tc.t.lang, tc.path, got, tc.want)
		}
	}
}

func TestCategoryOutcome(t *testing.T) {
	zh, _ := catalogueTranslators(t)
	tests := []struct {
		name      string
		err       error
		conflict  bool
		explained bool
		field     string // the input the message lands on
	}{
		{"nested field", &category.FieldError{Field: "attributes[2].values[1].key", Problem: "bad"}, false, true, "attributes[2].values[1].key"},
		{"one keyword", &category.FieldError{Field: "keywords[3]", Problem: "listed twice"}, false, true, "keywords"},
		{"a field the form lacks", &category.FieldError{Field: "level", Problem: "wrong"}, false, true, "form"},
		{"sibling stored meanwhile", fmt.Errorf("name: %w: a sibling named X was stored meanwhile", store.ErrConflict), false, true, "name"},
		{"code taken meanwhile", fmt.Errorf("code: %w: category 0101 already exists", store.ErrConflict), false, true, "form"},
		{"stale version", fmt.Errorf("category 0101: %w: it was changed by someone else", store.ErrConflict), true, false, ""},
		{"missing", fmt.Errorf("category 0101: %w", store.ErrNotFound), false, false, ""},
		{"failure", errors.New("disk full"), false, false, ""},
	}
	for _, tc := range tests {
		errs := formErrors{}
		conflict, explained := categoryOutcome(zh, tc.err, errs)
		if conflict != tc.conflict || explained != tc.explained {
			t.Errorf("%s: conflict %v, explained %v; want %v, %v", tc.name, conflict, explained, tc.conflict, tc.explained)
		}
		if tc.field == "" && len(errs) > 0 || tc.field != "" && (len(errs) != 1 || errs[tc.field] == "") {
			t.Errorf("%s: errors %v, want one on %q", tc.name, errs, tc.field)
		}
	}
}
