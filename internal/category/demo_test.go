package category

import (
	"reflect"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	cats, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) < 120 || len(cats) > 200 {
		t.Errorf("%d categories, want 120-200", len(cats))
	}
	tree := NewTree(cats)
	perLevel := map[int]int{}
	for i, c := range cats {
		perLevel[c.Level]++
		if !c.Active {
			t.Errorf("%s is inactive", c.Code)
		}
		if root := tree.Path(c.Code)[0]; c.Group != root.Name {
			t.Errorf("%s has group %q, want its level-1 name %q", c.Code, c.Group, root.Name)
		}
		if c.Level < 3 && len(tree.Children(c.Code)) == 0 {
			t.Errorf("%s %s at level %d has no children", c.Code, c.Name, c.Level)
		}
		if i > 0 && c.Level > cats[i-1].Level+1 {
			t.Errorf("%s comes before its parent", c.Code)
		}
	}
	if perLevel[1] < 12 || perLevel[2] < 30 || perLevel[3] < 100 || perLevel[4] != 0 {
		t.Errorf("categories per level: %v", perLevel)
	}
	var roots []string
	for _, c := range tree.Children("") {
		roots = append(roots, c.Name)
	}
	for _, want := range []string{"城乡建设", "市政设施", "城市管理", "环境保护", "交通运输", "劳动和社会保障", "教育文体", "卫生健康",
		"市场监管", "住房和物业", "公共事业", "公安和治安", "农业农村", "民政", "政务服务"} {
		if !strings.Contains(strings.Join(roots, " "), want) {
			t.Errorf("no level-1 category %s among %v", want, roots)
		}
	}

	if got := tree.PathName("020301"); got != "市政设施/城市照明/路灯不亮" {
		t.Errorf("020301 is %q", got)
	}
	lamp := attributesOf(cats, "020301")
	if lamp["pole_number"].Datatype != String || lamp["fault"].Datatype != SingleValueList || len(lamp["fault"].Values) < 2 {
		t.Errorf("路灯不亮 attributes: %+v", lamp)
	}
	noise := attributesOf(cats, "040301")
	if tod := noise["time_of_day"]; tod.Datatype != SingleValueList || !tod.Required || len(tod.Values) != 3 {
		t.Errorf("社会生活噪声 time_of_day: %+v", tod)
	}
	withAttrs := 0
	for _, c := range cats {
		if len(c.Attributes) > 0 {
			withAttrs++
		}
	}
	if withAttrs < 5 {
		t.Errorf("only %d categories ask extra questions", withAttrs)
	}

	// Each call gives its own copy.
	other, err := Demo()
	if err != nil || !reflect.DeepEqual(other, cats) {
		t.Fatalf("a second Demo differs (%v)", err)
	}
	other[0].Name = "改过"
	other[len(other)-1].Keywords[0] = "改过"
	if again, _ := Demo(); again[0].Name == "改过" || again[len(again)-1].Keywords[0] == "改过" {
		t.Fatal("Demo hands out shared data")
	}
}

func attributesOf(cats []Category, code string) map[string]Attribute {
	out := map[string]Attribute{}
	for _, c := range cats {
		if c.Code == code {
			for _, a := range c.Attributes {
				out[a.Code] = a
			}
		}
	}
	return out
}

func TestParseCatalogueTextRefusals(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"bad code", "# 注释\n\n0A 名称\n", "line 3: code:"},
		{"too many parts", "01 名称 | 关键词 | 说明 | 多余\n", "line 1: want CODE NAME"},
		{"no name", "01\n", "line 1: name: required"},
		{"slash in a name", "01 甲/乙\n", "line 1: name:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCatalogueText([]byte(tc.text))
			wantErrPrefix(t, err, tc.want)
		})
	}
	cats, err := parseCatalogueText([]byte("01 城乡建设 | 城建, 规划 | 说明\n  0101 规划\n  0102 建设\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Category{
		{Code: "01", Name: "城乡建设", Level: 1, Keywords: []string{"城建", "规划"}, Description: "说明", Group: "城乡建设", Active: true, SortOrder: 1},
		{Code: "0101", Name: "规划", ParentCode: "01", Level: 2, Group: "城乡建设", Active: true, SortOrder: 1},
		{Code: "0102", Name: "建设", ParentCode: "01", Level: 2, Group: "城乡建设", Active: true, SortOrder: 2},
	}
	if !reflect.DeepEqual(cats, want) {
		t.Fatalf("parsed:\n%+v\nwant\n%+v", cats, want)
	}
}
