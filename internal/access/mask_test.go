package access_test

import (
	"testing"

	"github.com/cityline/cityline/internal/access"
)

func TestMasks(t *testing.T) {
	for _, m := range []struct {
		name  string
		mask  func(string) string
		cases [][2]string // input, masked
	}{
		{"MaskPhone", access.MaskPhone, [][2]string{
			{"13812345678", "138****5678"},
			{" 19912345678 ", "199****5678"},
			{"0473-1234567", "0473-***4567"},
			{"04731234567", "0473***4567"},
			{"010-12345678", "010-****5678"},
			{"02112345678", "021****5678"},
			{"12345", "*2345"},
			{"1234", "****"},
			{"", ""},
		}},
		{"MaskIDNumber", access.MaskIDNumber, [][2]string{
			{"15030219900101123X", "150302********123X"},
			{"150302900101123", "150302*****1123"},
			{"1234567890", "**********"},
			{"", ""},
		}},
		{"MaskName", access.MaskName, [][2]string{
			{"张三丰", "张*丰"},
			{"张三", "张*"},
			{"欧阳娜娜", "欧**娜"},
			{"张", "*"},
			{"Li Lei", "L****i"},
			{"", ""},
		}},
	} {
		for _, c := range m.cases {
			if got := m.mask(c[0]); got != c[1] {
				t.Errorf("%s(%q) = %q, want %q", m.name, c[0], got, c[1])
			}
		}
	}
}

func TestPersonalView(t *testing.T) {
	cityAgent := access.Actor{UserID: "a", Roles: []access.Role{access.RoleAgent}, ScopeCode: "1503"}
	districtAdmin := access.Actor{UserID: "b", Roles: []access.Role{access.RoleAdmin}, ScopeCode: "150302"}
	cityHandler := access.Actor{UserID: "c", Roles: []access.Role{access.RoleHandler}, ScopeCode: "1503"}
	for _, c := range []struct {
		name  string
		actor access.Actor
		want  string
	}{
		{"a centre agent sees the number", cityAgent, "13812345678"},
		{"a district admin sees it masked outside a known place", districtAdmin, "138****5678"},
		{"a handler never sees it", cityHandler, "138****5678"},
		{"nobody signed in sees it masked", access.Actor{}, "138****5678"},
	} {
		if got := access.PersonalView(c.actor, "13812345678", access.MaskPhone); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
