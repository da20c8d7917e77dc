package democity

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
)

// The demo city's standard address list (标准地址库) and the addresses its made-up callers give come from
// one address book, so that the matcher can be tried on the demo's orders and most of them find their
// grid. The book is a function of the places alone: the seed stores it, and the text generator, built
// later from the stored places, draws its compounds, roads and door numbers from the same book.

// districtRoads are each district's main roads: 街 run east to west, 路 and 大道 north to south.
var districtRoads = map[string]struct{ eastWest, northSouth []string }{
	"150302": {
		eastWest:   []string{"新华街", "海北大街", "黄河东街", "胜利街", "体育街", "甘德尔街", "新风街", "乌兰街"},
		northSouth: []string{"人民路", "滨河大道", "林荫路", "建设路", "团结路", "育才路", "公园路", "千里山路"},
	},
	"150303": {
		eastWest:   []string{"海南大街", "兴业街", "和平街", "长城街"},
		northSouth: []string{"海拉路", "卫境路", "沿河路", "环城路", "振兴路"},
	},
	"150304": {
		eastWest:   []string{"巴音赛街", "新达街", "五虎山街", "苏海图街"},
		northSouth: []string{"青山路", "民族路", "友谊路", "光明路", "矿业路", "长青路", "北环路"},
	},
}

var (
	// compoundStems add to the community stems for naming compounds, so that a district never names two
	// compounds alike.
	compoundStems = []string{"金色", "锦绣", "翡翠", "玫瑰", "丁香", "海棠", "桃李", "枫林", "松涛", "柳岸",
		"荷塘", "星河", "云顶", "天鹅", "望河", "听涛", "御河", "蓝天", "白云", "晨光", "曙光", "晓月", "清泉",
		"溪畔", "河畔", "东苑", "西苑", "南苑", "北苑", "中央", "国际", "时代", "未来", "尚品", "雅居", "逸景",
		"怡景", "悦府", "澜湾", "华庭"}
	compoundSuffixes = []string{"小区", "花园", "家园", "嘉园", "新村", "苑", "佳苑", "名都"}
	laneSides        = []string{"东", "西", "南", "北"}
)

const (
	doorSamples   = 200 // points along a main road where a door number may be
	laneDoors     = 10  // door numbers of a lane
	groupsPerGrid = 2   // a village's groups (村民小组) in each of its grids
)

// addressBook is the demo's standard address list and, per grid, what the text generator may name there.
type addressBook struct {
	entries []gazetteer.Entry
	grids   map[string]*gridBook
	roads   map[string][]string // district code → its roads and lanes
}

// gridBook is what lies in one grid: compounds (or a village's groups), stretches of roads with their
// doors, and junctions.
type gridBook struct {
	compounds []compoundBook
	groups    []int
	roads     []roadStretch
	junctions [][2]string
}

type compoundBook struct {
	name      string
	buildings int
}

type roadStretch struct {
	name  string
	doors []int
}

// bookGrid is a grid as the book builder sees it.
type bookGrid struct {
	org.Place
	bound orb.Bound
}

// bookBuilder carries what every step of building the book needs.
type bookBuilder struct {
	rng    *rand.Rand
	index  *geo.Index
	byCode map[string]org.Place
	book   *addressBook
}

// newAddressBook makes the address book of the city in places (grids with outlines, and every place
// above them). The same places always give the same book.
func newAddressBook(places []org.Place) (*addressBook, error) {
	b := &bookBuilder{rng: rand.New(rand.NewPCG(seed, seed+12345)), byCode: map[string]org.Place{},
		book: &addressBook{grids: map[string]*gridBook{}, roads: map[string][]string{}}}
	var grids []bookGrid
	var withOutline []org.Place
	for _, p := range places {
		b.byCode[p.Code] = p
		if p.Level != org.LevelGrid || len(p.Boundary) == 0 {
			continue
		}
		shape, err := decodeBoundary(p.Boundary)
		if err != nil {
			return nil, fmt.Errorf("grid %s: %w", p.Code, err)
		}
		grids = append(grids, bookGrid{Place: p, bound: shape.Bound()})
		withOutline = append(withOutline, p)
		b.book.grids[p.Code] = &gridBook{}
	}
	slices.SortFunc(grids, func(a, c bookGrid) int { return strings.Compare(a.Code, c.Code) })
	var err error
	if b.index, err = geo.NewIndex(withOutline); err != nil {
		return nil, err
	}
	names := map[string][]string{} // district → compound names not used yet
	for _, d := range slices.Sorted(maps.Keys(districtRoads)) {
		var all []string
		for _, stem := range append(slices.Clone(communityStems), compoundStems...) {
			for _, suffix := range compoundSuffixes {
				all = append(all, stem+suffix)
			}
		}
		slices.Sort(all)
		b.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		names[d] = all
	}
	for start := 0; start < len(grids); {
		end := start
		for end < len(grids) && grids[end].ParentCode == grids[start].ParentCode {
			end++
		}
		if err := b.community(grids[start:end], names); err != nil {
			return nil, err
		}
		start = end
	}
	for start := 0; start < len(grids); {
		end := start
		for end < len(grids) && grids[end].Code[:6] == grids[start].Code[:6] {
			end++
		}
		b.roads(grids[start:end])
		start = end
	}
	return b.book, nil
}

