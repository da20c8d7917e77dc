package gazetteer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/org"
)

// syntheticCity makes a city of 3 districts, 24 streets, 144 communities and 864 grids with about
// 50,000 entries: two compounds of twenty buildings per grid, thirty roads of two hundred doors per
// district, junctions, and a place or two per grid. It returns the places, the entries and, for each
// of some entries, an address as a caller might say it.
func syntheticCity() ([]org.Place, []Entry, []string) {
	rng := rand.New(rand.NewPCG(5, 12345))
	syllables := []rune("康乐团结胜利光明和平友谊幸福朝阳长青滨湖金川兴泰育才民主新风祥安居惠龙游彩虹春晖同心佳御锦华文苑书香银河")
	var stems []string
	for _, a := range syllables {
		for _, b := range syllables {
			if a != b {
				stems = append(stems, string([]rune{a, b}))
			}
		}
	}
	rng.Shuffle(len(stems), func(i, j int) { stems[i], stems[j] = stems[j], stems[i] })
	next := 0
	stem := func() string { next++; return stems[next%len(stems)] }
	places := []org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}
	var entries []Entry
	var says []string
	add := func(kind Kind, name, address, grid string, aliases ...string) {
		entries = append(entries, Entry{Kind: kind, Name: name, Aliases: aliases, Address: address, Grid: grid, Lng: 106.8, Lat: 39.6})
	}
	suffixes := []string{"小区", "花园", "家园", "嘉园", "新村", "苑"}
	for d := range 3 {
		dcode := fmt.Sprintf("15030%d", d+2)
		dname := stem() + "区"
		places = append(places, org.Place{Code: dcode, Name: dname, Level: org.LevelDistrict, ParentCode: "150300"})
		var grids []string
		for s := range 8 {
			scode := fmt.Sprintf("%s%03d", dcode, s+1)
			sname := stem() + "街道"
			places = append(places, org.Place{Code: scode, Name: sname, Level: org.LevelStreet, ParentCode: dcode})
			for c := range 6 {
				ccode := fmt.Sprintf("%s%03d", scode, c+1)
				cname := stem() + "社区"
				places = append(places, org.Place{Code: ccode, Name: cname, Level: org.LevelCommunity, ParentCode: scode})
				add(KindCommunity, cname, dname+sname+cname, ccode+"001")
				for g := range 6 {
					gcode := fmt.Sprintf("%s%03d", ccode, g+1)
					places = append(places, org.Place{Code: gcode, Name: fmt.Sprintf("第%d网格", g+1), Level: org.LevelGrid, ParentCode: ccode})
					grids = append(grids, gcode)
					for range 2 {
						short := stem()
						name := short + suffixes[rng.IntN(len(suffixes))]
						prefix := dname + sname + cname + name
						add(KindCompound, name, prefix, gcode)
						for b := 1; b <= 20; b++ {
							add(KindBuilding, fmt.Sprintf("%d号楼", b), fmt.Sprintf("%s%d号楼", prefix, b), gcode)
						}
						b := 1 + rng.IntN(20)
						says = append(says, fmt.Sprintf("%s%s%s%d号楼%d单元", dname, sname, name, b, 1+rng.IntN(6)),
							fmt.Sprintf("%s%s%s栋", dname, short, []string{"一", "三", "十二", "二十"}[rng.IntN(4)]))
					}
					poi := stem() + []string{"小学", "菜市场", "卫生服务站", "幼儿园"}[rng.IntN(4)]
					add(KindPOI, poi, dname+sname+poi, gcode)
					says = append(says, poi+"门口")
				}
			}
		}
		var roads []string
		for r := range 30 {
			road := stem() + []string{"路", "街", "大街", "巷"}[r%4]
			roads = append(roads, road)
			add(KindRoad, road, dname+road, grids[rng.IntN(len(grids))])
			for n := 1; n <= 200; n++ {
				add(KindBuilding, fmt.Sprintf("%d号", n), fmt.Sprintf("%s%s%d号", dname, road, n), grids[(r*7+n/10)%len(grids)])
			}
			says = append(says, fmt.Sprintf("%s %s %d号附近", dname, road, 1+rng.IntN(200)))
		}
		for i := 0; i+1 < len(roads); i += 2 {
			j := fmt.Sprintf("%s与%s交叉口", roads[i], roads[i+1])
			add(KindPOI, j, dname+j, grids[rng.IntN(len(grids))], fmt.Sprintf("%s与%s交叉口", roads[i+1], roads[i]))
			says = append(says, fmt.Sprintf("%s%s和%s路口", dname, roads[i+1], roads[i]))
		}
	}
	// Texts that match nothing, or almost nothing.
	says = append(says, "", "😀😀😀", "我要投诉楼上装修噪音太大了已经好几天了", "北京市朝阳区建国路88号",
		"asdf1234", string(slices.Repeat([]rune("人民路"), 100)))
	rng.Shuffle(len(says), func(i, j int) { says[i], says[j] = says[j], says[i] })
	return places, entries, says
}

// BenchmarkMatch times one match against about 50,000 entries and reports the 50th and 99th
// percentile of single matches (go test -bench Match ./internal/gazetteer/).
func BenchmarkMatch(b *testing.B) {
	places, entries, says := syntheticCity()
	start := time.Now()
	m := NewMatcher(entries, places)
	b.Logf("%d entries indexed in %v; %d texts", m.Len(), time.Since(start).Round(time.Millisecond), len(says))
	var took []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		m.Match(says[i%len(says)])
		took = append(took, time.Since(t0))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}

// The synthetic city is meant to look like a real list: callers' texts about its entries mostly match.
func TestSyntheticCityMatches(t *testing.T) {
	places, entries, says := syntheticCity()
	if len(entries) < 45000 {
		t.Fatalf("%d entries, want about 50,000", len(entries))
	}
	m := NewMatcher(entries, places)
	confident := 0
	for _, s := range says {
		if m.Match(s).Confident {
			confident++
		}
	}
	share := float64(confident) / float64(len(says))
	t.Logf("%d of %d synthetic texts matched confidently", confident, len(says))
	if share < 0.8 {
		t.Errorf("%.2f of %d synthetic texts matched confidently, want most", share, len(says))
	}
}
