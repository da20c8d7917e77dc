package hotline

import (
	"strings"
	"testing"
)

func TestCatalogueHasFortyOneDistinctValidLines(t *testing.T) {
	lines := Catalogue()
	if len(lines) != 41 {
		t.Fatalf("catalogue has %d lines, want 41", len(lines))
	}
	if err := ValidateAll(lines); err != nil {
		t.Fatalf("catalogue is invalid: %v", err)
	}
	names := map[string]string{}
	for _, l := range lines {
		if other, ok := names[l.Name]; ok {
			t.Errorf("name %s used by %s and %s", l.Name, other, l.Code)
		}
		names[l.Name] = l.Code
		if l.Description == "" {
			t.Errorf("line %s has no description", l.Code)
		}
	}
}

func TestCatalogueNamesTheLinesCallersKnow(t *testing.T) {
	byNumber := map[string]Line{}
	codes := map[string]bool{}
	for _, l := range Catalogue() {
		byNumber[l.FormerNumber] = l
		codes[l.Code] = true
	}
	for number, word := range map[string]string{"12315": "消费者", "12333": "人力资源", "12369": "生态环境",
		"12358": "价格", "12365": "质量", "12366": "纳税", "12328": "交通运输", "12319": "城市管理", "12320": "卫生",
		"12329": "公积金", "12336": "自然资源", "12348": "法律", "12351": "职工", "12338": "妇女", "12355": "青少年",
		"12349": "养老", "12306": "铁路", "95598": "供电", "12356": "心理", "12339": "国家安全"} {
		l, ok := byNumber[number]
		if !ok {
			t.Errorf("no line for former number %s", number)
			continue
		}
		if !strings.Contains(l.Name, word) {
			t.Errorf("line %s (%s) is named %q, want a name containing %q", l.Code, number, l.Name, word)
		}
	}
	for _, code := range []string{"water", "power", "gas", "heating", "psychological", "school_bullying", "business"} {
		if !codes[code] {
			t.Errorf("no line with code %s", code)
		}
	}
}

func TestCatalogueReturnsACopy(t *testing.T) {
	a := Catalogue()
	a[0].Name = "changed"
	if Catalogue()[0].Name == "changed" {
		t.Fatal("changing the returned slice changed the catalogue")
	}
}

func TestValidateAllRefuses(t *testing.T) {
	good := Line{Code: "consumer", Name: "消费者投诉举报热线", FormerNumber: "12315"}
	cases := []struct {
		name  string
		lines []Line
		want  string
	}{
		{"duplicate code", []Line{good, {Code: "consumer", Name: "另一条"}}, "code \"consumer\": used by two lines"},
		{"duplicate number", []Line{good, {Code: "other", Name: "另一条", FormerNumber: "12315"}}, "former_number 12315"},
		{"bad code", []Line{{Code: "Consumer Line", Name: "x"}}, "code \"Consumer Line\""},
		{"empty name", []Line{{Code: "x1", Name: " "}}, "name: required"},
		{"bad number", []Line{{Code: "x1", Name: "x", FormerNumber: "123-45"}}, "former_number \"123-45\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateAll(c.lines)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if err := ValidateAll([]Line{good}); err != nil {
		t.Fatalf("a good line was refused: %v", err)
	}
}
