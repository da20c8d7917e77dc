package category

import (
	"errors"
	"reflect"
	"testing"
)

// small is a catalogue whose display order (SortOrder) differs from its code order, with one
// category (0102) moved under another parent after it was created.
func small() []Category {
	return []Category{
		{Code: "01", Name: "市政设施", Level: 1, SortOrder: 2, Active: true},
		{Code: "02", Name: "城市管理", Level: 1, SortOrder: 1, Active: true},
		{Code: "0101", Name: "城市照明", ParentCode: "01", Level: 2, SortOrder: 1, Active: true},
		{Code: "0102", Name: "占道经营", ParentCode: "02", Level: 2, SortOrder: 5, Active: true},
		{Code: "0201", Name: "市容环境", ParentCode: "02", Level: 2, SortOrder: 1, Active: true},
		{Code: "010101", Name: "路灯不亮", ParentCode: "0101", Level: 3, SortOrder: 2, Active: true},
		{Code: "010102", Name: "灯杆损坏", ParentCode: "0101", Level: 3, SortOrder: 1, Active: false},
	}
}

func TestTree(t *testing.T) {
	tree := NewTree(small())
	if got := codes(tree.Flatten()); !reflect.DeepEqual(got, []string{"02", "0201", "0102", "01", "0101", "010102", "010101"}) {
		t.Errorf("Flatten = %v: want depth first, siblings by sort order", got)
	}
	if got := codes(tree.Children("")); !reflect.DeepEqual(got, []string{"02", "01"}) {
		t.Errorf("roots = %v", got)
	}
	if got := codes(tree.Children("02")); !reflect.DeepEqual(got, []string{"0201", "0102"}) {
		t.Errorf("children of 02 = %v: the moved 0102 belongs to its new parent", got)
	}
	for code, want := range map[string]string{"010101": "市政设施/城市照明/路灯不亮", "0102": "城市管理/占道经营", "02": "城市管理", "99": ""} {
		if got := tree.PathName(code); got != want {
			t.Errorf("PathName(%s) = %q, want %q", code, got, want)
		}
	}
	if got := codes(tree.Path("010102")); !reflect.DeepEqual(got, []string{"01", "0101", "010102"}) {
		t.Errorf("Path(010102) = %v", got)
	}
}

func TestCheckCatalogue(t *testing.T) {
	if err := CheckCatalogue(small()); err != nil {
		t.Fatalf("valid catalogue refused: %v", err)
	}
	tests := []struct {
		name  string
		edit  func([]Category) []Category
		field string
	}{
		{"invalid member", func(c []Category) []Category { c[3].Name = ""; return c }, "name"},
		{"code twice", func(c []Category) []Category { return append(c, Category{Code: "02", Name: "另一个", Level: 1}) }, "code"},
		{"missing parent", func(c []Category) []Category {
			return append(c, Category{Code: "030101", Name: "孤儿", ParentCode: "0301", Level: 3})
		}, "parent"},
		{"siblings share a name", func(c []Category) []Category { c[4].Name = "占道经营"; return c }, "name"},
		{"roots share a name", func(c []Category) []Category { c[1].Name = "市政设施"; return c }, "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCatalogue(tc.edit(small()))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want a FieldError naming %s", err, tc.field)
			}
		})
	}
	// The same name under different parents is fine.
	ok := append(small(), Category{Code: "0202", Name: "城市照明", ParentCode: "02", Level: 2, Active: true})
	if err := CheckCatalogue(ok); err != nil {
		t.Fatalf("a name repeated under another parent was refused: %v", err)
	}
}

func TestNextCode(t *testing.T) {
	cats := small()
	for _, tc := range []struct{ parent, want string }{
		{"", "03"},
		{"01", "0103"}, // 0102 moved to 02 but its code is still taken
		{"02", "0202"},
		{"0101", "010103"},
		{"0201", "020101"},
	} {
		got, err := NextCode(cats, tc.parent)
		if err != nil || got != tc.want {
			t.Errorf("NextCode(%q) = %q, %v; want %q", tc.parent, got, err, tc.want)
		}
	}
	if _, err := NextCode(cats, "01010101"); err == nil {
		t.Error("a level-4 category was given a child")
	}
	full := []Category{{Code: "0199", ParentCode: "01", Level: 2}}
	if _, err := NextCode(full, "01"); err == nil {
		t.Error("a 100th child code was handed out")
	}
}

func codes(cats []Category) []string {
	out := make([]string, len(cats))
	for i, c := range cats {
		out[i] = c.Code
	}
	return out
}

func TestInUseAndSubtree(t *testing.T) {
	cats := small()
	cats = append(cats, Category{Code: "020101", Name: "乱贴广告", ParentCode: "0201", Level: 3, Active: true})
	cats[1].Active = false // 02 retired: everything under it is out of use too
	tree := NewTree(cats)
	for code, want := range map[string][2]bool{
		"01": {true, true}, "010101": {true, true}, "010102": {true, false},
		"02": {true, false}, "0201": {true, false}, "020101": {true, false}, "99": {false, false},
	} {
		if known, inUse := tree.InUse(code); known != want[0] || inUse != want[1] {
			t.Errorf("InUse(%s) = %v, %v; want %v, %v", code, known, inUse, want[0], want[1])
		}
	}
	if got := tree.Subtree("02"); !reflect.DeepEqual(got, []string{"02", "0201", "0102", "020101"}) {
		t.Errorf("Subtree(02) = %v: want 02, its children, then theirs", got)
	}
	if got := tree.Subtree("010101"); !reflect.DeepEqual(got, []string{"010101"}) {
		t.Errorf("Subtree of a leaf = %v", got)
	}
}
