package gazetteer

import "testing"

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"海勃湾区 滨河街道，康乐小区３号楼", "海勃湾区滨河街道康乐小区3号楼"},
		{"康乐小区三号楼二单元", "康乐小区3号楼2单元"},
		{"康乐小区十二号楼", "康乐小区12号楼"},
		{"康乐小区二十三栋", "康乐小区23号楼"},
		{"人民路一百零五号", "人民路105号"},
		{"人民路一〇五号", "人民路105号"},
		{"康乐小区3栋", "康乐小区3号楼"},
		{"康乐小区3幢", "康乐小区3号楼"},
		{"康乐小区3#楼", "康乐小区3号楼"},
		{"康乐小区3＃", "康乐小区3号楼"},
		{"康乐小区3-2-201", "康乐小区3号楼2单元201室"},
		{"康乐小区3-2", "康乐小区3号楼2单元"},
		{"人民路88-1号", "人民路88号"},
		{"五一村三组", "五一村3组"},             // 五一 names the village; 三 numbers the group
		{"五一路与三道坎街交叉口", "五一路与三道坎街交叉口"}, // numerals inside names stay
		{"Room 5B，ＡＢＣ", "room5babc"},
		{"😀🎉!!!", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Key(tc.in); got != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNumberName(t *testing.T) {
	tests := []struct {
		in   string
		want number
		ok   bool
	}{
		{"3号楼", number{3, "号楼"}, true},
		{"三号楼", number{3, "号楼"}, true},
		{"88号", number{88, "号"}, true},
		{"6号院", number{6, "号"}, true},
		{"三组", number{3, "组"}, true},
		{"3号楼东", number{}, false},
		{"康乐小区", number{}, false},
		{"1234567号", number{}, false},
	}
	for _, tc := range tests {
		got, ok := numberName(fold(tc.in))
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("numberName(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCore(t *testing.T) {
	for in, want := range map[string]string{"康乐小区": "康乐", "康乐家园": "康乐", "阳光佳苑": "阳光", "翠园": "", "人民路": ""} {
		if got := string(core([]rune(in))); got != want {
			t.Errorf("core(%q) = %q, want %q", in, got, want)
		}
	}
}