// chain returns the names of a community and of the street and district above it.
func (b *bookBuilder) chain(communityCode string) (district, street, community string) {
	c := b.byCode[communityCode]
	s := b.byCode[c.ParentCode]
	return b.byCode[s.ParentCode].Name, s.Name, c.Name
}

func (b *bookBuilder) add(kind gazetteer.Kind, name, address, grid string, p orb.Point, aliases ...string) {
	b.book.entries = append(b.book.entries, gazetteer.Entry{Kind: kind, Name: name, Aliases: aliases, Address: address,
		Grid: grid, Lng: p[0], Lat: p[1]})
}

// community adds a community or village with its compounds and their buildings, or its groups.
func (b *bookBuilder) community(grids []bookGrid, names map[string][]string) error {
	comm := b.byCode[grids[0].ParentCode]
	district, street, name := b.chain(comm.Code)
	prefix := district + street + name
	centre := orb.Point{comm.CenterLng, comm.CenterLat}
	grid, ok := b.index.Locate(centre[0], centre[1])
	if !ok || !strings.HasPrefix(grid, comm.Code) {
		grid, centre = grids[0].Code, orb.Point{grids[0].CenterLng, grids[0].CenterLat}
	}
	b.add(gazetteer.KindCommunity, name, prefix, grid, centre)
	village := strings.HasSuffix(name, "村")
	for k, g := range grids {
		gb := b.book.grids[g.Code]
		if village {
			for n := k*groupsPerGrid + 1; n <= (k+1)*groupsPerGrid; n++ {
				group := chineseNumber(n) + "组"
				b.add(gazetteer.KindCompound, group, prefix+group, g.Code, b.pointIn(g, 0.6))
				gb.groups = append(gb.groups, n)
			}
			continue
		}
		for range 1 + b.rng.IntN(3) {
			pool := names[g.Code[:6]]
			if len(pool) == 0 {
				return fmt.Errorf("district %s: out of compound names", g.Code[:6])
			}
			c := compoundBook{name: pool[0], buildings: 4 + b.rng.IntN(11)}
			names[g.Code[:6]] = pool[1:]
			at := b.pointIn(g, 0.6)
			b.add(gazetteer.KindCompound, c.name, prefix+c.name, g.Code, at)
			for n := 1; n <= c.buildings; n++ {
				bld := strconv.Itoa(n) + "号楼"
				b.add(gazetteer.KindBuilding, bld, prefix+c.name+bld, g.Code, b.near(g, at))
			}
			gb.compounds = append(gb.compounds, c)
		}
	}
	return nil
}

// roads lays the district's main roads across it, through where its grids are thickest, numbers their
// doors from the west or south end, and adds their junctions; a grid no main road crosses gets a lane.
func (b *bookBuilder) roads(grids []bookGrid) {
	district := grids[0].Code[:6]
	dname := b.byCode[district].Name
	plan := districtRoads[district]
	var lngs, lats []float64
	extent := grids[0].bound
	for _, g := range grids {
		lngs, lats = append(lngs, g.CenterLng), append(lats, g.CenterLat)
		extent = extent.Union(g.bound)
	}
	slices.Sort(lngs)
	slices.Sort(lats)
	quantile := func(xs []float64, i, n int) float64 { return xs[(2*i+1)*len(xs)/(2*n)] }
	eastWest := make([]float64, len(plan.eastWest))
	for i := range eastWest {
		eastWest[i] = quantile(lats, i, len(eastWest))
		b.road(dname, plan.eastWest[i], orb.Point{extent.Min[0], eastWest[i]}, orb.Point{extent.Max[0], eastWest[i]}, district)
	}
	northSouth := make([]float64, len(plan.northSouth))
	for i := range northSouth {
		northSouth[i] = quantile(lngs, i, len(northSouth))
		b.road(dname, plan.northSouth[i], orb.Point{northSouth[i], extent.Min[1]}, orb.Point{northSouth[i], extent.Max[1]}, district)
	}
	for i, y := range eastWest {
		for j, x := range northSouth {
			at := orb.Point{roundMicro(x), roundMicro(y)}
			grid, ok := b.index.Locate(at[0], at[1])
			if !ok || !strings.HasPrefix(grid, district) {
				continue
			}
			ew, ns := plan.eastWest[i], plan.northSouth[j]
			b.add(gazetteer.KindPOI, ew+"与"+ns+"交叉口", dname+ew+"与"+ns+"交叉口", grid, at, ns+"与"+ew+"交叉口")
			gb := b.book.grids[grid]
			gb.junctions = append(gb.junctions, [2]string{ew, ns})
		}
	}
	lanes := map[string]int{} // community → lanes so far
	for _, g := range grids {
		gb := b.book.grids[g.Code]
		if len(gb.roads) > 0 {
			continue
		}
		_, _, comm := b.chain(g.ParentCode)
		stem := strings.TrimSuffix(strings.TrimSuffix(comm, "社区"), "村")
		var name string
		for {
			k := lanes[g.ParentCode]
			lanes[g.ParentCode]++
			name = stem + laneSides[k%len(laneSides)]
			if k >= len(laneSides) {
				name += chineseNumber(k/len(laneSides) + 1)
			}
			name += "巷"
			if !slices.Contains(b.book.roads[district], name) {
				break
			}
		}
		stretch := roadStretch{name: name}
		for n := 1; n <= laneDoors; n++ {
			p := b.pointIn(g, 0.8)
			if n == 1 {
				b.add(gazetteer.KindRoad, name, dname+name, g.Code, p)
			}
			b.add(gazetteer.KindBuilding, strconv.Itoa(n)+"号", dname+name+strconv.Itoa(n)+"号", g.Code, p)
			stretch.doors = append(stretch.doors, n)
		}
		gb.roads = append(gb.roads, stretch)
		b.book.roads[district] = append(b.book.roads[district], name)
	}
}

