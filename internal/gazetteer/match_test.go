package gazetteer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/org"
)

// testPlaces is a small tree: two streets of 海勃湾区, one of 乌达区 and a town of 海南区.
func testPlaces() []org.Place {
	var out []org.Place
	for _, p := range [][2]string{
		{"150300", "乌海市"}, {"150302", "海勃湾区"}, {"150303", "海南区"}, {"150304", "乌达区"},
		{"150302007", "滨河街道"}, {"150302003", "新华街道"}, {"150304002", "三道坎街道"}, {"150303103", "拉僧庙镇"},
		{"150302007003", "长青社区"}, {"150302003001", "民主社区"}, {"150304002001", "团结社区"}, {"150303103201", "五一村"},
		{gridKangle, "第1网格"}, {gridYangguang, "第2网格"}, {gridMinzhu, "第1网格"}, {gridWuda, "第1网格"},
		{gridVillage1, "第1网格"}, {gridVillage2, "第2网格"},
	} {
		level, err := org.LevelOfCode(p[0])
		if err != nil {
			panic(err)
		}
		out = append(out, org.Place{Code: p[0], Name: p[1], Level: level, ParentCode: org.ParentCodeOf(p[0], level)})
	}
	return out
}

const (
	gridKangle    = "150302007003001" // 康乐小区 of 长青社区, and the community's own point
	gridYangguang = "150302007003002"
	gridMinzhu    = "150302003001001"
	gridWuda      = "150304002001001"
	gridVillage1  = "150303103201001"
	gridVillage2  = "150303103201002"
)

func testEntries() []Entry {
	e := func(kind Kind, name, address, grid string, aliases ...string) Entry {
		return Entry{Kind: kind, Name: name, Aliases: aliases, Address: address, Grid: grid, Lng: 106.8, Lat: 39.6}
	}
	out := []Entry{
		e(KindCommunity, "长青社区", "海勃湾区滨河街道长青社区", gridKangle),
		e(KindCompound, "康乐小区", "海勃湾区滨河街道长青社区康乐小区", gridKangle, "电厂宿舍"),
		e(KindCompound, "阳光家园", "海勃湾区滨河街道长青社区阳光家园", gridYangguang),
		e(KindCompound, "康乐小区", "乌达区三道坎街道团结社区康乐小区", gridWuda),
		e(KindRoad, "人民路", "海勃湾区人民路", gridMinzhu),
		e(KindRoad, "新华街", "海勃湾区新华街", gridMinzhu),
		e(KindRoad, "苏海南巷", "乌达区苏海南巷", gridWuda),
		e(KindPOI, "人民路与新华街交叉口", "海勃湾区人民路与新华街交叉口", gridYangguang, "新华街与人民路交叉口"),
		e(KindPOI, "市人民医院", "海勃湾区新华街道市人民医院", gridMinzhu),
		e(KindCompound, "人民小区", "海勃湾区新华街道民主社区人民小区", gridMinzhu),
		e(KindCommunity, "五一村", "海南区拉僧庙镇五一村", gridVillage1),
		e(KindCompound, "三组", "海南区拉僧庙镇五一村三组", gridVillage2),
	}
	for b := 1; b <= 6; b++ {
		out = append(out, e(KindBuilding, fmt.Sprintf("%d号楼", b), fmt.Sprintf("海勃湾区滨河街道长青社区康乐小区%d号楼", b), gridKangle))
	}
	for n := 80; n <= 90; n += 2 {
		grid := gridMinzhu
		if n > 85 {
			grid = gridYangguang
		}
		out = append(out, e(KindBuilding, fmt.Sprintf("%d号", n), fmt.Sprintf("海勃湾区人民路%d号", n), grid))
	}
	return out
}

