package category

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	existing := []Category{
		{Code: "01", Name: "城乡建设", Level: 1, Group: "城建", Active: true},
		{Code: "0101", Name: "安全生产", ParentCode: "01", Level: 2, Group: "城建", Active: true},
	}
	file := "level1,level2,level3\n" +
		"城乡建设,安全生产,事故处理\n" +
		" 城乡建设 , 城乡规划 ,\n" + // a level-2 leaf, with spaces around the names
		",,\n" + // blank row
		"环境保护,噪声污染,社会生活噪声\n" +
		"环境保护,噪声污染,施工噪声\n" +
		"城乡建设,安全生产,事故处理\n" // repeated: nothing new
	added, err := ParseCSV(strings.NewReader(file), existing)
	if err != nil {
		t.Fatal(err)
	}
	want := []Category{
		{Code: "010101", Name: "事故处理", ParentCode: "0101", Level: 3, Group: "城建", Active: true, SortOrder: 1},
		{Code: "0102", Name: "城乡规划", ParentCode: "01", Level: 2, Group: "城建", Active: true, SortOrder: 2},
		{Code: "02", Name: "环境保护", Level: 1, Group: "环境保护", Active: true, SortOrder: 2},
		{Code: "0201", Name: "噪声污染", ParentCode: "02", Level: 2, Group: "环境保护", Active: true, SortOrder: 1},
		{Code: "020101", Name: "社会生活噪声", ParentCode: "0201", Level: 3, Group: "环境保护", Active: true, SortOrder: 1},
		{Code: "020102", Name: "施工噪声", ParentCode: "0201", Level: 3, Group: "环境保护", Active: true, SortOrder: 2},
	}
	if !reflect.DeepEqual(added, want) {
		t.Fatalf("added:\n%+v\nwant\n%+v", added, want)
	}
	if err := CheckCatalogue(append(existing, added...)); err != nil {
		t.Fatalf("the merged catalogue is invalid: %v", err)
	}
	again, err := ParseCSV(strings.NewReader(file), append(existing, added...))
	if err != nil || len(again) != 0 {
		t.Fatalf("importing the same file twice added %v (%v)", codes(again), err)
	}
}

func TestParseCSVChineseHeaderWithBOM(t *testing.T) {
	added, err := ParseCSV(strings.NewReader("\ufeff一级分类,二级分类\n民政,社会救助\n"), nil)
	if err != nil || !reflect.DeepEqual(codes(added), []string{"01", "0101"}) {
		t.Fatalf("added %v, %v", codes(added), err)
	}
}

func TestParseCSVRefusals(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"empty", "", "line 1: the file is empty"},
		{"no header", "城乡建设,安全生产,事故处理\n", "line 1: column 1"},
		{"five levels", "level1,level2,level3,level4,level5\n", "line 1: want a header of 1 to 4"},
		{"gap", "level1,level2,level3\n城乡建设,安全生产,事故处理\n城乡建设,,事故处理\n", "line 3: level2 is empty"},
		{"extra column", "level1,level2\n城乡建设,安全生产,事故处理\n", "line 2: 3 columns"},
		{"slash in a name", "level1,level2\n城乡建设,安全/生产\n", "line 2: level2: name:"},
		{"long name", "level1\n" + strings.Repeat("名", 41) + "\n", "line 2: level1: name:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.file), nil)
			wantErrPrefix(t, err, tc.want)
		})
	}
	var many strings.Builder
	many.WriteString("level1\n")
	for i := range 100 {
		many.WriteString("分类" + strings.Repeat("甲", i%7) + string(rune('A'+i/26)) + string(rune('a'+i%26)) + "\n")
	}
	if _, err := ParseCSV(strings.NewReader(many.String()), nil); err == nil || !strings.Contains(err.Error(), "line 101: level1: parent: all 99 codes") {
		t.Fatalf("a 100th level-1 category: err = %v", err)
	}
}

// TestParseCSVRealTaxonomy imports the 517-row three-level taxonomy of a real petition board.
func TestParseCSVRealTaxonomy(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "tipdm2020c", "taxonomy_3level.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("the real taxonomy is not here (%v): see ../shared/data/README.md", err)
	}
	added, err := ParseCSV(strings.NewReader(string(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		names := strings.Split(strings.TrimSpace(line), ",")
		for i := range names {
			paths[strings.Join(names[:i+1], "/")] = true
		}
	}
	if len(added) != len(paths) {
		t.Errorf("%d categories from %d distinct paths", len(added), len(paths))
	}
	if err := CheckCatalogue(added); err != nil {
		t.Fatalf("the imported catalogue is invalid: %v", err)
	}
	tree := NewTree(added)
	for _, c := range added {
		if !paths[tree.PathName(c.Code)] {
			t.Fatalf("category %s has path %q, which is not in the file", c.Code, tree.PathName(c.Code))
		}
	}
	if again, err := ParseCSV(strings.NewReader(string(data)), added); err != nil || len(again) != 0 {
		t.Fatalf("a second import added %d categories (%v)", len(again), err)
	}
}
