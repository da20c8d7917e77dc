package democity

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/workorder"
)

func demoTexts(t *testing.T, seed uint64) *Texts {
	t.Helper()
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewTexts(seed, demoCity(t).Places, cats)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestTemplatesCoverTheDemoCatalogueAndTheHotlines(t *testing.T) {
	leaves, err := parseTemplates(matterTemplates)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	parents := map[string]bool{}
	for _, c := range cats {
		parents[c.ParentCode] = true
	}
	demoLeaves := map[string]bool{}
	for _, c := range cats {
		if !parents[c.Code] {
			demoLeaves[c.Code] = true
		}
	}
	lines := map[string]bool{}
	types := map[workorder.RequestType]bool{}
	seen := map[string]bool{}
	for _, l := range leaves {
		if !demoLeaves[l.code] || seen[l.code] {
			t.Errorf("templates for %s: not a leaf of the demo catalogue, or given twice", l.code)
		}
		seen[l.code] = true
		if len(l.variants) == 0 {
			t.Errorf("category %s has no variant", l.code)
		}
		for _, v := range l.variants {
			types[v.typ] = true
		}
		for _, line := range l.lines {
			lines[line] = true
		}
		// A unit found by place needs a place, or a city-wide fallback.
		if l.mode == addrNone && unitKinds[l.lead]("") == "" && cityFallback[l.lead] == "" {
			t.Errorf("category %s is routed by place (%s) but has no place", l.code, l.lead)
		}
	}
	for code := range demoLeaves {
		if !seen[code] {
			t.Errorf("demo category %s has no templates", code)
		}
	}
	for _, l := range hotline.Catalogue() {
		if !lines[l.Code] {
			t.Errorf("no matter comes in on hotline %s (%s)", l.Code, l.Name)
		}
	}
	for _, typ := range workorder.RequestTypes {
		if !types[typ] {
			t.Errorf("no template of request type %s", typ)
		}
	}
}

func TestParseTemplatesRefusesMistakes(t *testing.T) {
	for _, text := range []string{
		"020301 urban durban/street road 6\n投诉 {road}路灯不亮 | {nowhere}的路灯不亮",
		"020301 urban durban/street road 6\n投诉 {road}路灯不亮 | {shop}门口的路灯不亮",
		"020301 urban nowhere/street road 6\n投诉 路灯不亮 | 路灯不亮",
		"020301 urban durban/street moon 6\n投诉 路灯不亮 | 路灯不亮",
		"020301 urban durban/street road 6\n抱怨 路灯不亮 | 路灯不亮",
		"投诉 路灯不亮 | 路灯不亮",
		"020301 urban durban/street road 6\n监测 路灯故障 | 路灯控制器报警",
	} {
		if _, err := parseTemplates(text); err == nil {
			t.Errorf("accepted %q", text)
		}
	}
}

func TestTextsAreDeterministic(t *testing.T) {
	a, b := demoTexts(t, 42), demoTexts(t, 42)
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, workorder.Shanghai)
	for range 50 {
		ma, mb := a.Matter(at), b.Matter(at)
		if !reflect.DeepEqual(ma.Intake, mb.Intake) || ma.PlaceCode != mb.PlaceCode {
			t.Fatalf("same seed, different matters:\n%+v\n%+v", ma.Intake, mb.Intake)
		}
	}
	if c := demoTexts(t, 43).Matter(at); reflect.DeepEqual(c.Intake, demoTexts(t, 42).Matter(at).Intake) {
		t.Error("another seed made the same matter")
	}
}