func TestMatch(t *testing.T) {
	m := NewMatcher(testEntries(), testPlaces())
	tests := []struct {
		text      string
		address   string // of the entry matched, "" for none
		place     string
		confident bool
	}{
		// A home address, as callers give it: every part named.
		{"海勃湾区滨河街道长青社区康乐小区3号楼2单元", "海勃湾区滨河街道长青社区康乐小区3号楼", gridKangle, true},
		// Spelt otherwise: full-width digits, spaces, Chinese numerals, 栋, another suffix, an alias.
		{"海勃湾区 滨河街道 康乐小区 ３号楼", "海勃湾区滨河街道长青社区康乐小区3号楼", gridKangle, true},
		{"海勃湾区康乐小区三号楼", "海勃湾区滨河街道长青社区康乐小区3号楼", gridKangle, true},
		{"海勃湾康乐小区5栋", "海勃湾区滨河街道长青社区康乐小区5号楼", gridKangle, true},
		{"海勃湾区康乐花园4号楼", "海勃湾区滨河街道长青社区康乐小区4号楼", gridKangle, true},
		{"滨河街道电厂宿舍", "海勃湾区滨河街道长青社区康乐小区", gridKangle, true},
		// A building the list lacks still finds its compound.
		{"海勃湾区康乐小区18号楼", "海勃湾区滨河街道长青社区康乐小区", gridKangle, true},
		// Two 康乐小区 and nothing to tell them apart: not confident, the other one named as the rival.
		{"康乐小区3号楼", "", "", false},
		// The district tells them apart.
		{"乌达区康乐小区", "乌达区三道坎街道团结社区康乐小区", gridWuda, true},
		// Roads: a door, a junction either way round, the road alone (its district only).
		{"海勃湾区人民路88号附近", "海勃湾区人民路88号", gridYangguang, true},
		{"海勃湾区人民路84号", "海勃湾区人民路84号", gridMinzhu, true},
		{"海勃湾区人民路83号", "海勃湾区人民路82号", gridMinzhu, true}, // the nearest listed door
		{"海勃湾区 新华街 与 人民路交叉口", "海勃湾区人民路与新华街交叉口", gridYangguang, true},
		{"海勃湾区人民路", "海勃湾区人民路", "150302", true},
		{"新华街道人民路", "海勃湾区人民路", "150302003", true},
		{"海勃湾区人民5号楼", "海勃湾区新华街道民主社区人民小区", gridMinzhu, true}, // 人民 is 人民小区 here
		// 海南 inside a name is not 海南区.
		{"乌达区苏海南巷", "乌达区苏海南巷", "150304", true},
		// A community as a whole, a village and its group.
		{"海勃湾区滨河街道长青社区", "海勃湾区滨河街道长青社区", "150302007003", true},
		{"海南区 拉僧庙镇 五一村", "海南区拉僧庙镇五一村", "150303103201", true},
		{"海南区拉僧庙镇五一村三组25号", "海南区拉僧庙镇五一村三组", gridVillage2, true},
		{"市人民医院门诊楼", "海勃湾区新华街道市人民医院", gridMinzhu, true},
		// Places of the tree but no entry: the street is known, nothing more.
		{"海南区 拉僧庙镇 某村", "", "150303103", false},
		// Nothing to match.
		{"", "", "", false},
		{"😀😀😀", "", "", false},
		{"asdfghjkl", "", "", false},
		{"我要投诉", "", "", false},
		// Another city: even a name the list has is not confident there.
		{"北京市朝阳区人民路88号", "海勃湾区人民路88号", gridYangguang, false},
		{"巴彦淖尔市临河区康乐小区", "", "", false},
		// The places named contradict the entry, or each other.
		{"乌达区长青社区康乐小区", "", "", false},
		{"新华街道康乐小区", "", "", false},
	}
	for _, tc := range tests {
		got := m.Match(tc.text)
		if got.Score < 0 || got.Score > 1 {
			t.Errorf("%q: score %v outside [0,1]", tc.text, got.Score)
		}
		if got.Confident != tc.confident {
			t.Errorf("%q: confident = %v (score %.2f, %s), want %v", tc.text, got.Confident, got.Score, got.Entry.Address, tc.confident)
		}
		if tc.address != "" && got.Entry.Address != tc.address {
			t.Errorf("%q: matched %q (score %.2f), want %q", tc.text, got.Entry.Address, got.Score, tc.address)
		}
		if tc.place != "" && got.Place != tc.place {
			t.Errorf("%q: place %q, want %q", tc.text, got.Place, tc.place)
		}
		if got.Confident && got.Score < ConfidentScore {
			t.Errorf("%q: confident with score %.2f", tc.text, got.Score)
		}
		if got.Grid != "" && got.Grid != got.Entry.Grid {
			t.Errorf("%q: grid %q is not the entry's %q", tc.text, got.Grid, got.Entry.Grid)
		}
	}
}

func TestMatchExplains(t *testing.T) {
	m := NewMatcher(testEntries(), testPlaces())
	got := m.Match("海勃湾区滨河街道长青社区康乐家园三号楼")
	why := got.Why
	var names []string
	for _, p := range why.Places {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "海勃湾区,滨河街道,长青社区" || why.PlacesConflict {
		t.Errorf("places %v (conflict %v), want 海勃湾区, 滨河街道, 长青社区", names, why.PlacesConflict)
	}
	if why.Admin != AdminAgrees || why.By != "core" || why.Matched != "康乐" || why.Number != "3号楼" || why.NumberEntry != "3号楼" {
		t.Errorf("explanation %+v; want the core 康乐 matched, building 3号楼 found, places agreeing", why)
	}
	if got.Grid != gridKangle || !got.Confident {
		t.Errorf("grid %q confident %v, want %s and confident", got.Grid, got.Confident, gridKangle)
	}

	rival := m.Match("康乐小区")
	if rival.Why.Rival == "" || rival.Confident || rival.Why.Admin != AdminUnknown {
		t.Errorf("康乐小区 alone: %+v; want a rival named and no confidence", rival.Why)
	}
	far := m.Match("乌达区长青社区康乐小区")
	if !far.Why.PlacesConflict {
		t.Errorf("乌达区 with 长青社区 of 海勃湾区: %+v, want the conflict noted", far.Why)
	}
	out := m.Match("北京市朝阳区人民路88号")
	if !out.Why.Outside || out.Score >= ConfidentScore {
		t.Errorf("another city: outside %v score %.2f, want outside and a low score", out.Why.Outside, out.Score)
	}
	long := m.Match(strings.Repeat("海勃湾区康乐小区", 100))
	if !long.Why.Truncated || len([]rune(long.Why.Text)) != MaxText {
		t.Errorf("a long text: truncated %v, %d characters read", long.Why.Truncated, len([]rune(long.Why.Text)))
	}
}

// Whatever comes in, Match answers within [0,1] and never panics.
func TestMatchOddText(t *testing.T) {
	m := NewMatcher(testEntries(), testPlaces())
	alphabet := []rune("海勃湾区滨河街道长青社区康乐小区人民路与新华街号楼栋幢组一二三十百零0123456789#-，。 😀\u0000\uFFFDabc市省县旗")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		rs := make([]rune, rng.IntN(200))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		got := m.Match(string(rs))
		if got.Score < 0 || got.Score > 1 || got.Confident && got.Entry.Address == "" {
			t.Fatalf("%q: %+v", string(rs), got)
		}
	}
	for _, s := range []string{"\xff\xfe", strings.Repeat("号", 10000), strings.Repeat("9", 500) + "号楼"} {
		m.Match(s)
	}
	empty := NewMatcher(nil, nil)
	if got := empty.Match("海勃湾区康乐小区"); got.Score != 0 || got.Confident {
		t.Errorf("an empty list matched: %+v", got)
	}
}
