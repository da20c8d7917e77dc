package category

import (
	"errors"
	"strings"
	"testing"
)

// streetLight is a valid leaf that the table below breaks one field at a time.
func streetLight() Category {
	return Category{Code: "020301", Name: "路灯不亮", ParentCode: "0203", Level: 3, Description: "路灯不亮、闪烁", Keywords: []string{"路灯", "不亮"},
		Group: "市政设施", Active: true, SortOrder: 1, Attributes: []Attribute{
			{Code: "pole_number", Datatype: String, Description: "灯杆编号", Order: 1},
			{Code: "fault", Datatype: SingleValueList, Required: true, Description: "路灯怎么了", Order: 2,
				Values: []Value{{Key: "off", Name: "不亮"}, {Key: "flashing", Name: "闪烁"}}},
		}}
}

func TestValidate(t *testing.T) {
	if err := streetLight().Validate(); err != nil {
		t.Fatalf("valid category refused: %v", err)
	}
	root := Category{Code: "01", Name: "城乡建设", Level: 1}
	if err := root.Validate(); err != nil {
		t.Fatalf("valid root refused: %v", err)
	}
	deep := Category{Code: "01020304", Name: "第四级", ParentCode: "010203", Level: 4}
	if err := deep.Validate(); err != nil {
		t.Fatalf("valid level-4 category refused: %v", err)
	}

	tests := []struct {
		name  string
		edit  func(c *Category)
		field string
	}{
		{"no code", func(c *Category) { c.Code = "" }, "code"},
		{"odd code", func(c *Category) { c.Code = "02031" }, "code"},
		{"letters in code", func(c *Category) { c.Code = "02030A" }, "code"},
		{"00 in code", func(c *Category) { c.Code = "020300" }, "code"},
		{"fifth level", func(c *Category) { c.Code, c.ParentCode, c.Level = "0203010101", "02030101", 5 }, "code"},
		{"level disagrees with code", func(c *Category) { c.Level = 2 }, "level"},
		{"parent missing", func(c *Category) { c.ParentCode = "" }, "parent"},
		{"parent at wrong level", func(c *Category) { c.ParentCode = "02" }, "parent"},
		{"root with parent", func(c *Category) { c.Code, c.Level, c.ParentCode = "02", 1, "01" }, "parent"},
		{"no name", func(c *Category) { c.Name = "" }, "name"},
		{"blank name", func(c *Category) { c.Name = "  " }, "name"},
		{"untrimmed name", func(c *Category) { c.Name = " 路灯" }, "name"},
		{"slash in name", func(c *Category) { c.Name = "路灯/景观灯" }, "name"},
		{"long name", func(c *Category) { c.Name = strings.Repeat("灯", 41) }, "name"},
		{"control character", func(c *Category) { c.Name = "路灯\x07" }, "name"},
		{"long description", func(c *Category) { c.Description = strings.Repeat("说", 501) }, "description"},
		{"empty keyword", func(c *Category) { c.Keywords = []string{"路灯", ""} }, "keywords[1]"},
		{"comma in keyword", func(c *Category) { c.Keywords = []string{"路灯,灯"} }, "keywords[0]"},
		{"repeated keyword", func(c *Category) { c.Keywords = []string{"路灯", "路灯"} }, "keywords[1]"},
		{"too many keywords", func(c *Category) { c.Keywords = strings.Split(strings.Repeat("a,", 21)[:41], ",") }, "keywords"},
		{"long group", func(c *Category) { c.Group = strings.Repeat("组", 41) }, "group"},
		{"negative sort order", func(c *Category) { c.SortOrder = -1 }, "sort_order"},
		{"attribute code", func(c *Category) { c.Attributes[0].Code = "Pole Number" }, "attributes[0].code"},
		{"attribute datatype", func(c *Category) { c.Attributes[0].Datatype = "integer" }, "attributes[0].datatype"},
		{"attribute without description", func(c *Category) { c.Attributes[1].Description = "" }, "attributes[1].description"},
		{"attribute order", func(c *Category) { c.Attributes[0].Order = 0 }, "attributes[0].order"},
		{"list without values", func(c *Category) { c.Attributes[1].Values = nil }, "attributes[1].values"},
		{"values on a string", func(c *Category) { c.Attributes[0].Values = []Value{{Key: "a", Name: "甲"}} }, "attributes[0].values"},
		{"bad value key", func(c *Category) { c.Attributes[1].Values[0].Key = "关" }, "attributes[1].values[0].key"},
		{"repeated value key", func(c *Category) { c.Attributes[1].Values[1].Key = "off" }, "attributes[1].values[1].key"},
		{"value without name", func(c *Category) { c.Attributes[1].Values[1].Name = "" }, "attributes[1].values[1].name"},
		{"repeated attribute code", func(c *Category) { c.Attributes[1].Code = "pole_number" }, "attributes[1].code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := streetLight()
			tc.edit(&c)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError naming %s", err, tc.field)
			}
			if fe.Field != tc.field || !strings.HasPrefix(err.Error(), tc.field+": ") {
				t.Fatalf("err = %q (field %q), want it to name %s first", err, fe.Field, tc.field)
			}
		})
	}
}

func TestValidateNewNeedsTheParentsPrefix(t *testing.T) {
	c := streetLight()
	if err := c.ValidateNew(); err != nil {
		t.Fatalf("new category under its own prefix refused: %v", err)
	}
	c.ParentCode = "0204"
	if err := c.Validate(); err != nil {
		t.Fatalf("a moved category (code no longer under its parent) must stay valid: %v", err)
	}
	var fe *FieldError
	if err := c.ValidateNew(); !errors.As(err, &fe) || fe.Field != "code" {
		t.Fatalf("new category outside its parent's prefix: err = %v, want a code error", err)
	}
}

func TestCodeHelpers(t *testing.T) {
	for _, tc := range []struct {
		code   string
		valid  bool
		level  int
		parent string
	}{
		{"01", true, 1, ""}, {"0103", true, 2, "01"}, {"010302", true, 3, "0103"}, {"01030299", true, 4, "010302"},
		{"1", false, 0, ""}, {"00", false, 1, ""}, {"0100", false, 2, "01"}, {"0103029901", false, 5, "01030299"},
	} {
		if got := ValidCode(tc.code); got != tc.valid {
			t.Errorf("ValidCode(%q) = %v, want %v", tc.code, got, tc.valid)
		}
		if got := LevelOf(tc.code); got != tc.level {
			t.Errorf("LevelOf(%q) = %d, want %d", tc.code, got, tc.level)
		}
		if got := ParentOf(tc.code); got != tc.parent {
			t.Errorf("ParentOf(%q) = %q, want %q", tc.code, got, tc.parent)
		}
	}
}

// wantErrPrefix fails unless err's message starts with prefix (errors in files name the line first).
func wantErrPrefix(t *testing.T, err error, prefix string) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("err = %v, want it to start with %q", err, prefix)
	}
}