// TestMattersAreRealistic draws many matters and checks that each is a valid intake that fits its
// category, place and channel, and that the mix has a hotline's proportions.
func TestMattersAreRealistic(t *testing.T) {
	x := demoTexts(t, 7)
	x.patrol([]string{"150302001001001"})
	ix, err := geo.NewIndex(byLevel(demoCity(t))[org.LevelGrid])
	if err != nil {
		t.Fatal(err)
	}
	cats, _ := category.Demo()
	byCode := map[string]category.Category{}
	for _, c := range cats {
		byCode[c.Code] = c
	}
	leaves := map[string]*leaf{}
	for i := range x.leaves {
		leaves[x.leaves[i].code] = &x.leaves[i]
	}
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, workorder.Shanghai)
	const n = 6000
	channels := map[workorder.Channel]int{}
	types := map[workorder.RequestType]int{}
	var anonymous, confidential, onLine, keyword int
	for range n {
		m := x.Matter(at)
		in, err := m.Intake.Validate()
		if err != nil {
			t.Fatalf("invalid intake %+v: %v", m.Intake, err)
		}
		l := leaves[in.Category]
		if l == nil {
			t.Fatalf("category %s is not a leaf with templates", in.Category)
		}
		channels[in.Channel]++
		types[in.Type]++
		text := in.Title + in.Description
		if strings.Contains(text, "{") || strings.Contains(text, "}") {
			t.Fatalf("unfilled slot in %q", text)
		}
		cat := byCode[in.Category]
		hit := strings.Contains(text, cat.Name)
		for _, k := range cat.Keywords {
			hit = hit || strings.Contains(text, k)
		}
		if hit {
			keyword++
		}
		if (l.mode == addrNone) != (m.PlaceCode == "") || (l.mode == addrNone) != (in.Address == "") {
			t.Fatalf("%s (%s) has address %q in %q", in.Category, l.mode, in.Address, m.PlaceCode)
		}
		if m.PlaceCode != "" {
			if code, ok := ix.Locate(in.Lng, in.Lat); !ok || code != m.PlaceCode {
				t.Fatalf("point %v,%v locates to %q, not to its grid %s", in.Lng, in.Lat, code, m.PlaceCode)
			}
			if !strings.HasSuffix(in.Address, "号") && !strings.Contains(in.Address, "区") {
				t.Errorf("address %q names no district", in.Address)
			}
		}
		if in.LineCode != workorder.MainLine {
			onLine++
			if !strings.Contains(","+strings.Join(l.lines, ",")+",", ","+in.LineCode+",") {
				t.Errorf("%s came in on hotline %s, not one of %v", in.Category, in.LineCode, l.lines)
			}
		}
		switch in.Channel {
		case workorder.ChannelSensor:
			if in.Type != workorder.TypeReport || !strings.HasPrefix(in.Description, "物联感知设备报警") {
				t.Errorf("sensor matter %+v", in)
			}
		case workorder.ChannelGrid:
			if m.PlaceCode != "150302001001001" {
				t.Errorf("grid report from %s, an unpatrolled grid", m.PlaceCode)
			}
		}
		if in.Type == workorder.TypePraise && in.Category != "170101" {
			t.Errorf("praise filed under %s", in.Category)
		}
		c := in.Caller
		switch {
		case c.Anonymous:
			anonymous++
		case c.Phone != "":
			if access.ValidatePhone(c.Phone) != nil || !(strings.Contains(c.Phone[3:7], "0000") || strings.HasPrefix(c.Phone, "0473-0")) {
				t.Errorf("caller phone %q is not an obviously fictional number", c.Phone)
			}
		}
		if c.Confidential {
			confidential++
		}
	}
	share := func(k int) float64 { return float64(k) / n }
	if share(channels[workorder.ChannelPhone]) < 0.6 {
		t.Errorf("phone share %.2f, want most", share(channels[workorder.ChannelPhone]))
	}
	for _, ch := range []workorder.Channel{workorder.ChannelWeb, workorder.ChannelMobile, workorder.ChannelOpen311, workorder.ChannelGrid} {
		if channels[ch] == 0 || channels[ch] > channels[workorder.ChannelPhone]/4 {
			t.Errorf("channel %s: %d of %d", ch, channels[ch], n)
		}
	}
	if got := share(types[workorder.TypeComplaint] + types[workorder.TypeHelp]); got < 0.55 {
		t.Errorf("complaints and help requests are %.2f of the matters, want most", got)
	}
	for _, typ := range workorder.RequestTypes {
		if types[typ] == 0 {
			t.Errorf("no %s in %d matters", typ, n)
		}
	}
	if a, c, l := share(anonymous), share(confidential), share(onLine); a < 0.01 || a > 0.06 || c < 0.01 || c > 0.08 || l < 0.05 || l > 0.4 {
		t.Errorf("anonymous %.3f, confidential %.3f, on a merged hotline %.3f", a, c, l)
	}
	if got := share(keyword); got < 0.9 {
		t.Errorf("only %.2f of the matters name their category or one of its keywords", got)
	}
}

func TestSeasonsChangeWhatPeopleCallAbout(t *testing.T) {
	count := func(month time.Month) int {
		x := demoTexts(t, 3)
		at := time.Date(2026, month, 10, 10, 0, 0, 0, workorder.Shanghai)
		n := 0
		for range 3000 {
			if x.Matter(at).Intake.Category == "110401" {
				n++
			}
		}
		return n
	}
	if winter, summer := count(time.January), count(time.July); winter < 10*max(summer, 1) {
		t.Errorf("heating complaints: %d in January, %d in July", winter, summer)
	}
}

// TestMattersFallBackToThePhone draws matters from a catalogue that grid workers have nothing to
// report from: the grid channel gives way to the phone instead of looping.
func TestMattersFallBackToThePhone(t *testing.T) {
	cats := []category.Category{{Code: "06", Name: "劳动和社会保障", Level: 1, Active: true},
		{Code: "0603", Name: "医疗保障", ParentCode: "06", Level: 2, Active: true},
		{Code: "060301", Name: "医保报销", ParentCode: "0603", Level: 3, Active: true}}
	x, err := NewTexts(1, demoCity(t).Places, cats)
	if err != nil {
		t.Fatal(err)
	}
	var grids []string
	for _, g := range x.grids {
		grids = append(grids, g.code)
	}
	x.patrol(grids)
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, workorder.Shanghai)
	for range 500 {
		m := x.Matter(at)
		if m.Intake.Category != "060301" || m.Intake.Channel == workorder.ChannelGrid || m.Intake.Channel == workorder.ChannelSensor {
			t.Fatalf("drew %s on %s", m.Intake.Category, m.Intake.Channel)
		}
	}
}