// road adds a main road from a to b: a door wherever a sample point falls in one of the district's
// grids, numbered in order, and the road itself at its middle door.
func (b *bookBuilder) road(dname, name string, a, c orb.Point, district string) {
	type door struct {
		n    int
		at   orb.Point
		grid string
	}
	var doors []door
	for i := range doorSamples {
		t := (float64(i) + 0.5) / doorSamples
		p := orb.Point{roundMicro(a[0] + t*(c[0]-a[0])), roundMicro(a[1] + t*(c[1]-a[1]))}
		grid, ok := b.index.Locate(p[0], p[1])
		if !ok || !strings.HasPrefix(grid, district) {
			continue
		}
		doors = append(doors, door{len(doors) + 1, p, grid})
	}
	if len(doors) == 0 {
		return
	}
	mid := doors[len(doors)/2]
	b.add(gazetteer.KindRoad, name, dname+name, mid.grid, mid.at)
	b.book.roads[district] = append(b.book.roads[district], name)
	for _, d := range doors {
		b.add(gazetteer.KindBuilding, strconv.Itoa(d.n)+"号", dname+name+strconv.Itoa(d.n)+"号", d.grid, d.at)
		gb := b.book.grids[d.grid]
		if k := len(gb.roads) - 1; k >= 0 && gb.roads[k].name == name {
			gb.roads[k].doors = append(gb.roads[k].doors, d.n)
		} else {
			gb.roads = append(gb.roads, roadStretch{name: name, doors: []int{d.n}})
		}
	}
}

// pointIn draws a point in the grid, within spread of its bounding box around its centre, that the
// index locates back to exactly this grid (the centre itself when no draw does).
func (b *bookBuilder) pointIn(g bookGrid, spread float64) orb.Point {
	return pointInGrid(b.rng, b.index, g.Code, orb.Point{g.CenterLng, g.CenterLat}, g.bound, spread)
}

// near draws a point close to at (a building near its compound's gate) in the same grid.
func (b *bookBuilder) near(g bookGrid, at orb.Point) orb.Point {
	small := orb.Bound{Min: orb.Point{at[0] - 0.001, at[1] - 0.001}, Max: orb.Point{at[0] + 0.001, at[1] + 0.001}}
	return pointInGrid(b.rng, b.index, g.Code, at, small, 1)
}

// pointInGrid draws a point around centre, within spread of bound, that index locates to grid; after a
// few misses it gives centre, which the caller knows to lie in the grid.
func pointInGrid(rng *rand.Rand, index *geo.Index, grid string, centre orb.Point, bound orb.Bound, spread float64) orb.Point {
	w, h := bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]
	for range 6 {
		p := orb.Point{roundMicro(centre[0] + (rng.Float64()-0.5)*w*spread), roundMicro(centre[1] + (rng.Float64()-0.5)*h*spread)}
		if code, ok := index.Locate(p[0], p[1]); ok && code == grid {
			return p
		}
	}
	return centre
}

// chineseNumber writes 1 to 99 as Chinese numerals (三, 十二, 二十), as villages number their groups.
func chineseNumber(n int) string {
	switch {
	case n <= 10:
		return chineseDigits[n-1]
	case n < 20:
		return "十" + chineseDigits[n-11]
	case n%10 == 0:
		return chineseDigits[n/10-1] + "十"
	}
	return chineseDigits[n/10-1] + "十" + chineseDigits[n%10-1]
}

// Gazetteer makes the demo city's standard address list from its places (see newAddressBook).
func Gazetteer(places []org.Place) ([]gazetteer.Entry, error) {
	book, err := newAddressBook(places)
	if err != nil {
		return nil, err
	}
	return book.entries, nil
}
